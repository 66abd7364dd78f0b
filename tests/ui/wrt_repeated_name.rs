use autodiff::grad;

#[grad(wrt(x, y, x))]
fn f(x: f64, y: f64) -> f64 {
    x * y
}

fn main() {
    // The companions still exist, so calls to them add no errors.
    let _ = f_grad(1.0, 2.0);
}
