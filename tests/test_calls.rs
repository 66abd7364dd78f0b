//! `#[grad]` functions calling `#[grad]` functions: the reverse sweep calls the callee's `_vjp`.

// Index loops are what these tests exercise.
#![allow(clippy::needless_range_loop)]

use approx::assert_relative_eq;
use autodiff::check::{gradcheck, Tolerance};
use autodiff::grad;

mod common;
use common::points;

fn check(f: impl Fn(&[f64]) -> f64, x: &[f64], g: &[f64]) {
    gradcheck(f, x, g, &Tolerance::default()).unwrap_or_else(|e| panic!("at {x:?}: {e}"));
}

#[grad]
fn inner(x: f64) -> f64 {
    x.sin() * x
}

#[grad]
fn middle(x: f64, y: f64) -> f64 {
    inner(x * y) + y.exp()
}

#[grad]
fn outer(x: f64, y: f64) -> f64 {
    let m = middle(x, y);
    m * m + inner(y)
}

#[test]
fn a_three_level_chain() {
    for seed in 1..6 {
        let p = points(2, -1.5, 1.5, seed);
        let (v, (gx, gy)) = outer_grad(p[0], p[1]);
        assert_eq!(v, outer(p[0], p[1]));
        check(|q: &[f64]| outer(q[0], q[1]), &p, &[gx, gy]);
    }
}

/// A helper called twice on shared arguments: the adjoints of both calls add up.
#[grad]
fn twice(x: f64, y: f64) -> f64 {
    inner(x) * inner(x + y) + inner(x)
}

#[test]
fn a_helper_called_twice() {
    for seed in 1..6 {
        let p = points(2, -2.0, 2.0, seed);
        let (_, (gx, gy)) = twice_grad(p[0], p[1]);
        check(|q: &[f64]| twice(q[0], q[1]), &p, &[gx, gy]);
    }
}

/// A call inside a loop, with an integer argument passed through.
#[grad]
fn powered(x: f64, k: i32) -> f64 {
    x.powi(k) / (1.0 + k as f64)
}

#[grad]
fn series(x: f64, n: i32) -> f64 {
    let mut s = 0.0;
    for k in 0..n {
        s += powered(x, k);
    }
    s
}

#[test]
fn a_call_inside_a_loop() {
    for x in [-0.7, 0.2, 0.9] {
        let (v, g) = series_grad(x, 6);
        assert_relative_eq!(v, series(x, 6));
        let exact: f64 = (1..6)
            .map(|k| k as f64 * x.powi(k - 1) / (1.0 + k as f64))
            .sum();
        assert_relative_eq!(g, exact, epsilon = 1e-14);
    }
}

/// Recursion: each level's reverse calls the level below's `_vjp`.
#[grad]
fn nested_sines(x: f64, depth: u32) -> f64 {
    if depth == 0 {
        x
    } else {
        nested_sines(x, depth - 1).sin() + 0.1 * x
    }
}

#[test]
fn a_recursive_function() {
    for x in [-1.0, 0.3, 2.0] {
        let (v, g) = nested_sines_grad(x, 4);
        assert_eq!(v, nested_sines(x, 4));
        check(|q: &[f64]| nested_sines(q[0], 4), &[x], &[g]);
    }
}

mod model {
    use autodiff::grad;

    /// A row of weights applied to an input: `Σ wᵢ xᵢ`, then `tanh`.
    #[grad]
    pub fn neuron(w: &[f64], x: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..w.len() {
            s += w[i] * x[i];
        }
        s.tanh()
    }
}

/// Arrays passed to a callee by path: its `_vjp` adds into the caller's array adjoints; the
/// data array is inactive in the caller, so its adjoint goes to scratch.
#[grad(wrt(w))]
#[allow(clippy::needless_borrow)] // `&v` on purpose: arrays are passed as written
fn two_layer(w: &[f64], v: &[f64], x: &[f64]) -> f64 {
    let h = model::neuron(w, x);
    let o = model::neuron(&v, x) * h;
    o * o + h
}

#[test]
fn arrays_passed_to_a_path() {
    let (w, v, x) = (
        points(3, -1.0, 1.0, 3),
        points(3, -1.0, 1.0, 4),
        points(3, -1.0, 1.0, 5),
    );
    let (val, gw) = two_layer_grad(&w, &v, &x);
    assert_eq!(val, two_layer(&w, &v, &x));
    check(|q: &[f64]| two_layer(q, &v, &x), &w, &gw);
    let mut bar = vec![1.0; 3];
    two_layer_vjp(&w, &v, &x, 2.0, &mut bar);
    for (b, g) in bar.iter().zip(&gw) {
        assert_relative_eq!(*b, 1.0 + 2.0 * g, max_relative = 1e-12);
    }
}

/// A call whose arguments are all inactive needs no rule at all.
fn constant_from(n: usize) -> f64 {
    (n as f64).sqrt()
}

#[grad]
fn scaled(x: f64, n: usize) -> f64 {
    x * constant_from(n)
}

#[test]
fn inactive_calls_need_no_rule() {
    assert_eq!(scaled_grad(3.0, 4), (6.0, 2.0));
}

#[grad]
fn sum_of_squares(v: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..v.len() {
        s += v[i] * v[i];
    }
    s
}

/// A buffer filled by the caller, then handed to a callee: the callee's `_vjp` adds into the
/// buffer's adjoint, which flows back through the writes that filled it.
#[grad]
fn hidden_layer(w: &[f64], x: &[f64]) -> f64 {
    let mut h = vec![0.0; w.len()];
    for i in 0..w.len() {
        h[i] = (w[i] * x[i]).tanh();
    }
    sum_of_squares(&h) + h[0]
}

#[test]
fn a_buffer_passed_to_a_callee() {
    let (w, x) = (points(4, -1.0, 1.0, 8), points(4, -1.0, 1.0, 9));
    let (_, (gw, gx)) = hidden_layer_grad(&w, &x);
    let mut p = w.clone();
    p.extend(&x);
    let mut g = gw.clone();
    g.extend(&gx);
    check(|q: &[f64]| hidden_layer(&q[..4], &q[4..]), &p, &g);
}

// Where a callee's rule is found: wherever the callee is, by the same name resolution as the
// call itself.

/// Rules reached through a glob import of the parent, the way test modules import.
mod through_a_glob {
    use super::*;

    #[grad]
    pub fn of_inner(x: f64) -> f64 {
        inner(x) * x
    }
}

/// Rules imported inside the body, by name and through a renamed module.
#[grad]
fn imported_in_the_body(w: &[f64], x: &[f64]) -> f64 {
    use self::model as m;
    use self::through_a_glob::{of_inner, of_inner_vjp};
    m::neuron(w, x) + of_inner(x[0])
}

#[test]
fn rules_are_found_through_imports() {
    let x = 0.7;
    let (v, g) = through_a_glob::of_inner_grad(x);
    assert_eq!(v, through_a_glob::of_inner(x));
    check(|q: &[f64]| through_a_glob::of_inner(q[0]), &[x], &[g]);

    let (w, xs) = ([0.3, -0.8], [x, -0.4]);
    let (v, (gw, gx)) = imported_in_the_body_grad(&w, &xs);
    assert_eq!(v, imported_in_the_body(&w, &xs));
    let mut g = gw.clone();
    g.extend(&gx);
    check(
        |q: &[f64]| imported_in_the_body(&q[..2], &q[2..]),
        &[w[0], w[1], xs[0], xs[1]],
        &g,
    );
}

/// A callee differentiated with respect to some of its float parameters only.
#[grad(wrt(w))]
fn weighted(w: &[f64], data: &[f64], scale: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        s += (w[i] * data[i]).sin();
    }
    s * scale
}

/// Calls it with its own inactive data and a constant scale: the callee's adjoint for `w` flows
/// back, and no derivative is asked of `data` or `scale`.
#[grad(wrt(w))]
fn calls_weighted(w: &[f64], data: &[f64], k: f64) -> f64 {
    let a = weighted(w, data, 2.0);
    let b = weighted(&w[1..], &data[1..], 0.5);
    a * a * k + b
}

#[test]
fn a_callee_with_wrt() {
    let (w, data) = (points(5, -1.0, 1.0, 21), points(5, -2.0, 2.0, 22));
    let (v, g) = calls_weighted_grad(&w, &data, 1.5);
    assert_eq!(v, calls_weighted(&w, &data, 1.5));
    check(|q: &[f64]| calls_weighted(q, &data, 1.5), &w, &g);
}

/// Parameter types that share a name with the generic parameters of generated code.
mod user_types_named_like_generics {
    use autodiff::grad;

    #[derive(Clone, Copy)]
    pub struct R;
    #[derive(Clone, Copy)]
    pub struct M0;

    #[grad(wrt(x))]
    fn f(x: f64, y: f64, r: R, m: M0) -> f64 {
        let _ = r;
        let _ = m;
        x * y
    }

    #[grad]
    fn g(x: f64) -> f64 {
        f(x, 2.0, R, M0)
    }

    #[test]
    fn a_callee_with_wrt_takes_them() {
        assert_eq!(g_grad(3.0), (6.0, 2.0));
    }
}
