use autodiff::grad;

fn half(x: &f64) -> f64 {
    x / 2.0
}

#[grad]
fn f(x: f64) -> f64 {
    half(&x)
}

fn main() {}
