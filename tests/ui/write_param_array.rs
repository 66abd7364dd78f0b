use autodiff::grad;

#[grad]
fn f(mut x: Vec<f64>) -> f64 {
    x[0] = x[1] * 2.0;
    x[0]
}

fn main() {}
