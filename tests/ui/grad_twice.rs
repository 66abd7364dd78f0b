use autodiff::grad;

#[grad]
#[grad]
fn f(x: f64) -> f64 {
    x * x
}

#[grad(trace)]
#[autodiff::grad]
fn g(x: f64) -> f64 {
    x * x
}

fn main() {
    let _ = f_grad(1.0);
    let _ = g_grad(1.0);
}
