use autodiff::grad;

// A callee with `wrt` whose body has an error: its callers still compile against its stubs.
#[grad(wrt(x))]
fn f(x: f64, y: f64) -> f64 {
    x * unsafe { std::ptr::read(&y) }
}

#[grad]
fn g(x: f64) -> f64 {
    f(x, 2.0)
}

fn main() {
    let _ = g_grad(1.0);
}
