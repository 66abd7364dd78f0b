//! Primal vs `#[grad]` vs a hand-written adjoint, for functions with loops over slices.
//!
//! Three workloads, each large enough that one call takes on the order of a millisecond, so a
//! timed iteration is one call:
//!
//! 1. Rosenbrock over `n = 10⁶` inputs: a sum reduction whose body reads only the input slice
//!    (the case for fusing the reverse sweep into the forward one, no tape).
//! 2. A scalar recurrence `h ← tanh(a·h + b)` run for `T = 10⁵` steps: loop-carried state that
//!    the forward sweep overwrites, so the reverse sweep needs the whole `h` sequence.
//! 3. A linear layer, batch 64, 256 → 256, written as a scalar loss `Σ ȳ ⊙ (XW + b)` over
//!    row-major slices with plain nested loops: once as a dot product per output (`linear`,
//!    strided through `W`), once row by row as one writes it for speed (`linear_rows`); and the
//!    same loss through `autodiff::kernels` (`matmul`, `add_bias`, `dot`), whose rules are GEMMs.
//!
//! The hand-written adjoints are what an expert writes without BLAS: Rosenbrock's value and
//! gradient in one fused pass; the recurrence with its `h` sequence stored forward and one
//! backward loop; the linear layer's `X̄ = ȲWᵀ`, `W̄ = XᵀȲ`, `b̄ = Σ_r Ȳ` with loops ordered
//! for contiguous access and each dot product in eight partial sums, so that it vectorises (as
//! the generated adjoint's lanes do), after the forward pass (`hand_rows`), or with the value
//! read off the adjoints instead (`hand`), and in the strided loop order of `linear`
//! (`hand_same_loops`).
//! Before anything is timed, every hand-written value and gradient is checked against the
//! generated one, so a wrong hand adjoint cannot skew the comparison.
//! (The hand adjoints were also checked against central finite differences on small sizes
//! when they were written.) Report the ratios `grad / hand` and `grad / primal`.
//!
//! Run: `cargo bench --bench loops -- --warm-up-time 1 --measurement-time 3`.

// The primal functions are written the way a user writes them for `#[grad]`: index loops.
#![allow(clippy::needless_range_loop)]

use approx::relative_eq;
use autodiff::grad;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

mod common;
use common::uniform;

/// Rosenbrock's input length.
const ROSENBROCK_N: usize = 1_000_000;
/// The recurrence's step count.
const RNN_STEPS: usize = 100_000;
/// The linear layer's batch size, input width and output width.
const BATCH: usize = 64;
const N_IN: usize = 256;
const N_OUT: usize = 256;

/// Samples per benchmark: one call takes milliseconds, and the machine has two noisy cores.
const SAMPLES: usize = 20;

// ---------------------------------------------------------------------------------------------
// 1. Rosenbrock.
// ---------------------------------------------------------------------------------------------

/// `Σ_{i<n−1} 100 (x_{i+1} − x_i²)² + (1 − x_i)²`.
#[grad]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

/// Value and gradient in one pass. Term `i` reaches `x_i` through `a` and `b`
/// (`−400 x_i a − 2 b`) and `x_{i+1}` through `a` (`200 a`); the latter is carried in a register
/// into the next iteration, so every gradient entry is written exactly once.
fn rosenbrock_hand(x: &[f64]) -> (f64, Vec<f64>) {
    let n = x.len();
    let mut g = vec![0.0; n];
    let mut s = 0.0;
    let mut carry = 0.0;
    for (gi, pair) in g.iter_mut().zip(x.windows(2)) {
        let (xi, xnext) = (pair[0], pair[1]);
        let a = xnext - xi * xi;
        let b = 1.0 - xi;
        s += 100.0 * a * a + b * b;
        *gi = carry - 400.0 * xi * a - 2.0 * b;
        carry = 200.0 * a;
    }
    g[n - 1] = carry;
    (s, g)
}

// ---------------------------------------------------------------------------------------------
// 2. The recurrence.
// ---------------------------------------------------------------------------------------------

/// `h_{t+1} = tanh(a h_t + b)`, `T` steps from `h0`; the result is `h_T`.
#[grad]
fn rnn(a: f64, b: f64, h0: f64, steps: usize) -> f64 {
    let mut h = h0;
    for _ in 0..steps {
        h = (a * h + b).tanh();
    }
    h
}

/// Forward: the sequence `h_0 … h_T` into a `Vec`. Backward, from `h̄_T = 1`: with
/// `u = h̄_{t+1} (1 − h_{t+1}²)`, `ā += u h_t`, `b̄ += u`, `h̄_t = u a`.
fn rnn_hand(a: f64, b: f64, h0: f64, steps: usize) -> (f64, (f64, f64, f64)) {
    let mut hs = Vec::with_capacity(steps + 1);
    let mut h = h0;
    hs.push(h);
    for _ in 0..steps {
        h = (a * h + b).tanh();
        hs.push(h);
    }
    let (mut abar, mut bbar, mut hbar) = (0.0, 0.0, 1.0);
    for pair in hs.windows(2).rev() {
        let (prev, next) = (pair[0], pair[1]);
        let u = hbar * (1.0 - next * next);
        abar += u * prev;
        bbar += u;
        hbar = u * a;
    }
    (h, (abar, bbar, hbar))
}

// ---------------------------------------------------------------------------------------------
// 3. The linear layer.
// ---------------------------------------------------------------------------------------------

/// `L = Σ_{r,j} ȳ[r,j] (b[j] + Σ_k x[r,k] w[k,j])` with `x: batch × n_in`, `w: n_in × n_out`,
/// `ȳ: batch × n_out`, all row-major: the pullback of `Y = XW + b` seeded with `Ȳ`, as a scalar.
#[grad(wrt(x, w, b))]
fn linear(
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

/// The same loss written the way to write it for speed without kernels: `Y = XW` row by row,
/// `Y[r,:] += X[r,k] W[k,:]`, so that the inner loop runs along rows of `W` and `Y`; then the
/// bias and the weighted sum.
#[grad(wrt(x, w, b))]
fn linear_rows(
    x: &[f64],
    w: &[f64],
    b: &[f64],
    ybar: &[f64],
    batch: usize,
    n_in: usize,
    n_out: usize,
) -> f64 {
    let mut y = vec![0.0; batch * n_out];
    for r in 0..batch {
        for k in 0..n_in {
            let xrk = x[r * n_in + k];
            for j in 0..n_out {
                y[r * n_out + j] += xrk * w[k * n_out + j];
            }
        }
    }
    let mut l = 0.0;
    for r in 0..batch {
        for j in 0..n_out {
            l += ybar[r * n_out + j] * (y[r * n_out + j] + b[j]);
        }
    }
    l
}

/// The same loss through the runtime's kernels: one GEMM forward, and the two GEMMs of
/// `matmul_vjp` backward (`X̄ = ȲWᵀ`, `W̄ = XᵀȲ`).
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
    k::dot(&y, ybar)
}

/// The linear layer's value and gradient `(L, (X̄, W̄, b̄))`.
type LinearGrad = (f64, (Vec<f64>, Vec<f64>, Vec<f64>));

/// The fused backward: `b̄ = Σ_r Ȳ[r,:]`; then, with `r` outermost so that row `r` of `Ȳ`
/// stays in L1 while `W` and `W̄` stream past, `X̄[r,k] = ⟨Ȳ[r,:], W[k,:]⟩` and
/// `W̄[k,:] += X[r,k] Ȳ[r,:]` in the same contiguous inner loop. The value comes out of the
/// adjoints: `L = ⟨b̄, b⟩ + ⟨X, X̄⟩`, so `Y` itself is never formed (a shortcut that only a
/// loss linear in `Y` allows).
fn linear_hand(
    x: &[f64],
    w: &[f64],
    b: &[f64],
    ybar: &[f64],
    batch: usize,
    n_in: usize,
    n_out: usize,
) -> LinearGrad {
    let (xbar, wbar, bbar) = linear_backward(x, w, ybar, batch, n_in, n_out);
    let value = bbar.iter().zip(b).map(|(p, q)| p * q).sum::<f64>()
        + x.iter().zip(&xbar).map(|(p, q)| p * q).sum::<f64>();
    (value, (xbar, wbar, bbar))
}

/// The hand-written adjoint of [`linear_rows`]: its forward sweep as a `chunks`/`zip` loop nest
/// (`Y[r,:] += X[r,k] W[k,:]`, then `L`), then the backward of [`linear_hand`]. What a general
/// transformation can be held to for this function: it must evaluate the function too.
fn linear_hand_rows(
    x: &[f64],
    w: &[f64],
    b: &[f64],
    ybar: &[f64],
    batch: usize,
    n_in: usize,
    n_out: usize,
) -> LinearGrad {
    let mut y = vec![0.0; batch * n_out];
    for (yr, xr) in y.chunks_exact_mut(n_out).zip(x.chunks_exact(n_in)) {
        for (&xrk, wk) in xr.iter().zip(w.chunks_exact(n_out)) {
            for (yrj, &wkj) in yr.iter_mut().zip(wk) {
                *yrj += xrk * wkj;
            }
        }
    }
    let mut value = 0.0;
    for (yr, gr) in y.chunks_exact(n_out).zip(ybar.chunks_exact(n_out)) {
        for ((&yrj, &grj), &bj) in yr.iter().zip(gr).zip(b) {
            value += grj * (yrj + bj);
        }
    }
    (value, linear_backward(x, w, ybar, batch, n_in, n_out))
}

/// `(X̄, W̄, b̄)` for the seed `Ȳ`, as [`linear_hand`] describes.
fn linear_backward(
    x: &[f64],
    w: &[f64],
    ybar: &[f64],
    batch: usize,
    n_in: usize,
    n_out: usize,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (x, w, ybar) = (
        &x[..batch * n_in],
        &w[..n_in * n_out],
        &ybar[..batch * n_out],
    );
    let mut xbar = vec![0.0; x.len()];
    let mut wbar = vec![0.0; w.len()];
    let mut bbar = vec![0.0; n_out];
    for yr in ybar.chunks_exact(n_out) {
        for (bbarj, &yrj) in bbar.iter_mut().zip(yr) {
            *bbarj += yrj;
        }
    }
    let whole = n_out - n_out % 8;
    for (r, yr) in ybar.chunks_exact(n_out).enumerate() {
        let ks = w.chunks_exact(n_out).zip(wbar.chunks_exact_mut(n_out));
        for (k, (wk, wbark)) in ks.enumerate() {
            let xrk = x[r * n_in + k];
            // The dot product in eight partial sums, as the generated adjoint's lanes add it:
            // one running sum would take an adder's latency per element and keep the loop
            // from vectorising.
            let mut lanes = [0.0; 8];
            let chunks = wk[..whole]
                .chunks_exact(8)
                .zip(wbark[..whole].chunks_exact_mut(8))
                .zip(yr[..whole].chunks_exact(8));
            for ((w8, wbar8), y8) in chunks {
                for l in 0..8 {
                    lanes[l] += y8[l] * w8[l];
                    wbar8[l] += xrk * y8[l];
                }
            }
            let mut dot = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6]))
                + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
            let rest = wk[whole..]
                .iter()
                .zip(&mut wbark[whole..])
                .zip(&yr[whole..]);
            for ((&wkj, wbarkj), &yrj) in rest {
                dot += yrj * wkj;
                *wbarkj += xrk * yrj;
            }
            xbar[r * n_in + k] = dot;
        }
    }
    (xbar, wbar, bbar)
}

/// The adjoint an expert writes without changing the function's loop order: each output's
/// backward right after its forward, in the same `r`, `j`, `k` nest (so `W̄` is updated with the
/// same stride as the primal reads `W`). The fair limit for a transformation that keeps the loop
/// structure; [`linear_hand`] is the limit with the loops reordered.
fn linear_hand_loops(
    x: &[f64],
    w: &[f64],
    b: &[f64],
    ybar: &[f64],
    batch: usize,
    n_in: usize,
    n_out: usize,
) -> LinearGrad {
    let mut xbar = vec![0.0; x.len()];
    let mut wbar = vec![0.0; w.len()];
    let mut bbar = vec![0.0; b.len()];
    let mut l = 0.0;
    for r in 0..batch {
        for j in 0..n_out {
            let mut y = b[j];
            for k in 0..n_in {
                y += x[r * n_in + k] * w[k * n_out + j];
            }
            let g = ybar[r * n_out + j];
            l += g * y;
            bbar[j] += g;
            for k in 0..n_in {
                xbar[r * n_in + k] += g * w[k * n_out + j];
                wbar[k * n_out + j] += g * x[r * n_in + k];
            }
        }
    }
    (l, (xbar, wbar, bbar))
}

// ---------------------------------------------------------------------------------------------
// Fixed inputs.
// ---------------------------------------------------------------------------------------------

/// The recurrence's parameters. At `a = 1, b = 0` the map is critical: `h_t` decays like
/// `1/√t` and the adjoint `h̄_t` only polynomially, so every value of both sweeps stays a normal
/// float (`h̄_0 ≈ 5e-7` after 10⁵ steps). In a contracting regime (`a = 0.9, b = 0.2`, say) the
/// adjoint underflows within ~1500 steps and then sticks at the smallest subnormal, and the
/// benchmark would time the CPU's subnormal penalty (4× slower backward loop) instead of AD.
const RNN_A: f64 = 1.0;
const RNN_B: f64 = 0.0;
const RNN_H0: f64 = 0.5;

struct Linear {
    x: Vec<f64>,
    w: Vec<f64>,
    b: Vec<f64>,
    ybar: Vec<f64>,
}

impl Linear {
    fn new() -> Linear {
        Linear {
            x: uniform(BATCH * N_IN, 11),
            w: uniform(N_IN * N_OUT, 12),
            b: uniform(N_OUT, 13),
            ybar: uniform(BATCH * N_OUT, 14),
        }
    }
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

fn check_all(x: &[f64], lin: &Linear) {
    let ((v, g), (hv, hg)) = (rosenbrock_grad(x), rosenbrock_hand(x));
    close("rosenbrock value", &[v], &[hv]);
    close("rosenbrock ∂x", &g, &hg);

    let args = (RNN_A, RNN_B, RNN_H0, RNN_STEPS);
    let ((v, (ga, gb, gh)), (hv, (ha, hb, hh))) = (
        rnn_grad(args.0, args.1, args.2, args.3),
        rnn_hand(args.0, args.1, args.2, args.3),
    );
    close("rnn value", &[v], &[hv]);
    close("rnn (∂a, ∂b, ∂h0)", &[ga, gb, gh], &[ha, hb, hh]);

    let Linear { x, w, b, ybar } = lin;
    let (hv, (hx, hw, hb)) = linear_hand(x, w, b, ybar, BATCH, N_IN, N_OUT);
    for (name, grad) in LINEAR_GRADS.iter().filter(|(name, _)| *name != "hand") {
        let (v, (gx, gw, gb)) = grad(x, w, b, ybar, BATCH, N_IN, N_OUT);
        close(&format!("linear {name}: value"), &[v], &[hv]);
        close(&format!("linear {name}: ∂x"), &gx, &hx);
        close(&format!("linear {name}: ∂w"), &gw, &hw);
        close(&format!("linear {name}: ∂b"), &gb, &hb);
    }
}

/// The linear layer's function's signature, and its gradients'.
type LinearFn<T> = fn(&[f64], &[f64], &[f64], &[f64], usize, usize, usize) -> T;

/// Every way of computing the linear layer's loss, by benchmark name.
const LINEAR_PRIMALS: [(&str, LinearFn<f64>); 3] = [
    ("primal", linear),
    ("primal_rows", linear_rows),
    ("primal_kernels", linear_kernels),
];

/// Every way of computing its value and gradient, by benchmark name.
const LINEAR_GRADS: [(&str, LinearFn<LinearGrad>); 6] = [
    ("grad", linear_grad),
    ("hand_same_loops", linear_hand_loops),
    ("grad_rows", linear_rows_grad),
    ("hand_rows", linear_hand_rows),
    ("grad_kernels", linear_kernels_grad),
    ("hand", linear_hand),
];

// ---------------------------------------------------------------------------------------------
// Timing.
// ---------------------------------------------------------------------------------------------

fn loops(c: &mut Criterion) {
    let x = uniform(ROSENBROCK_N, 1);
    let lin = Linear::new();
    check_all(&x, &lin);

    let mut group = c.benchmark_group("1_rosenbrock_1e6");
    group.sample_size(SAMPLES);
    group.throughput(Throughput::Elements(ROSENBROCK_N as u64));
    group.bench_function("primal", |bench| bench.iter(|| rosenbrock(black_box(&x))));
    group.bench_function("grad", |bench| {
        bench.iter(|| rosenbrock_grad(black_box(&x)))
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| rosenbrock_hand(black_box(&x)))
    });
    group.finish();

    let mut group = c.benchmark_group("2_rnn_tanh_1e5");
    group.sample_size(SAMPLES);
    group.throughput(Throughput::Elements(RNN_STEPS as u64));
    let args = || {
        (
            black_box(RNN_A),
            black_box(RNN_B),
            black_box(RNN_H0),
            black_box(RNN_STEPS),
        )
    };
    group.bench_function("primal", |bench| {
        bench.iter(|| {
            let (a, b, h0, steps) = args();
            rnn(a, b, h0, steps)
        })
    });
    group.bench_function("grad", |bench| {
        bench.iter(|| {
            let (a, b, h0, steps) = args();
            rnn_grad(a, b, h0, steps)
        })
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| {
            let (a, b, h0, steps) = args();
            rnn_hand(a, b, h0, steps)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("3_linear_64x256x256");
    group.sample_size(SAMPLES);
    // One multiply-add of X·W per element.
    group.throughput(Throughput::Elements((BATCH * N_IN * N_OUT) as u64));
    let Linear { x, w, b, ybar } = &lin;
    let args = || {
        (
            black_box(&x[..]),
            black_box(&w[..]),
            black_box(&b[..]),
            black_box(&ybar[..]),
            black_box(BATCH),
            black_box(N_IN),
            black_box(N_OUT),
        )
    };
    for (name, f) in LINEAR_PRIMALS {
        group.bench_function(name, |bench| {
            bench.iter(|| {
                let (x, w, b, ybar, batch, n_in, n_out) = args();
                f(x, w, b, ybar, batch, n_in, n_out)
            })
        });
    }
    for (name, f) in LINEAR_GRADS {
        group.bench_function(name, |bench| {
            bench.iter(|| {
                let (x, w, b, ybar, batch, n_in, n_out) = args();
                f(x, w, b, ybar, batch, n_in, n_out)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, loops);
criterion_main!(benches);
