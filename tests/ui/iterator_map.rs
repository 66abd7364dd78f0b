use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>()
}

fn main() {}
