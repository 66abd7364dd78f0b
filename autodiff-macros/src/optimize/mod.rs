//! Rewrites of the adjoint IR that make the generated code as lean as a hand-written adjoint:
//! what the mechanical transform writes is correct but carries operations a person would not
//! write, and that LLVM cannot remove on its own because they change a value's uses, the memory
//! it touches, or the order of a floating-point sum. Each is exact (up to the sign of a zero)
//! but `lanes`, which adds one sum in another order.

use crate::ir::Func;

mod accumulators;
mod first_touch;
mod lanes;
mod rows;
mod signs;

/// The adjoint `adj`, rewritten.
pub fn optimize(mut adj: Func) -> Func {
    // `rows` finds the reverse sweep by its position in the body, which `signs` and
    // `accumulators` change, and wraps loops in an `if`, where `first_touch` no longer looks.
    first_touch::mark(&mut adj);
    rows::slice(&mut adj); // and `lanes::split` on the loops it slices
    signs::fold(&mut adj);
    accumulators::fuse(&mut adj);
    adj
}
