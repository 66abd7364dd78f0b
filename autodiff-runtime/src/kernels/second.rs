//! The kernels' second-order rules: `NAME_jvp_vjp(<NAME's parameters>, <its tangents>, seed,
//! tangent_seed, <its bars>, <its tangents' bars>)`, the reverse of `NAME_jvp`, what a
//! `#[grad(hvp)]` caller calls. Into each bar goes `seed · ∂y/∂x + tangent_seed · ∂ẏ/∂x`,
//! into each tangent's bar `tangent_seed · ∂ẏ/∂ẋ = tangent_seed · ∂y/∂x`; returns the value.
//!
//! Empty tangents are zero and empty bars unwanted, as in the forward and reverse rules.
//! Kernels without one here (the vector-valued ones) make `#[grad(hvp)]` on a caller a spanned
//! error at the call.
//!
//! ```
//! use autodiff_runtime::kernels::dot_jvp_vjp;
//!
//! // y = ⟨x, x'⟩ along ẋ = (1, 0): ∂ẏ/∂x' = ẋ.
//! let (mut xb, mut yb, mut xdb) = ([0.0; 2], [0.0; 2], [0.0; 2]);
//! let y = dot_jvp_vjp(&[1.0, 2.0], &[3.0, 4.0], &[1.0, 0.0], &[], 0.0, 1.0,
//!                     &mut xb, &mut yb, &mut xdb, &mut []);
//! assert_eq!((y, xb, yb, xdb), (11.0, [0.0, 0.0], [1.0, 0.0], [3.0, 4.0]));
//! ```

use super::{check_mse, dot, given, mse, wanted};

/// `bar += a · u` (`u` empty: nothing), where `bar` is wanted.
fn add_scaled(bar: &mut [f64], a: f64, u: &[f64]) {
    for (b, u) in bar.iter_mut().zip(u) {
        *b += a * u;
    }
}

/// The second-order rule of [`dot`](super::dot): `x̄ += seed · y + tangent_seed · ẏ`,
/// `ȳ += seed · x + tangent_seed · ẋ`, `ẋ̄ += tangent_seed · y`, `ẏ̄ += tangent_seed · x`.
///
/// # Panics
///
/// As [`dot`](super::dot), or if a tangent or a bar is neither empty nor its argument's length.
#[allow(clippy::too_many_arguments)]
pub fn dot_jvp_vjp(
    x: &[f64],
    y: &[f64],
    x_dot: &[f64],
    y_dot: &[f64],
    seed: f64,
    tangent_seed: f64,
    x_bar: &mut [f64],
    y_bar: &mut [f64],
    x_dot_bar: &mut [f64],
    y_dot_bar: &mut [f64],
) -> f64 {
    let value = dot(x, y);
    let rule = "dot_jvp_vjp";
    let (xd, yd) = (
        given(x_dot, x.len(), rule, "x"),
        given(y_dot, y.len(), rule, "y"),
    );
    if wanted(x_bar, x.len(), rule, "x") {
        add_scaled(x_bar, seed, y);
        if yd {
            add_scaled(x_bar, tangent_seed, y_dot);
        }
    }
    if wanted(y_bar, y.len(), rule, "y") {
        add_scaled(y_bar, seed, x);
        if xd {
            add_scaled(y_bar, tangent_seed, x_dot);
        }
    }
    if wanted(x_dot_bar, x.len(), rule, "x_dot") {
        add_scaled(x_dot_bar, tangent_seed, y);
    }
    if wanted(y_dot_bar, y.len(), rule, "y_dot") {
        add_scaled(y_dot_bar, tangent_seed, x);
    }
    value
}

/// The second-order rule of [`mse`](super::mse): with `r = pred − target` and `ṙ` its tangent,
/// `p̄ += (seed · 2r + tangent_seed · 2ṙ)/N`, `t̄` the opposite, `ṗ̄ += tangent_seed · 2r/N`,
/// `ṫ̄` the opposite.
///
/// # Panics
///
/// As [`mse`](super::mse), or if a tangent or a bar is neither empty nor its argument's length.
#[allow(clippy::too_many_arguments)]
pub fn mse_jvp_vjp(
    pred: &[f64],
    target: &[f64],
    pred_dot: &[f64],
    target_dot: &[f64],
    seed: f64,
    tangent_seed: f64,
    pred_bar: &mut [f64],
    target_bar: &mut [f64],
    pred_dot_bar: &mut [f64],
    target_dot_bar: &mut [f64],
) -> f64 {
    check_mse(pred, target, "mse_jvp_vjp");
    let rule = "mse_jvp_vjp";
    let value = mse(pred, target);
    let scale = 2.0 / pred.len() as f64;
    let (pd, td) = (
        given(pred_dot, pred.len(), rule, "pred"),
        given(target_dot, target.len(), rule, "target"),
    );
    let wants = [
        wanted(pred_bar, pred.len(), rule, "pred"),
        wanted(target_bar, pred.len(), rule, "target"),
        wanted(pred_dot_bar, pred.len(), rule, "pred_dot"),
        wanted(target_dot_bar, pred.len(), rule, "target_dot"),
    ];
    for i in 0..pred.len() {
        let r = pred[i] - target[i];
        let r_dot = if pd { pred_dot[i] } else { 0.0 } - if td { target_dot[i] } else { 0.0 };
        let b = scale * (seed * r + tangent_seed * r_dot);
        let d = scale * tangent_seed * r;
        if wants[0] {
            pred_bar[i] += b;
        }
        if wants[1] {
            target_bar[i] -= b;
        }
        if wants[2] {
            pred_dot_bar[i] += d;
        }
        if wants[3] {
            target_dot_bar[i] -= d;
        }
    }
    value
}
