//! Seed cases 5 and 6 as `#[grad]` functions, each written twice: through the kernels of
//! `autodiff::kernels` (the reverse sweep calls their hand-written `_vjp` rules) and with plain
//! loops (differentiated one scalar at a time). Both against each other and the closed form.
//!
//! - Case 5, the linear layer `Y = XW + b` pulled back by a random `Ȳ`, as the scalar
//!   `L = Σ Ȳ ∘ Y`: `X̄ = ȲWᵀ`, `W̄ = XᵀȲ`, `b̄ = Σ_rows Ȳ`.
//! - Case 6, ReLU over a slice, `L = Σ ȳ ∘ relu(x)`: `x̄ = ȳ · 1[x > 0]`, exactly 0 at `x = 0`.

// `#[grad]` functions index their slices in loops, as users write them.
#![allow(clippy::needless_range_loop)]

mod common;

use approx::relative_eq;
use autodiff::grad;
use common::points;

/// Two ways of computing the same sums: a few roundings apart.
const REL: f64 = 1e-12;

fn assert_close(what: &str, actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths differ");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            relative_eq!(*a, *e, epsilon = REL, max_relative = REL),
            "{what}[{i}]: {a:e} vs {e:e}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Seed case 5: the linear layer.
// ---------------------------------------------------------------------------------------------

/// Odd sizes, so no dimension is confused with another.
const BATCH: usize = 3;
const N_IN: usize = 5;
const N_OUT: usize = 4;

#[grad(wrt(x, w, b))]
fn linear_kernels(
    x: &[f64],
    w: &[f64],
    b: &[f64],
    ybar: &[f64],
    batch: usize,
    n_in: usize,
    n_out: usize,
) -> f64 {
    use autodiff::kernels as k;
    let y = k::add_bias(&k::matmul(x, w, batch, n_in, n_out), b);
    k::dot(ybar, &y)
}

#[grad(wrt(x, w, b))]
fn linear_loops(
    x: &[f64],
    w: &[f64],
    b: &[f64],
    ybar: &[f64],
    batch: usize,
    n_in: usize,
    n_out: usize,
) -> f64 {
    let mut l = 0.0;
    for r in 0..batch {
        for j in 0..n_out {
            let mut y = b[j];
            for k in 0..n_in {
                y += x[r * n_in + k] * w[k * n_out + j];
            }
            l += ybar[r * n_out + j] * y;
        }
    }
    l
}

struct Linear {
    x: Vec<f64>,
    w: Vec<f64>,
    b: Vec<f64>,
    ybar: Vec<f64>,
}

fn linear_data() -> Linear {
    Linear {
        x: points(BATCH * N_IN, -2.0, 2.0, 51),
        w: points(N_IN * N_OUT, -2.0, 2.0, 52),
        b: points(N_OUT, -2.0, 2.0, 53),
        ybar: points(BATCH * N_OUT, -1.0, 1.0, 54),
    }
}

/// `(L, X̄ = ȲWᵀ, W̄ = XᵀȲ, b̄ = Σ_rows Ȳ)`, each entry its own textbook sum.
fn linear_closed_form(d: &Linear) -> (f64, Vec<f64>, Vec<f64>, Vec<f64>) {
    let Linear { x, w, b, ybar } = d;
    let mut l = 0.0;
    for r in 0..BATCH {
        for j in 0..N_OUT {
            let y: f64 = b[j]
                + (0..N_IN)
                    .map(|k| x[r * N_IN + k] * w[k * N_OUT + j])
                    .sum::<f64>();
            l += ybar[r * N_OUT + j] * y;
        }
    }
    let mut xbar = vec![0.0; BATCH * N_IN];
    for r in 0..BATCH {
        for k in 0..N_IN {
            xbar[r * N_IN + k] = (0..N_OUT)
                .map(|j| ybar[r * N_OUT + j] * w[k * N_OUT + j])
                .sum();
        }
    }
    let mut wbar = vec![0.0; N_IN * N_OUT];
    for k in 0..N_IN {
        for j in 0..N_OUT {
            wbar[k * N_OUT + j] = (0..BATCH)
                .map(|r| x[r * N_IN + k] * ybar[r * N_OUT + j])
                .sum();
        }
    }
    let bbar = (0..N_OUT)
        .map(|j| (0..BATCH).map(|r| ybar[r * N_OUT + j]).sum())
        .collect();
    (l, xbar, wbar, bbar)
}

#[test]
fn seed_case_5_linear_layer() {
    let d = linear_data();
    let Linear { x, w, b, ybar } = &d;
    let (kv, (kx, kw, kb)) = linear_kernels_grad(x, w, b, ybar, BATCH, N_IN, N_OUT);
    let (lv, (lx, lw, lb)) = linear_loops_grad(x, w, b, ybar, BATCH, N_IN, N_OUT);

    // Kernels and loops agree with each other.
    assert_close("value", &[kv], &[lv]);
    assert_close("X̄", &kx, &lx);
    assert_close("W̄", &kw, &lw);
    assert_close("b̄", &kb, &lb);

    // And with the closed form.
    let (v, xbar, wbar, bbar) = linear_closed_form(&d);
    assert_close("value (kernels)", &[kv], &[v]);
    assert_close("X̄ (kernels)", &kx, &xbar);
    assert_close("W̄ (kernels)", &kw, &wbar);
    assert_close("b̄ (kernels)", &kb, &bbar);
    assert_close("value (loops)", &[lv], &[v]);
    assert_close("X̄ (loops)", &lx, &xbar);
    assert_close("W̄ (loops)", &lw, &wbar);
    assert_close("b̄ (loops)", &lb, &bbar);

    // The primal is untouched.
    assert_close(
        "primal",
        &[linear_kernels(x, w, b, ybar, BATCH, N_IN, N_OUT)],
        &[v],
    );
}

#[test]
fn seed_case_5_vjp_accumulates_and_skips_empty_bars() {
    let d = linear_data();
    let Linear { x, w, b, ybar } = &d;
    let (_, xbar, wbar, bbar) = linear_closed_form(&d);
    // Seed 2, on top of bars that already hold 1: 1 + 2·(the gradient).
    let mut xb = vec![1.0; x.len()];
    let mut wb = vec![1.0; w.len()];
    let mut bb = vec![1.0; b.len()];
    linear_kernels_vjp(
        x, w, b, ybar, BATCH, N_IN, N_OUT, 2.0, &mut xb, &mut wb, &mut bb,
    );
    let twice = |g: &[f64]| g.iter().map(|v| 1.0 + 2.0 * v).collect::<Vec<_>>();
    assert_close("X̄ accumulated", &xb, &twice(&xbar));
    assert_close("W̄ accumulated", &wb, &twice(&wbar));
    assert_close("b̄ accumulated", &bb, &twice(&bbar));
    // An empty bar: that adjoint is not wanted, the others are unchanged.
    let mut wb = vec![0.0; w.len()];
    linear_kernels_vjp(
        x,
        w,
        b,
        ybar,
        BATCH,
        N_IN,
        N_OUT,
        1.0,
        &mut [],
        &mut wb,
        &mut [],
    );
    assert_close("W̄ alone", &wb, &wbar);
}

// ---------------------------------------------------------------------------------------------
// Seed case 6: ReLU over a slice.
// ---------------------------------------------------------------------------------------------

#[grad(wrt(x))]
fn relu_kernels(x: &[f64], ybar: &[f64]) -> f64 {
    use autodiff::kernels as k;
    k::dot(ybar, &k::relu(x))
}

#[grad(wrt(x))]
fn relu_loops(x: &[f64], ybar: &[f64]) -> f64 {
    let mut l = 0.0;
    for i in 0..x.len() {
        l += ybar[i] * autodiff::relu(x[i]);
    }
    l
}

/// Random points with exact zeros (both signs) among them.
fn relu_data() -> (Vec<f64>, Vec<f64>) {
    let mut x = points(12, -1.0, 1.0, 61);
    x[2] = 0.0;
    x[7] = -0.0;
    x[11] = 0.0;
    let ybar = points(12, -2.0, 2.0, 62);
    (x, ybar)
}

#[test]
fn seed_case_6_relu() {
    let (x, ybar) = relu_data();
    assert!(x.iter().any(|&v| v > 0.0) && x.iter().any(|&v| v < 0.0));
    let (kv, kg) = relu_kernels_grad(&x, &ybar);
    let (lv, lg) = relu_loops_grad(&x, &ybar);

    let value: f64 = x.iter().zip(&ybar).map(|(v, y)| y * v.max(0.0)).sum();
    let closed: Vec<f64> = x
        .iter()
        .zip(&ybar)
        .map(|(&v, &y)| if v > 0.0 { y } else { 0.0 })
        .collect();
    assert_close("value kernels vs loops", &[kv], &[lv]);
    assert_close("x̄ kernels vs loops", &kg, &lg);
    assert_close("value", &[kv], &[value]);
    assert_close("x̄ (kernels)", &kg, &closed);
    assert_close("x̄ (loops)", &lg, &closed);
    // A mask: exactly ȳ where x > 0, exactly 0 elsewhere, at x = ±0 included.
    for (i, &v) in x.iter().enumerate() {
        if v > 0.0 {
            assert_eq!(kg[i], ybar[i], "entry {i}");
            assert_eq!(lg[i], ybar[i], "entry {i}");
        } else {
            assert_eq!(kg[i], 0.0, "entry {i} (x = {v})");
            assert_eq!(lg[i], 0.0, "entry {i} (x = {v})");
        }
    }
    for i in [2, 7, 11] {
        assert_eq!((kg[i], lg[i]), (0.0, 0.0), "x = 0 at entry {i}");
    }
}

/// One array passed twice: each argument's adjoint reaches it (here `∇ v·v = 2v`).
#[grad]
fn squared_norm(v: &[f64]) -> f64 {
    autodiff::kernels::dot(v, v)
}

#[test]
fn an_array_passed_twice() {
    let v = [0.5, -1.5, 2.0];
    let (value, g) = squared_norm_grad(&v);
    assert_eq!(value, 6.5);
    assert_eq!(g, vec![1.0, -3.0, 4.0]);
}
