//! Runtime support for `autodiff`: the derivative rule of every primitive ([`rules`]), the
//! non-`std` primitives [`relu`] and [`sigmoid`], dense slice kernels with hand-written
//! vector-Jacobian products ([`kernels`]), and gradient checking ([`check`]).
//!
//! Users depend on the `autodiff` facade crate, which re-exports what is public here.

// The one exception is the GEMM call in `kernels`, allowed there and nowhere else.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod call;
pub mod check;
pub mod checkpoint;
mod float;
pub mod kernels;
pub mod ops;
pub mod rules;
mod second;
mod tape;
mod trace;

pub use call::{
    cast_like, no_bar, Active, Arg, CastTo, FloatArg, Inactive, IsInactive, NoBar, OtherArg,
};
pub use float::Float;
pub use second::{second_acc, AddScaled};
pub use tape::{pop, replay, seed, unwanted_like, zeros_like, Replay, Seed, Zeros};
pub use trace::{Step, Trace, Update};

/// The rectified linear unit, `max(x, 0)`. Its derivative at exactly 0 is taken to be 0.
///
/// ```
/// assert_eq!(autodiff_runtime::relu(-2.0_f64), 0.0);
/// assert_eq!(autodiff_runtime::relu(3.0_f64), 3.0);
/// ```
#[inline]
pub fn relu<F: Float>(x: F) -> F {
    if x > F::ZERO {
        x
    } else {
        F::ZERO
    }
}

/// The logistic sigmoid `σ(x) = 1 / (1 + e⁻ˣ)`, evaluated without overflow for any `x`.
///
/// ```
/// assert_eq!(autodiff_runtime::sigmoid(0.0_f64), 0.5);
/// assert!(autodiff_runtime::sigmoid(-1000.0_f64) >= 0.0);
/// ```
#[inline]
pub fn sigmoid<F: Float>(x: F) -> F {
    if x >= F::ZERO {
        F::ONE / (F::ONE + (-x).exp())
    } else {
        let e = x.exp();
        e / (F::ONE + e)
    }
}

/// `d·p`, 0 where `d` is even if `p` is infinite: a term of a generated tangent, where a zero
/// tangent stays zero as a zero adjoint does in the reverse rules.
#[doc(hidden)]
#[inline(always)]
pub fn guarded_mul<F: Float>(d: F, p: F) -> F {
    rules::scale(d, p)
}

/// `d / q`, 0 where `d` is even if `q` is 0 (as [`guarded_mul`]).
#[doc(hidden)]
#[inline(always)]
pub fn guarded_div<F: Float>(d: F, q: F) -> F {
    rules::ratio(d, q)
}

/// `n / q`, 0 where `q` is: a partial at a kink (`hypot`'s `a / y`, `atan2`'s at the origin),
/// which the rule takes as 0 there.
#[doc(hidden)]
#[inline(always)]
pub fn quot0<F: Float>(n: F, q: F) -> F {
    if q == F::ZERO {
        F::ZERO
    } else {
        n / q
    }
}

/// `n xⁿ⁻¹`, the partial of `xⁿ`, 0 for `n = 0` as the rule of `powi` has it.
#[doc(hidden)]
#[inline(always)]
pub fn powi_d<F: Float>(x: F, n: i32) -> F {
    if n == 0 {
        F::ZERO
    } else {
        F::from_i32(n) * x.powi(n - 1)
    }
}

/// `p xᵖ⁻¹`, the partial of `xᵖ` in `x`, 0 for `p = 0` as the rule of `powf` has it.
#[doc(hidden)]
#[inline(always)]
pub fn powf_d<F: Float>(x: F, p: F) -> F {
    if p == F::ZERO {
        F::ZERO
    } else {
        p * x.powf(p - F::ONE)
    }
}

/// `y ln x` for `y = xᵖ`, the partial of `xᵖ` in `p`, 0 where `x = 0` as the rule of `powf` has
/// it.
#[doc(hidden)]
#[inline(always)]
pub fn powf_dp<F: Float>(x: F, y: F) -> F {
    if x == F::ZERO {
        F::ZERO
    } else {
        y * x.ln()
    }
}

/// Stop-gradient: returns `x` unchanged, but `#[grad]` treats the result as a constant, so no
/// derivative flows back through it: in `#[grad] fn f(x: f64) -> f64 { x * autodiff::detach(x) }`
/// the derivative is `x`, not `2x`.
///
/// ```
/// assert_eq!(autodiff_runtime::detach(3.0_f64), 3.0);
/// ```
#[inline]
pub fn detach<F: Float>(x: F) -> F {
    x
}
