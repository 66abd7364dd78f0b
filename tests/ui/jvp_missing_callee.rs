use autodiff::grad;

#[grad]
fn inner(x: f64) -> f64 {
    x.sin()
}

#[grad(jvp)]
fn outer(x: f64) -> f64 {
    inner(x) * 2.0
}

fn main() {}
