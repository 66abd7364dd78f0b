//! The ten-line start: differentiate a function of two variables.
use autodiff::grad;

#[grad]
fn f(x1: f64, x2: f64) -> f64 {
    let t1 = x1 - x2;
    let t2 = t1.powi(2);
    t2 + (x1 + x2).cos()
}

fn main() {
    let (y, (d1, d2)) = f_grad(1.0, 2.0);
    println!("f(1, 2)     = {y:.5}");
    println!("∂f/∂x1      = {d1:.5}");
    println!("∂f/∂x2      = {d2:.5}");
}
