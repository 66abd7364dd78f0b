//! Branches in `#[grad]` functions: `if` as statement and as value, `else if`, `&&`, `||`, `!`,
//! `match` on integers and booleans, early `return`. The gradient is that of the path taken.

use approx::assert_relative_eq;
use autodiff::check::{dot_product_check, gradcheck, Tolerance};
use autodiff::grad;

mod common;
use common::uniform;

/// `sin x` below −1, `x²` on `[−1, 2)`, `4√x` from 2 on: `let y = if .. else if .. else ..;`.
#[grad]
fn piecewise(x: f64) -> f64 {
    let y = if x < -1.0 {
        x.sin()
    } else if x < 2.0 {
        x * x
    } else {
        4.0 * x.sqrt()
    };
    y + 1.0
}

/// The derivative of the piece in force: `cos x`, `2x`, `2/√x`.
fn piecewise_slope(x: f64) -> f64 {
    if x < -1.0 {
        x.cos()
    } else if x < 2.0 {
        2.0 * x
    } else {
        2.0 / x.sqrt()
    }
}

/// On both sides of each breakpoint, the value and derivative of the piece in force.
#[test]
fn piecewise_on_both_sides_of_each_breakpoint() {
    for x in [
        -3.0, -1.5, -1.001, -0.999, 0.0, 1.5, 1.999, 2.001, 3.0, 10.0,
    ] {
        let (y, g) = piecewise_grad(x);
        assert_eq!(y, piecewise(x));
        assert_relative_eq!(g, piecewise_slope(x), epsilon = 1e-14);
    }
    assert_relative_eq!(piecewise_grad(-1.001).1, 1.001_f64.cos(), epsilon = 1e-14);
    assert_relative_eq!(piecewise_grad(-0.999).1, -1.998, epsilon = 1e-14);
    assert_relative_eq!(piecewise_grad(1.999).1, 3.998, epsilon = 1e-14);
    assert_relative_eq!(
        piecewise_grad(2.001).1,
        2.0 / 2.001_f64.sqrt(),
        epsilon = 1e-14
    );
}

/// Exactly on a breakpoint the condition decides: −1 is in the middle piece, 2 in the last.
#[test]
fn piecewise_at_the_breakpoints_follows_the_branch_taken() {
    assert_eq!(piecewise_grad(-1.0), (2.0, -2.0));
    assert_relative_eq!(piecewise_grad(2.0).1, 2.0_f64.sqrt(), epsilon = 1e-15);
}

/// Soft thresholding, squared: `if` statements assigning a variable, `else if` without `else`,
/// conditions comparing two active values.
#[grad]
fn shrink_squared(x: f64, lambda: f64) -> f64 {
    let mut y = 0.0;
    if x > lambda {
        y = x - lambda;
    } else if x < -lambda {
        y = x + lambda;
    }
    y * y
}

/// `(x − λ)²` above λ, `(x + λ)²` below −λ, and exactly zero in between.
#[test]
fn if_statements_assign_on_the_path_taken() {
    let lambda = 0.5;
    let (v, (gx, gl)) = shrink_squared_grad(2.0, lambda);
    assert_relative_eq!(v, 2.25, epsilon = 1e-15);
    assert_relative_eq!(gx, 3.0, epsilon = 1e-15);
    assert_relative_eq!(gl, -3.0, epsilon = 1e-15);
    let (v, (gx, gl)) = shrink_squared_grad(-1.25, lambda);
    assert_relative_eq!(v, 0.5625, epsilon = 1e-15);
    assert_relative_eq!(gx, -1.5, epsilon = 1e-15);
    assert_relative_eq!(gl, -1.5, epsilon = 1e-15);
    assert_eq!(shrink_squared_grad(0.2, lambda), (0.0, (0.0, 0.0)));
    assert_eq!(shrink_squared_grad(-0.4, lambda), (0.0, (0.0, 0.0)));
}

/// Three regions of the plane chosen with `&&`, `||` and `!`, as the tail expression.
#[grad]
#[allow(clippy::neg_cmp_op_on_partial_ord)]
fn regions(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        x * y
    } else if !(x < -1.0) || y > 2.0 {
        x + y * y
    } else {
        (x - y).exp()
    }
}

/// Each region, reached through each side of the `&&` and the `||`.
#[test]
fn logical_operators_in_conditions() {
    let e = (-2.5_f64).exp();
    let cases = [
        // x > 0 && y > 0
        ((0.5, 1.5), (1.5, 0.5)),
        // && fails on y, !(x < −1) holds
        ((2.0, -1.0), (1.0, -2.0)),
        // && fails on x, !(x < −1) holds
        ((-0.5, 1.0), (1.0, 2.0)),
        // !(x < −1) fails, y > 2 holds
        ((-2.0, 3.0), (1.0, 6.0)),
        // neither: exp(x − y)
        ((-2.0, 0.5), (e, -e)),
    ];
    for ((x, y), (ex, ey)) in cases {
        let (v, (gx, gy)) = regions_grad(x, y);
        assert_eq!(v, regions(x, y));
        assert_relative_eq!(gx, ex, epsilon = 1e-15);
        assert_relative_eq!(gy, ey, epsilon = 1e-15);
    }
}

/// `regions_vjp` adds `seed · ∇f` on top of what the bars hold.
#[test]
fn regions_vjp_accumulates() {
    let (mut bx, mut by) = (1.0, -1.0);
    let v = regions_vjp(0.5, 1.5, 2.0, &mut bx, &mut by);
    assert_eq!(v, 0.75);
    assert_relative_eq!(bx, 1.0 + 2.0 * 1.5, epsilon = 1e-15);
    assert_relative_eq!(by, -1.0 + 2.0 * 0.5, epsilon = 1e-15);
}

/// `match` on an integer with a literal arm, an or-pattern and a wildcard.
#[grad]
fn basis(x: f64, k: usize) -> f64 {
    match k {
        0 => x.exp(),
        1 | 2 => x.powi(k as i32 + 1),
        _ => x.sin() * k as f64,
    }
}

/// `eˣ` for 0, `(k + 1) xᵏ` for 1 and 2, `k cos x` otherwise.
#[test]
fn match_on_an_integer() {
    let x = 0.7_f64;
    assert_relative_eq!(basis_grad(x, 0).1, x.exp(), epsilon = 1e-15);
    assert_relative_eq!(basis_grad(x, 1).1, 2.0 * x, epsilon = 1e-15);
    assert_relative_eq!(basis_grad(x, 2).1, 3.0 * x * x, epsilon = 1e-15);
    assert_relative_eq!(basis_grad(x, 3).1, 3.0 * x.cos(), epsilon = 1e-15);
    assert_relative_eq!(basis_grad(x, 9).1, 9.0 * x.cos(), epsilon = 1e-14);
    for k in 0..5 {
        assert_eq!(basis_grad(x, k).0, basis(x, k));
    }
}

/// Softplus of `±x` in its stable form: `match` on a `bool` parameter, then on a comparison.
#[grad]
fn softplus_signed(x: f64, flip: bool) -> f64 {
    let s = match flip {
        true => -x,
        false => x,
    };
    match s > 0.0 {
        true => s + (-s).exp().ln_1p(),
        false => s.exp().ln_1p(),
    }
}

/// `d/dx softplus(±x) = ±σ(±x)`, on both arms of both `match`es.
#[test]
fn match_on_booleans() {
    let sigmoid = |s: f64| 1.0 / (1.0 + (-s).exp());
    for x in [-3.0, -0.2, 0.4, 5.0] {
        let (v, g) = softplus_signed_grad(x, false);
        assert_relative_eq!(v, x.exp().ln_1p(), epsilon = 1e-14, max_relative = 1e-14);
        assert_relative_eq!(g, sigmoid(x), epsilon = 1e-15, max_relative = 1e-14);
        let (v, g) = softplus_signed_grad(x, true);
        assert_relative_eq!(v, (-x).exp().ln_1p(), epsilon = 1e-14, max_relative = 1e-14);
        assert_relative_eq!(g, -sigmoid(-x), epsilon = 1e-15, max_relative = 1e-14);
    }
}

/// A `match` statement inside a loop whose arms update an accumulator, one arm doing nothing.
#[grad]
#[allow(clippy::needless_range_loop)]
fn pattern_sum(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        match i % 3 {
            0 => s += x[i],
            1 => s -= x[i] * x[i],
            _ => {}
        }
    }
    s
}

/// The gradient cycles through `1`, `−2xᵢ`, `0`.
#[test]
fn match_statement_in_a_loop() {
    let x = [0.3, -1.2, 2.5, 0.7, 0.4, -0.9, 1.1];
    let (s, g) = pattern_sum_grad(&x);
    assert_relative_eq!(s, 0.3 - 1.44 + 0.7 - 0.16 + 1.1, epsilon = 1e-14);
    let expected = [1.0, 2.4, 0.0, 1.0, -0.8, 0.0, 1.0];
    assert_eq!(g.len(), x.len());
    for (gi, ei) in g.iter().zip(expected) {
        assert_relative_eq!(*gi, ei, epsilon = 1e-15);
    }
}

/// `ln x` continued linearly below a floor: an early `return` from inside an `if`.
#[grad]
fn log_with_floor(x: f64, floor: f64) -> f64 {
    if x <= floor {
        return floor.ln() + (x - floor) / floor;
    }
    x.ln()
}

/// Below the floor `(1/f, 1/f − x/f²)`; above it `(1/x, 0)`.
#[test]
fn early_return_from_a_branch() {
    let f = 0.5;
    let (v, (gx, gf)) = log_with_floor_grad(0.2, f);
    assert_relative_eq!(v, f64::ln(0.5) - 0.6, epsilon = 1e-15);
    assert_relative_eq!(gx, 2.0, epsilon = 1e-15);
    assert_relative_eq!(gf, 2.0 - 0.8, epsilon = 1e-15);
    let (v, (gx, gf)) = log_with_floor_grad(3.0, f);
    assert_relative_eq!(v, 3.0_f64.ln(), epsilon = 1e-15);
    assert_relative_eq!(gx, 1.0 / 3.0, epsilon = 1e-15);
    assert_eq!(gf, 0.0);
}

/// Conditions on inactive values only: integer comparisons, `%`, a `bool`, `&&` and `||`.
#[grad]
fn integer_conditions(x: f64, n: i32, negate: bool) -> f64 {
    let mut y = if n >= 2 && n % 2 == 0 {
        x.powi(n)
    } else {
        x.sin()
    };
    if negate || n < 0 {
        y = -y;
    }
    y
}

/// `n xⁿ⁻¹` for even `n ≥ 2`, `cos x` otherwise, negated when `negate || n < 0`.
#[test]
fn inactive_conditions_select_the_path() {
    let x = 1.3_f64;
    let cases = [
        (4, false, 4.0 * x.powi(3)),
        (4, true, -4.0 * x.powi(3)),
        (3, false, x.cos()),
        (-2, false, -x.cos()),
        (1, true, -x.cos()),
    ];
    for (n, negate, slope) in cases {
        let (v, g) = integer_conditions_grad(x, n, negate);
        assert_eq!(v, integer_conditions(x, n, negate));
        assert_relative_eq!(g, slope, epsilon = 1e-14);
    }
}

/// The Huber loss of residuals: a value-producing `if` inside a loop, on an active comparison.
#[grad]
fn huber(r: &[f64], delta: f64) -> f64 {
    let mut s = 0.0;
    for &v in r.iter() {
        let a = v.abs();
        s += if a <= delta {
            0.5 * v * v
        } else {
            delta * (a - 0.5 * delta)
        };
    }
    s
}

/// `∂/∂rᵢ` is `rᵢ` inside `δ` and `δ sign rᵢ` outside; `∂/∂δ = Σ_{|rᵢ| > δ} (|rᵢ| − δ)`.
#[test]
fn huber_loss_gradient() {
    let r = [0.3, -2.0, 1.5, -0.8, 0.0, 4.0];
    let delta = 1.0;
    let (v, (g, gd)) = huber_grad(&r, delta);
    assert_relative_eq!(v, 0.045 + 1.5 + 1.0 + 0.32 + 0.0 + 3.5, epsilon = 1e-14);
    let expected = [0.3, -1.0, 1.0, -0.8, 0.0, 1.0];
    for (gi, ei) in g.iter().zip(expected) {
        assert_relative_eq!(*gi, ei, epsilon = 1e-15);
    }
    assert_relative_eq!(gd, 1.0 + 0.5 + 3.0, epsilon = 1e-14);
}

/// Seed case 6 with an explicit branch: `L = Σ ȳᵢ relu(xᵢ)`, `ȳ` an inactive slice.
#[grad(wrt(x))]
#[allow(clippy::needless_range_loop)]
fn relu_loss_branch(x: &[f64], ybar: &[f64]) -> f64 {
    let mut l = 0.0;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            l += ybar[i] * x[i];
        }
    }
    l
}

/// Seed case 6 through the runtime's `autodiff::relu`.
#[grad(wrt(x))]
fn relu_loss_runtime(x: &[f64], ybar: &[f64]) -> f64 {
    let mut l = 0.0;
    for (i, &v) in x.iter().enumerate() {
        l += ybar[i] * autodiff::relu(v);
    }
    l
}

/// Seed case 6: `X̄ = Ȳ · 1[X > 0]` away from 0, in both spellings.
#[test]
fn relu_over_a_slice() {
    let mut next = uniform(0x6a09_e667_f3bc_c908, -1.0, 1.0);
    let x: Vec<f64> = (0..64).map(|_| 3.0 * next()).collect();
    let ybar: Vec<f64> = (0..64).map(|_| next()).collect();
    let value: f64 = (0..64).map(|i| ybar[i] * x[i].max(0.0)).sum();
    for (v, g) in [
        relu_loss_branch_grad(&x, &ybar),
        relu_loss_runtime_grad(&x, &ybar),
    ] {
        assert_relative_eq!(v, value, epsilon = 1e-13);
        assert_eq!(g.len(), x.len());
        for i in 0..x.len() {
            let expected = if x[i] > 0.0 { ybar[i] } else { 0.0 };
            assert_relative_eq!(g[i], expected, epsilon = 1e-15);
        }
    }
}

/// Seed case 6 at exactly 0 (and −0): the gradient there is 0, in both spellings.
#[test]
fn relu_over_a_slice_is_zero_at_exactly_zero() {
    let x = [0.0, -0.0, 1.0, -1.0];
    let ybar = [0.7, -1.3, 2.0, 0.4];
    for (v, g) in [
        relu_loss_branch_grad(&x, &ybar),
        relu_loss_runtime_grad(&x, &ybar),
    ] {
        assert_eq!(v, 2.0);
        assert_eq!(g, vec![0.0, 0.0, 2.0, 0.0]);
    }
}

/// `relu_loss_*_vjp` adds `seed · X̄` into non-zero bars, and passes the dot-product test.
#[test]
fn relu_vjp_accumulates() {
    let x = [0.5, -1.0, 2.0, -0.25, 1.5];
    let ybar = [0.7, -1.3, 2.0, 0.4, -0.6];
    let mut bars = vec![1.0, 2.0, 3.0, 4.0, 5.0];
    relu_loss_branch_vjp(&x, &ybar, -2.0, &mut bars);
    let expected = [1.0 - 1.4, 2.0, 3.0 - 4.0, 4.0, 5.0 + 1.2];
    for (b, e) in bars.iter().zip(expected) {
        assert_relative_eq!(*b, e, epsilon = 1e-15);
    }
    let mut bars = vec![1.0, 2.0, 3.0, 4.0, 5.0];
    relu_loss_runtime_vjp(&x, &ybar, -2.0, &mut bars);
    for (b, e) in bars.iter().zip(expected) {
        assert_relative_eq!(*b, e, epsilon = 1e-15);
    }

    let mut bars = vec![0.0; 5];
    relu_loss_branch_vjp(&x, &ybar, 1.7, &mut bars);
    let v = [0.3, -0.7, 1.1, 0.2, -0.4];
    let f = |q: &[f64]| relu_loss_branch(q, &ybar);
    dot_product_check(f, &x, &v, &[1.7], &bars, &Tolerance::default()).unwrap();
}

/// Every function of this file agrees with central differences at random points off its kinks.
#[test]
fn branches_match_finite_differences() {
    let tol = Tolerance::default();
    let mut next = uniform(0x2545_f491_4f6c_dd1d, -1.0, 1.0);
    // Moves `v` at least 0.05 away from each of `kinks`.
    let away = |v: f64, kinks: &[f64]| {
        kinks.iter().fold(v, |v, &k| {
            if (v - k).abs() < 0.05 {
                k + 0.05_f64.copysign(v - k)
            } else {
                v
            }
        })
    };
    for _ in 0..20 {
        let x = away(4.0 * next(), &[-1.0, 2.0]);
        let (_, g) = piecewise_grad(x);
        gradcheck(|q: &[f64]| piecewise(q[0]), &[x], &[g], &tol).unwrap();

        let lambda = 0.2 + 0.5 * next().abs();
        let x = away(2.0 * next(), &[-lambda, lambda]);
        let (_, (gx, gl)) = shrink_squared_grad(x, lambda);
        let f = |q: &[f64]| shrink_squared(q[0], q[1]);
        gradcheck(f, &[x, lambda], &[gx, gl], &tol).unwrap();

        let (x, y) = (
            away(3.0 * next(), &[-1.0, 0.0]),
            away(3.0 * next(), &[0.0, 2.0]),
        );
        let (_, (gx, gy)) = regions_grad(x, y);
        gradcheck(|q: &[f64]| regions(q[0], q[1]), &[x, y], &[gx, gy], &tol).unwrap();

        let x = 2.0 * next();
        for k in 0..5 {
            let (_, g) = basis_grad(x, k);
            gradcheck(|q: &[f64]| basis(q[0], k), &[x], &[g], &tol).unwrap();
        }
        for flip in [false, true] {
            let (_, g) = softplus_signed_grad(x, flip);
            gradcheck(|q: &[f64]| softplus_signed(q[0], flip), &[x], &[g], &tol).unwrap();
        }
        for (n, negate) in [(4, false), (2, true), (3, false), (-2, false)] {
            let (_, g) = integer_conditions_grad(x, n, negate);
            let f = |q: &[f64]| integer_conditions(q[0], n, negate);
            gradcheck(f, &[x], &[g], &tol).unwrap();
        }

        let xs: Vec<f64> = (0..9).map(|_| 2.0 * next()).collect();
        let (_, g) = pattern_sum_grad(&xs);
        gradcheck(pattern_sum, &xs, &g, &tol).unwrap();

        let floor = 0.3 + next().abs();
        let x = away(floor + next(), &[floor]).max(0.05);
        let (_, (gx, gf)) = log_with_floor_grad(x, floor);
        let f = |q: &[f64]| log_with_floor(q[0], q[1]);
        gradcheck(f, &[x, floor], &[gx, gf], &tol).unwrap();

        let delta = 0.5 + 0.4 * next();
        let r: Vec<f64> = xs.iter().map(|&v| away(v, &[-delta, 0.0, delta])).collect();
        let (_, (g, gd)) = huber_grad(&r, delta);
        let grad: Vec<f64> = g.into_iter().chain([gd]).collect();
        let point: Vec<f64> = r.iter().copied().chain([delta]).collect();
        gradcheck(|q: &[f64]| huber(&q[..9], q[9]), &point, &grad, &tol).unwrap();

        let xs: Vec<f64> = xs.iter().map(|&v| away(v, &[0.0])).collect();
        let ybar: Vec<f64> = (0..9).map(|_| next()).collect();
        let (_, g) = relu_loss_branch_grad(&xs, &ybar);
        gradcheck(|q: &[f64]| relu_loss_branch(q, &ybar), &xs, &g, &tol).unwrap();
        let (_, g) = relu_loss_runtime_grad(&xs, &ybar);
        gradcheck(|q: &[f64]| relu_loss_runtime(q, &ybar), &xs, &g, &tol).unwrap();
    }
}
