use autodiff::grad;

#[grad]
fn f(x: f64, y: f64, n: i32) -> f64 {
    x.powi(n) * unsafe { std::ptr::read(&y) }
}

fn main() {
    let _ = f(1.0, 2.0, 3);
    let (_y, (_dx, _dy)) = f_grad(1.0, 2.0, 3);
    let (mut bx, mut by) = (0.0, 0.0);
    let _ = f_vjp(1.0, 2.0, 3, 1.0, &mut bx, &mut by);
}
