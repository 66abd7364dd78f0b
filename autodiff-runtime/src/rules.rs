//! The local derivative rules of the primitives whose partials are piecewise constant (kinks,
//! steps, ties), and of the internal ones the tangent templates are written with.
//!
//! A smooth primitive's rule is its row's tangent template in `autodiff-macros/src/primitives.rs`,
//! `ȳ · ∂y/∂a` with the adjoint for the tangent, which the macro writes out as arithmetic in the
//! generated code. The ones here are called: a rule receives what it needs of the primitive's
//! inputs and its output `y` (the row's `uses` says which: the inputs, the output, both or
//! neither), then the output's adjoint `ȳ`, and returns what each float input's adjoint
//! receives (a tuple when there are several). Taking only what it needs tells the reverse
//! transform what to keep.
//!
//! Conventions at points where the derivative does not exist are stated on each rule. Where a
//! partial is infinite, the rule goes through [`scale`] or [`ratio`], so a zero adjoint
//! contributes exactly zero instead of `0 · ∞ = NaN`.

use crate::Float;

/// `ȳ · ∂`, except that a zero adjoint stays zero even when the partial is infinite or NaN.
#[inline(always)]
pub fn scale<F: Float>(ybar: F, partial: F) -> F {
    if ybar == F::ZERO {
        F::ZERO
    } else {
        ybar * partial
    }
}

/// `ȳ / d`, except that a zero adjoint stays zero even where `d` is 0. Dividing, rather than
/// multiplying by `1 / d`, saves a multiply and a rounding.
#[inline(always)]
pub fn ratio<F: Float>(ybar: F, d: F) -> F {
    if ybar == F::ZERO {
        F::ZERO
    } else {
        ybar / d
    }
}

/// `y = a % b = a − b·trunc(a / b)`: `ā = ȳ`, `b̄ = −ȳ·trunc(a / b)` (away from the jumps, where
/// `a / b` is an integer and the derivative in `a` is taken as 1 all the same).
#[inline(always)]
pub fn rem<F: Float>(a: F, b: F, ybar: F) -> (F, F) {
    (ybar, -ybar * (a / b).trunc())
}

/// `y = |x|`: `x̄ = ȳ · x.signum()`, Rust's sign: +1 at +0.0, −1 at −0.0 (as Enzyme and JAX).
#[inline(always)]
pub fn abs<F: Float>(x: F, ybar: F) -> F {
    ybar * x.signum()
}

/// `y = max(a, b)`: the adjoint goes to the argument that is the result; at a tie it is split
/// ½ and ½ (as JAX), so that `x.max(x)` has derivative 1. Like `f64::max`, a NaN argument is
/// ignored, and so receives nothing.
#[inline(always)]
pub fn max<F: Float>(a: F, b: F, y: F, ybar: F) -> (F, F) {
    select_ties(a, b, y, ybar)
}

/// `y = min(a, b)`: as [`max`], the result's argument receives the adjoint, ties split ½ and ½.
#[inline(always)]
pub fn min<F: Float>(a: F, b: F, y: F, ybar: F) -> (F, F) {
    select_ties(a, b, y, ybar)
}

/// The rule of every primitive whose result is one of its two arguments.
#[inline(always)]
fn select_ties<F: Float>(a: F, b: F, y: F, ybar: F) -> (F, F) {
    match (y == a, y == b) {
        (true, true) => (ybar * F::HALF, ybar * F::HALF),
        (true, false) => (ybar, F::ZERO),
        (false, true) => (F::ZERO, ybar),
        (false, false) => (F::ZERO, F::ZERO),
    }
}

/// `y = x.clamp(lo, hi)`, differentiated as `min(max(x, lo), hi)` (as JAX's `clip`): inside
/// the interval `x̄ = ȳ`; below it `lō = ȳ`, above it `hī = ȳ`; exactly on a bound the adjoint
/// is split ½ and ½ between `x` and that bound, as [`max`] and [`min`] do.
#[inline(always)]
pub fn clamp<F: Float>(x: F, lo: F, hi: F, y: F, ybar: F) -> (F, F, F) {
    let m = x.max(lo);
    let (mbar, hibar) = select_ties(m, hi, y, ybar);
    let (xbar, lobar) = select_ties(x, lo, m, mbar);
    (xbar, lobar, hibar)
}

/// `y = x.signum()`: piecewise constant, `x̄ = 0`.
#[inline(always)]
pub fn signum<F: Float>(_ybar: F) -> F {
    F::ZERO
}

/// `y = ⌊x⌋`: piecewise constant, `x̄ = 0` (also at the jumps).
#[inline(always)]
pub fn floor<F: Float>(_ybar: F) -> F {
    F::ZERO
}

/// `y = ⌈x⌉`: piecewise constant, `x̄ = 0` (also at the jumps).
#[inline(always)]
pub fn ceil<F: Float>(_ybar: F) -> F {
    F::ZERO
}

/// `y = x.round()`: piecewise constant, `x̄ = 0` (also at the jumps).
#[inline(always)]
pub fn round<F: Float>(_ybar: F) -> F {
    F::ZERO
}

/// `y = x.trunc()`: piecewise constant, `x̄ = 0` (also at the jumps).
#[inline(always)]
pub fn trunc<F: Float>(_ybar: F) -> F {
    F::ZERO
}

/// `y = x · π/180`: `x̄ = ȳ π/180`.
#[inline(always)]
pub fn to_radians<F: Float>(ybar: F) -> F {
    ybar * F::RAD_PER_DEG
}

/// `y = x · 180/π`: `x̄ = ȳ · 180/π`.
#[inline(always)]
pub fn to_degrees<F: Float>(ybar: F) -> F {
    ybar / F::RAD_PER_DEG
}

/// `y = relu x = max(x, 0)`: `x̄ = ȳ` where `x > 0`, else 0 (also at exactly 0).
#[inline(always)]
pub fn relu<F: Float>(x: F, ybar: F) -> F {
    if x > F::ZERO {
        ybar
    } else {
        F::ZERO
    }
}

/// `y = detach(x)`, the stop-gradient: the value passes through, `x̄` receives nothing.
#[inline(always)]
pub fn detach<F: Float>(_ybar: F) -> F {
    F::ZERO
}

// What generated tangents are written with (`__private::guarded_mul` and its kin), so that the
// reverse sweep over a tangent, second order, differentiates them as any primitive.

/// `y = guarded_mul(d, p) = d·p`, 0 where `d` is (as [`scale`]): `d̄ = ȳ p` (guarded alike),
/// `p̄ = ȳ d`.
#[inline(always)]
pub fn guarded_mul<F: Float>(d: F, p: F, ybar: F) -> (F, F) {
    (scale(ybar, p), ybar * d)
}

/// `y = guarded_div(d, q) = d / q`, 0 where `d` is (as [`ratio`]): `d̄ = ȳ / q` (guarded alike),
/// `q̄ = −ȳ y / q`.
#[inline(always)]
pub fn guarded_div<F: Float>(_d: F, q: F, y: F, ybar: F) -> (F, F) {
    (ratio(ybar, q), -ratio(ybar * y, q))
}

/// `y = powi_d(x, n) = n xⁿ⁻¹`, 0 for `n = 0` (the partial of `xⁿ`): `x̄ = ȳ n (n − 1) xⁿ⁻²`,
/// 0 for `n` of 0 or 1.
#[inline(always)]
pub fn powi_d<F: Float>(x: F, n: i32, ybar: F) -> F {
    if n == 0 || n == 1 {
        F::ZERO
    } else {
        scale(ybar, F::from_i32(n) * F::from_i32(n - 1) * x.powi(n - 2))
    }
}

/// `y = powf_d(x, p) = p xᵖ⁻¹`, 0 for `p = 0` (the partial of `xᵖ` in `x`):
/// `x̄ = ȳ p (p − 1) xᵖ⁻²`, 0 for `p` of 0 or 1; `p̄ = ȳ xᵖ⁻¹ (1 + p ln x)`, without the
/// logarithm where `x = 0` (as the rule of `powf` drops it there).
#[inline(always)]
pub fn powf_d<F: Float>(x: F, p: F, ybar: F) -> (F, F) {
    let xbar = if p == F::ZERO || p == F::ONE {
        F::ZERO
    } else {
        scale(ybar, p * (p - F::ONE) * x.powf(p - F::TWO))
    };
    let pbar = if x == F::ZERO {
        scale(ybar, x.powf(p - F::ONE))
    } else {
        scale(ybar, x.powf(p - F::ONE) * (F::ONE + p * x.ln()))
    };
    (xbar, pbar)
}

/// `z = powf_dp(x, y) = y ln x`, 0 where `x = 0` (the partial of `y = xᵖ` in `p`):
/// `x̄ = z̄ y / x`, `ȳ = z̄ ln x`, both 0 where `x = 0`.
#[inline(always)]
pub fn powf_dp<F: Float>(x: F, y: F, zbar: F) -> (F, F) {
    if x == F::ZERO {
        (F::ZERO, F::ZERO)
    } else {
        (ratio(scale(zbar, y), x), scale(zbar, x.ln()))
    }
}

/// `z = quot0(n, q) = n / q`, 0 where `q = 0` (a partial at a kink): `n̄ = z̄ / q`,
/// `q̄ = −z̄ z / q`, and both 0 where `q = 0`, where the kink has no curvature.
#[inline(always)]
pub fn quot0<F: Float>(_n: F, q: F, z: F, zbar: F) -> (F, F) {
    if q == F::ZERO {
        (F::ZERO, F::ZERO)
    } else {
        let nbar = zbar / q;
        (nbar, -nbar * z)
    }
}
