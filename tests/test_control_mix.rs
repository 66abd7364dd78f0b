//! Control flow mixed the hard way: taped values inside nested loops, `while` inside `for`,
//! `break` in an inner loop, branches on active values inside loops, buffers written and
//! re-read across iterations. Each against central finite differences at random points.

// Index loops are what these tests exercise.
#![allow(clippy::needless_range_loop)]

use autodiff::check::{gradcheck, Tolerance};
use autodiff::grad;

mod common;
use common::points;

fn check(f: impl Fn(&[f64]) -> f64, x: &[f64], g: &[f64]) {
    gradcheck(
        f,
        x,
        g,
        &Tolerance {
            rel: 1e-5,
            abs: 1e-6,
            ..Tolerance::default()
        },
    )
    .unwrap_or_else(|e| panic!("at {x:?}: {e}"));
}

/// A recurrence inside a loop over rows: `tanh` results are taped per (row, step).
#[grad]
fn rows_of_recurrences(x: &[f64], a: f64, steps: usize) -> f64 {
    let mut total = 0.0;
    for i in 0..x.len() {
        let mut h = x[i];
        for _ in 0..steps {
            h = (a * h + 0.1).tanh();
        }
        total += h * h;
    }
    total
}

#[test]
fn nested_recurrences() {
    for seed in 1..6 {
        let x = points(5, -1.5, 1.5, seed);
        let a = 0.8;
        let (v, (gx, ga)) = rows_of_recurrences_grad(&x, a, 7);
        assert_eq!(v, rows_of_recurrences(&x, a, 7));
        let mut p = x.clone();
        p.push(a);
        let mut g = gx.clone();
        g.push(ga);
        check(|q: &[f64]| rows_of_recurrences(&q[..5], q[5], 7), &p, &g);
    }
}

/// A data-dependent `while` inside a `for`: Newton's square root of every entry.
#[grad]
fn sum_of_roots(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x.iter() {
        let mut y = v.max(1.0);
        while (y * y - v).abs() > 1e-13 * v {
            y = 0.5 * (y + v / y);
        }
        s += y;
    }
    s
}

#[test]
fn while_inside_for() {
    let x = points(6, 0.5, 30.0, 7);
    let (v, g) = sum_of_roots_grad(&x);
    let exact: f64 = x.iter().map(|v| v.sqrt()).sum();
    approx::assert_relative_eq!(v, exact, max_relative = 1e-12);
    for (gi, xi) in g.iter().zip(&x) {
        approx::assert_relative_eq!(*gi, 0.5 / xi.sqrt(), max_relative = 1e-9);
    }
}

/// `break` out of an inner loop, with the outer loop carrying active state.
#[grad]
fn capped_partial_sums(x: &[f64], cap: f64) -> f64 {
    let mut total = 0.0;
    for i in 0..x.len() {
        let mut run = 0.0;
        for j in i..x.len() {
            run += x[j] * x[j];
            if run > cap {
                break;
            }
        }
        total += run.sqrt();
    }
    total
}

#[test]
fn break_in_an_inner_loop() {
    for seed in 1..8 {
        let x = points(6, -2.0, 2.0, seed);
        let (v, (gx, gc)) = capped_partial_sums_grad(&x, 3.0);
        assert_eq!(v, capped_partial_sums(&x, 3.0));
        assert_eq!(gc, 0.0);
        check(|q: &[f64]| capped_partial_sums(q, 3.0), &x, &gx);
    }
}

/// A buffer written in one loop, updated in place in another, and read in a third.
#[grad]
fn smoothed_energy(x: &[f64]) -> f64 {
    let n = x.len();
    let mut buf = vec![0.0; n];
    for i in 0..n {
        buf[i] = x[i] * x[i];
    }
    for _ in 0..3 {
        for i in 1..n {
            buf[i] = 0.5 * buf[i] + 0.5 * buf[i - 1].sin();
        }
    }
    let mut e = 0.0;
    for i in 0..n {
        if buf[i] > 0.5 {
            e += buf[i] * x[i];
        } else {
            e -= buf[i];
        }
    }
    e
}

#[test]
fn buffers_overwritten_in_place() {
    for seed in 1..6 {
        let x = points(7, -1.5, 1.5, seed);
        let (v, g) = smoothed_energy_grad(&x);
        assert_eq!(v, smoothed_energy(&x));
        check(smoothed_energy, &x, &g);
        let mut bar = vec![1.0; x.len()];
        smoothed_energy_vjp(&x, 2.0, &mut bar);
        for (b, gi) in bar.iter().zip(&g) {
            approx::assert_relative_eq!(*b, 1.0 + 2.0 * gi, max_relative = 1e-12);
        }
    }
}

/// A loop with two active carried variables swapped every step and a branch on them.
#[grad]
fn rotation(x: f64, y: f64, steps: usize) -> f64 {
    let (mut u, mut v) = (x, y);
    for k in 0..steps {
        let t = u;
        u = 0.8 * u - 0.6 * v;
        v = 0.6 * t + 0.8 * v;
        if k % 2 == 0 && u > v {
            u = u.sin();
        }
    }
    u * v
}

#[test]
fn several_carried_variables() {
    for seed in 1..6 {
        let p = points(2, -2.0, 2.0, seed);
        let (val, (gx, gy)) = rotation_grad(p[0], p[1], 9);
        assert_eq!(val, rotation(p[0], p[1], 9));
        check(|q: &[f64]| rotation(q[0], q[1], 9), &p, &[gx, gy]);
    }
}

/// A `_vjp` bar of the wrong length is a clear panic, not an index error deep inside.
#[test]
#[should_panic(expected = "`x_bar` must have the length of `x`")]
fn a_bar_of_the_wrong_length_is_rejected() {
    let mut bar = vec![0.0; 3];
    smoothed_energy_vjp(&[1.0, 2.0], 1.0, &mut bar);
}

/// `f32` slices, and `*v` on the element of `iter().enumerate()`.
#[grad]
fn weighted_squares(x: &[f32]) -> f32 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        s += *v * *v * (i as f32 + 1.0);
    }
    s
}

#[test]
fn f32_slices() {
    let (v, g) = weighted_squares_grad(&[1.0, 2.0, 3.0]);
    assert_eq!(v, 1.0 + 8.0 + 27.0);
    assert_eq!(g, vec![2.0, 8.0, 18.0]);
}

/// Nested array parameters: a slice of arrays and a slice of `Vec`s, with nested gradients.
#[grad]
fn nested_rows(m: &[[f64; 3]], w: &[Vec<f64>]) -> f64 {
    let mut s = 0.0;
    for i in 0..m.len() {
        for j in 0..3 {
            s += m[i][j] * w[i][j] * w[i][j];
        }
    }
    s
}

#[test]
fn nested_array_parameters() {
    let m = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let w = vec![vec![0.5, 0.25, 2.0], vec![1.0, -1.0, 3.0]];
    let (_, (gm, gw)) = nested_rows_grad(&m, &w);
    for i in 0..2 {
        for j in 0..3 {
            assert_eq!(gm[i][j], w[i][j] * w[i][j]);
            assert_eq!(gw[i][j], 2.0 * m[i][j] * w[i][j]);
        }
    }
}

/// `return` from inside two nested loops.
#[grad]
fn first_large_product(x: &[f64], t: f64) -> f64 {
    for i in 0..x.len() {
        for j in 0..x.len() {
            if x[i] * x[j] > t {
                return x[i] * x[j] * t;
            }
        }
    }
    t
}

#[test]
fn return_from_nested_loops() {
    assert_eq!(
        first_large_product_grad(&[0.5, 1.5, 3.0], 2.0),
        (4.5, (vec![0.0, 6.0, 0.0], 2.25))
    );
    assert_eq!(
        first_large_product_grad(&[0.5, 0.6], 2.0),
        (2.0, (vec![0.0, 0.0], 1.0))
    );
    for seed in 1..6 {
        let x = points(4, -2.0, 2.0, seed);
        let (_, (gx, gt)) = first_large_product_grad(&x, 1.0);
        let mut g = gx.clone();
        g.push(gt);
        let mut p = x.clone();
        p.push(1.0);
        check(|q: &[f64]| first_large_product(&q[..4], q[4]), &p, &g);
    }
}
