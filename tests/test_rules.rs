//! Hand-written rules: a function without `#[grad]` gets a `NAME_vjp` of the contract's shape,
//! and `#[grad]` callers use it, for float results and for `Vec` results.

// `#[grad]` functions index their slices in loops, as users write them.
#![allow(clippy::needless_range_loop)]

mod common;

use approx::assert_relative_eq;
use autodiff::check::{gradcheck, Tolerance};
use autodiff::grad;
use common::points;

/// `x ↦ x²` elementwise, with its rule: `x̄ += 2 x ȳ`.
fn squares(x: &[f64]) -> Vec<f64> {
    x.iter().map(|v| v * v).collect()
}

#[autodiff::vjp_rule(for = squares)]
fn squares_vjp(x: &[f64], seed: &[f64], x_bar: &mut [f64]) {
    for ((b, v), s) in x_bar.iter_mut().zip(x).zip(seed) {
        *b += 2.0 * v * s;
    }
}

/// `Σ x³`, through a `Vec` a rule computes.
#[grad]
fn cubes(x: &[f64]) -> f64 {
    let y: Vec<f64> = squares(x);
    let mut s = 0.0;
    for i in 0..y.len() {
        s += y[i] * x[i];
    }
    s
}

#[test]
fn a_vec_result_of_a_hand_written_rule() {
    let x = points(7, -2.0, 2.0, 3);
    let (value, g) = cubes_grad(&x);
    assert_relative_eq!(
        value,
        x.iter().map(|v| v * v * v).sum::<f64>(),
        max_relative = 1e-14
    );
    for (gi, xi) in g.iter().zip(&x) {
        assert_relative_eq!(*gi, 3.0 * xi * xi, max_relative = 1e-14);
    }
    gradcheck(cubes, &x, &g, &Tolerance::default()).unwrap();
}

/// Seed case 7: the mean softmax cross-entropy over a batch, row by row, written mechanically:
/// `log Σ exp(z) − Σ t z`, stabilised by the row maximum (which is detached: the loss does not
/// depend on it).
#[grad(wrt(z))]
fn cross_entropy_loops(z: &[f64], t: &[f64], classes: usize) -> f64 {
    let rows = z.len() / classes;
    let mut total = 0.0;
    for r in 0..rows {
        let mut m = z[r * classes];
        for j in 1..classes {
            m = m.max(z[r * classes + j]);
        }
        let m = autodiff::detach(m);
        let mut sum = 0.0;
        let mut dot = 0.0;
        for j in 0..classes {
            sum += (z[r * classes + j] - m).exp();
            dot += t[r * classes + j] * (z[r * classes + j] - m);
        }
        total += sum.ln() - dot;
    }
    total / rows as f64
}

/// The same loss through the runtime's fused rule `z̄ = (P − T)/B`.
#[grad(wrt(z))]
fn cross_entropy_kernel(z: &[f64], t: &[f64], classes: usize) -> f64 {
    autodiff::kernels::softmax_cross_entropy(z, t, classes)
}

/// The textbook form, `log Σ exp(z) − Σ t z`, without the shift: `exp` overflows for large
/// logits.
#[grad(wrt(z))]
fn cross_entropy_naive(z: &[f64], t: &[f64], classes: usize) -> f64 {
    let rows = z.len() / classes;
    let mut total = 0.0;
    for r in 0..rows {
        let mut sum = 0.0;
        let mut dot = 0.0;
        for j in 0..classes {
            sum += z[r * classes + j].exp();
            dot += t[r * classes + j] * z[r * classes + j];
        }
        total += sum.ln() - dot;
    }
    total / rows as f64
}

fn one_hot(rows: usize, classes: usize) -> Vec<f64> {
    let mut t = vec![0.0; rows * classes];
    for r in 0..rows {
        t[r * classes + (3 * r + 1) % classes] = 1.0;
    }
    t
}

#[test]
fn seed_case_7_fused_rule_agrees_with_the_mechanical_one() {
    let (rows, classes) = (4, 5);
    let z = points(rows * classes, -3.0, 3.0, 7);
    let t = one_hot(rows, classes);
    let (v1, g1) = cross_entropy_loops_grad(&z, &t, classes);
    let (v2, g2) = cross_entropy_kernel_grad(&z, &t, classes);
    assert_relative_eq!(v1, v2, max_relative = 1e-12);
    for (a, b) in g1.iter().zip(&g2) {
        assert_relative_eq!(*a, *b, epsilon = 1e-12);
    }
    let f = |z: &[f64]| cross_entropy_kernel(z, &t, classes);
    gradcheck(f, &z, &g2, &Tolerance::default()).unwrap();
}

#[test]
fn seed_case_7_logits_of_magnitude_1000() {
    let (rows, classes) = (3, 4);
    let z: Vec<f64> = points(rows * classes, -1.0, 1.0, 8)
        .iter()
        .enumerate()
        .map(|(i, v)| v + if i % 2 == 0 { 1000.0 } else { -1000.0 })
        .collect();
    let t = one_hot(rows, classes);
    let (naive, naive_grad) = cross_entropy_naive_grad(&z, &t, classes);
    assert!(!naive.is_finite(), "exp(1000) overflows");
    assert!(naive_grad.iter().any(|g| !g.is_finite()));
    let (value, g) = cross_entropy_kernel_grad(&z, &t, classes);
    assert!(value.is_finite());
    // (P − T)/B, with P the softmax of each row.
    for r in 0..rows {
        let row = &z[r * classes..(r + 1) * classes];
        let m = row.iter().cloned().fold(f64::MIN, f64::max);
        let s: f64 = row.iter().map(|v| (v - m).exp()).sum();
        for j in 0..classes {
            let p = (row[j] - m).exp() / s;
            let k = r * classes + j;
            assert_relative_eq!(g[k], (p - t[k]) / rows as f64, epsilon = 1e-15);
        }
    }
    // The mechanical version, stabilised as written, agrees here too.
    let (v2, g2) = cross_entropy_loops_grad(&z, &t, classes);
    assert_relative_eq!(value, v2, max_relative = 1e-12);
    for (a, b) in g.iter().zip(&g2) {
        assert_relative_eq!(*a, *b, epsilon = 1e-12);
    }
}

/// A scalar rule, checked by `#[vjp_rule]`: a smooth `|x|`, `√(x² + ε)`, whose rule is written
/// from the result.
fn soft_abs(x: f64, eps: f64) -> f64 {
    (x * x + eps).sqrt()
}

#[autodiff::vjp_rule(for = soft_abs)]
fn soft_abs_vjp(x: f64, eps: f64, seed: f64, x_bar: &mut f64, eps_bar: &mut f64) -> f64 {
    let y = soft_abs(x, eps);
    *x_bar += seed * x / y;
    *eps_bar += seed * 0.5 / y;
    y
}

#[grad(wrt(x))]
fn smooth_l1(x: &[f64], eps: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += soft_abs(x[i], eps);
    }
    s
}

#[test]
fn a_checked_scalar_rule_in_a_loop() {
    let x = points(6, -2.0, 2.0, 9);
    let (value, g) = smooth_l1_grad(&x, 1e-3);
    assert_relative_eq!(
        value,
        x.iter().map(|v| (v * v + 1e-3).sqrt()).sum::<f64>(),
        max_relative = 1e-14
    );
    for (gi, xi) in g.iter().zip(&x) {
        assert_relative_eq!(*gi, xi / (xi * xi + 1e-3).sqrt(), max_relative = 1e-14);
    }
}
