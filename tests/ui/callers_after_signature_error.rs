use autodiff::grad;

#[grad]
extern "C" fn f(x: f64, y: f64) -> f64 {
    x * y
}

fn main() {
    let _ = f(1.0, 2.0);
    let (_y, (_dx, _dy)) = f_grad(1.0, 2.0);
    let (mut bx, mut by) = (0.0, 0.0);
    let _ = f_vjp(1.0, 2.0, 1.0, &mut bx, &mut by);
}
