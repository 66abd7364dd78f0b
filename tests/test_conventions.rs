//! Conventions at non-differentiable points (DESIGN.md, "Primitives and their rules"), each
//! through generated code.

use approx::assert_relative_eq;
use autodiff::grad;

#[grad]
fn relu(x: f64) -> f64 {
    autodiff::relu(x)
}

#[test]
fn relu_at_zero_is_zero() {
    assert_eq!(relu_grad(0.0), (0.0, 0.0));
    assert_eq!(relu_grad(-0.0).1, 0.0);
    assert_eq!(relu_grad(1e-300).1, 1.0);
}

#[grad]
fn abs(x: f64) -> f64 {
    x.abs()
}

#[test]
fn abs_follows_the_sign_of_zero() {
    assert_eq!(abs_grad(0.0).1, 1.0);
    assert_eq!(abs_grad(-0.0).1, -1.0);
    assert_eq!(abs_grad(-3.0).1, -1.0);
}

#[grad]
fn self_max(x: f64) -> f64 {
    x.max(x)
}

#[grad]
fn self_min(x: f64) -> f64 {
    x.min(x)
}

#[grad]
fn max2(a: f64, b: f64) -> f64 {
    a.max(b)
}

#[grad]
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

#[grad]
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

#[grad]
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

#[grad]
fn sqrt(x: f64) -> f64 {
    x.sqrt()
}

#[test]
fn sqrt_at_zero_is_infinite() {
    assert_eq!(sqrt_grad(0.0).1, f64::INFINITY);
}

/// A zero adjoint reaching a rule whose partial is infinite contributes 0, not NaN.
#[grad]
fn zero_adjoint_through_infinite_partials(x: f64) -> f64 {
    0.0 * x.sqrt() + 0.0 * x.ln() + 0.0 * x.powf(0.5) + 0.0 * x.cbrt() + x
}

#[test]
fn zero_adjoint_never_becomes_nan() {
    assert_eq!(zero_adjoint_through_infinite_partials_grad(0.0).1, 1.0);
}

#[grad]
fn steps(x: f64) -> f64 {
    x.floor() + x.ceil() + x.round() + x.trunc() + x.signum()
}

#[test]
fn piecewise_constant_functions_have_zero_derivative() {
    for x in [-1.5, -1.0, 0.0, 0.5, 2.0] {
        assert_eq!(steps_grad(x).1, 0.0);
    }
}

#[grad]
fn powi_zero(x: f64) -> f64 {
    x.powi(0)
}

#[test]
fn powi_zero_is_constant_even_at_zero() {
    assert_eq!(powi_zero_grad(0.0), (1.0, 0.0));
}

#[grad]
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
