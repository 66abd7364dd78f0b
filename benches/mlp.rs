//! One training step of an MLP `784 → 256 → 10` (ReLU hidden layer, softmax cross-entropy
//! against one-hot targets, batch 64) over one flat `f64` parameter slice
//! (`W1: 784×256` row-major, `b1: 256`, `W2: 256×10`, `b2: 10`; 203 530 parameters).
//!
//! Three timings in one group:
//!
//! - `primal`: the `#[grad]` function itself, the loss only (forward through `autodiff::kernels`).
//! - `grad`: the generated `mlp_grad`, the loss and the gradient in the parameters.
//! - `hand`: the forward and backward an expert writes with the same building blocks: forward
//!   with `matmul`/`add_bias`/`relu`; backward with `dZ2 = (P − T)/B` from one fused
//!   softmax/loss loop, `dW2 = H1ᵀ dZ2` and `dH1 = dZ2 W2ᵀ` (one `matmul_vjp`), `db2` as column
//!   sums, the mask `H1 > 0`, `dW1 = Xᵀ dZ1` (a `matmul_vjp` with an empty bar for `X`, so the
//!   data's adjoint `X̄` is never computed), `db1`, all written straight into one flat gradient.
//!
//! Before anything is timed, the hand-written loss and gradient are checked against the generated
//! ones (1e-10), so a wrong hand adjoint cannot skew the comparison. The step is dominated by the
//! `64×784×256` GEMMs (12.8 M multiply-adds each): one in the primal, two in a gradient that
//! does not form `X̄`. Report the ratios `grad / hand` and `grad / primal`.
//!
//! Run: `cargo bench --bench mlp -- --warm-up-time 1 --measurement-time 3`.

use approx::relative_eq;
use autodiff::grad;
use autodiff::kernels as k;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

mod common;
use common::uniform;

/// Batch size, input width, hidden width, classes.
const BATCH: usize = 64;
const N_IN: usize = 784;
const HIDDEN: usize = 256;
const CLASSES: usize = 10;

/// Where each layer's weights (`n_in × n_out`, row-major) and bias start in the flat slice.
const W1: usize = 0;
const B1: usize = W1 + N_IN * HIDDEN;
const W2: usize = B1 + HIDDEN;
const B2: usize = W2 + HIDDEN * CLASSES;
const PARAMS: usize = B2 + CLASSES;

/// Samples per benchmark: one step takes milliseconds, and the machine has two noisy cores.
const SAMPLES: usize = 20;

/// The mean softmax cross-entropy of `softmax(relu(X W1 + b1) W2 + b2)` against the one-hot
/// rows of `t`; `x` is `BATCH × N_IN`, `t` is `BATCH × CLASSES`.
#[grad(wrt(params))]
fn mlp(params: &[f64], x: &[f64], t: &[f64]) -> f64 {
    let h1 = k::relu(&k::add_bias(
        &k::matmul(x, &params[W1..B1], BATCH, N_IN, HIDDEN),
        &params[B1..W2],
    ));
    let z2 = k::add_bias(
        &k::matmul(&h1, &params[W2..B2], BATCH, HIDDEN, CLASSES),
        &params[B2..PARAMS],
    );
    k::softmax_cross_entropy(&z2, t, CLASSES)
}

/// `bar[j] += Σ_r m[r, j]`: the bias adjoint, column sums of a row-major matrix.
fn add_column_sums(m: &[f64], bar: &mut [f64]) {
    for row in m.chunks_exact(bar.len()) {
        bar.iter_mut().zip(row).for_each(|(b, v)| *b += v);
    }
}

/// The loss and its gradient in the parameters, written by hand.
fn mlp_hand(params: &[f64], x: &[f64], t: &[f64]) -> (f64, Vec<f64>) {
    let (w1, b1) = (&params[W1..B1], &params[B1..W2]);
    let (w2, b2) = (&params[W2..B2], &params[B2..PARAMS]);

    // Forward.
    let h1 = k::relu(&k::add_bias(&k::matmul(x, w1, BATCH, N_IN, HIDDEN), b1));
    let z2 = k::add_bias(&k::matmul(&h1, w2, BATCH, HIDDEN, CLASSES), b2);

    // The loss and dZ2 = (P − T)/B in one stable pass over the logits' rows.
    let b = BATCH as f64;
    let mut dz2 = vec![0.0; BATCH * CLASSES];
    let mut loss = 0.0;
    for ((z, tr), d) in z2
        .chunks_exact(CLASSES)
        .zip(t.chunks_exact(CLASSES))
        .zip(dz2.chunks_exact_mut(CLASSES))
    {
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut sum = 0.0;
        for (dj, &zj) in d.iter_mut().zip(z) {
            *dj = (zj - max).exp();
            sum += *dj;
        }
        let lse = max + sum.ln();
        for ((dj, &zj), &tj) in d.iter_mut().zip(z).zip(tr) {
            loss += tj * (lse - zj);
            *dj = (*dj / sum - tj) / b;
        }
    }
    loss /= b;

    // Backward, straight into the flat gradient.
    let mut g = vec![0.0; PARAMS];
    let (gw1, rest) = g.split_at_mut(B1);
    let (gb1, rest) = rest.split_at_mut(W2 - B1);
    let (gw2, gb2) = rest.split_at_mut(B2 - W2);
    // dH1 = dZ2 W2ᵀ and dW2 = H1ᵀ dZ2.
    let mut dz1 = vec![0.0; BATCH * HIDDEN];
    k::matmul_vjp(&h1, w2, BATCH, HIDDEN, CLASSES, &dz2, &mut dz1, gw2);
    add_column_sums(&dz2, gb2);
    // dZ1 = dH1 ∘ 1[H1 > 0].
    for (d, &h) in dz1.iter_mut().zip(&h1) {
        if h <= 0.0 {
            *d = 0.0;
        }
    }
    // dW1 = Xᵀ dZ1; X̄ is not wanted.
    k::matmul_vjp(x, w1, BATCH, N_IN, HIDDEN, &dz1, &mut [], gw1);
    add_column_sums(&dz1, gb1);
    (loss, g)
}

// ---------------------------------------------------------------------------------------------
// Fixed inputs.
// ---------------------------------------------------------------------------------------------

/// Parameters at the scale of a Glorot-uniform initialisation, so the logits are of order 1 and
/// the softmax is not saturated; biases small.
fn parameters() -> Vec<f64> {
    let scaled = |n: usize, seed: u64, limit: f64| -> Vec<f64> {
        // `uniform` is in [-2, 2).
        uniform(n, seed).iter().map(|v| v * limit / 2.0).collect()
    };
    let glorot = |fan_in: usize, fan_out: usize| (6.0 / (fan_in + fan_out) as f64).sqrt();
    let mut p = Vec::with_capacity(PARAMS);
    p.extend(scaled(N_IN * HIDDEN, 31, glorot(N_IN, HIDDEN)));
    p.extend(scaled(HIDDEN, 32, 0.1));
    p.extend(scaled(HIDDEN * CLASSES, 33, glorot(HIDDEN, CLASSES)));
    p.extend(scaled(CLASSES, 34, 0.1));
    assert_eq!(p.len(), PARAMS);
    p
}

/// Pixels in `[0, 1)` and one-hot targets.
fn batch() -> (Vec<f64>, Vec<f64>) {
    let x = uniform(BATCH * N_IN, 35)
        .iter()
        .map(|v| (v + 2.0) / 4.0)
        .collect();
    let classes = uniform(BATCH, 36);
    let mut t = vec![0.0; BATCH * CLASSES];
    for (row, c) in t.chunks_exact_mut(CLASSES).zip(classes) {
        // `c` is in [-2, 2): a class in 0..CLASSES.
        let class = (((c + 2.0) / 4.0) * CLASSES as f64) as usize;
        row[class.min(CLASSES - 1)] = 1.0;
    }
    (x, t)
}

// ---------------------------------------------------------------------------------------------
// The check, once, before any timing.
// ---------------------------------------------------------------------------------------------

/// Every entry agrees to 1e-10 relative, with an absolute floor of 1e-10 times the largest entry
/// (at least 1), for entries that cancel to near zero: generated and hand-written code may sum
/// in different orders.
fn close(what: &str, generated: &[f64], hand: &[f64]) {
    assert_eq!(generated.len(), hand.len(), "{what}: lengths differ");
    let scale = hand.iter().fold(1.0_f64, |m, h| m.max(h.abs()));
    for (i, (&g, &h)) in generated.iter().zip(hand).enumerate() {
        assert!(
            relative_eq!(g, h, epsilon = 1e-10 * scale, max_relative = 1e-10),
            "{what}[{i}]: generated {g:e} but hand-written {h:e}"
        );
    }
}

fn check(params: &[f64], x: &[f64], t: &[f64]) {
    let primal = mlp(params, x, t);
    let (v, g) = mlp_grad(params, x, t);
    let (hv, hg) = mlp_hand(params, x, t);
    close("mlp value (primal)", &[primal], &[hv]);
    close("mlp value", &[v], &[hv]);
    close("mlp ∂W1", &g[W1..B1], &hg[W1..B1]);
    close("mlp ∂b1", &g[B1..W2], &hg[B1..W2]);
    close("mlp ∂W2", &g[W2..B2], &hg[W2..B2]);
    close("mlp ∂b2", &g[B2..PARAMS], &hg[B2..PARAMS]);
    // Not a degenerate point: some hidden units are off, some on, and the loss is near log 10.
    assert!(hg[B1..W2].iter().any(|&v| v != 0.0));
    assert!(hv.is_finite() && hv > 0.5 && hv < 10.0, "loss {hv}");
}

// ---------------------------------------------------------------------------------------------
// Timing.
// ---------------------------------------------------------------------------------------------

fn mlp_step(c: &mut Criterion) {
    let params = parameters();
    let (x, t) = batch();
    check(&params, &x, &t);

    let mut group = c.benchmark_group("mlp_784x256x10_batch64");
    group.sample_size(SAMPLES);
    // One multiply-add of X·W1 per element: the dominant GEMM.
    group.throughput(Throughput::Elements((BATCH * N_IN * HIDDEN) as u64));
    group.bench_function("primal", |bench| {
        bench.iter(|| mlp(black_box(&params), black_box(&x), black_box(&t)))
    });
    group.bench_function("grad", |bench| {
        bench.iter(|| mlp_grad(black_box(&params), black_box(&x), black_box(&t)))
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| mlp_hand(black_box(&params), black_box(&x), black_box(&t)))
    });
    group.finish();
}

criterion_group!(benches, mlp_step);
criterion_main!(benches);
