use autodiff::grad;
use autodiff::relu;

#[grad]
fn f(x: f64) -> f64 {
    relu(x)
}

fn main() {}
