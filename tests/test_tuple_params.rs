//! Tuple parameters, `target: (f64, f64)`: their gradient entries, bars, tangents and
//! directions are tuples of the same type. Each function is checked against its twin taking
//! each float as a parameter of its own (bit for bit: the body is the same), against central
//! differences, and through `_vjp` into bars that already hold values; `#[grad]` callers pass
//! tuples written in place, bound to names, and made by closures.

use approx::assert_relative_eq;
use autodiff::check::{gradcheck, Tolerance};
use autodiff::grad;

#[grad(jvp, hvp)]
fn pull(target: (f64, f64), x: f64) -> f64 {
    let d = x - target.0;
    d * d * target.1 + (target.1 * x).sin()
}

#[grad(jvp, hvp)]
fn pull_flat(t0: f64, t1: f64, x: f64) -> f64 {
    let d = x - t0;
    d * d * t1 + (t1 * x).sin()
}

/// Nested tuples, destructured, beside an integer.
#[grad]
fn nested(p: ((f64, f64), f64), k: usize) -> f64 {
    let ((a, b), c) = p;
    a * b * c + (k as f64) * a.exp()
}

/// A tuple left out by `wrt`, passed through.
#[grad(wrt(x))]
fn clamped(bounds: (f64, f64), x: f64) -> f64 {
    x.clamp(bounds.0, bounds.1) * x
}

/// Callers passing tuples: a literal, a name, a closure's result.
#[grad]
fn caller(x: f64, y: f64) -> f64 {
    let t = (x, y * 2.0);
    let polar = |r: f64, a: f64| (r * a.cos(), r * a.sin());
    pull(t, y) + pull((y, x), 1.5) + pull(polar(x, y), 0.5) + nested(((x, y), 2.0), 3)
}

#[grad]
fn caller_flat(x: f64, y: f64) -> f64 {
    let (r, a) = (x, y);
    pull_flat(x, y * 2.0, y)
        + pull_flat(y, x, 1.5)
        + pull_flat(r * a.cos(), r * a.sin(), 0.5)
        + nested(((x, y), 2.0), 3)
}

/// A tuple of a float, an integer and a `bool`: the float differentiated, the rest passed
/// through (and copied into the gradient entry, as a struct's gradient copies such fields).
#[grad]
fn mixed(t: (f64, usize, bool), x: f64) -> f64 {
    let s = if t.2 { 2.0 } else { 1.0 };
    x * t.0 * s + t.1 as f64
}

/// A tuple of `f32`s.
#[grad]
fn pull32(target: (f32, f32), x: f32) -> f32 {
    (x - target.0) * target.1
}

/// A tuple parameter of a function with several results.
#[grad]
fn offsets(origin: (f64, f64), x: f64) -> (f64, f64) {
    (x - origin.0, x * origin.1)
}

fn tol() -> Tolerance {
    Tolerance::default()
}

#[test]
fn a_tuple_parameter_is_its_floats() {
    for (t, x) in [((0.5, 2.0), 1.5), ((-1.0, 0.3), 0.25)] {
        let (v, (gt, gx)) = pull_grad(t, x);
        let (u, (g0, g1, hx)) = pull_flat_grad(t.0, t.1, x);
        assert_eq!(v.to_bits(), u.to_bits());
        assert_eq!(v.to_bits(), pull(t, x).to_bits());
        assert_eq!((gt, gx), ((g0, g1), hx));
        let f = |q: &[f64]| pull((q[0], q[1]), q[2]);
        gradcheck(f, &[t.0, t.1, x], &[gt.0, gt.1, gx], &tol()).unwrap();
        // Into bars that hold values already.
        let (mut tb, mut xb) = ((1.0, -1.0), 0.5);
        let w = pull_vjp(t, x, 2.0, &mut tb, &mut xb);
        assert_eq!(w.to_bits(), v.to_bits());
        assert_relative_eq!(tb.0, 1.0 + 2.0 * gt.0, max_relative = 1e-14);
        assert_relative_eq!(tb.1, -1.0 + 2.0 * gt.1, max_relative = 1e-14);
        assert_relative_eq!(xb, 0.5 + 2.0 * gx, max_relative = 1e-14);
    }
}

#[test]
fn tuple_parameters_have_forward_mode_and_second_order() {
    let (t, x) = ((0.5, 2.0), 1.5);
    let (dt, dx) = ((1.0, -0.5), 0.25);
    let (v, d) = pull_jvp(t, x, dt, dx);
    let (u, e) = pull_flat_jvp(t.0, t.1, x, dt.0, dt.1, dx);
    assert_eq!((v.to_bits(), d.to_bits()), (u.to_bits(), e.to_bits()));
    let (_, g, hv) = pull_hvp(t, x, dt, dx);
    let (_, h, hw) = pull_flat_hvp(t.0, t.1, x, dt.0, dt.1, dx);
    assert_eq!(g, ((h.0, h.1), h.2));
    assert_eq!(hv, ((hw.0, hw.1), hw.2));
    let (_, _, hessian) = pull_hessian(t, x);
    let (_, _, flat) = pull_flat_hessian(t.0, t.1, x);
    assert_eq!(hessian, flat);
}

#[test]
fn nested_tuples_and_wrt() {
    let (v, g) = nested_grad(((1.0, 2.0), 3.0), 1);
    assert_eq!(v, 6.0 + 1f64.exp());
    assert_eq!(g, ((6.0 + 1f64.exp(), 3.0), 2.0));
    for x in [-0.5, 0.5, 2.0] {
        let (_, g) = clamped_grad((0.0, 1.0), x);
        let expect = if x < 0.0 {
            0.0
        } else if x > 1.0 {
            1.0
        } else {
            2.0 * x
        };
        assert_eq!(g, expect);
    }
}

#[test]
fn what_is_not_a_float_passes_through() {
    let (v, (gt, gx)) = mixed_grad((1.5, 3, true), 2.0);
    assert_eq!((v, gt, gx), (9.0, (4.0, 3, true), 3.0));
    let (mut tb, mut xb) = ((1.0, 7, false), 0.5);
    mixed_vjp((1.5, 3, false), 2.0, 1.0, &mut tb, &mut xb);
    assert_eq!((tb, xb), ((3.0, 7, false), 2.0));
}

#[test]
fn callers_pass_tuples() {
    for (x, y) in [(0.5, 1.5), (-0.7, 0.2)] {
        let (v, g) = caller_grad(x, y);
        let (u, h) = caller_flat_grad(x, y);
        assert_eq!(v.to_bits(), u.to_bits());
        assert_relative_eq!(g.0, h.0, max_relative = 1e-14);
        assert_relative_eq!(g.1, h.1, max_relative = 1e-14);
        let f = |q: &[f64]| caller(q[0], q[1]);
        gradcheck(f, &[x, y], &[g.0, g.1], &tol()).unwrap();
    }
}

#[test]
fn tuples_of_f32_and_vector_results() {
    let (v, (gt, gx)) = pull32_grad((0.5, 2.0), 1.5);
    assert_eq!((v, gt, gx), (2.0, (-2.0, 1.0), 2.0));
    let (r, jac) = offsets_jacobian((0.5, 2.0), 1.5);
    assert_eq!(r, (1.0, 3.0));
    // Rows: each result; columns: origin.0, origin.1, x.
    assert_eq!(jac, vec![-1.0, 0.0, 1.0, 0.0, 1.5, 2.0]);
}
