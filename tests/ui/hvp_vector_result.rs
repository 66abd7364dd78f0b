use autodiff::grad;

#[grad(hvp)]
fn pair(x: f64, y: f64) -> (f64, f64) {
    (x * y, x + y)
}

fn main() {
    // The callers of the stubs compile: the error above is the only one.
    let _ = pair_grad_unused();
}

fn pair_grad_unused() -> f64 {
    pair_vjp(1.0, 2.0, (1.0, 0.0), &mut 0.0, &mut 0.0).0
}
