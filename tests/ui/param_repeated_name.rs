use autodiff::grad;

#[grad]
fn f(x: f64, x: f64) -> f64 {
    x * x
}

fn main() {}
