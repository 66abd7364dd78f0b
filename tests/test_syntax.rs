//! The straight-line Rust a `#[grad]` function may contain, each checked against its closed form.

use approx::assert_relative_eq;
use autodiff::grad;

#[grad]
#[allow(clippy::let_and_return)]
fn bindings(x: f64, y: f64) -> f64 {
    let a: f64 = x * y;
    let a = a + 1.0; // shadowing
    let mut b = a * x;
    b += y;
    b -= 2.0 * x;
    b *= a;
    b /= 4.0;
    let c = {
        let inner = b * 2.0;
        (inner + (x - y)) * 0.5
    };
    c
}

#[test]
fn let_shadowing_mutation_and_blocks() {
    let (x, y) = (1.3, -0.4);
    let a = x * y + 1.0;
    let b = (a * x + y - 2.0 * x) * a / 4.0;
    let c = b + 0.5 * (x - y);
    let (v, (gx, gy)) = bindings_grad(x, y);
    assert_relative_eq!(v, c, epsilon = 1e-15);
    // ∂c/∂x and ∂c/∂y by hand: a_x = y, a_y = x.
    let b_x = ((a + y * x - 2.0) * a + (a * x + y - 2.0 * x) * y) / 4.0;
    let b_y = ((x * x + 1.0) * a + (a * x + y - 2.0 * x) * x) / 4.0;
    assert_relative_eq!(gx, b_x + 0.5, epsilon = 1e-14);
    assert_relative_eq!(gy, b_y - 0.5, epsilon = 1e-14);
}

#[grad]
#[allow(unreachable_code, clippy::needless_return)]
fn early_return(x: f64) -> f64 {
    let y = x * x;
    return y * 3.0;
}

#[test]
fn return_statement() {
    assert_eq!(early_return_grad(2.0), (12.0, 12.0));
}

#[grad]
#[allow(clippy::excessive_precision, clippy::unusual_byte_groupings)]
fn literals(x: f64) -> f64 {
    x * 2.0 + x * 2. + x * 1e-3 + x * 2.0_f64 + x * 2f64 + x * 1_000.5 + x * 0.5e1
}

#[test]
fn every_float_literal_spelling() {
    let k = 2.0 + 2.0 + 1e-3 + 2.0 + 2.0 + 1000.5 + 5.0;
    assert_relative_eq!(literals_grad(3.0).1, k, epsilon = 1e-12);
}

const SCALE: f64 = 2.5;

#[grad]
fn constants(x: f64) -> f64 {
    const LOCAL: f64 = 0.5;
    use std::f64::consts::E;
    SCALE * x + LOCAL * x + std::f64::consts::PI * x + E * x
}

#[test]
fn const_items_and_std_constants() {
    let k = SCALE + 0.5 + std::f64::consts::PI + std::f64::consts::E;
    assert_relative_eq!(constants_grad(1.0).1, k);
}

#[grad]
fn integer_parameters(x: f64, n: i32, m: usize) -> f64 {
    let scale = n as f64 + m as f64;
    x.powi(n) * scale + (m.pow(2) as f64) * x
}

#[test]
fn integers_are_inactive() {
    let (v, g) = integer_parameters_grad(1.5, 3, 2);
    assert_relative_eq!(v, 1.5_f64.powi(3) * 5.0 + 4.0 * 1.5);
    assert_relative_eq!(g, 3.0 * 1.5 * 1.5 * 5.0 + 4.0);
}

#[grad(wrt(y))]
fn selected(x: f64, y: f64, z: f64) -> f64 {
    x * y * z + y.sin()
}

#[test]
fn wrt_chooses_the_active_parameters() {
    let (v, gy) = selected_grad(2.0, 0.5, 3.0);
    assert_relative_eq!(v, 3.0 + 0.5_f64.sin());
    assert_relative_eq!(gy, 6.0 + 0.5_f64.cos());
    let mut bar = 1.0;
    selected_vjp(2.0, 0.5, 3.0, 2.0, &mut bar);
    assert_relative_eq!(bar, 1.0 + 2.0 * gy);
}

#[grad(wrt(z, x))]
fn reordered(x: f64, y: f64, z: f64) -> f64 {
    x * y + z
}

#[test]
fn gradients_follow_parameter_order() {
    assert_eq!(reordered_grad(2.0, 5.0, 1.0).1, (5.0, 1.0));
}

#[grad]
fn single_precision(x: f32, y: f32) -> f32 {
    let t: f32 = 0.5;
    (x * y).sin() * t + x.sqrt()
}

#[test]
fn f32_functions() {
    let (x, y) = (1.2_f32, 0.7_f32);
    let (v, (gx, gy)) = single_precision_grad(x, y);
    assert_eq!(v, single_precision(x, y));
    assert_relative_eq!(gx, (x * y).cos() * y * 0.5 + 0.5 / x.sqrt(), epsilon = 1e-6);
    assert_relative_eq!(gy, (x * y).cos() * x * 0.5, epsilon = 1e-6);
}

#[grad]
fn mixed_width(x: f32, y: f64) -> f64 {
    (x as f64) * y + (y as f32 * x) as f64
}

#[test]
fn casts_between_float_widths_carry_the_gradient() {
    let (_, (gx, gy)) = mixed_width_grad(2.0, 3.0);
    assert_eq!(gx, 6.0_f32);
    assert_eq!(gy, 4.0);
}

#[grad]
#[allow(unused_assignments)]
fn mutable_parameter(mut x: f64) -> f64 {
    x = x * x;
    x += 1.0;
    x
}

#[test]
fn parameters_can_be_reassigned() {
    assert_eq!(mutable_parameter_grad(3.0), (10.0, 6.0));
    assert_eq!(mutable_parameter(3.0), 10.0);
}

#[grad]
fn checked(x: f64) -> f64 {
    let y = x * 2.0;
    assert!(y > 0.0, "y must be positive, got {y}");
    debug_assert!(x.is_finite());
    y.ln()
}

#[test]
fn asserts_run_in_generated_code() {
    assert_relative_eq!(checked_grad(2.0).1, 0.5);
}

#[test]
#[should_panic(expected = "y must be positive, got -2")]
fn asserts_fire_in_generated_code() {
    checked_grad(-1.0);
}

#[grad]
fn unused_parameter(x: f64, _y: f64) -> f64 {
    x * 3.0
}

#[test]
fn a_parameter_that_does_not_reach_the_result_has_zero_gradient() {
    assert_eq!(unused_parameter_grad(1.0, 2.0), (3.0, (3.0, 0.0)));
    let (mut bx, mut by) = (1.0, 1.0);
    unused_parameter_vjp(1.0, 2.0, 2.0, &mut bx, &mut by);
    assert_eq!((bx, by), (7.0, 1.0));
}

mod model {
    use autodiff::grad;

    /// Companions have the original's visibility.
    #[grad]
    pub fn energy(x: f64) -> f64 {
        0.5 * x * x
    }
}

#[test]
fn companions_share_the_visibility_of_the_function() {
    assert_eq!(model::energy_grad(3.0), (4.5, 3.0));
    assert_eq!(model::energy(3.0), 4.5);
}

#[grad]
fn seed_named_parameter(seed: f64, seed_bar: f64) -> f64 {
    seed * seed_bar
}

#[test]
fn generated_names_never_collide_with_parameters() {
    let (mut a, mut b) = (0.0, 0.0);
    let v = seed_named_parameter_vjp(2.0, 3.0, 1.0, &mut a, &mut b);
    assert_eq!((v, a, b), (6.0, 3.0, 2.0));
}

#[grad]
fn constant_result(x: f64) -> f64 {
    let _ = x;
    4.0
}

#[test]
fn a_constant_function_has_zero_gradient() {
    assert_eq!(constant_result_grad(1.0), (4.0, 0.0));
}

/// Raw identifiers, as parameters, locals and the function's name.
#[grad(trace)]
fn r#match(r#type: f64, r#seed: f64, r#in: &[f64]) -> f64 {
    let r#let = r#type * r#in[0];
    r#let * r#seed
}

#[test]
fn raw_identifiers() {
    let (v, (gt, gs, gi)) = match_grad(2.0, 3.0, &[5.0]);
    assert_eq!((v, gt, gs, gi), (30.0, 15.0, 10.0, vec![6.0]));
    let (mut bt, mut bs, mut bi) = (0.0, 0.0, [0.0]);
    assert_eq!(
        r#match_vjp(2.0, 3.0, &[5.0], 1.0, &mut bt, &mut bs, &mut bi),
        30.0
    );
    assert_eq!((bt, bs, bi), (15.0, 10.0, [6.0]));
    let _ = match_trace(2.0, 3.0, &[5.0]);
}
