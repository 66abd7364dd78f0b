//! Primal vs `#[grad]` vs a hand-written adjoint, for the scalar seed functions.
//!
//! Every timed iteration evaluates the function on the same fixed batch of [`BATCH`] points and
//! sums the results into an accumulator, so that loop overhead does not dominate functions that
//! take a few nanoseconds. The three variants of a function see the same points and do the same
//! bookkeeping; only the function called differs. Report the ratios `grad / hand` (how far the
//! generated code is from the practical limit) and `grad / primal` (the cost of a gradient).
//!
//! The hand-written adjoints are what an expert writes: straight-line, no allocation, shared
//! subexpressions computed once, `sin_cos` where both are needed. Before anything is timed,
//! every hand-written gradient is checked against the generated one on every batch point, so a
//! wrong hand adjoint cannot skew the comparison.
//!
//! Run: `cargo bench --bench scalar -- --warm-up-time 1 --measurement-time 3`.

use approx::relative_eq;
use autodiff::grad;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

mod common;
use common::uniform;

/// Points evaluated per timed iteration.
const BATCH: usize = 64;

// ---------------------------------------------------------------------------------------------
// The seed functions, each with its hand-written adjoint: value and gradient.
// ---------------------------------------------------------------------------------------------

/// Seed 1: `ln(1 + x²)`.
#[grad]
fn f1(x: f64) -> f64 {
    (1.0 + x * x).ln()
}

fn f1_hand(x: f64) -> (f64, f64) {
    let u = 1.0 + x * x;
    (u.ln(), 2.0 * x / u)
}

/// Seed 2: `x² + sin(x²)`, the intermediate `x²` used twice.
#[grad]
fn f2(x: f64) -> f64 {
    let u = x * x;
    u + u.sin()
}

fn f2_hand(x: f64) -> (f64, f64) {
    let u = x * x;
    let (s, c) = u.sin_cos();
    (u + s, 2.0 * x * (1.0 + c))
}

/// Seed 3: `x1·x2 + sin x1`.
#[grad]
fn f3(x1: f64, x2: f64) -> f64 {
    x1 * x2 + x1.sin()
}

fn f3_hand(x1: f64, x2: f64) -> (f64, (f64, f64)) {
    let (s, c) = x1.sin_cos();
    (x1 * x2 + s, (x2 + c, x1))
}

/// Seed 4: `(x1 − x2)² + cos(x1 + x2)`, written as in the quickstart.
#[grad]
fn f4(x1: f64, x2: f64) -> f64 {
    let t1 = x1 - x2;
    let t2 = t1.powi(2);
    t2 + (x1 + x2).cos()
}

fn f4_hand(x1: f64, x2: f64) -> (f64, (f64, f64)) {
    let t1 = x1 - x2;
    let (s, c) = (x1 + x2).sin_cos();
    let d = 2.0 * t1;
    (t1 * t1 + c, (d - s, -d - s))
}

/// Seed 5: `ℓ = z²` with `z = x·y + sin x`.
#[grad]
fn f5(x: f64, y: f64) -> f64 {
    let z = x * y + x.sin();
    z * z
}

fn f5_hand(x: f64, y: f64) -> (f64, (f64, f64)) {
    let (s, c) = x.sin_cos();
    let z = x * y + s;
    let zbar = 2.0 * z;
    (z * z, (zbar * (y + c), zbar * x))
}

/// Seed 6: `ℓ = (x·y + z) · sin y`.
#[grad]
fn f6(x: f64, y: f64, z: f64) -> f64 {
    let a = x * y + z;
    a * y.sin()
}

fn f6_hand(x: f64, y: f64, z: f64) -> (f64, (f64, f64, f64)) {
    let a = x * y + z;
    let (s, c) = y.sin_cos();
    (a * s, (y * s, x * s + a * c, s))
}

/// Seed 7: a 2-D Gaussian-ish energy: a Gaussian well, a soft radial term, a `tanh` coupling,
/// with `r2`, `g` and `s` each used several times (about twenty operations).
#[grad]
fn f7(x: f64, y: f64) -> f64 {
    let dx = x - 0.5;
    let dy = y + 0.25;
    let r2 = dx * dx + dy * dy;
    let g = (-0.5 * r2).exp();
    let r = (r2 + 1.0).sqrt();
    let s = (0.3 * x * y).tanh();
    let e = g * r + s * s - 0.1 * r2;
    e + g * s
}

fn f7_hand(x: f64, y: f64) -> (f64, (f64, f64)) {
    let dx = x - 0.5;
    let dy = y + 0.25;
    let r2 = dx * dx + dy * dy;
    let g = (-0.5 * r2).exp();
    let r = (r2 + 1.0).sqrt();
    let s = (0.3 * x * y).tanh();
    let value = g * r + s * s - 0.1 * r2 + g * s;
    // ∂E/∂g = r + s, ∂E/∂r = g, ∂E/∂s = 2s + g, and r2 reaches E directly with −0.1.
    let gbar = r + s;
    let r2bar = -0.1 - 0.5 * g * gbar + 0.5 * g / r;
    let ubar = 0.3 * (2.0 * s + g) * (1.0 - s * s);
    let xbar = 2.0 * dx * r2bar + ubar * y;
    let ybar = 2.0 * dy * r2bar + ubar * x;
    (value, (xbar, ybar))
}

// ---------------------------------------------------------------------------------------------
// Fixed inputs.
// ---------------------------------------------------------------------------------------------

struct Points {
    p1: [f64; BATCH],
    p2: [(f64, f64); BATCH],
    p3: [(f64, f64, f64); BATCH],
}

impl Points {
    fn new() -> Points {
        let (a, b, c) = (uniform(BATCH, 1), uniform(BATCH, 2), uniform(BATCH, 3));
        Points {
            p1: std::array::from_fn(|i| a[i]),
            p2: std::array::from_fn(|i| (a[i], b[i])),
            p3: std::array::from_fn(|i| (a[i], b[i], c[i])),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The check, once, before any timing.
// ---------------------------------------------------------------------------------------------

/// Relative 1e-12, with an absolute floor of 1e-14 for entries that cancel to near zero.
fn close(what: &str, at: &str, generated: f64, hand: f64) {
    assert!(
        relative_eq!(generated, hand, epsilon = 1e-14, max_relative = 1e-12),
        "{what} at {at}: generated {generated:e} but hand-written {hand:e}"
    );
}

fn check_all(p: &Points) {
    for &x in &p.p1 {
        let at = format!("{x}");
        let ((v, g), (hv, hg)) = (f1_grad(x), f1_hand(x));
        close("f1 value", &at, v, hv);
        close("f1 ∂x", &at, g, hg);
        let ((v, g), (hv, hg)) = (f2_grad(x), f2_hand(x));
        close("f2 value", &at, v, hv);
        close("f2 ∂x", &at, g, hg);
    }
    type Grad2 = fn(f64, f64) -> (f64, (f64, f64));
    let pairs: [(&str, Grad2, Grad2); 4] = [
        ("f3", f3_grad, f3_hand),
        ("f4", f4_grad, f4_hand),
        ("f5", f5_grad, f5_hand),
        ("f7", f7_grad, f7_hand),
    ];
    for (name, generated, hand) in pairs {
        for &(x, y) in &p.p2 {
            let at = format!("({x}, {y})");
            let ((v, (g1, g2)), (hv, (h1, h2))) = (generated(x, y), hand(x, y));
            close(&format!("{name} value"), &at, v, hv);
            close(&format!("{name} ∂1"), &at, g1, h1);
            close(&format!("{name} ∂2"), &at, g2, h2);
        }
    }
    for &(x, y, z) in &p.p3 {
        let at = format!("({x}, {y}, {z})");
        let ((v, (g1, g2, g3)), (hv, (h1, h2, h3))) = (f6_grad(x, y, z), f6_hand(x, y, z));
        close("f6 value", &at, v, hv);
        close("f6 ∂x", &at, g1, h1);
        close("f6 ∂y", &at, g2, h2);
        close("f6 ∂z", &at, g3, h3);
    }
}

// ---------------------------------------------------------------------------------------------
// Timing.
// ---------------------------------------------------------------------------------------------

/// Times `primal`, `grad` and `hand` of one function over the batch `points`; `sum` folds one
/// result (the value, or the value and every gradient entry) into a single `f64`.
macro_rules! bench_three {
    ($c:expr, $name:literal, $points:expr, $pat:pat => ($($arg:ident),+),
     $primal:path, $grad:path, $hand:path, $sum:expr) => {{
        let mut group = $c.benchmark_group($name);
        group.throughput(Throughput::Elements(BATCH as u64));
        let points = $points;
        group.bench_function("primal", |b| {
            b.iter(|| {
                let mut acc = 0.0;
                for $pat in black_box(points).iter() {
                    acc += $primal($($arg),+);
                }
                black_box(acc)
            })
        });
        group.bench_function("grad", |b| {
            b.iter(|| {
                let mut acc = 0.0;
                for $pat in black_box(points).iter() {
                    acc += $sum($grad($($arg),+));
                }
                black_box(acc)
            })
        });
        group.bench_function("hand", |b| {
            b.iter(|| {
                let mut acc = 0.0;
                for $pat in black_box(points).iter() {
                    acc += $sum($hand($($arg),+));
                }
                black_box(acc)
            })
        });
        group.finish();
    }};
}

fn sum1((v, g): (f64, f64)) -> f64 {
    v + g
}

fn sum2((v, (g1, g2)): (f64, (f64, f64))) -> f64 {
    v + g1 + g2
}

fn sum3((v, (g1, g2, g3)): (f64, (f64, f64, f64))) -> f64 {
    v + g1 + g2 + g3
}

fn scalar(c: &mut Criterion) {
    let points = Points::new();
    check_all(&points);
    bench_three!(c, "1_ln_1p_x2", &points.p1, &x => (x), f1, f1_grad, f1_hand, sum1);
    bench_three!(c, "2_x2_sin_x2", &points.p1, &x => (x), f2, f2_grad, f2_hand, sum1);
    bench_three!(c, "3_x1x2_sin_x1", &points.p2, &(x1, x2) => (x1, x2), f3, f3_grad, f3_hand, sum2);
    bench_three!(c, "4_quickstart", &points.p2, &(x1, x2) => (x1, x2), f4, f4_grad, f4_hand, sum2);
    bench_three!(c, "5_xy_sin_x_sq", &points.p2, &(x, y) => (x, y), f5, f5_grad, f5_hand, sum2);
    bench_three!(c, "6_xy_z_sin_y", &points.p3, &(x, y, z) => (x, y, z), f6, f6_grad, f6_hand, sum3);
    bench_three!(c, "7_energy", &points.p2, &(x, y) => (x, y), f7, f7_grad, f7_hand, sum2);
}

criterion_group!(benches, scalar);
criterion_main!(benches);
