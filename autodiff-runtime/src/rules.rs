//! The local derivative rule of every primitive, one function each.
//!
//! A rule receives what it needs of the primitive's inputs and its output `y` (the table row's
//! `uses` says which: the inputs, the output, both or neither), then the output's adjoint `ȳ`,
//! and returns what each float input's adjoint receives, `ā = ȳ · ∂y/∂a` (a tuple when there
//! are several). Taking only what it needs tells the reverse transform what to keep. Generated code calls these; the table in `autodiff-macros/src/primitives.rs` says
//! which source spelling maps to which rule.
//!
//! Conventions at points where the derivative does not exist are stated on each rule. Where a
//! partial is infinite (`sqrt` at 0, `ln` at 0, …) the rule goes through [`scale`] or [`ratio`],
//! so a zero adjoint contributes exactly zero instead of `0 · ∞ = NaN`.

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

/// `y = a + b`: `ā = ȳ`, `b̄ = ȳ`.
#[inline(always)]
pub fn add<F: Float>(ybar: F) -> (F, F) {
    (ybar, ybar)
}

/// `y = a − b`: `ā = ȳ`, `b̄ = −ȳ`.
#[inline(always)]
pub fn sub<F: Float>(ybar: F) -> (F, F) {
    (ybar, -ybar)
}

/// `y = a · b`: `ā = ȳ b`, `b̄ = ȳ a`.
#[inline(always)]
pub fn mul<F: Float>(a: F, b: F, ybar: F) -> (F, F) {
    (ybar * b, ybar * a)
}

/// `y = a / b`: `ā = ȳ / b`, `b̄ = −ȳ y / b`. Not guarded: the partials are infinite only where
/// `y` itself is.
#[inline(always)]
pub fn div<F: Float>(_a: F, b: F, y: F, ybar: F) -> (F, F) {
    let abar = ybar / b;
    (abar, -abar * y)
}

/// `y = a % b = a − b·trunc(a / b)`: `ā = ȳ`, `b̄ = −ȳ·trunc(a / b)` (away from the jumps, where
/// `a / b` is an integer and the derivative in `a` is taken as 1 all the same).
#[inline(always)]
pub fn rem<F: Float>(a: F, b: F, ybar: F) -> (F, F) {
    (ybar, -ybar * (a / b).trunc())
}

/// `y = −x`: `x̄ = −ȳ`.
#[inline(always)]
pub fn neg<F: Float>(ybar: F) -> F {
    -ybar
}

/// `y = sin x`: `x̄ = ȳ cos x`.
#[inline(always)]
pub fn sin<F: Float>(x: F, ybar: F) -> F {
    ybar * x.cos()
}

/// `y = cos x`: `x̄ = −ȳ sin x`.
#[inline(always)]
pub fn cos<F: Float>(x: F, ybar: F) -> F {
    -ybar * x.sin()
}

/// `y = tan x`: `x̄ = ȳ (1 + y²)`.
#[inline(always)]
pub fn tan<F: Float>(y: F, ybar: F) -> F {
    ybar * (F::ONE + y * y)
}

/// `y = asin x`: `x̄ = ȳ / √(1 − x²)`; infinite at `x = ±1`.
#[inline(always)]
pub fn asin<F: Float>(x: F, ybar: F) -> F {
    ratio(ybar, (F::ONE - x * x).sqrt())
}

/// `y = acos x`: `x̄ = −ȳ / √(1 − x²)`; infinite at `x = ±1`.
#[inline(always)]
pub fn acos<F: Float>(x: F, ybar: F) -> F {
    -ratio(ybar, (F::ONE - x * x).sqrt())
}

/// `y = atan x`: `x̄ = ȳ / (1 + x²)`.
#[inline(always)]
pub fn atan<F: Float>(x: F, ybar: F) -> F {
    ybar / (F::ONE + x * x)
}

/// `y = atan2(a, b)` (the angle of the point `(b, a)`): `ā = ȳ b / (a² + b²)`,
/// `b̄ = −ȳ a / (a² + b²)`; both 0 at the origin, where the angle jumps.
#[inline(always)]
pub fn atan2<F: Float>(a: F, b: F, ybar: F) -> (F, F) {
    let r2 = a * a + b * b;
    if r2 == F::ZERO {
        (F::ZERO, F::ZERO)
    } else {
        let s = ybar / r2;
        (s * b, -s * a)
    }
}

/// `y = sinh x`: `x̄ = ȳ cosh x`.
#[inline(always)]
pub fn sinh<F: Float>(x: F, ybar: F) -> F {
    ybar * x.cosh()
}

/// `y = cosh x`: `x̄ = ȳ sinh x`.
#[inline(always)]
pub fn cosh<F: Float>(x: F, ybar: F) -> F {
    ybar * x.sinh()
}

/// `y = tanh x`: `x̄ = ȳ (1 − y²)`.
#[inline(always)]
pub fn tanh<F: Float>(y: F, ybar: F) -> F {
    ybar * (F::ONE - y * y)
}

/// `y = asinh x`: `x̄ = ȳ / √(x² + 1)`.
#[inline(always)]
pub fn asinh<F: Float>(x: F, ybar: F) -> F {
    ybar / (x * x + F::ONE).sqrt()
}

/// `y = acosh x`: `x̄ = ȳ / √(x² − 1)`; infinite at `x = 1`.
#[inline(always)]
pub fn acosh<F: Float>(x: F, ybar: F) -> F {
    ratio(ybar, (x * x - F::ONE).sqrt())
}

/// `y = atanh x`: `x̄ = ȳ / (1 − x²)`; infinite at `x = ±1`.
#[inline(always)]
pub fn atanh<F: Float>(x: F, ybar: F) -> F {
    ratio(ybar, F::ONE - x * x)
}

/// `y = eˣ`: `x̄ = ȳ y`.
#[inline(always)]
pub fn exp<F: Float>(y: F, ybar: F) -> F {
    ybar * y
}

/// `y = 2ˣ`: `x̄ = ȳ y ln 2`.
#[inline(always)]
pub fn exp2<F: Float>(y: F, ybar: F) -> F {
    ybar * y * F::LN_2
}

/// `y = eˣ − 1`: `x̄ = ȳ (y + 1)`.
#[inline(always)]
pub fn exp_m1<F: Float>(y: F, ybar: F) -> F {
    ybar * (y + F::ONE)
}

/// `y = ln x`: `x̄ = ȳ / x`; infinite at 0.
#[inline(always)]
pub fn ln<F: Float>(x: F, ybar: F) -> F {
    ratio(ybar, x)
}

/// `y = ln(1 + x)`: `x̄ = ȳ / (1 + x)`; infinite at −1.
#[inline(always)]
pub fn ln_1p<F: Float>(x: F, ybar: F) -> F {
    ratio(ybar, F::ONE + x)
}

/// `y = log_b x = ln x / ln b`: `x̄ = ȳ / (x ln b)`, `b̄ = −ȳ y / (b ln b)`.
#[inline(always)]
pub fn log<F: Float>(x: F, b: F, y: F, ybar: F) -> (F, F) {
    let lnb = b.ln();
    (ratio(ybar, x * lnb), -ratio(ybar * y, b * lnb))
}

/// `y = log₂ x`: `x̄ = ȳ / (x ln 2)`; infinite at 0.
#[inline(always)]
pub fn log2<F: Float>(x: F, ybar: F) -> F {
    ratio(ybar, x * F::LN_2)
}

/// `y = log₁₀ x`: `x̄ = ȳ / (x ln 10)`; infinite at 0.
#[inline(always)]
pub fn log10<F: Float>(x: F, ybar: F) -> F {
    ratio(ybar, x * F::LN_10)
}

/// `y = √x`: `x̄ = ȳ / (2y)`; `+∞` at 0 (and 0 there when `ȳ = 0`).
#[inline(always)]
pub fn sqrt<F: Float>(y: F, ybar: F) -> F {
    ratio(ybar, F::TWO * y)
}

/// `y = ∛x`: `x̄ = ȳ / (3y²)`; infinite at 0.
#[inline(always)]
pub fn cbrt<F: Float>(y: F, ybar: F) -> F {
    ratio(ybar, (F::ONE + F::TWO) * y * y)
}

/// `y = xⁿ`: `x̄ = ȳ n xⁿ⁻¹`; exactly 0 for `n = 0`, where `y` is the constant 1.
#[inline(always)]
pub fn powi<F: Float>(x: F, n: i32, ybar: F) -> F {
    if n == 0 {
        F::ZERO
    } else {
        scale(ybar, F::from_i32(n) * x.powi(n - 1))
    }
}

/// `y = xᵖ`: `x̄ = ȳ p xᵖ⁻¹` (0 for `p = 0`), `p̄ = ȳ y ln x`, which is 0 where `x = 0`.
#[inline(always)]
pub fn powf<F: Float>(x: F, p: F, y: F, ybar: F) -> (F, F) {
    let xbar = if p == F::ZERO {
        F::ZERO
    } else {
        scale(ybar, p * x.powf(p - F::ONE))
    };
    let pbar = if x == F::ZERO {
        F::ZERO
    } else {
        scale(ybar, y * x.ln())
    };
    (xbar, pbar)
}

/// `y = √(a² + b²)`: `ā = ȳ a / y`, `b̄ = ȳ b / y`; both 0 at the origin (a subgradient).
#[inline(always)]
pub fn hypot<F: Float>(a: F, b: F, y: F, ybar: F) -> (F, F) {
    if y == F::ZERO {
        (F::ZERO, F::ZERO)
    } else {
        let s = ybar / y;
        (s * a, s * b)
    }
}

/// `y = |x|`: `x̄ = ȳ · x.signum()`, Rust's sign: +1 at +0.0, −1 at −0.0 (as Enzyme and JAX).
#[inline(always)]
pub fn abs<F: Float>(x: F, ybar: F) -> F {
    ybar * x.signum()
}

/// `y = 1 / x`: `x̄ = −ȳ y²`.
#[inline(always)]
pub fn recip<F: Float>(y: F, ybar: F) -> F {
    -ybar * y * y
}

/// `y = x · a + b` (fused): `x̄ = ȳ a`, `ā = ȳ x`, `b̄ = ȳ`.
#[inline(always)]
pub fn mul_add<F: Float>(x: F, a: F, _b: F, ybar: F) -> (F, F, F) {
    (ybar * a, ybar * x, ybar)
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

/// `y = σ(x) = 1 / (1 + e⁻ˣ)`: `x̄ = ȳ y (1 − y)`.
#[inline(always)]
pub fn sigmoid<F: Float>(y: F, ybar: F) -> F {
    ybar * y * (F::ONE - y)
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
