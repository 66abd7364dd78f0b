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
