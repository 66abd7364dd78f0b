//! Idiomatic forms cost nothing: Rosenbrock and a dot product written as iterator chains
//! (`zip` / `skip` / `map` / `sum`, and `windows(2)` / `map` / `sum`), against the same functions written as index loops and
//! against hand-written adjoints, at a small and a large size, gradients checked bit for bit
//! against the index-loop twins before anything is timed.
//!
//! Run: `cargo bench --bench idioms -- --warm-up-time 1 --measurement-time 3`. Report the
//! ratios `chain / loop` (target ≤ 1.05) and `chain / hand`.

// The twins are index loops on purpose.
#![allow(clippy::needless_range_loop)]

use autodiff::grad;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

mod common;
use common::uniform;

#[grad]
fn rosenbrock_chain(x: &[f64]) -> f64 {
    x.iter()
        .zip(x.iter().skip(1))
        .map(|(&a, &b)| {
            let (p, q) = (b - a * a, 1.0 - a);
            100.0 * p * p + q * q
        })
        .sum()
}

#[grad]
fn rosenbrock_windows(x: &[f64]) -> f64 {
    x.windows(2)
        .map(|w| {
            let (p, q) = (w[1] - w[0] * w[0], 1.0 - w[0]);
            100.0 * p * p + q * q
        })
        .sum()
}

#[grad]
fn rosenbrock_loop(x: &[f64]) -> f64 {
    let mut s = -0.0;
    for i in 0..x.len() - 1 {
        let (a, b) = (x[i], x[i + 1]);
        let (p, q) = (b - a * a, 1.0 - a);
        s += 100.0 * p * p + q * q;
    }
    s
}

/// Value and gradient in one pass (see `benches/loops.rs`).
fn rosenbrock_hand(x: &[f64]) -> (f64, Vec<f64>) {
    let n = x.len();
    let mut g = vec![0.0; n];
    let (mut s, mut carry) = (0.0, 0.0);
    for (gi, pair) in g.iter_mut().zip(x.windows(2)) {
        let (a, b) = (pair[0], pair[1]);
        let (p, q) = (b - a * a, 1.0 - a);
        s += 100.0 * p * p + q * q;
        *gi = carry - 400.0 * a * p - 2.0 * q;
        carry = 200.0 * p;
    }
    g[n - 1] = carry;
    (s, g)
}

#[grad]
fn dot_chain(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

#[grad]
fn dot_loop(x: &[f64], y: &[f64]) -> f64 {
    let mut s = -0.0;
    for i in 0..x.len().min(y.len()) {
        s += x[i] * y[i];
    }
    s
}

fn dot_hand(x: &[f64], y: &[f64]) -> (f64, (Vec<f64>, Vec<f64>)) {
    let s = x.iter().zip(y).map(|(a, b)| a * b).sum();
    (s, (y.to_vec(), x.to_vec()))
}

fn bench(c: &mut Criterion) {
    for n in [100, 100_000] {
        let x = uniform(n, 7);
        let y = uniform(n, 8);
        let (a, b) = (rosenbrock_chain_grad(&x), rosenbrock_loop_grad(&x));
        assert_eq!(a, b, "the chain and the loop differ");
        // The window's closure reads `w[1]` before `w[0]`, so its adjoints add in another
        // order: the same up to rounding.
        let (v, g) = rosenbrock_windows_grad(&x);
        assert_eq!(v, b.0);
        for (p, q) in g.iter().zip(&b.1) {
            assert!(approx::relative_eq!(p, q, max_relative = 1e-12));
        }
        let h = rosenbrock_hand(&x);
        assert!(approx::relative_eq!(a.0, h.0, max_relative = 1e-12));
        assert_eq!(dot_chain_grad(&x, &y), dot_loop_grad(&x, &y));
        let mut g = c.benchmark_group(format!("rosenbrock/{n}"));
        g.bench_function("primal", |bch| bch.iter(|| rosenbrock_chain(black_box(&x))));
        g.bench_function("chain", |bch| {
            bch.iter(|| rosenbrock_chain_grad(black_box(&x)))
        });
        g.bench_function("windows", |bch| {
            bch.iter(|| rosenbrock_windows_grad(black_box(&x)))
        });
        g.bench_function("loop", |bch| {
            bch.iter(|| rosenbrock_loop_grad(black_box(&x)))
        });
        g.bench_function("hand", |bch| bch.iter(|| rosenbrock_hand(black_box(&x))));
        g.finish();
        let mut g = c.benchmark_group(format!("dot/{n}"));
        g.bench_function("primal", |bch| {
            bch.iter(|| dot_chain(black_box(&x), black_box(&y)))
        });
        g.bench_function("chain", |bch| {
            bch.iter(|| dot_chain_grad(black_box(&x), black_box(&y)))
        });
        g.bench_function("loop", |bch| {
            bch.iter(|| dot_loop_grad(black_box(&x), black_box(&y)))
        });
        g.bench_function("hand", |bch| {
            bch.iter(|| dot_hand(black_box(&x), black_box(&y)))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
