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

use super::{check_cross_entropy, check_mse, dot, given, mse, softmax_row, wanted};

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

/// The second-order rule of [`softmax_cross_entropy`](super::softmax_cross_entropy). Per row,
/// with `p = softmax(z)`, `S = Σ t`, `Ṡ = Σ ṫ` and all over the `B` rows:
/// `z̄ += seed · (S p − t) + tangent_seed · (S (p ⊙ ż − p ⟨p, ż⟩) + Ṡ p − ṫ)`,
/// `t̄ += seed · (lse − z) + tangent_seed · (⟨p, ż⟩ − ż)`, `ż̄ += tangent_seed · (S p − t)`,
/// `ṫ̄ += tangent_seed · (lse − z)`.
///
/// # Panics
///
/// As [`softmax_cross_entropy`](super::softmax_cross_entropy), or if a tangent or a bar is
/// neither empty nor its argument's length.
#[allow(clippy::too_many_arguments)]
pub fn softmax_cross_entropy_jvp_vjp(
    logits: &[f64],
    targets: &[f64],
    n: usize,
    logits_dot: &[f64],
    targets_dot: &[f64],
    seed: f64,
    tangent_seed: f64,
    logits_bar: &mut [f64],
    targets_bar: &mut [f64],
    logits_dot_bar: &mut [f64],
    targets_dot_bar: &mut [f64],
) -> f64 {
    const RULE: &str = "softmax_cross_entropy_jvp_vjp";
    check_cross_entropy(logits, targets, n, RULE);
    let len = logits.len();
    let has_z = given(logits_dot, len, RULE, "logits");
    let has_t = given(targets_dot, len, RULE, "targets");
    let wants = [
        wanted(logits_bar, len, RULE, "logits"),
        wanted(targets_bar, len, RULE, "targets"),
        wanted(logits_dot_bar, len, RULE, "logits_dot"),
        wanted(targets_dot_bar, len, RULE, "targets_dot"),
    ];
    let rows = len / n;
    let b = rows as f64;
    let (seed, tangent_seed) = (seed / b, tangent_seed / b);
    let mut p = vec![0.0; n];
    let mut total = 0.0;
    for r in 0..rows {
        let range = r * n..(r + 1) * n;
        let (z, t) = (&logits[range.clone()], &targets[range.clone()]);
        let lse = softmax_row(z, &mut p);
        total += z.iter().zip(t).map(|(zj, tj)| tj * (lse - zj)).sum::<f64>();
        let s: f64 = t.iter().sum();
        let s_dot: f64 = if has_t {
            targets_dot[range.clone()].iter().sum()
        } else {
            0.0
        };
        let zd = |j: usize| if has_z { logits_dot[r * n + j] } else { 0.0 };
        let td = |j: usize| if has_t { targets_dot[r * n + j] } else { 0.0 };
        let inner = if has_z {
            dot(&p, &logits_dot[range.clone()])
        } else {
            0.0
        };
        for j in 0..n {
            let k = r * n + j;
            let dz = s * p[j] - t[j];
            let dt = lse - z[j];
            if wants[0] {
                let curvature = s * (p[j] * zd(j) - p[j] * inner) + s_dot * p[j] - td(j);
                logits_bar[k] += seed * dz + tangent_seed * curvature;
            }
            if wants[1] {
                targets_bar[k] += seed * dt + tangent_seed * (inner - zd(j));
            }
            if wants[2] {
                logits_dot_bar[k] += tangent_seed * dz;
            }
            if wants[3] {
                targets_dot_bar[k] += tangent_seed * dt;
            }
        }
    }
    total / b
}
