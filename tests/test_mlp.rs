//! The network of seed `002`, `Linear(10,32)–ReLU–Linear(32,32)–ReLU–Linear(32,1)` with an MSE
//! loss over a batch of 16, as one `#[grad]` function over a flat parameter slice: through the
//! runtime's kernels, and written out with plain loops; both checked by finite differences.

// `#[grad]` functions index their slices in loops, as users write them.
#![allow(clippy::needless_range_loop)]

mod common;

use approx::assert_relative_eq;
use autodiff::check::{gradcheck, Tolerance};
use autodiff::grad;
use common::points;

const BATCH: usize = 16;
/// Where each layer's weights (`n_in × n_out`, row-major) and bias start in the flat slice.
const W1: usize = 0;
const B1: usize = W1 + 10 * 32;
const W2: usize = B1 + 32;
const B2: usize = W2 + 32 * 32;
const W3: usize = B2 + 32;
const B3: usize = W3 + 32;
const PARAMS: usize = B3 + 1;

#[grad(wrt(params))]
fn mlp_kernels(params: &[f64], x: &[f64], y: &[f64]) -> f64 {
    use autodiff::kernels as k;
    let n = y.len();
    let h1 = k::relu(&k::add_bias(
        &k::matmul(x, &params[W1..B1], n, 10, 32),
        &params[B1..W2],
    ));
    let h2 = k::relu(&k::add_bias(
        &k::matmul(&h1, &params[W2..B2], n, 32, 32),
        &params[B2..W3],
    ));
    let out = k::add_bias(
        &k::matmul(&h2, &params[W3..B3], n, 32, 1),
        &params[B3..PARAMS],
    );
    k::mse(&out, y)
}

#[grad(wrt(params))]
fn mlp_loops(params: &[f64], x: &[f64], y: &[f64]) -> f64 {
    let n = y.len();
    let mut h1 = vec![0.0; n * 32];
    let mut h2 = vec![0.0; n * 32];
    let mut loss = 0.0;
    for r in 0..n {
        for j in 0..32 {
            let mut s = params[B1 + j];
            for k in 0..10 {
                s += x[r * 10 + k] * params[W1 + k * 32 + j];
            }
            h1[r * 32 + j] = autodiff::relu(s);
        }
        for j in 0..32 {
            let mut s = params[B2 + j];
            for k in 0..32 {
                s += h1[r * 32 + k] * params[W2 + k * 32 + j];
            }
            h2[r * 32 + j] = autodiff::relu(s);
        }
        let mut out = params[B3];
        for k in 0..32 {
            out += h2[r * 32 + k] * params[W3 + k];
        }
        let e = out - y[r];
        loss += e * e;
    }
    loss / n as f64
}

fn data() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let params = points(PARAMS, -0.4, 0.4, 21);
    let x = points(BATCH * 10, -1.0, 1.0, 22);
    let y = points(BATCH, -1.0, 1.0, 23);
    (params, x, y)
}

#[test]
fn kernels_and_loops_agree() {
    let (params, x, y) = data();
    let (v1, g1) = mlp_kernels_grad(&params, &x, &y);
    let (v2, g2) = mlp_loops_grad(&params, &x, &y);
    assert_relative_eq!(v1, v2, max_relative = 1e-12);
    assert_eq!(g1.len(), PARAMS);
    for (a, b) in g1.iter().zip(&g2) {
        assert_relative_eq!(*a, *b, epsilon = 1e-12, max_relative = 1e-10);
    }
}

#[test]
fn gradient_by_finite_differences() {
    let (params, x, y) = data();
    let (_, g) = mlp_kernels_grad(&params, &x, &y);
    gradcheck(
        |p: &[f64]| mlp_kernels(p, &x, &y),
        &params,
        &g,
        &Tolerance::default(),
    )
    .unwrap();
    let (_, g) = mlp_loops_grad(&params, &x, &y);
    gradcheck(
        |p: &[f64]| mlp_loops(p, &x, &y),
        &params,
        &g,
        &Tolerance::default(),
    )
    .unwrap();
}
