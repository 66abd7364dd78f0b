//! Calls of functions with several results, `let (x, y) = polar(r, t);` and `(a, b) =
//! step(a, b);`: the callee's `_vjp` takes the results' adjoints as a tuple, its `_jvp` gives
//! the results' tangents as one. Checked against the same functions written with a callee that
//! returns an array (bit for bit), against central differences, and in forward mode against
//! the gradient.

use autodiff::check::{gradcheck, Tolerance};
use autodiff::grad;

#[grad(jvp)]
fn polar(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[grad(jvp)]
fn polar_array(r: f64, t: f64) -> [f64; 2] {
    [r * t.cos(), r * t.sin()]
}

/// Tuples taken from calls in a loop, in a branch, with a `_`, and assigned to `mut` locals.
#[grad(jvp)]
fn spiral(r: &[f64], t: f64) -> f64 {
    let mut s = 0.0;
    let (mut a, mut b) = (1.0, 0.0);
    for &ri in r {
        let (x, y) = polar(ri, t * a);
        s += (x * y).tanh();
        let (_, w) = polar(s, b);
        (a, b) = polar(a, w);
        if x > 0.5 {
            let (p, q): (f64, f64) = polar(x, y);
            s += p * q;
        }
    }
    s + a * b
}

#[grad(jvp)]
fn spiral_array(r: &[f64], t: f64) -> f64 {
    let mut s = 0.0;
    let (mut a, mut b) = (1.0, 0.0);
    for &ri in r {
        let xy = polar_array(ri, t * a);
        let (x, y) = (xy[0], xy[1]);
        s += (x * y).tanh();
        let sw = polar_array(s, b);
        let w = sw[1];
        let ab = polar_array(a, w);
        (a, b) = (ab[0], ab[1]);
        if x > 0.5 {
            let pq = polar_array(x, y);
            s += pq[0] * pq[1];
        }
    }
    s + a * b
}

#[test]
fn a_tuple_from_a_call_is_differentiated_as_an_array_from_one() {
    let r = [0.3, 0.9, 1.2, -0.4];
    for t in [0.5, -1.1, 2.0] {
        let (v, (gr, gt)) = spiral_grad(&r, t);
        let (u, (hr, ht)) = spiral_array_grad(&r, t);
        assert_eq!(v.to_bits(), spiral(&r, t).to_bits());
        assert_eq!(v.to_bits(), u.to_bits());
        assert_eq!((&gr, gt.to_bits()), (&hr, ht.to_bits()));
        let mut q = r.to_vec();
        q.push(t);
        let mut g = gr.clone();
        g.push(gt);
        let f = |q: &[f64]| spiral(&q[..4], q[4]);
        gradcheck(f, &q, &g, &Tolerance::default()).unwrap();

        // Into non-zero bars.
        let (mut rb, mut tb) = (vec![1.0; 4], -2.0);
        spiral_vjp(&r, t, 0.5, &mut rb, &mut tb);
        for (b, d) in rb.iter().zip(&gr) {
            assert_eq!(*b, 1.0 + 0.5 * d);
        }
        assert_eq!(tb, -2.0 + 0.5 * gt);

        // Forward mode: the directional derivative is the gradient's dot product.
        let dir = [0.25, -1.0, 0.5, 2.0];
        let (w, dot) = spiral_jvp(&r, t, &dir, 0.75);
        assert_eq!(w.to_bits(), v.to_bits());
        let expect: f64 = gr.iter().zip(&dir).map(|(g, d)| g * d).sum::<f64>() + gt * 0.75;
        approx::assert_relative_eq!(dot, expect, max_relative = 1e-12);
    }
}

/// A hand-written `polar_jvp_vjp` (the macro gives no second order to a vector result): the
/// reverse of a tangent call with several results hands it both tuples of adjoints.
#[allow(clippy::too_many_arguments)]
fn polar_jvp_vjp(
    r: f64,
    t: f64,
    r_dot: f64,
    t_dot: f64,
    seed: (f64, f64),
    dot_seed: (f64, f64),
    r_bar: &mut f64,
    t_bar: &mut f64,
    r_dot_bar: &mut f64,
    t_dot_bar: &mut f64,
) -> (f64, f64) {
    let (c, s) = (t.cos(), t.sin());
    let ((xb, yb), (xd, yd)) = (seed, dot_seed);
    *r_bar += xb * c + yb * s - xd * s * t_dot + yd * c * t_dot;
    *t_bar += -xb * r * s + yb * r * c - xd * (r_dot * s + r * c * t_dot)
        + yd * (r_dot * c - r * s * t_dot);
    *r_dot_bar += xd * c + yd * s;
    *t_dot_bar += -xd * r * s + yd * r * c;
    (r * c, r * s)
}

#[grad(hvp)]
fn orbit(r: f64, t: f64) -> f64 {
    let (x, y) = polar(r, t);
    let (u, _) = polar(x, y * t);
    x * y + u.sin()
}

#[test]
fn second_order_hands_both_tuples_of_adjoints_to_the_rule() {
    let (r, t, h) = (1.3, 0.4, 1e-5);
    for (dr, dt) in [(1.0, 0.0), (0.0, 1.0), (0.5, -2.0)] {
        let (v, (gr, gt), (hr, ht)) = orbit_hvp(r, t, dr, dt);
        assert_eq!(v.to_bits(), orbit(r, t).to_bits());
        let (_, (pr, pt)) = orbit_grad(r + h * dr, t + h * dt);
        let (_, (mr, mt)) = orbit_grad(r - h * dr, t - h * dt);
        let (fr, ft) = ((pr - mr) / (2.0 * h), (pt - mt) / (2.0 * h));
        approx::assert_relative_eq!(hr, fr, max_relative = 1e-7, epsilon = 1e-8);
        approx::assert_relative_eq!(ht, ft, max_relative = 1e-7, epsilon = 1e-8);
        let (_, (g1, g2)) = orbit_grad(r, t);
        assert_eq!((gr.to_bits(), gt.to_bits()), (g1.to_bits(), g2.to_bits()));
    }
}

/// An integer helper with several results needs no rule.
fn neighbours(i: usize, n: usize) -> (usize, usize) {
    (i.saturating_sub(1), (i + 1).min(n - 1))
}

#[grad]
fn smooth(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let (lo, hi) = neighbours(i, x.len());
        s += x[i] * (x[lo] + x[hi]);
    }
    s
}

#[test]
fn integer_results_pass_through() {
    let x = [1.0, 2.0, -3.0, 0.5];
    let (v, g) = smooth_grad(&x);
    assert_eq!(v.to_bits(), smooth(&x).to_bits());
    gradcheck(smooth, &x, &g, &Tolerance::default()).unwrap();
}

#[grad]
fn polar32(r: f32, t: f32) -> (f32, f32) {
    (r * t.cos(), r * t.sin())
}

#[grad]
fn ring32(r: f32, t: f32) -> f32 {
    let (x, y) = polar32(r, t);
    x * x - y
}

#[test]
fn f32_results() {
    let (r, t) = (1.5_f32, 0.7_f32);
    let (v, (gr, gt)) = ring32_grad(r, t);
    assert_eq!(v.to_bits(), ring32(r, t).to_bits());
    approx::assert_relative_eq!(gr, 2.0 * r * t.cos().powi(2) - t.sin(), max_relative = 1e-5);
    approx::assert_relative_eq!(
        gt,
        -2.0 * r * r * t.cos() * t.sin() - r * t.cos(),
        max_relative = 1e-5
    );
}

/// `autodiff::detach(..)` of an argument for a parameter outside the callee's `wrt(..)`: what
/// the error at such a call recommends compiles and gives no derivative through it.
#[grad(wrt(t))]
fn damped(r: f64, t: f64) -> f64 {
    r * t.cos()
}

#[grad]
fn detached(r: f64, t: f64) -> f64 {
    damped(autodiff::detach(r), t * r) + r.floor() * t
}

#[test]
fn a_detached_argument_is_inactive() {
    let (r, t) = (1.5, 0.5);
    let (v, (gr, gt)) = detached_grad(r, t);
    assert_eq!(v.to_bits(), detached(r, t).to_bits());
    approx::assert_relative_eq!(gr, -r * (t * r).sin() * t, max_relative = 1e-15);
    approx::assert_relative_eq!(gt, -r * (t * r).sin() * r + r.floor(), max_relative = 1e-15);
}
