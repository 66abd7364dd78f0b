//! Forward mode: `#[grad(jvp)]` adds `NAME_jvp(params, tangents) -> (value, tangent)`, the
//! Jacobian-vector product `J·ẋ` in one sweep beside the values, with no tape. Each is checked
//! against the seeds' worked examples, central differences, and the reverse mode of the same
//! function (`⟨ȳ, J ẋ⟩ = ⟨Jᵀȳ, ẋ⟩`).

// `#[grad]` functions index their slices in loops, as users write them.
#![allow(clippy::needless_range_loop)]

use approx::assert_relative_eq;
use autodiff::check::{jvpcheck, Tolerance};
use autodiff::grad;

mod common;

/// Seed 001's forward-mode example: `f(x1, x2) = (x1 x2 + sin x1, e^x2 + x1²)`.
#[grad(jvp)]
fn f(x1: f64, x2: f64) -> (f64, f64) {
    (x1 * x2 + x1.sin(), x2.exp() + x1 * x1)
}

#[test]
fn seed_001_jvp() {
    let ((y1, y2), (t1, t2)) = f_jvp(1.0, 0.0, 2.0, -1.0);
    assert_eq!((y1, y2), f(1.0, 0.0));
    // J = [[x2 + cos x1, x1], [2 x1, e^x2]] at (1, 0), times (2, −1).
    assert_relative_eq!(t1, -1.0 + 2.0 * 1.0_f64.cos(), max_relative = 1e-15);
    assert_relative_eq!(t2, 3.0, max_relative = 1e-15);
}

/// Seed 001: `f(x) = eˣ sin x`, whose derivative at 0 is 1.
#[grad(jvp)]
fn exp_sin(x: f64) -> f64 {
    let a = x.exp();
    let b = x.sin();
    a * b
}

#[test]
fn seed_001_exp_sin_at_zero() {
    let (y, t) = exp_sin_jvp(0.0, 1.0);
    assert_eq!(y, 0.0);
    assert_eq!(t, 1.0);
    let x = 0.8;
    let (_, t) = exp_sin_jvp(x, 1.0);
    assert_relative_eq!(t, x.exp() * (x.sin() + x.cos()), max_relative = 1e-15);
}

/// Seed 001's ℝ³ → ℝ² Jacobian, by both modes.
#[grad(jvp)]
fn r3_to_r2(x: &[f64; 3]) -> [f64; 2] {
    [x[0] * x[1] + x[2].sin(), x[0].exp() - x[1] * x[2] * x[2]]
}

#[test]
fn jacobian_by_both_modes() {
    let x = [0.4, -1.3, 2.1];
    let (value, j) = r3_to_r2_jacobian(&x);
    for k in 0..3 {
        let mut e = [0.0; 3];
        e[k] = 1.0;
        let (y, column) = r3_to_r2_jvp(&x, &e);
        assert_eq!(y, value);
        for i in 0..2 {
            assert_relative_eq!(column[i], j[i * 3 + k], max_relative = 1e-15);
        }
    }
}

/// Loops, a branch, an early exit, a local buffer and a `while`.
#[grad(jvp)]
fn looped(x: &[f64], t: f64) -> f64 {
    let mut buf = vec![0.0; x.len()];
    let mut s = 0.0;
    for i in 0..x.len() {
        buf[i] = helper(x[i], t) * 2.0;
        if buf[i] > 0.5 {
            s += buf[i].tanh();
        } else {
            s -= t * buf[i];
        }
        if s > 10.0 {
            break;
        }
    }
    let mut k = 0;
    while k < 3 {
        s = s * 0.9 + t;
        k += 1;
    }
    s + buf[0].max(t)
}

/// A callee: its caller's forward mode calls `helper_jvp`.
#[grad(jvp)]
fn helper(a: f64, b: f64) -> f64 {
    a * b.sin() + a * a
}

#[test]
fn loops_branches_and_calls_against_differences_and_reverse() {
    let mut next = common::uniform(7, -1.5, 1.5);
    for _ in 0..20 {
        let x: Vec<f64> = (0..5).map(|_| next()).collect();
        let t = next();
        let xd: Vec<f64> = (0..5).map(|_| next()).collect();
        let td = next();
        let (value, tangent) = looped_jvp(&x, t, &xd, td);
        assert_eq!(value, looped(&x, t));
        let (_, (gx, gt)) = looped_grad(&x, t);
        let reverse: f64 = gx.iter().zip(&xd).map(|(g, d)| g * d).sum::<f64>() + gt * td;
        assert_relative_eq!(tangent, reverse, max_relative = 1e-12, epsilon = 1e-14);
        let (p, v) = (
            [x.clone(), vec![t]].concat(),
            [xd.clone(), vec![td]].concat(),
        );
        jvpcheck(
            |q: &[f64]| looped(&q[..5], q[5]),
            &p,
            &v,
            &[tangent],
            &Tolerance::default(),
        )
        .unwrap();
    }
}

/// Mutable state carried through nested loops: the tangent goes round with it.
#[grad(jvp)]
fn recurrence(a: f64, b: f64, h0: f64, steps: usize) -> f64 {
    let mut h = h0;
    for _ in 0..steps {
        for _ in 0..2 {
            h = (a * h + b).tanh();
        }
    }
    h
}

#[test]
fn a_recurrence_has_no_tape_and_the_reverse_gradient() {
    let (a, b, h0) = (0.9, 0.2, 0.4);
    let (_, (ga, gb, gh)) = recurrence_grad(a, b, h0, 50);
    let (_, ta) = recurrence_jvp(a, b, h0, 50, 1.0, 0.0, 0.0);
    let (_, tb) = recurrence_jvp(a, b, h0, 50, 0.0, 1.0, 0.0);
    let (_, th) = recurrence_jvp(a, b, h0, 50, 0.0, 0.0, 1.0);
    assert_relative_eq!(ta, ga, max_relative = 1e-13);
    assert_relative_eq!(tb, gb, max_relative = 1e-13);
    assert_relative_eq!(th, gh, max_relative = 1e-13);
}

/// A vector result from a loop over an array parameter taken by value.
#[grad(jvp)]
fn prefix(x: [f64; 4]) -> [f64; 4] {
    let mut out = [0.0; 4];
    let mut s = 1.0;
    for i in 0..4 {
        s *= x[i].cos() + 2.0;
        out[i] = s;
    }
    out
}

#[test]
fn vector_result_is_the_jacobian_times_the_tangent() {
    let x = [0.3, -0.8, 1.9, 0.05];
    let v = [1.0, -2.0, 0.5, 0.25];
    let (value, tangent) = prefix_jvp(x, v);
    assert_eq!(value, prefix(x));
    let (_, j) = prefix_jacobian(x);
    for i in 0..4 {
        let jv: f64 = (0..4).map(|k| j[i * 4 + k] * v[k]).sum();
        assert_relative_eq!(tangent[i], jv, max_relative = 1e-14);
    }
}

/// `detach` stops the tangent as it stops the adjoint.
#[grad(jvp)]
fn detached(x: f64) -> f64 {
    x * autodiff::detach(x * x)
}

#[test]
fn detach_has_zero_tangent() {
    let (y, t) = detached_jvp(3.0, 1.0);
    assert_eq!(y, 27.0);
    assert_eq!(t, 9.0);
}

/// `f32` throughout.
#[grad(jvp)]
fn single(x: &[f32], w: f32) -> f32 {
    let mut s = 0.0f32;
    for i in 0..x.len() {
        s += (w * x[i]).sin();
    }
    s
}

#[test]
fn single_precision() {
    let x = [0.5f32, -1.0, 2.0];
    let (_, t) = single_jvp(&x, 0.7, &[0.0; 3], 1.0);
    let exact: f32 = x.iter().map(|xi| xi * (0.7 * xi).cos()).sum();
    assert_relative_eq!(t, exact, max_relative = 1e-6);
}

/// A parameter outside `wrt` gets no tangent.
#[grad(wrt(x), jvp)]
fn scaled(x: f64, k: f64) -> f64 {
    k * x * x
}

#[test]
fn wrt_limits_the_tangents() {
    let (y, t) = scaled_jvp(3.0, 2.0, 1.0);
    assert_eq!(y, 18.0);
    assert_eq!(t, 12.0);
}

/// A caller passes a tangent for every float argument; a callee with `wrt` takes those of its
/// `wrt` parameters only, through its adapter.
#[grad(jvp)]
fn calls_scaled(x: f64) -> f64 {
    let k = 2.5;
    scaled(x, k) + scaled(x * x, 1.0)
}

#[test]
fn a_wrt_callee_takes_the_tangents_of_its_wrt_parameters() {
    let x = 1.3;
    let (y, t) = calls_scaled_jvp(x, 1.0);
    assert_eq!(y, calls_scaled(x));
    // 2.5 x² + x⁴.
    assert_relative_eq!(t, 5.0 * x + 4.0 * x * x * x, max_relative = 1e-15);
}

/// Kernels in forward mode: their hand-written `NAME_jvp` rules, a `Vec` result passed on.
#[grad(wrt(x, w, b), jvp)]
fn layer(x: &[f64], w: &[f64], b: &[f64], t: &[f64], n_in: usize, n_out: usize) -> f64 {
    use autodiff::kernels as k;
    let h = k::tanh(&k::add_bias(&k::matmul(x, w, 2, n_in, n_out), b));
    let p = k::softmax(&h, n_out);
    k::softmax_cross_entropy(&p, t, n_out) + k::dot(&h, &h) * 0.1 + k::mse(&p, t)
}

#[test]
fn kernels_have_forward_rules() {
    let (n_in, n_out) = (3, 4);
    let x = common::points(2 * n_in, -1.0, 1.0, 31);
    let w = common::points(n_in * n_out, -1.0, 1.0, 32);
    let b = common::points(n_out, -1.0, 1.0, 33);
    let t = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0];
    let (_, (gx, gw, gb)) = layer_grad(&x, &w, &b, &t, n_in, n_out);
    for trial in 0..3 {
        let xd = common::points(x.len(), -1.0, 1.0, 40 + trial);
        let wd = common::points(w.len(), -1.0, 1.0, 50 + trial);
        let bd = common::points(b.len(), -1.0, 1.0, 60 + trial);
        let (value, tangent) = layer_jvp(&x, &w, &b, &t, n_in, n_out, &xd, &wd, &bd);
        assert_eq!(value, layer(&x, &w, &b, &t, n_in, n_out));
        let inner = |g: &[f64], d: &[f64]| g.iter().zip(d).map(|(a, b)| a * b).sum::<f64>();
        let reverse = inner(&gx, &xd) + inner(&gw, &wd) + inner(&gb, &bd);
        assert_relative_eq!(tangent, reverse, max_relative = 1e-12);
        // An empty tangent is a zero one.
        let (_, no_x) = layer_jvp(&x, &w, &b, &t, n_in, n_out, &[], &wd, &bd);
        assert_relative_eq!(
            no_x,
            reverse - inner(&gx, &xd),
            max_relative = 1e-12,
            epsilon = 1e-14
        );
    }
}

/// An inactive slice passed to a `#[grad(jvp)]` callee gets an empty (zero) tangent.
#[grad(jvp)]
fn weighted(x: &[f64], w: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += w[i] * x[i].sin();
    }
    s
}

#[grad(wrt(x), jvp)]
fn calls_weighted(x: &[f64], data: &[f64]) -> f64 {
    weighted(x, data) * 2.0
}

#[test]
fn an_inactive_slice_argument_gets_a_zero_tangent() {
    let (x, data) = ([0.3, -1.2, 2.0], [1.5, 0.5, -2.0]);
    let xd = [1.0, 2.0, -1.0];
    let (_, t) = calls_weighted_jvp(&x, &data, &xd);
    let exact: f64 = (0..3).map(|i| 2.0 * data[i] * x[i].cos() * xd[i]).sum();
    assert_relative_eq!(t, exact, max_relative = 1e-14);
}

/// Hand-written rules, checked by `#[vjp_rule]` and `#[jvp_rule]` (a caller with `jvp` has a
/// gradient too, so it needs both): a smooth `|x|`, `√(x² + ε)`, and a `Vec` one.
fn soft_abs(x: f64) -> f64 {
    (x * x + 1e-3).sqrt()
}

#[autodiff::vjp_rule(for = soft_abs)]
fn soft_abs_vjp(x: f64, seed: f64, x_bar: &mut f64) -> f64 {
    let y = soft_abs(x);
    *x_bar += seed * x / y;
    y
}

#[autodiff::jvp_rule(for = soft_abs)]
fn soft_abs_jvp(x: f64, x_dot: f64) -> (f64, f64) {
    let y = soft_abs(x);
    (y, x_dot * x / y)
}

fn squares(x: &[f64]) -> Vec<f64> {
    x.iter().map(|v| v * v).collect()
}

#[autodiff::vjp_rule(for = squares)]
fn squares_vjp(x: &[f64], seed: &[f64], x_bar: &mut [f64]) {
    if !x_bar.is_empty() {
        for ((b, v), s) in x_bar.iter_mut().zip(x).zip(seed) {
            *b += 2.0 * v * s;
        }
    }
}

#[autodiff::jvp_rule(for = squares)]
fn squares_jvp(x: &[f64], x_dot: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let tangent = if x_dot.is_empty() {
        vec![0.0; x.len()]
    } else {
        x.iter().zip(x_dot).map(|(v, d)| 2.0 * v * d).collect()
    };
    (squares(x), tangent)
}

#[grad(jvp)]
fn uses_rules(x: &[f64], t: f64) -> f64 {
    let y: Vec<f64> = squares(x);
    let mut s = soft_abs(t);
    for i in 0..x.len() {
        s += y[i] * soft_abs(x[i]);
    }
    s
}

#[test]
fn hand_written_forward_rules() {
    let (x, t) = ([0.5, -1.5, 2.0], -0.7);
    let (xd, td) = ([1.0, 0.5, -0.25], 2.0);
    let (value, tangent) = uses_rules_jvp(&x, t, &xd, td);
    assert_eq!(value, uses_rules(&x, t));
    let d = |v: f64| v / soft_abs(v);
    let exact: f64 = td * d(t)
        + (0..3)
            .map(|i| (2.0 * x[i] * soft_abs(x[i]) + x[i] * x[i] * d(x[i])) * xd[i])
            .sum::<f64>();
    assert_relative_eq!(tangent, exact, max_relative = 1e-14);
    // And the same through the reverse rules.
    let (_, (gx, gt)) = uses_rules_grad(&x, t);
    let reverse = gt * td + (0..3).map(|i| gx[i] * xd[i]).sum::<f64>();
    assert_relative_eq!(tangent, reverse, max_relative = 1e-14);
}

/// Found by the tester (seed 41): a float argument before an inactive slice passed as the
/// reference it is (`p1`, not `&p1`); the slice's zero tangent was paired with the float's
/// position and passed by value.
#[grad(jvp)]
fn takes_slice(p0: f64, p1: &[f64]) -> f64 {
    p0 * p0 + p1.len() as f64
}

#[grad(wrt(p0), jvp)]
fn passes_slice(p0: &[f64; 1], p1: &[f64]) -> f64 {
    let t = p0[0];
    takes_slice(t, p1)
}

#[test]
fn a_zero_tangent_passed_as_its_argument_is() {
    assert_eq!(passes_slice_jvp(&[3.0], &[2.0], &[1.0]), (10.0, 6.0));
}

/// `NAME_jacobian` of a function with `jvp` takes the cheaper mode: forward for two inputs and
/// three results (two sweeps, not three), reverse for four inputs and two results; both give
/// the Jacobian that the other mode gives.
#[grad(jvp)]
fn tall(x: f64, y: f64) -> [f64; 3] {
    [x * y, x.sin() + y, (x - y).exp()]
}

#[grad(jvp)]
fn wide(x: &[f64]) -> (f64, f64) {
    let mut s = 0.0;
    let mut p = 1.0;
    for i in 0..x.len() {
        s += x[i] * x[i];
        p *= x[i].cos();
    }
    (s, p)
}

#[test]
fn the_jacobian_picks_its_mode() {
    let (x, y) = (0.7, -1.2);
    let (value, j) = tall_jacobian(x, y);
    assert_eq!(value, tall(x, y));
    let rows = [[y, x], [x.cos(), 1.0], [(x - y).exp(), -(x - y).exp()]];
    for i in 0..3 {
        for k in 0..2 {
            assert_relative_eq!(j[i * 2 + k], rows[i][k], max_relative = 1e-15);
        }
    }
    // By slices: n = 4 > m = 2 takes the reverse rows; n = 1 takes a forward column.
    for x in [vec![0.3, -0.4, 1.1, 2.0], vec![0.5]] {
        let n = x.len();
        let (value, j) = wide_jacobian(&x);
        assert_eq!(value, wide(&x));
        let p: f64 = x.iter().map(|v| v.cos()).product();
        for k in 0..n {
            assert_relative_eq!(j[k], 2.0 * x[k], max_relative = 1e-15);
            let dp = -p / x[k].cos() * x[k].sin();
            assert_relative_eq!(j[n + k], dp, max_relative = 1e-13);
        }
    }
    assert_eq!(wide_jacobian(&[]), ((0.0, 1.0), vec![]));
}

/// Found by the tester (seed 43): an inactive array passed as `*p` (a copy of what a reference
/// points to) got its zero tangent dereferenced.
#[grad(jvp)]
fn takes_array(x: f64, a: [f64; 3]) -> f64 {
    x * a[0] + a[1]
}

#[grad(wrt(x), jvp)]
fn derefs_array(x: f64, a: &[f64; 3]) -> f64 {
    takes_array(x, *a)
}

#[test]
fn a_zero_tangent_of_a_dereferenced_array() {
    assert_eq!(derefs_array_jvp(2.0, &[3.0, 1.0, 0.0], 1.0), (7.0, 3.0));
}
