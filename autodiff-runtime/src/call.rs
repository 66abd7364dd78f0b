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

/// `x as T` between float widths, as a trait: the reverse of a cast from a float whose width
/// `#[grad]` cannot see (a call's result) casts the adjoint back with [`cast_like`].
pub trait CastTo<T> {
    /// `self as T`.
    fn cast(self) -> T;
}

macro_rules! cast_to {
    ($($from:ty => $to:ty),*) => {$(
        impl CastTo<$to> for $from {
            #[inline(always)]
            fn cast(self) -> $to {
                self as $to
            }
        }
    )*};
}
cast_to!(f64 => f64, f64 => f32, f32 => f64, f32 => f32);

/// `bar` cast to the type of `like`.
#[inline(always)]
pub fn cast_like<G: CastTo<F>, F>(bar: G, like: F) -> F {
    let _ = like;
    bar.cast()
}

/// What a caller passes to a differentiated call without a bar: a constant of the module, a
/// call's result or any other value whose type `#[grad]` cannot see. Generated code asks, with
/// [`Arg::kind`], whether it is a float after all (autoref specialisation picks [`FloatArg`] for
/// `f64` and `f32`, [`OtherArg`] for anything else), and hands the answer to [`no_bar`], so that a
/// float there is this error at the argument rather than a wrong number of bars.
pub struct Arg<'a, T: ?Sized>(pub &'a T);

/// The answer for `f64` and `f32`.
pub struct Float;

/// The answer for every other type.
pub struct Other;

/// Chosen for floats.
pub trait FloatArg {
    /// [`Float`].
    fn kind(&self) -> Float {
        Float
    }
}

impl FloatArg for Arg<'_, f64> {}
impl FloatArg for Arg<'_, f32> {}

/// Chosen for the rest.
pub trait OtherArg {
    /// [`Other`].
    fn kind(&self) -> Other {
        Other
    }
}

impl<T: ?Sized> OtherArg for &Arg<'_, T> {}

/// Held by [`Other`] only.
#[diagnostic::on_unimplemented(
    message = "#[grad] cannot see that this argument is a float, and passes the callee's rule no bar for it",
    label = "a constant of the module or a call's result, passed to a differentiated call",
    note = "bind it with its type first, as in `let dt: f64 = DT;`, and pass the name: #[grad] passes a bar for each argument it knows to be a float"
)]
pub trait NoBar {}

impl NoBar for Other {}

/// Checks, at compile time, that an argument passed without a bar is not a float.
#[inline(always)]
pub fn no_bar<K: NoBar>(_: K) {}
