//! Functions with several results: `NAME_vjp` takes a seed shaped like the result and
//! `NAME_jacobian` returns the Jacobian, row-major, one row per result.

use approx::assert_relative_eq;
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
