//! Functions with several results: `NAME_vjp` takes a seed shaped like the result and
//! `NAME_jacobian` returns the Jacobian, row-major, one row per result.

// `#[grad]` functions index their slices in loops, as users write them.
#![allow(clippy::needless_range_loop)]

use approx::assert_relative_eq;
use autodiff::check::numeric_gradient;
use autodiff::grad;

/// Seed case 4: `f(x1, x2) = (x1 x2, x1 + x2²)`.
#[grad]
fn pair(x1: f64, x2: f64) -> (f64, f64) {
    (x1 * x2, x1 + x2 * x2)
}

#[test]
fn seed_case_4_vjp_without_forming_the_jacobian() {
    let (x1, x2) = (1.5, -0.7);
    let (u1, u2) = (0.3, -2.0);
    let (mut b1, mut b2) = (0.0, 0.0);
    let value = pair_vjp(x1, x2, (u1, u2), &mut b1, &mut b2);
    assert_eq!(value, (x1 * x2, x1 + x2 * x2));
    assert_relative_eq!(b1, u1 * x2 + u2, max_relative = 1e-15);
    assert_relative_eq!(b2, u1 * x1 + 2.0 * u2 * x2, max_relative = 1e-15);
}

#[test]
fn seed_case_4_jacobian() {
    let (x1, x2) = (1.5, -0.7);
    let (value, j) = pair_jacobian(x1, x2);
    assert_eq!(value, pair(x1, x2));
    assert_eq!(j, vec![x2, x1, 1.0, 2.0 * x2]);
}

/// An array result over an array input, written with a loop and a local buffer.
#[grad]
fn cumulative(x: &[f64; 3]) -> [f64; 3] {
    let mut out = [0.0; 3];
    let mut s = 0.0;
    for i in 0..3 {
        s += x[i] * x[i];
        out[i] = s;
    }
    out
}

#[test]
fn array_result_jacobian_and_vjp() {
    let x = [1.0, -2.0, 0.5];
    let (value, j) = cumulative_jacobian(&x);
    assert_eq!(value, [1.0, 5.0, 5.25]);
    #[rustfmt::skip]
    let expected = vec![
        2.0, 0.0, 0.0,
        2.0, -4.0, 0.0,
        2.0, -4.0, 1.0,
    ];
    assert_eq!(j, expected);
    let mut bar = [0.0; 3];
    cumulative_vjp(&x, [1.0, 1.0, 1.0], &mut bar);
    assert_eq!(bar, [6.0, -8.0, 1.0]);
}

/// A slice parameter and an array result: the Jacobian is `3 × x.len()`, row-major.
#[grad]
fn features(x: &[f64]) -> [f64; 3] {
    let mut s = 0.0;
    let mut q = 0.0;
    for i in 0..x.len() {
        s += x[i];
        q += x[i] * x[i];
    }
    [s.sin(), q.sqrt(), x[0] * x[x.len() - 1]]
}

#[test]
fn slice_parameter_array_result_jacobian_by_finite_differences() {
    let x = [0.3, -1.2, 0.8, 2.0, -0.4];
    let (value, j) = features_jacobian(&x);
    assert_eq!(value, features(&x));
    assert_eq!(j.len(), 3 * x.len());
    for (out, row) in j.chunks_exact(x.len()).enumerate() {
        let numeric = numeric_gradient(|p: &[f64]| features(p)[out], &x, 1e-6);
        for (i, (a, n)) in row.iter().zip(&numeric).enumerate() {
            assert!(
                approx::relative_eq!(*a, *n, epsilon = 1e-7, max_relative = 1e-6),
                "∂y{out}/∂x{i}: {a} vs {n}"
            );
        }
    }
    // The last row has nonzeros only at the ends.
    let n = x.len();
    assert_eq!(&j[2 * n..], &[x[n - 1], 0.0, 0.0, 0.0, x[0]]);
}

/// An `f32` function with a tuple result: polar to Cartesian coordinates.
#[grad]
fn polar32(r: f32, theta: f32) -> (f32, f32) {
    (r * theta.cos(), r * theta.sin())
}

#[test]
fn f32_tuple_result_jacobian_and_vjp() {
    let (r, theta) = (1.7_f32, 0.6_f32);
    let (value, j) = polar32_jacobian(r, theta);
    assert_eq!(value, polar32(r, theta));
    let (c, s) = (theta.cos(), theta.sin());
    let expected: [f32; 4] = [c, -r * s, s, r * c];
    assert_eq!(j.len(), 4);
    for (a, e) in j.iter().zip(&expected) {
        assert_relative_eq!(*a, *e, max_relative = 1e-6);
    }
    let (mut rb, mut tb) = (0.0_f32, 0.0_f32);
    let v = polar32_vjp(r, theta, (1.0, -2.0), &mut rb, &mut tb);
    assert_eq!(v, value);
    assert_relative_eq!(rb, c - 2.0 * s, max_relative = 1e-6);
    assert_relative_eq!(tb, -r * s - 2.0 * r * c, max_relative = 1e-6);
}

/// Seed case 4 over a slice `x = (x1, x2)`, written with a loop...
#[grad]
fn pair_loops(x: &[f64]) -> [f64; 2] {
    let mut square = 0.0;
    for i in 1..2 {
        square += x[i] * x[i];
    }
    [x[0] * x[1], x[0] + square]
}

/// ...and through the kernels: `dot` on parts of the slice.
#[grad]
fn pair_kernels(x: &[f64]) -> [f64; 2] {
    use autodiff::kernels;
    let product = kernels::dot(&x[0..1], &x[1..2]);
    let square = kernels::dot(&x[1..2], &x[1..2]);
    [product, x[0] + square]
}

#[test]
fn seed_case_4_through_the_kernels_and_through_loops() {
    for (x, u) in [([1.5, -0.7], [0.3, -2.0]), ([-2.0, 0.25], [1.0, 1.0])] {
        let (mut loops, mut kernels) = ([0.0; 2], [0.0; 2]);
        let value = pair_loops_vjp(&x, u, &mut loops);
        assert_eq!(value, pair_kernels_vjp(&x, u, &mut kernels));
        // uᵀJ = (u1 x2 + u2, u1 x1 + 2 u2 x2)
        let expected = [u[0] * x[1] + u[1], u[0] * x[0] + 2.0 * u[1] * x[1]];
        for k in 0..2 {
            assert_relative_eq!(loops[k], kernels[k], max_relative = 1e-12);
            assert_relative_eq!(loops[k], expected[k], max_relative = 1e-12);
        }
        let ((_, jl), (_, jk)) = (pair_loops_jacobian(&x), pair_kernels_jacobian(&x));
        assert_eq!(jl.len(), 4);
        for (a, b) in jl.iter().zip(&jk) {
            assert_relative_eq!(a, b, max_relative = 1e-12);
        }
    }
}
