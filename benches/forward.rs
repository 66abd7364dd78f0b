//! Forward mode and second order: `#[grad(jvp)]` and `#[grad(hvp)]` against hand-written
//! tangent and Hessian-vector code, the primal and the gradient, in one run.
//!
//! 1. The JVP of Rosenbrock over `n = 10⁶` inputs along a random direction. The hand-written
//!    tangent carries `ȧ = ẋ_{i+1} − 2 x_i ẋ_i`, `ḃ = −ẋ_i` beside `a` and `b`.
//! 2. The JVP of the recurrence `h ← tanh(a·h + b)`, `T = 10⁵` steps, along `(ȧ, ḃ, ḣ₀)`: the
//!    tangent goes round with `h`, no tape (the reverse mode needs the whole sequence).
//! 3. The HVP of Rosenbrock, `n = 10⁶`: value, gradient and `H v` together. The hand-written one
//!    is one pass: `H v` of term `i` is a 2×2 block, written with the gradient.
//! 4. The Hessian of a 100-dimensional function (Rosenbrock), one HVP per row, against 100
//!    gradients.
//!
//! Both HVPs return two vectors of 8 MB: with both alive, glibc's `malloc` gives the memory back
//! to the system at every `free` and each call faults 16 MB of fresh pages in, which takes longer
//! than the arithmetic (a single 8 MB vector, as the gradient returns, is kept and reused). Run
//! the bench also with `MALLOC_TRIM_THRESHOLD_=1000000000 MALLOC_MMAP_THRESHOLD_=1000000000` to
//! time the arithmetic.
//!
//! Before anything is timed, every generated result is checked against the hand-written one.
//! Report the ratios `jvp / hand`, `jvp / primal`, `hvp / hand`, `hvp / grad` and
//! `hessian / (100 · grad)`.
//!
//! Run: `cargo bench --bench forward -- --warm-up-time 1 --measurement-time 3`.

// The primal functions are written the way a user writes them for `#[grad]`: index loops.
#![allow(clippy::needless_range_loop)]

use approx::relative_eq;
use autodiff::grad;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

mod common;
use common::uniform;

const ROSENBROCK_N: usize = 1_000_000;
const RNN_STEPS: usize = 100_000;
const HESSIAN_N: usize = 100;
const SAMPLES: usize = 20;

/// `Σ_{i<n−1} 100 (x_{i+1} − x_i²)² + (1 − x_i)²`.
#[grad(jvp, hvp)]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

/// Value and tangent in one pass.
fn rosenbrock_jvp_hand(x: &[f64], v: &[f64]) -> (f64, f64) {
    let (mut s, mut t) = (0.0, 0.0);
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        let da = v[i + 1] - 2.0 * x[i] * v[i];
        let db = -v[i];
        s += 100.0 * a * a + b * b;
        t += 200.0 * a * da + 2.0 * b * db;
    }
    (s, t)
}

/// Value, gradient and `H v` in one pass. Term `i`, `100 a² + b²` with `a = x_{i+1} − x_i²`,
/// `b = 1 − x_i`, has gradient `(−400 x_i a − 2b, 200 a)` and Hessian
/// `[[1200 x_i² − 400 x_{i+1} + 2, −400 x_i], [−400 x_i, 200]]` in `(x_i, x_{i+1})`; what term
/// `i` adds to entry `i + 1` is carried in a register into the next iteration, so every entry is
/// written once (as the hand-written gradient of `benches/loops.rs` does).
fn rosenbrock_hvp_hand(x: &[f64], v: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
    let n = x.len();
    let (mut g, mut hv) = (vec![0.0; n], vec![0.0; n]);
    let (mut s, mut carry_g, mut carry_h) = (0.0, 0.0, 0.0);
    for i in 0..n - 1 {
        let (xi, xn, vi, vn) = (x[i], x[i + 1], v[i], v[i + 1]);
        let a = xn - xi * xi;
        let b = 1.0 - xi;
        s += 100.0 * a * a + b * b;
        g[i] = carry_g - 400.0 * xi * a - 2.0 * b;
        carry_g = 200.0 * a;
        let off = -400.0 * xi;
        hv[i] = carry_h + (1200.0 * xi * xi - 400.0 * xn + 2.0) * vi + off * vn;
        carry_h = off * vi + 200.0 * vn;
    }
    g[n - 1] = carry_g;
    hv[n - 1] = carry_h;
    (s, g, hv)
}

/// `h_{t+1} = tanh(a h_t + b)`, `T` steps from `h0`.
#[grad(wrt(a, b, h0), jvp)]
fn rnn(a: f64, b: f64, h0: f64, steps: usize) -> f64 {
    let mut h = h0;
    for _ in 0..steps {
        h = (a * h + b).tanh();
    }
    h
}

/// The tangent beside the state: `ḣ ← (1 − h²)(ȧ h + a ḣ + ḃ)`.
fn rnn_jvp_hand(a: f64, b: f64, h0: f64, steps: usize, dir: (f64, f64, f64)) -> (f64, f64) {
    let (da, db, mut dh) = dir;
    let mut h = h0;
    for _ in 0..steps {
        let next = (a * h + b).tanh();
        dh = (1.0 - next * next) * (da * h + a * dh + db);
        h = next;
    }
    (h, dh)
}

fn close(what: &str, a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            relative_eq!(x, y, max_relative = 1e-9, epsilon = 1e-9),
            "{what}[{i}]: {x} vs {y}"
        );
    }
}

fn forward(c: &mut Criterion) {
    let x = uniform(ROSENBROCK_N, 1);
    let v = uniform(ROSENBROCK_N, 2);
    let (dir, rnn_args) = ((0.3, -0.2, 0.5), (0.9, 0.1, 0.2));
    let (a, b, h0) = rnn_args;

    let (y, t) = rosenbrock_jvp(&x, &v);
    let (hy, ht) = rosenbrock_jvp_hand(&x, &v);
    close("rosenbrock jvp", &[y, t], &[hy, ht]);
    let (y, t) = rnn_jvp(a, b, h0, RNN_STEPS, dir.0, dir.1, dir.2);
    let (hy, ht) = rnn_jvp_hand(a, b, h0, RNN_STEPS, dir);
    close("rnn jvp", &[y, t], &[hy, ht]);
    let (y, g, hv) = rosenbrock_hvp(&x, &v);
    let (hy, hg, hhv) = rosenbrock_hvp_hand(&x, &v);
    close("rosenbrock hvp value", &[y], &[hy]);
    close("rosenbrock hvp gradient", &g, &hg);
    close("rosenbrock hvp", &hv, &hhv);
    let small = uniform(HESSIAN_N, 3);
    let (_, _, h) = rosenbrock_hessian(&small);
    for k in 0..HESSIAN_N {
        let mut e = vec![0.0; HESSIAN_N];
        e[k] = 1.0;
        let (_, _, column) = rosenbrock_hvp_hand(&small, &e);
        let row: Vec<f64> = (0..HESSIAN_N).map(|i| h[i * HESSIAN_N + k]).collect();
        close("hessian column", &row, &column);
    }

    let mut group = c.benchmark_group("1_rosenbrock_jvp_1e6");
    group.sample_size(SAMPLES);
    group.throughput(Throughput::Elements(ROSENBROCK_N as u64));
    group.bench_function("primal", |bench| bench.iter(|| rosenbrock(black_box(&x))));
    group.bench_function("jvp", |bench| {
        bench.iter(|| rosenbrock_jvp(black_box(&x), black_box(&v)))
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| rosenbrock_jvp_hand(black_box(&x), black_box(&v)))
    });
    group.finish();

    let mut group = c.benchmark_group("2_rnn_tanh_jvp_1e5");
    group.sample_size(SAMPLES);
    group.throughput(Throughput::Elements(RNN_STEPS as u64));
    let steps = || black_box(RNN_STEPS);
    group.bench_function("primal", |bench| {
        bench.iter(|| rnn(black_box(a), b, h0, steps()))
    });
    group.bench_function("jvp", |bench| {
        bench.iter(|| rnn_jvp(black_box(a), b, h0, steps(), dir.0, dir.1, dir.2))
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| rnn_jvp_hand(black_box(a), b, h0, steps(), dir))
    });
    group.finish();

    let mut group = c.benchmark_group("3_rosenbrock_hvp_1e6");
    group.sample_size(SAMPLES);
    group.throughput(Throughput::Elements(ROSENBROCK_N as u64));
    group.bench_function("grad", |bench| {
        bench.iter(|| rosenbrock_grad(black_box(&x)))
    });
    group.bench_function("hvp", |bench| {
        bench.iter(|| rosenbrock_hvp(black_box(&x), black_box(&v)))
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| rosenbrock_hvp_hand(black_box(&x), black_box(&v)))
    });
    group.finish();

    let mut group = c.benchmark_group("4_hessian_100");
    group.sample_size(SAMPLES);
    group.bench_function("hessian", |bench| {
        bench.iter(|| rosenbrock_hessian(black_box(&small)))
    });
    group.bench_function("100_grads", |bench| {
        bench.iter(|| {
            for _ in 0..HESSIAN_N {
                black_box(rosenbrock_grad(black_box(&small)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, forward);
criterion_main!(benches);
