use autodiff::grad;

#[grad(hvp)]
fn angle(x: f64, y: f64) -> f64 {
    let r = x * x + y * y;
    y.atan2(x) * r
}

fn main() {
    let _ = angle_hessian(1.0, 2.0);
}
