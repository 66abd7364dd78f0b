//! Conventions at non-differentiable points (DESIGN.md, "Primitives and their rules"), each
//! through generated code, and the same in forward mode: a primitive's tangent is its reverse
//! rule with the tangent in place of the adjoint, so `NAME_jvp` along a unit direction gives
//! exactly the gradient's entry there.

use approx::assert_relative_eq;
use autodiff::grad;

#[grad(jvp)]
fn relu(x: f64) -> f64 {
    autodiff::relu(x)
}

#[test]
fn relu_at_zero_is_zero() {
    assert_eq!(relu_grad(0.0), (0.0, 0.0));
    assert_eq!(relu_grad(-0.0).1, 0.0);
    assert_eq!(relu_grad(1e-300).1, 1.0);
}

#[grad(jvp)]
fn abs(x: f64) -> f64 {
    x.abs()
}

#[test]
fn abs_follows_the_sign_of_zero() {
    assert_eq!(abs_grad(0.0).1, 1.0);
    assert_eq!(abs_grad(-0.0).1, -1.0);
    assert_eq!(abs_grad(-3.0).1, -1.0);
}

#[grad(jvp)]
fn self_max(x: f64) -> f64 {
    x.max(x)
}

#[grad(jvp)]
fn self_min(x: f64) -> f64 {
    x.min(x)
}

#[grad(jvp)]
fn max2(a: f64, b: f64) -> f64 {
    a.max(b)
}

#[grad(jvp)]
fn min2(a: f64, b: f64) -> f64 {
    f64::min(a, b)
}

#[test]
fn max_and_min_split_ties() {
    assert_eq!(self_max_grad(2.0).1, 1.0);
    assert_eq!(self_min_grad(-2.0).1, 1.0);
    assert_eq!(max2_grad(1.5, 1.5).1, (0.5, 0.5));
    assert_eq!(min2_grad(1.5, 1.5).1, (0.5, 0.5));
    assert_eq!(max2_grad(1.0, 2.0).1, (0.0, 1.0));
    assert_eq!(min2_grad(1.0, 2.0).1, (1.0, 0.0));
    // Like f64::max, a NaN argument is ignored, and so receives nothing.
    assert_eq!(max2_grad(f64::NAN, 2.0).1, (0.0, 1.0));
}

#[grad(jvp)]
fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    x.clamp(lo, hi)
}

#[test]
fn clamp_is_min_of_max() {
    assert_eq!(clamp_grad(0.5, 0.0, 1.0).1, (1.0, 0.0, 0.0));
    assert_eq!(clamp_grad(-0.5, 0.0, 1.0).1, (0.0, 1.0, 0.0));
    assert_eq!(clamp_grad(1.5, 0.0, 1.0).1, (0.0, 0.0, 1.0));
    assert_eq!(clamp_grad(0.0, 0.0, 1.0).1, (0.5, 0.5, 0.0));
    assert_eq!(clamp_grad(1.0, 0.0, 1.0).1, (0.5, 0.0, 0.5));
}

#[grad(jvp)]
fn powf(x: f64, p: f64) -> f64 {
    x.powf(p)
}

#[test]
fn powf_exponent_derivative_is_zero_at_base_zero() {
    let (y, (dx, dp)) = powf_grad(0.0, 2.0);
    assert_eq!((y, dx, dp), (0.0, 0.0, 0.0));
    let (_, (dx, dp)) = powf_grad(2.0, 0.0);
    assert_eq!(dx, 0.0);
    assert_relative_eq!(dp, 2.0_f64.ln());
}

#[grad(jvp)]
fn sqrt(x: f64) -> f64 {
    x.sqrt()
}

#[test]
fn sqrt_at_zero_is_infinite() {
    assert_eq!(sqrt_grad(0.0).1, f64::INFINITY);
}

/// A zero adjoint reaching a rule whose partial is infinite contributes 0, not NaN.
#[grad(jvp)]
fn zero_adjoint_through_infinite_partials(x: f64) -> f64 {
    0.0 * x.sqrt() + 0.0 * x.ln() + 0.0 * x.powf(0.5) + 0.0 * x.cbrt() + x
}

#[test]
fn zero_adjoint_never_becomes_nan() {
    assert_eq!(zero_adjoint_through_infinite_partials_grad(0.0).1, 1.0);
}

#[grad(jvp)]
fn steps(x: f64) -> f64 {
    x.floor() + x.ceil() + x.round() + x.trunc() + x.signum()
}

#[test]
fn piecewise_constant_functions_have_zero_derivative() {
    for x in [-1.5, -1.0, 0.0, 0.5, 2.0] {
        assert_eq!(steps_grad(x).1, 0.0);
    }
}

#[grad(jvp)]
fn powi_zero(x: f64) -> f64 {
    x.powi(0)
}

#[test]
fn powi_zero_is_constant_even_at_zero() {
    assert_eq!(powi_zero_grad(0.0), (1.0, 0.0));
}

#[grad(jvp)]
fn detached(x: f64, y: f64) -> f64 {
    let scale = autodiff::detach(x * y);
    scale * x + autodiff::detach(y).sin()
}

#[test]
fn detach_stops_the_gradient() {
    let (v, (dx, dy)) = detached_grad(2.0, 3.0);
    assert_eq!(v, 12.0 + 3.0_f64.sin());
    assert_eq!((dx, dy), (6.0, 0.0));
}

/// `NAME_jvp` along each unit direction equals the gradient's entry, bit for bit, at the
/// points above.
macro_rules! agree {
    ($grad:ident, $jvp:ident, $($x:expr),*) => {{
        let (_, g) = $grad($($x),*);
        let g: Vec<f64> = autodiff::check::Outputs::to_vec(&Flat::from(g));
        let x = [$($x),*];
        for k in 0..x.len() {
            let mut e = [0.0; 8];
            e[k] = 1.0;
            let mut i = 0;
            let (_, t) = $jvp($($x),*, $({ let _ = $x; i += 1; e[i - 1] }),*);
            assert!(
                t == g[k] || (t.is_nan() && g[k].is_nan()),
                "{} at {:?}, direction {k}: jvp {t} but grad {}",
                stringify!($grad), x, g[k]
            );
        }
    }};
}

/// A gradient (one float or a tuple of them) as a list.
struct Flat(Vec<f64>);

impl From<f64> for Flat {
    fn from(g: f64) -> Self {
        Flat(vec![g])
    }
}

impl From<(f64, f64)> for Flat {
    fn from(g: (f64, f64)) -> Self {
        Flat(vec![g.0, g.1])
    }
}

impl From<(f64, f64, f64)> for Flat {
    fn from(g: (f64, f64, f64)) -> Self {
        Flat(vec![g.0, g.1, g.2])
    }
}

impl autodiff::check::Outputs for Flat {
    fn to_vec(&self) -> Vec<f64> {
        self.0.clone()
    }
}

#[test]
fn forward_mode_keeps_every_convention() {
    for x in [0.0, -0.0, 1e-300, -3.0, 2.0] {
        agree!(relu_grad, relu_jvp, x);
        agree!(abs_grad, abs_jvp, x);
        agree!(self_max_grad, self_max_jvp, x);
        agree!(self_min_grad, self_min_jvp, x);
        agree!(sqrt_grad, sqrt_jvp, x.abs());
        agree!(steps_grad, steps_jvp, x);
        agree!(powi_zero_grad, powi_zero_jvp, x);
    }
    for (a, b) in [(1.5, 1.5), (1.0, 2.0), (f64::NAN, 2.0), (0.0, -0.0)] {
        agree!(max2_grad, max2_jvp, a, b);
        agree!(min2_grad, min2_jvp, a, b);
        agree!(powf_grad, powf_jvp, a.abs(), b);
    }
    for x in [0.5, -0.5, 1.5, 0.0, 1.0] {
        agree!(clamp_grad, clamp_jvp, x, 0.0, 1.0);
    }
    agree!(detached_grad, detached_jvp, 2.0, 3.0);
}

/// The forward counterpart of the guard above: a zero tangent through an infinite partial stays
/// zero. (A constant zero factor times an infinite tangent, `0 · √x` at 0 along a direction that
/// moves `x`, is NaN in forward mode, where the reverse sweep's guard gives 0.)
#[test]
fn zero_tangent_never_becomes_nan() {
    assert_eq!(sqrt_jvp(0.0, 0.0), (0.0, 0.0));
    let (_, t) = zero_adjoint_through_infinite_partials_jvp(0.0, 0.0);
    assert_eq!(t, 0.0);
}
