//! Second order: `#[grad(hvp)]` adds `NAME_hvp(params, directions) -> (value, gradient, H·v)`,
//! one reverse sweep over the forward-mode tangent, and `NAME_hessian(params) -> (value,
//! gradient, H)`, row-major, one `NAME_hvp` per row. Checked against closed forms, central
//! differences of `NAME_grad`, symmetry, and `H·v` against `H` times `v`.

// `#[grad]` functions index their slices in loops, as users write them.
#![allow(clippy::needless_range_loop)]

use approx::assert_relative_eq;
use autodiff::grad;

mod common;

/// Rosenbrock, with loops and a local temporary.
#[grad(hvp)]
fn rosen(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

/// Rosenbrock's Hessian in closed form.
fn rosen_exact(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut h = vec![0.0; n * n];
    for i in 0..n - 1 {
        h[i * n + i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
        h[i * n + i + 1] -= 400.0 * x[i];
        h[(i + 1) * n + i] -= 400.0 * x[i];
        h[(i + 1) * n + i + 1] += 200.0;
    }
    h
}

fn assert_all_close(actual: &[f64], expected: &[f64], rel: f64, abs: f64) {
    assert_eq!(actual.len(), expected.len(), "lengths differ");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            approx::relative_eq!(*a, *e, epsilon = abs, max_relative = rel),
            "entry {i}: {a} vs {e}\n actual   {actual:?}\n expected {expected:?}"
        );
    }
}

/// `H v` from a row-major `H`.
fn times(h: &[f64], v: &[f64]) -> Vec<f64> {
    let n = v.len();
    (0..n)
        .map(|i| (0..n).map(|j| h[i * n + j] * v[j]).sum())
        .collect()
}

#[test]
fn rosenbrock_hessian_is_the_closed_form() {
    let x = common::points(6, -1.5, 1.5, 3);
    let (value, g, h) = rosen_hessian(&x);
    assert_eq!(value, rosen(&x));
    assert_eq!(g, rosen_grad(&x).1);
    assert_all_close(&h, &rosen_exact(&x), 1e-14, 1e-12);
}

#[test]
fn rosenbrock_hvp_is_the_hessian_times_v() {
    let x = common::points(7, -1.5, 1.5, 4);
    let v = common::points(7, -1.0, 1.0, 5);
    let (value, g, hv) = rosen_hvp(&x, &v);
    assert_eq!(value, rosen(&x));
    assert_all_close(&g, &rosen_grad(&x).1, 1e-15, 0.0);
    assert_all_close(&hv, &times(&rosen_exact(&x), &v), 1e-13, 1e-11);
}

/// Central differences of `NAME_grad` along `v`: `(∇f(x + hv) − ∇f(x − hv)) / 2h ≈ H v`.
fn grad_differences(grad: impl Fn(&[f64]) -> Vec<f64>, x: &[f64], v: &[f64]) -> Vec<f64> {
    let h = 1e-6;
    let at = |s: f64| -> Vec<f64> { x.iter().zip(v).map(|(a, b)| a + s * h * b).collect() };
    let (plus, minus) = (grad(&at(1.0)), grad(&at(-1.0)));
    plus.iter()
        .zip(&minus)
        .map(|(p, m)| (p - m) / (2.0 * h))
        .collect()
}

/// Loops, a branch, mutation of a buffer, smooth primitives.
#[grad(hvp)]
fn mixed(x: &[f64], t: f64) -> f64 {
    let mut buf = vec![0.0; x.len()];
    let mut s = 0.0;
    for i in 0..x.len() {
        buf[i] = (x[i] * t).sin() + x[i].exp() * 0.1;
        if buf[i] > 0.0 {
            s += buf[i] * buf[i] * t;
        } else {
            s -= (1.0 + buf[i] * buf[i]).ln() / (2.0 + t * t);
        }
    }
    let mut k = 0;
    while k < 2 {
        s = s.tanh() * 1.5 + s * 0.25;
        k += 1;
    }
    s + x[0].powi(3) * t.sqrt()
}

#[test]
fn a_loop_and_a_branch_against_differences_of_the_gradient() {
    let mut next = common::uniform(11, -1.2, 1.2);
    for _ in 0..10 {
        let x: Vec<f64> = (0..4).map(|_| next()).collect();
        let t = 0.5 + next().abs();
        let v: Vec<f64> = (0..4).map(|_| next()).collect();
        let vt = next();
        let (value, (gx, gt), (hx, ht)) = mixed_hvp(&x, t, &v, vt);
        assert_eq!(value, mixed(&x, t));
        let (_, (rx, rt)) = mixed_grad(&x, t);
        assert_all_close(&gx, &rx, 1e-13, 1e-13);
        assert_relative_eq!(gt, rt, max_relative = 1e-13, epsilon = 1e-13);
        let grad = |q: &[f64]| {
            let (_, (gx, gt)) = mixed_grad(&q[..4], q[4]);
            [gx, vec![gt]].concat()
        };
        let p = [x.clone(), vec![t]].concat();
        let numeric = grad_differences(grad, &p, &[v.clone(), vec![vt]].concat());
        assert_all_close(&[hx, vec![ht]].concat(), &numeric, 1e-6, 1e-6);
    }
}

#[test]
fn the_hessian_is_symmetric_and_agrees_with_hvp() {
    let x = [0.3, -0.8, 1.1];
    let t = 0.9;
    let (_, _, h) = mixed_hessian(&x, t);
    let n = 4;
    assert_eq!(h.len(), n * n);
    for i in 0..n {
        for j in 0..i {
            assert_relative_eq!(
                h[i * n + j],
                h[j * n + i],
                max_relative = 1e-12,
                epsilon = 1e-13
            );
        }
    }
    let v = [0.5, -1.0, 2.0, 0.25];
    let (_, _, (hx, ht)) = mixed_hvp(&x, t, &v[..3], v[3]);
    assert_all_close(&[hx, vec![ht]].concat(), &times(&h, &v), 1e-12, 1e-12);
}

/// Scalars only, with a closed form.
#[grad(hvp)]
fn pair(x: f64, y: f64) -> f64 {
    x.sin() * y.exp() + x * x * y
}

#[test]
fn scalar_parameters() {
    let (x, y) = (0.5_f64, 0.3_f64);
    let (value, (gx, gy), h) = pair_hessian(x, y);
    assert_eq!(value, pair(x, y));
    assert_relative_eq!(gx, x.cos() * y.exp() + 2.0 * x * y, max_relative = 1e-15);
    assert_relative_eq!(gy, x.sin() * y.exp() + x * x, max_relative = 1e-15);
    let hxx = -x.sin() * y.exp() + 2.0 * y;
    let hxy = x.cos() * y.exp() + 2.0 * x;
    let hyy = x.sin() * y.exp();
    assert_all_close(&h, &[hxx, hxy, hxy, hyy], 1e-15, 1e-15);
}

/// `f32` throughout.
#[grad(hvp)]
fn single(x: &[f32]) -> f32 {
    let mut s = 0.0f32;
    for i in 0..x.len() {
        s += x[i] * x[i] * x[i] + (x[i] * 2.0).cos();
    }
    s
}

#[test]
fn single_precision() {
    let x = [0.5f32, -1.0, 2.0];
    let (_, _, h) = single_hessian(&x);
    for i in 0..3 {
        for j in 0..3 {
            let exact = if i == j {
                6.0 * x[i] - 4.0 * (2.0 * x[i]).cos()
            } else {
                0.0
            };
            assert_relative_eq!(h[i * 3 + j], exact, max_relative = 1e-5, epsilon = 1e-5);
        }
    }
}

/// Kinks have no curvature: `abs`, `max` and `relu` contribute their slopes only.
#[grad(hvp)]
fn kinks(x: f64, y: f64) -> f64 {
    (x * y).abs() + x.max(y) * x + autodiff::relu(x - y) * y
}

#[test]
fn kinks_contribute_slopes_not_curvature() {
    let (x, y) = (0.7, -0.4);
    let (_, _, h) = kinks_hessian(x, y);
    // |xy| = −xy here, max(x, y) x = x², relu(x − y) y = (x − y) y.
    assert_all_close(&h, &[2.0, -1.0 + 1.0, -1.0 + 1.0, -2.0], 1e-15, 1e-15);
}

/// Only some parameters: `wrt` limits the directions and the Hessian.
#[grad(wrt(x), hvp)]
fn scaled(x: &[f64], k: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += k * x[i] * x[i] * x[i];
    }
    s
}

#[test]
fn wrt_limits_the_hessian() {
    let x = [1.0, 2.0];
    let (_, g, h) = scaled_hessian(&x, 0.5);
    assert_eq!(g, vec![1.5, 6.0]);
    assert_eq!(h, vec![3.0, 0.0, 0.0, 6.0]);
    let (_, _, hv) = scaled_hvp(&x, 0.5, &[1.0, 1.0]);
    assert_eq!(hv, vec![3.0, 6.0]);
}

/// An empty slice: no floats, an empty Hessian, the value still there.
#[test]
fn no_floats_at_all() {
    let (value, g, h) = scaled_hessian(&[], 2.0);
    assert_eq!((value, g, h), (0.0, vec![], vec![]));
}

/// Found by the tester: a slice parameter nothing active reaches still has a (zero) gradient
/// and Hessian (its direction's adjoint was used before it was declared).
#[grad(hvp)]
fn constant(x: &[f64], t: f64) -> f64 {
    let _ = x.len();
    1.25 + t * t
}

#[test]
fn a_parameter_nothing_reaches() {
    let (value, (gx, gt), h) = constant_hessian(&[1.0, 2.0], 3.0);
    assert_eq!((value, gx, gt), (10.25, vec![0.0, 0.0], 6.0));
    assert_eq!(h, vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0]);
}

/// Found by the tester: a kink's rule inside a branch, whose reverse reads the rule's operands
/// there (they were not kept for the reverse sweep).
#[grad(hvp)]
fn kink_in_branch(x: f64, c: f64) -> f64 {
    let mut s = x * x;
    if c > 0.0 {
        s += (0.875f64).asin().max(x) * x;
    } else {
        s -= x.min(c) * x * x;
    }
    s
}

#[test]
fn a_kink_inside_a_branch() {
    // 2x² (x > asin 0.875 ≈ 1.065) then x² + x³ (x < c).
    let (_, _, h) = kink_in_branch_hessian(1.5, 1.0);
    assert_eq!(h, vec![4.0, 0.0, 0.0, 0.0]);
    let (_, _, h) = kink_in_branch_hessian(-2.0, -1.0);
    assert_eq!(h, vec![2.0 - 6.0 * -2.0, 0.0, 0.0, 0.0]);
}

/// Found by the tester: an owned `Vec` parameter, passed to one `NAME_hvp` per row.
#[grad(hvp)]
fn owned(x: Vec<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i] * x[i];
    }
    s
}

#[test]
fn an_owned_vec_parameter() {
    let (_, _, h) = owned_hessian(vec![1.0, -2.0]);
    assert_eq!(h, vec![6.0, 0.0, 0.0, -12.0]);
}

/// `detach` in second order: its value is a constant of the derivative, so the Hessian of
/// `x (x − detach(x))` is 2 (as JAX's `hessian` with `stop_gradient` has it), though the
/// gradient `2x − detach(x)` evaluates to `x`.
#[grad(hvp)]
fn detached(x: f64) -> f64 {
    x * (x - autodiff::detach(x))
}

#[test]
fn detach_is_a_constant_to_second_order() {
    assert_eq!(detached_hessian(0.3), (0.0, 0.3, vec![2.0]));
}

/// Second order through calls: a caller's `NAME_hvp` reaches each callee through its
/// `NAME_jvp_vjp` (generated by the callee's `#[grad(hvp)]`), in a loop, on a slice, a float
/// and a part of a slice, with the callee's value used again after the call.
#[grad(hvp)]
fn energy(x: &[f64], k: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += k * x[i] * x[i] * x[i] + x[i].sin() * k * k;
    }
    s
}

#[grad(hvp)]
fn bond(a: f64, b: f64) -> f64 {
    (a - b) * (a - b) * a.exp()
}

#[grad(hvp)]
fn caller(x: &[f64], t: f64) -> f64 {
    let e = energy(x, t);
    let mut s = e * e + energy(&x[1..], 0.5);
    for i in 0..x.len() - 1 {
        s += bond(x[i], x[i + 1] * t).sin();
    }
    s
}

#[test]
fn a_function_calling_others() {
    let mut next = common::uniform(17, -1.0, 1.0);
    for _ in 0..6 {
        let x: Vec<f64> = (0..4).map(|_| next()).collect();
        let t = 0.5 + next().abs();
        let v: Vec<f64> = (0..4).map(|_| next()).collect();
        let vt = next();
        let (value, (gx, gt), (hx, ht)) = caller_hvp(&x, t, &v, vt);
        assert_eq!(value, caller(&x, t));
        let (_, (rx, rt)) = caller_grad(&x, t);
        assert_all_close(&gx, &rx, 1e-13, 1e-13);
        assert_relative_eq!(gt, rt, max_relative = 1e-13, epsilon = 1e-13);
        let grad = |q: &[f64]| {
            let (_, (gx, gt)) = caller_grad(&q[..4], q[4]);
            [gx, vec![gt]].concat()
        };
        let p = [x.clone(), vec![t]].concat();
        let numeric = grad_differences(grad, &p, &[v.clone(), vec![vt]].concat());
        assert_all_close(&[hx, vec![ht]].concat(), &numeric, 1e-6, 1e-6);
        // The Hessian, symmetric, and its product with v.
        let (_, _, h) = caller_hessian(&x, t);
        for i in 0..5 {
            for j in 0..5 {
                assert_relative_eq!(
                    h[i * 5 + j],
                    h[j * 5 + i],
                    max_relative = 1e-12,
                    epsilon = 1e-12
                );
            }
        }
    }
}

/// A callee with `wrt`: its `NAME_jvp_vjp` takes the differentiated parameter only, and a
/// caller passing a constant to the other reaches it through the adapter.
#[grad(wrt(x), hvp)]
fn weighted(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += w * x[i].powi(4);
    }
    s
}

#[grad(hvp)]
fn calls_weighted(x: &[f64]) -> f64 {
    weighted(x, 0.25) + x[0] * x[1]
}

#[test]
fn a_callee_with_wrt() {
    let x = [1.0, 2.0];
    let (_, g, h) = calls_weighted_hessian(&x);
    assert_eq!(g, vec![1.0 + 2.0, 8.0 + 1.0]);
    assert_eq!(h, vec![3.0, 1.0, 1.0, 12.0]);
}

#[grad(hvp)]
fn weigh(w: &[f64], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += (w[i] * x[i]).sin();
    }
    s
}

#[grad(wrt(w), hvp)]
fn weigh_data(w: &[f64], x: &[f64]) -> f64 {
    weigh(x, w)
}

/// Regression: an inactive slice parameter passed to a call under second order got a zero
/// tangent the body owns, which the reverse of the call passed by value (`.clone()`) where the
/// callee takes a reference, so `_hvp` did not compile.
#[test]
fn an_inactive_slice_passed_to_a_call() {
    let (w, x, v) = ([0.3, -0.7, 1.1], [0.5, 2.0, -1.5], [1.0, -2.0, 0.5]);
    let (_, g, hv) = weigh_data_hvp(&w, &x, &v);
    // s = Σ sin(wᵢ xᵢ): ∂s/∂wᵢ = xᵢ cos(wᵢ xᵢ), ∂²s/∂wᵢ² = −xᵢ² sin(wᵢ xᵢ), diagonal.
    for i in 0..3 {
        let p = w[i] * x[i];
        assert_relative_eq!(g[i], x[i] * p.cos(), max_relative = 1e-15);
        assert_relative_eq!(hv[i], -x[i] * x[i] * p.sin() * v[i], max_relative = 1e-14);
    }
}

/// Regression (difftest seed 43 index 7503): a kink's tangent (`%`'s, a rule applied to the
/// tangent) read only inside a branch had no adjoint there, and `_hvp` gave a zero gradient.
#[grad(hvp)]
fn rem_in_branch(p0: f64) -> f64 {
    let t1 = p0 % 1.25;
    if p0 > 10.0 {
        p0
    } else {
        t1 * t1
    }
}

/// The same for a call's value and tangent, read only inside a branch.
#[grad(hvp)]
fn call_in_branch(x: f64) -> f64 {
    let b = bond(x, 0.5);
    if x > 10.0 {
        x
    } else {
        b * x
    }
}

#[test]
fn results_of_a_statement_with_several_read_in_a_branch() {
    let (_, g, hv) = rem_in_branch_hvp(2.0, 1.0);
    // (x − 1.25)² near x = 2: gradient 2·0.75, second derivative 2.
    assert_relative_eq!(g, 1.5, max_relative = 1e-14);
    assert_relative_eq!(hv, 2.0, max_relative = 1e-14);
    for x in [-0.7, 0.3, 1.1] {
        let (_, g, hv) = call_in_branch_hvp(x, 1.0);
        let (_, r) = call_in_branch_grad(x);
        assert_relative_eq!(g, r, max_relative = 1e-14);
        let h = 1e-6;
        let numeric = (call_in_branch_grad(x + h).1 - call_in_branch_grad(x - h).1) / (2.0 * h);
        assert_relative_eq!(hv, numeric, max_relative = 1e-6, epsilon = 1e-6);
    }
}

/// Regression (difftest seed 44 index 189): a fixed-size array parameter's adjoint, a local in
/// `NAME_hvp`, was lent to a callee as if it were the core function's `&mut` bar.
#[grad(hvp)]
fn fixed_dot(p: [f64; 3]) -> f64 {
    autodiff::kernels::dot(&p, &p) * p[0]
}

#[test]
fn a_fixed_array_passed_to_a_call() {
    let p = [1.0, 2.0, -1.0];
    // f = |p|² p₀: ∇f = 2p p₀ + |p|² e₀, H = 2 p₀ I + 2 (p e₀ᵀ + e₀ pᵀ).
    let (value, g, h) = fixed_dot_hessian(p);
    assert_eq!(value, 6.0);
    assert_eq!(g, [2.0 + 6.0, 4.0, -2.0]);
    assert_eq!(h, vec![6.0, 4.0, -2.0, 4.0, 2.0, 0.0, -2.0, 0.0, 2.0]);
}

/// Hand-written second-order rules: `NAME_jvp_vjp` beside `NAME_vjp` and `NAME_jvp`, for a
/// function with a `Vec` result (its seeds are slices, an empty one zero).
fn cubes(x: &[f64]) -> Vec<f64> {
    x.iter().map(|v| v * v * v).collect()
}

#[autodiff::vjp_rule(for = cubes)]
fn cubes_vjp(x: &[f64], seed: &[f64], x_bar: &mut [f64]) {
    if !x_bar.is_empty() {
        for ((b, v), s) in x_bar.iter_mut().zip(x).zip(seed) {
            *b += 3.0 * v * v * s;
        }
    }
}

#[autodiff::jvp_rule(for = cubes)]
fn cubes_jvp(x: &[f64], x_dot: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let tangent = (x.iter().enumerate())
        .map(|(i, v)| 3.0 * v * v * x_dot.get(i).copied().unwrap_or(0.0))
        .collect();
    (cubes(x), tangent)
}

/// `ȳ·3x² + ẏ̄·6xẋ` into `x̄`, `ẏ̄·3x²` into `ẋ̄`.
fn cubes_jvp_vjp(
    x: &[f64],
    x_dot: &[f64],
    seed: &[f64],
    tangent_seed: &[f64],
    x_bar: &mut [f64],
    x_dot_bar: &mut [f64],
) -> Vec<f64> {
    let at = |s: &[f64], i: usize| s.get(i).copied().unwrap_or(0.0);
    for (i, v) in x.iter().enumerate() {
        if !x_bar.is_empty() {
            x_bar[i] += at(seed, i) * 3.0 * v * v + at(tangent_seed, i) * 6.0 * v * at(x_dot, i);
        }
        if !x_dot_bar.is_empty() {
            x_dot_bar[i] += at(tangent_seed, i) * 3.0 * v * v;
        }
    }
    cubes(x)
}

#[grad(hvp)]
fn uses_cubes(x: &[f64]) -> f64 {
    let y: Vec<f64> = cubes(x);
    let mut s = 0.0;
    for i in 0..x.len() {
        s += y[i] * x[i];
    }
    s * s
}

#[test]
fn a_hand_written_second_order_rule_with_a_vec_result() {
    let x = [0.5, -1.0, 0.75];
    let (_, g, h) = uses_cubes_hessian(&x);
    // s = Σ x⁴, f = s²: ∇f = 8 s x³, H = 32 x³ (x³)ᵀ + 24 s diag(x²).
    let s: f64 = x.iter().map(|v| v.powi(4)).sum();
    for i in 0..3 {
        assert_relative_eq!(g[i], 8.0 * s * x[i].powi(3), max_relative = 1e-14);
        for j in 0..3 {
            let exact = 32.0 * x[i].powi(3) * x[j].powi(3)
                + if i == j { 24.0 * s * x[i] * x[i] } else { 0.0 };
            assert_relative_eq!(h[i * 3 + j], exact, max_relative = 1e-13);
        }
    }
}

/// `atan2` and `hypot` to second order, against their closed-form Hessians; at the origin both
/// modes give the rule's zero partials.
#[grad(hvp)]
fn polar_sum(x: f64, y: f64) -> f64 {
    y.atan2(x) + x.hypot(y)
}

#[test]
fn atan2_and_hypot_to_second_order() {
    for (x, y) in [(1.0, 2.0), (-0.5, 0.3), (2.0, -1.5)] {
        let (_, (gx, gy), h) = polar_sum_hessian(x, y);
        let (r2, r): (f64, f64) = (x * x + y * y, x.hypot(y));
        assert_relative_eq!(gx, -y / r2 + x / r, max_relative = 1e-14);
        assert_relative_eq!(gy, x / r2 + y / r, max_relative = 1e-14);
        // atan2(y, x): H = [[2xy, y² − x²], [y² − x², −2xy]] / r⁴; hypot: [[y², −xy], [−xy, x²]] / r³.
        let r4 = r2 * r2;
        let r3 = r2 * r;
        let exact = [
            2.0 * x * y / r4 + y * y / r3,
            (y * y - x * x) / r4 - x * y / r3,
            (y * y - x * x) / r4 - x * y / r3,
            -2.0 * x * y / r4 + x * x / r3,
        ];
        for k in 0..4 {
            assert_relative_eq!(h[k], exact[k], max_relative = 1e-12, epsilon = 1e-14);
        }
    }
    let (_, t) = polar_sum_jvp(0.0, 0.0, 1.0, -1.0);
    assert_eq!(t, 0.0);
    assert_eq!(polar_sum_grad(0.0, 0.0).1, (0.0, 0.0));
    // Regression (difftest seed 7 index 12): to second order too, the origin is a kink with the
    // rule's zero partials and no curvature; the quotient of the tangent made NaN and ∞ there.
    for (u, v) in [(1.0, 0.5), (0.0, 0.0), (-2.0, 3.0)] {
        assert_eq!(polar_sum_hvp(0.0, 0.0, u, v), (0.0, (0.0, 0.0), (0.0, 0.0)));
    }
}

#[grad(hvp)]
fn power(x: f64, p: f64) -> f64 {
    x.powf(p)
}

#[test]
fn powf_to_second_order() {
    for (x, p) in [(1.3, 2.1), (0.4, -0.7), (2.0, 0.0), (3.0, 1.0)] {
        let (y, (gx, gp), h) = power_hessian(x, p);
        let l = f64::ln(x);
        assert_relative_eq!(gx, p * x.powf(p - 1.0), max_relative = 1e-14);
        assert_relative_eq!(gp, y * l, max_relative = 1e-14);
        // H = [[p(p−1)xᵖ⁻², xᵖ⁻¹(1 + p ln x)], [xᵖ⁻¹(1 + p ln x), xᵖ ln² x]].
        let cross = x.powf(p - 1.0) * (1.0 + p * l);
        let exact = [p * (p - 1.0) * x.powf(p - 2.0), cross, cross, y * l * l];
        for k in 0..4 {
            assert_relative_eq!(h[k], exact[k], max_relative = 1e-13, epsilon = 1e-15);
        }
    }
    // At base 0 the rule's convention (no ln 0) holds to second order, without NaN: xᵖ with
    // p > 2 is flat there, and p = 2 keeps its curvature 2 in x.
    assert_eq!(power_hessian(0.0, 2.5).2, vec![0.0; 4]);
    assert_eq!(power_hessian(0.0, 2.0).2, vec![2.0, 0.0, 0.0, 0.0]);
}

#[grad(hvp)]
fn root(x: f64) -> f64 {
    x.sqrt()
}

#[grad(hvp)]
fn masked_root(x: f64) -> f64 {
    2.0 * x + 0.0 * root(x)
}

/// Regression: a callee's infinite gradient (`√x` at 0) under a zero seed gave NaN through its
/// `_jvp_vjp` (`0 · ∞`), where the reverse rules keep a zero adjoint zero.
#[test]
fn a_zero_seed_through_a_call_with_an_infinite_gradient() {
    assert_eq!(masked_root_grad(0.0), (0.0, 2.0));
    assert_eq!(masked_root_hvp(0.0, 1.0), (0.0, 2.0, 0.0));
}

/// Regression (difftest seed 45 index 1429): the zero tangent of an inactive array argument,
/// made inside a branch, was out of scope where the reverse sweep passed it to the callee's
/// `_jvp_vjp` (an internal error, never emitted code); the reverse makes its own now.
#[grad(hvp)]
fn three(p1: &[f64], p2: &[f64], p3: f64) -> f64 {
    p1[0] * p2[0] * p3
}

#[grad(wrt(p0, p1), hvp)]
fn zero_tangent_in_branch(p0: &[f64], p1: f64, p3: [f64; 3]) -> f64 {
    if p0.len() > 1 {
        return three(&p3, &p0[1..], p0[0] + p1) + three(&p3[1..], p0, p1);
    }
    p1
}

#[test]
fn a_zero_tangent_made_in_a_branch() {
    let (value, (g0, g1), h) = zero_tangent_in_branch_hessian(&[1.0, 2.0], 0.5, [1.0, 2.0, 3.0]);
    // f = p0₁ (p0₀ + p1) + 2 p0₀ p1.
    assert_eq!(value, 2.0 * 1.5 + 2.0 * 0.5);
    assert_eq!((g0, g1), (vec![2.0 + 1.0, 1.5], 2.0 + 2.0));
    assert_eq!(h, vec![0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0]);
}
