//! A user crate with the strictest lints: the code `#[grad]` generates must compile here without
//! a single warning, under rustc (`cargo test --workspace` builds it) and under clippy
//! (`cargo clippy --workspace -- -D warnings` in `.ci/run`).
#![deny(warnings, missing_docs, unused, clippy::all, unsafe_code)]

use autodiff::grad;

/// Seed `003`'s function.
#[grad]
pub fn walkthrough(x1: f64, x2: f64) -> f64 {
    let t1 = x1 - x2;
    let t2 = t1.powi(2);
    t2 + (x1 + x2).cos()
}

/// Every kind of statement and parameter.
#[grad(wrt(x, z))]
pub fn many(x: f64, n: usize, y: f64, z: f64, label: &str, mut w: f64) -> f64 {
    const K: f64 = 0.25;
    let mut acc: f64 = 1.0;
    acc += x * y;
    acc *= z.clamp(0.5, 2.0).max(x);
    w *= 2.0;
    debug_assert!(!label.is_empty(), "label {label}");
    let scaled = acc * n as f64 * K;
    autodiff::relu(scaled) + autodiff::sigmoid(x) + f64::exp(z) * w + std::f64::consts::PI
}

/// Single precision.
#[grad]
pub fn single(x: f32) -> f32 {
    (x * 2.0_f32).tanh() + x.mul_add(3.0, 1.0)
}

/// Many active parameters (the `_vjp` has more than seven arguments).
#[grad]
pub fn wide(a: f64, b: f64, c: f64, d: f64, e: f64, f: f64, g: f64) -> f64 {
    a * b + c * d + e * f + g
}

/// A private function's companions are private, and unused ones must not warn.
#[grad]
fn private(x: f64) -> f64 {
    x.sin()
}

/// Uses the private function's gradient.
pub fn use_private(x: f64) -> f64 {
    private_grad(x).1
}
