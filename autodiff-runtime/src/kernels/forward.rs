//! The kernels' forward rules: `NAME_jvp(<NAME's parameters>, <one tangent per slice parameter,
//! in parameter order>)` returns `NAME`'s value and its tangent `J·ẋ`, what `#[grad(jvp)]`
//! callers call.
//!
//! - A tangent is a `&[f64]` of its argument's length; an **empty** tangent for a non-empty
//!   argument is a zero one, and the rule skips its work (what a caller passes for an inactive
//!   argument, as an empty bar is an unwanted adjoint).
//! - A kernel that returns `f64` returns `(value, tangent)`; one that returns `Vec<f64>` returns
//!   `(Vec<f64>, Vec<f64>)`.
//! - Each rule agrees with the kernel's reverse rule: `⟨ȳ, J ẋ⟩ = ⟨Jᵀȳ, ẋ⟩` (tested).
//!
//! ```
//! use autodiff_runtime::kernels::{matvec_jvp, dot_jvp};
//!
//! // y = A x with A = [[1, 2], [3, 4]]: along ẋ = (1, 0) the tangent is A's first column.
//! let (y, y_dot) = matvec_jvp(&[1.0, 2.0, 3.0, 4.0], &[1.0, 1.0], 2, 2, &[], &[1.0, 0.0]);
//! assert_eq!((y, y_dot), (vec![3.0, 7.0], vec![1.0, 3.0]));
//! // ⟨x, y⟩ along (ẋ, 0).
//! assert_eq!(dot_jvp(&[1.0, 2.0], &[3.0, 4.0], &[1.0, 1.0], &[]), (11.0, 7.0));
//! ```

use super::{
    check_bias, check_cross_entropy, check_matmul, check_matvec, check_mse, check_rows, dot, gemm,
    given, lse_row, mse, sigmoid_d, softmax_row, tanh_d, Mat,
};

/// The forward rule of [`dot`](super::dot): `⟨ẋ, y⟩ + ⟨x, ẏ⟩`.
///
/// # Panics
///
/// As [`dot`](super::dot), or if a tangent is neither empty nor its argument's length.
pub fn dot_jvp(x: &[f64], y: &[f64], x_dot: &[f64], y_dot: &[f64]) -> (f64, f64) {
    let value = dot(x, y);
    let mut tangent = 0.0;
    if given(x_dot, x.len(), "dot_jvp", "x") {
        tangent += dot(x_dot, y);
    }
    if given(y_dot, y.len(), "dot_jvp", "y") {
        tangent += dot(x, y_dot);
    }
    (value, tangent)
}

/// The forward rule of [`matvec`](super::matvec): `Ȧ x + A ẋ`.
///
/// # Panics
///
/// As [`matvec`](super::matvec), or if a tangent is neither empty nor its argument's length.
pub fn matvec_jvp(
    a: &[f64],
    x: &[f64],
    m: usize,
    n: usize,
    a_dot: &[f64],
    x_dot: &[f64],
) -> (Vec<f64>, Vec<f64>) {
    check_matvec(a, x, m, n, "matvec_jvp");
    let row = |i: usize| i * n..(i + 1) * n;
    let value = (0..m).map(|i| dot(&a[row(i)], x)).collect();
    let mut tangent = vec![0.0; m];
    if given(a_dot, a.len(), "matvec_jvp", "a") {
        for (i, t) in tangent.iter_mut().enumerate() {
            *t += dot(&a_dot[row(i)], x);
        }
    }
    if given(x_dot, x.len(), "matvec_jvp", "x") {
        for (i, t) in tangent.iter_mut().enumerate() {
            *t += dot(&a[row(i)], x_dot);
        }
    }
    (value, tangent)
}

/// The forward rule of [`matmul`](super::matmul): `Ȧ B + A Ḃ`, one GEMM each (an empty tangent
/// skips its GEMM).
///
/// # Panics
///
/// As [`matmul`](super::matmul), or if a tangent is neither empty nor its argument's length.
#[allow(clippy::too_many_arguments)] // The rule's shape is fixed by what #[grad] generates.
pub fn matmul_jvp(
    a: &[f64],
    b: &[f64],
    m: usize,
    k: usize,
    n: usize,
    a_dot: &[f64],
    b_dot: &[f64],
) -> (Vec<f64>, Vec<f64>) {
    check_matmul(a, b, m, k, n, "matmul_jvp");
    let (ma, mb) = (Mat::new(a, m, k), Mat::new(b, k, n));
    let mut value = vec![0.0; m * n];
    gemm(ma, mb, 0.0, &mut value);
    let mut tangent = vec![0.0; m * n];
    if given(a_dot, a.len(), "matmul_jvp", "a") {
        gemm(Mat::new(a_dot, m, k), mb, 1.0, &mut tangent);
    }
    if given(b_dot, b.len(), "matmul_jvp", "b") {
        gemm(ma, Mat::new(b_dot, k, n), 1.0, &mut tangent);
    }
    (value, tangent)
}

/// The forward rule of [`add_bias`](super::add_bias): `ẏ` plus `ḃ` in every row.
///
/// # Panics
///
/// As [`add_bias`](super::add_bias), or if a tangent is neither empty nor its argument's length.
pub fn add_bias_jvp(y: &[f64], b: &[f64], y_dot: &[f64], b_dot: &[f64]) -> (Vec<f64>, Vec<f64>) {
    check_bias(y, b, "add_bias_jvp");
    let value = super::add_bias(y, b);
    let mut tangent = vec![0.0; y.len()];
    if given(y_dot, y.len(), "add_bias_jvp", "y") {
        tangent.copy_from_slice(y_dot);
    }
    if given(b_dot, b.len(), "add_bias_jvp", "b") {
        for row in tangent.chunks_exact_mut(b.len()) {
            row.iter_mut().zip(b_dot).for_each(|(t, d)| *t += d);
        }
    }
    (value, tangent)
}

/// The forward rule of an elementwise kernel `f` whose derivative is `d`: `ẏ = ẋ ∘ d(x)`.
fn elementwise_jvp(
    x: &[f64],
    x_dot: &[f64],
    rule: &str,
    f: impl Fn(f64) -> f64,
    d: impl Fn(f64) -> f64,
) -> (Vec<f64>, Vec<f64>) {
    let value = x.iter().map(|&v| f(v)).collect();
    let tangent = if given(x_dot, x.len(), rule, "x") {
        x.iter().zip(x_dot).map(|(&v, &t)| t * d(v)).collect()
    } else {
        vec![0.0; x.len()]
    };
    (value, tangent)
}

/// The forward rule of [`relu`](super::relu): `ẋ` where `x > 0`, and 0 elsewhere, including
/// at 0, as the reverse rule.
///
/// # Panics
///
/// If `x_dot` is neither empty nor `x`'s length.
pub fn relu_jvp(x: &[f64], x_dot: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let step = |v: f64| if v > 0.0 { 1.0 } else { 0.0 };
    elementwise_jvp(x, x_dot, "relu_jvp", crate::relu, step)
}

/// The forward rule of [`sigmoid`](super::sigmoid): `ẋ σ(x)(1 − σ(x))`.
///
/// # Panics
///
/// If `x_dot` is neither empty nor `x`'s length.
pub fn sigmoid_jvp(x: &[f64], x_dot: &[f64]) -> (Vec<f64>, Vec<f64>) {
    elementwise_jvp(x, x_dot, "sigmoid_jvp", crate::sigmoid, sigmoid_d)
}

/// The forward rule of [`tanh`](super::tanh): `ẋ (1 − tanh² x)`.
///
/// # Panics
///
/// If `x_dot` is neither empty nor `x`'s length.
pub fn tanh_jvp(x: &[f64], x_dot: &[f64]) -> (Vec<f64>, Vec<f64>) {
    elementwise_jvp(x, x_dot, "tanh_jvp", f64::tanh, tanh_d)
}

/// The forward rule of [`softmax`](super::softmax): `ṗ = p ∘ (ẋ − ⟨p, ẋ⟩)`, row by row.
///
/// # Panics
///
/// As [`softmax`](super::softmax), or if `x_dot` is neither empty nor `x`'s length.
pub fn softmax_jvp(x: &[f64], n: usize, x_dot: &[f64]) -> (Vec<f64>, Vec<f64>) {
    check_rows(x, n, "softmax_jvp", "x");
    let mut value = vec![0.0; x.len()];
    for (row, p) in x.chunks_exact(n).zip(value.chunks_exact_mut(n)) {
        softmax_row(row, p);
    }
    let mut tangent = vec![0.0; x.len()];
    if given(x_dot, x.len(), "softmax_jvp", "x") {
        let rows = value.chunks_exact(n).zip(x_dot.chunks_exact(n));
        for ((p, d), t) in rows.zip(tangent.chunks_exact_mut(n)) {
            let inner = dot(p, d);
            for ((tj, &pj), &dj) in t.iter_mut().zip(p).zip(d) {
                *tj = pj * (dj - inner);
            }
        }
    }
    (value, tangent)
}

/// The forward rule of [`logsumexp`](super::logsumexp): `⟨softmax(x_r), ẋ_r⟩` for each row.
///
/// # Panics
///
/// As [`logsumexp`](super::logsumexp), or if `x_dot` is neither empty nor `x`'s length.
pub fn logsumexp_jvp(x: &[f64], n: usize, x_dot: &[f64]) -> (Vec<f64>, Vec<f64>) {
    check_rows(x, n, "logsumexp_jvp", "x");
    let rows = x.len() / n;
    if !given(x_dot, x.len(), "logsumexp_jvp", "x") {
        return (x.chunks_exact(n).map(lse_row).collect(), vec![0.0; rows]);
    }
    let mut p = vec![0.0; n];
    let (mut value, mut tangent) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
    for (row, d) in x.chunks_exact(n).zip(x_dot.chunks_exact(n)) {
        value.push(softmax_row(row, &mut p));
        tangent.push(dot(&p, d));
    }
    (value, tangent)
}

/// The forward rule of [`softmax_cross_entropy`](super::softmax_cross_entropy):
/// `(1/B) Σ_r [Σ_j ṫ_j (lse − z_j) + Σ_j t_j (⟨p, ż⟩ − ż_j)]`, stable as the kernel.
///
/// # Panics
///
/// As [`softmax_cross_entropy`](super::softmax_cross_entropy), or if a tangent is neither
/// empty nor its argument's length.
pub fn softmax_cross_entropy_jvp(
    logits: &[f64],
    targets: &[f64],
    n: usize,
    logits_dot: &[f64],
    targets_dot: &[f64],
) -> (f64, f64) {
    const RULE: &str = "softmax_cross_entropy_jvp";
    check_cross_entropy(logits, targets, n, RULE);
    let has_z = given(logits_dot, logits.len(), RULE, "logits");
    let has_t = given(targets_dot, targets.len(), RULE, "targets");
    let rows = logits.len() / n;
    let mut p = vec![0.0; if has_z { n } else { 0 }];
    let (mut total, mut tangent) = (0.0, 0.0);
    for r in 0..rows {
        let range = r * n..(r + 1) * n;
        let (z, t) = (&logits[range.clone()], &targets[range.clone()]);
        let lse = if has_z {
            softmax_row(z, &mut p)
        } else {
            lse_row(z)
        };
        total += z.iter().zip(t).map(|(zj, tj)| tj * (lse - zj)).sum::<f64>();
        if has_z {
            let zd = &logits_dot[range.clone()];
            let (inner, t_sum) = (dot(&p, zd), t.iter().sum::<f64>());
            tangent += t_sum * inner - dot(t, zd);
        }
        if has_t {
            let td = &targets_dot[range];
            tangent += td.iter().zip(z).map(|(d, zj)| d * (lse - zj)).sum::<f64>();
        }
    }
    (total / rows as f64, tangent / rows as f64)
}

/// The forward rule of [`mse`](super::mse): `(2/N) Σ (predᵢ − targetᵢ)(ṗredᵢ − ṫargetᵢ)`.
///
/// # Panics
///
/// As [`mse`](super::mse), or if a tangent is neither empty nor its argument's length.
pub fn mse_jvp(pred: &[f64], target: &[f64], pred_dot: &[f64], target_dot: &[f64]) -> (f64, f64) {
    check_mse(pred, target, "mse_jvp");
    let value = mse(pred, target);
    let scale = 2.0 / pred.len() as f64;
    let mut tangent = 0.0;
    if given(pred_dot, pred.len(), "mse_jvp", "pred") {
        tangent += pred
            .iter()
            .zip(target)
            .zip(pred_dot)
            .map(|((p, t), d)| (p - t) * d)
            .sum::<f64>();
    }
    if given(target_dot, target.len(), "mse_jvp", "target") {
        tangent -= pred
            .iter()
            .zip(target)
            .zip(target_dot)
            .map(|((p, t), d)| (p - t) * d)
            .sum::<f64>();
    }
    (value, scale * tangent)
}
