use autodiff::grad;

#[grad(hvp)]
fn power(x: f64, y: f64) -> f64 {
    let r = x * x + y * y;
    x.powf(y) * r
}

fn main() {
    let _ = power_hessian(1.0, 2.0);
}
