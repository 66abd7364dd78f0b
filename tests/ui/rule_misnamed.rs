use autodiff::vjp_rule;

fn square(x: f64) -> f64 {
    x * x
}

#[vjp_rule(for = square)]
fn square_rule(x: f64, seed: f64, x_bar: &mut f64) -> f64 {
    *x_bar += 2.0 * x * seed;
    square(x)
}

#[vjp_rule(for = square)]
fn square_vjp(x: f64, seed: f64) -> f64 {
    let _ = seed;
    square(x)
}

#[vjp_rule(square)]
fn other_vjp(x: f64, seed: f64, x_bar: &mut f64) -> f64 {
    *x_bar += seed;
    x
}

fn main() {}
