use autodiff::grad;

#[grad(jvp)]
fn inner(x: f64) -> f64 {
    x.sin()
}

#[grad(hvp)]
fn outer(x: f64) -> f64 {
    inner(x) * x
}

fn main() {
    let _ = outer_hvp(1.0, 1.0);
}
