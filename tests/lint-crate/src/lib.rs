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

/// A long function: its core is cut into pieces (closures in a debug build), which must be as
/// lint-free as the rest.
#[grad]
#[rustfmt::skip]
pub fn long(x: &[f64], y: f64) -> f64 {
    let mut s = 0.5 * y;
    let mut buf = [0.0; 4];
    let v0 = x[0] * y;
    s = s * 0.9 + v0 * 0.1;
    let v2 = v0.tanh() + s * 0.01;
    buf[3] = v2 * 0.5 + buf[0];
    let v4 = (v2 * v2 + 1.0).sqrt() - buf[0] * 0.1;
    s *= 0.99;
    let v6 = v4 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v6 * 0.1;
    let v8 = v6.tanh() + s * 0.01;
    buf[1] = v8 * 0.5 + buf[2];
    let v10 = (v8 * v8 + 1.0).sqrt() - buf[2] * 0.1;
    s *= 0.99;
    let v12 = v10 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v12 * 0.1;
    let v14 = v12.tanh() + s * 0.01;
    buf[3] = v14 * 0.5 + buf[0];
    let v16 = (v14 * v14 + 1.0).sqrt() - buf[0] * 0.1;
    s *= 0.99;
    let v18 = v16 * 0.9 + (x[0] - y).sin() * 0.1;
    if v18 > 0.0 { s += v18 * 0.1; } else { s -= v18 * 0.2; }
    let v20 = v18.tanh() + s * 0.01;
    buf[1] = v20 * 0.5 + buf[2];
    let v22 = (v20 * v20 + 1.0).sqrt() - buf[2] * 0.1;
    s *= 0.99;
    let v24 = v22 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v24 * 0.1;
    let v26 = v24.tanh() + s * 0.01;
    buf[3] = v26 * 0.5 + buf[0];
    let v28 = (v26 * v26 + 1.0).sqrt() - buf[0] * 0.1;
    for &xi in x.iter() { s += xi * v28 * 0.01; }
    let v30 = v28 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v30 * 0.1;
    let v32 = v30.tanh() + s * 0.01;
    buf[1] = v32 * 0.5 + buf[2];
    let v34 = (v32 * v32 + 1.0).sqrt() - buf[2] * 0.1;
    s *= 0.99;
    let v36 = v34 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v36 * 0.1;
    let v38 = v36.tanh() + s * 0.01;
    if v38 > 0.0 { s += v38 * 0.1; } else { s -= v38 * 0.2; }
    let v40 = (v38 * v38 + 1.0).sqrt() - buf[0] * 0.1;
    s *= 0.99;
    let v42 = v40 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v42 * 0.1;
    let v44 = v42.tanh() + s * 0.01;
    buf[1] = v44 * 0.5 + buf[2];
    let v46 = (v44 * v44 + 1.0).sqrt() - buf[2] * 0.1;
    s *= 0.99;
    let v48 = v46 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v48 * 0.1;
    let v50 = v48.tanh() + s * 0.01;
    buf[3] = v50 * 0.5 + buf[0];
    let v52 = (v50 * v50 + 1.0).sqrt() - buf[0] * 0.1;
    s *= 0.99;
    let v54 = v52 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v54 * 0.1;
    let v56 = v54.tanh() + s * 0.01;
    buf[1] = v56 * 0.5 + buf[2];
    let v58 = (v56 * v56 + 1.0).sqrt() - buf[2] * 0.1;
    for &xi in x.iter() { s += xi * v58 * 0.01; }
    let v60 = v58 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v60 * 0.1;
    let v62 = v60.tanh() + s * 0.01;
    buf[3] = v62 * 0.5 + buf[0];
    let v64 = (v62 * v62 + 1.0).sqrt() - buf[0] * 0.1;
    s *= 0.99;
    let v66 = v64 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v66 * 0.1;
    let v68 = v66.tanh() + s * 0.01;
    buf[1] = v68 * 0.5 + buf[2];
    let v70 = (v68 * v68 + 1.0).sqrt() - buf[2] * 0.1;
    s *= 0.99;
    let v72 = v70 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v72 * 0.1;
    let v74 = v72.tanh() + s * 0.01;
    buf[3] = v74 * 0.5 + buf[0];
    let v76 = (v74 * v74 + 1.0).sqrt() - buf[0] * 0.1;
    s *= 0.99;
    let v78 = v76 * 0.9 + (x[0] - y).sin() * 0.1;
    if v78 > 0.0 { s += v78 * 0.1; } else { s -= v78 * 0.2; }
    let v80 = v78.tanh() + s * 0.01;
    buf[1] = v80 * 0.5 + buf[2];
    let v82 = (v80 * v80 + 1.0).sqrt() - buf[2] * 0.1;
    s *= 0.99;
    let v84 = v82 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v84 * 0.1;
    let v86 = v84.tanh() + s * 0.01;
    buf[3] = v86 * 0.5 + buf[0];
    let v88 = (v86 * v86 + 1.0).sqrt() - buf[0] * 0.1;
    for &xi in x.iter() { s += xi * v88 * 0.01; }
    let v90 = v88 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v90 * 0.1;
    let v92 = v90.tanh() + s * 0.01;
    buf[1] = v92 * 0.5 + buf[2];
    let v94 = (v92 * v92 + 1.0).sqrt() - buf[2] * 0.1;
    s *= 0.99;
    let v96 = v94 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v96 * 0.1;
    let v98 = v96.tanh() + s * 0.01;
    if v98 > 0.0 { s += v98 * 0.1; } else { s -= v98 * 0.2; }
    let v100 = (v98 * v98 + 1.0).sqrt() - buf[0] * 0.1;
    s *= 0.99;
    let v102 = v100 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v102 * 0.1;
    let v104 = v102.tanh() + s * 0.01;
    buf[1] = v104 * 0.5 + buf[2];
    let v106 = (v104 * v104 + 1.0).sqrt() - buf[2] * 0.1;
    s *= 0.99;
    let v108 = v106 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v108 * 0.1;
    let v110 = v108.tanh() + s * 0.01;
    buf[3] = v110 * 0.5 + buf[0];
    let v112 = (v110 * v110 + 1.0).sqrt() - buf[0] * 0.1;
    s *= 0.99;
    let v114 = v112 * 0.9 + (x[0] - y).sin() * 0.1;
    s = s * 0.9 + v114 * 0.1;
    let v116 = v114.tanh() + s * 0.01;
    buf[1] = v116 * 0.5 + buf[2];
    let v118 = (v116 * v116 + 1.0).sqrt() - buf[2] * 0.1;
    for &xi in x.iter() { s += xi * v118 * 0.01; }
    v118 + s + buf[0]
}
