//! What a `#[grad]` caller tells a callee about its arguments: which are active. A callee with
//! `wrt(..)` requires the others to be [`Inactive`], so that a derivative it does not compute is
//! a compile error at the call, never a silent zero.

/// The mark of an argument that carries a derivative.
pub struct Active;

/// The mark of an argument that carries none (a constant, data, an integer).
pub struct Inactive;

/// Held by [`Inactive`] only: what a callee asks of the arguments for parameters outside its
/// `wrt(..)`.
#[diagnostic::on_unimplemented(
    message = "an active argument is passed for a parameter outside the callee's `wrt(..)`: its derivative would be lost",
    label = "an active argument goes to a parameter that this callee does not differentiate (the bound below names it)",
    note = "add that parameter to the callee's `wrt(..)`, or pass `autodiff::detach(..)` of the argument if no derivative should flow through it"
)]
pub trait IsInactive {}

impl IsInactive for Inactive {}

/// Held by the types a caller passes to a differentiated call without a bar: a constant of the
/// module or a call's result, whose type `#[grad]` cannot see, is checked to be one of them, so
/// that a float among them is this error at the argument rather than a wrong number of bars.
#[diagnostic::on_unimplemented(
    message = "#[grad] cannot see that this argument is a float, and passes the callee's rule no bar for it",
    label = "a constant of the module or a call's result, passed to a differentiated call",
    note = "bind it with its type first, as in `let dt: f64 = DT;`, and pass the name: #[grad] passes a bar for each argument it knows to be a float"
)]
pub trait NoBar {}

macro_rules! no_bar {
    ($($t:ty)*) => {$(impl NoBar for $t {})*};
}
no_bar!(u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize bool char str);

impl<T: NoBar + ?Sized> NoBar for &T {}

/// Checks, at compile time, that an argument passed without a bar is not a float.
#[inline(always)]
pub fn no_bar<T: NoBar + ?Sized>(_: &T) {}
