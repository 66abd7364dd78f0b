//! Second order: the Hessian-vector product as two passes composed, the reverse transform of
//! the tangent transform. The tangent `ẏ = ∇f·v` is a function of `x` and `v`; one reverse
//! sweep from `ẏ` gives `∂ẏ/∂x = H v` and `∂ẏ/∂v = ∇f` together (forward-over-reverse's
//! result, in the order reverse-over-forward computes it), with the value `y` beside.

use crate::ctxt::Ctxt;
use crate::ir::{visit, Func, Op, Stmt};
use crate::primitives::Tangent;
use crate::{activity, tangent};

/// What the reverse transform is given for `NAME_hvp`: the tangent of `primal`, its result the
/// tangent, its value kept beside, its parameters both `x` and the directions `v`. What has no
/// second order yet is reported to `cx`.
pub fn hessian_vector(primal: &Func, cx: &mut Ctxt) -> Func {
    let mut hv = tangent::tangent(primal);
    unsupported(&hv, cx);
    hv.values = std::mem::take(&mut hv.ret);
    hv.ret = std::mem::take(&mut hv.dots);
    let dot_wrt = std::mem::take(&mut hv.dot_wrt);
    hv.wrt.extend(dot_wrt);
    // Which values carry a second adjoint: those the tangent depends on.
    activity::analyse(&mut hv, cx);
    hv
}

/// Reports each primitive without a second-order rule, at its place. (A call's is the callee's
/// `_jvp_vjp`, which the lookup of rules reports if missing.) Every row a user can write has
/// one today (a unit test holds the table to that); this keeps a row added without one an
/// error, never a Hessian that misses its curvature.
fn unsupported(tan: &Func, cx: &mut Ctxt) {
    visit(&tan.body, &mut |s| match s {
        Stmt::Let {
            op: Op::Rule { prim, .. },
            span,
            ..
        } if prim.tangent == Tangent::FirstOrder => cx.error_at(
            *span,
            format!(
                "`{}` has no second-order rule yet, so `#[grad(hvp)]` cannot differentiate it \
                 twice; write it with operations that have one, or leave `hvp` out",
                prim.name,
            ),
        ),
        _ => {}
    });
}
