//! The seed case studies, each against its closed form, through `_grad` and `_vjp`.

use approx::assert_relative_eq;
use autodiff::check::{dot_product_check, gradcheck, Tolerance};
use autodiff::grad;

mod common;

#[grad]
fn log1p_sq(x: f64) -> f64 {
    (1.0 + x * x).ln()
}

#[test]
fn ln_of_one_plus_x_squared() {
    for x in [-2.0, -0.5, 0.0, 0.3, 1.7] {
        let (y, g) = log1p_sq_grad(x);
        assert_relative_eq!(y, (1.0 + x * x).ln());
        assert_relative_eq!(g, 2.0 * x / (1.0 + x * x), epsilon = 1e-15);
    }
}

/// Seed case 2: `u = x²` is used twice, so its adjoint collects both paths.
#[grad]
fn shared(x: f64) -> f64 {
    let u = x * x;
    u + u.sin()
}

#[test]
fn shared_intermediate_gets_both_paths() {
    for x in [-1.3, 0.0, 0.4, 2.0] {
        let (y, g) = shared_grad(x);
        assert_relative_eq!(y, x * x + (x * x).sin());
        assert_relative_eq!(g, 2.0 * x * (1.0 + (x * x).cos()), epsilon = 1e-14);
    }
}

#[grad]
fn prod_sin(x1: f64, x2: f64) -> f64 {
    x1 * x2 + x1.sin()
}

#[test]
fn product_plus_sine() {
    let (x1, x2) = (0.7, -1.9);
    let (y, (d1, d2)) = prod_sin_grad(x1, x2);
    assert_relative_eq!(y, x1 * x2 + x1.sin());
    assert_relative_eq!(d1, x2 + x1.cos());
    assert_relative_eq!(d2, x1);
}

#[grad]
fn square_of_sum(x: f64, y: f64) -> f64 {
    (x + y).powi(2)
}

#[test]
fn square_of_sum_at_2_3() {
    assert_eq!(square_of_sum_grad(2.0, 3.0), (25.0, (10.0, 10.0)));
}

#[grad]
fn square_plus_self(x: f64) -> f64 {
    x * x + x
}

#[test]
fn square_plus_self_at_3() {
    assert_eq!(square_plus_self_grad(3.0), (12.0, 7.0));
}

#[grad]
fn bilinear(x: f64, y: f64) -> f64 {
    x * y + x + y
}

#[test]
fn bilinear_at_2_3() {
    assert_eq!(bilinear_grad(2.0, 3.0), (11.0, (4.0, 3.0)));
}

/// Seed `003`'s walkthrough function.
#[grad]
fn walkthrough(x1: f64, x2: f64) -> f64 {
    let t1 = x1 - x2;
    let t2 = t1.powi(2);
    t2 + (x1 + x2).cos()
}

#[test]
fn walkthrough_at_1_2() {
    let (y, (d1, d2)) = walkthrough_grad(1.0, 2.0);
    assert_relative_eq!(y, 1.0 + 3.0_f64.cos());
    assert_relative_eq!(y, 0.01001, epsilon = 1e-5);
    assert_relative_eq!(d1, -2.0 - 3.0_f64.sin());
    assert_relative_eq!(d2, 2.0 - 3.0_f64.sin());
    assert_relative_eq!(d1, -2.14112, epsilon = 1e-5);
    assert_relative_eq!(d2, 1.85888, epsilon = 1e-5);
}

#[grad]
fn loss(x: f64, y: f64) -> f64 {
    (x * y + x.sin()).powi(2)
}

#[test]
fn squared_loss_at_1_2() {
    let (_, (dx, dy)) = loss_grad(1.0, 2.0);
    let s1 = 1.0_f64.sin();
    assert_relative_eq!(dx, 4.0 * (2.0 + s1) + 2.0 * (2.0 + s1) * 1.0_f64.cos());
    assert_relative_eq!(dy, 2.0 * (2.0 + s1));
}

#[grad]
fn three_inputs(x: f64, y: f64, z: f64) -> f64 {
    (x * y + z) * y.sin()
}

#[test]
fn three_inputs_closed_form() {
    let (x, y, z) = (0.6, 1.4, -0.8);
    let (_, (dx, dy, dz)) = three_inputs_grad(x, y, z);
    assert_relative_eq!(dx, y * y.sin());
    assert_relative_eq!(dy, (x * y + z) * y.cos() + x * y.sin());
    assert_relative_eq!(dz, y.sin());
}

/// Every seed through `_vjp`: it accumulates `seed · ∇f` into the bars, on top of what is there.
#[test]
fn vjp_accumulates_seed_times_gradient() {
    let (x, y, z) = (0.6, 1.4, -0.8);
    let (v, (gx, gy, gz)) = three_inputs_grad(x, y, z);
    let (mut bx, mut by, mut bz) = (1.0, -2.0, 0.5);
    let value = three_inputs_vjp(x, y, z, 3.0, &mut bx, &mut by, &mut bz);
    assert_eq!(value, v);
    assert_relative_eq!(bx, 1.0 + 3.0 * gx);
    assert_relative_eq!(by, -2.0 + 3.0 * gy);
    assert_relative_eq!(bz, 0.5 + 3.0 * gz);

    let mut b = 0.25;
    let value = shared_vjp(0.4, -2.0, &mut b);
    assert_eq!(value, shared(0.4));
    assert_relative_eq!(b, 0.25 - 2.0 * shared_grad(0.4).1);
}

/// The dot-product test `⟨u, J v⟩ = ⟨Jᵀu, v⟩` for the `_vjp` of every multi-input seed.
#[test]
fn vjp_passes_the_dot_product_test() {
    let tol = Tolerance::default();
    let x = [0.6, 1.4, -0.8];
    let v = [0.3, -1.1, 0.7];
    let u = 1.7;
    let mut bars = [0.0; 3];
    let [b0, b1, b2] = &mut bars;
    three_inputs_vjp(x[0], x[1], x[2], u, b0, b1, b2);
    let f = |p: &[f64]| three_inputs(p[0], p[1], p[2]);
    dot_product_check(f, &x, &v, &[u], &bars, &tol).unwrap();

    let mut bars = [0.0; 2];
    let [b0, b1] = &mut bars;
    walkthrough_vjp(1.0, 2.0, u, b0, b1);
    let f = |p: &[f64]| walkthrough(p[0], p[1]);
    dot_product_check(f, &[1.0, 2.0], &v[..2], &[u], &bars, &tol).unwrap();
}

/// Every seed also agrees with central differences at random points.
#[test]
fn seeds_match_finite_differences() {
    let tol = Tolerance::default();
    let mut next = common::uniform(0x2545_f491_4f6c_dd1d, -2.0, 2.0);
    for _ in 0..20 {
        let p = [next(), next(), next()];
        let (_, (a, b)) = walkthrough_grad(p[0], p[1]);
        gradcheck(|q: &[f64]| walkthrough(q[0], q[1]), &p[..2], &[a, b], &tol).unwrap();
        let (_, (a, b)) = loss_grad(p[0], p[1]);
        gradcheck(|q: &[f64]| loss(q[0], q[1]), &p[..2], &[a, b], &tol).unwrap();
        let (_, (a, b, c)) = three_inputs_grad(p[0], p[1], p[2]);
        gradcheck(
            |q: &[f64]| three_inputs(q[0], q[1], q[2]),
            &p,
            &[a, b, c],
            &tol,
        )
        .unwrap();
        let (_, g) = log1p_sq_grad(p[0]);
        gradcheck(|q: &[f64]| log1p_sq(q[0]), &p[..1], &[g], &tol).unwrap();
    }
}
