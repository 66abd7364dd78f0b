use autodiff::grad;

#[grad]
fn f(x: &[f64], y: f64) -> f64 {
    y * x.len() as f64
}

fn main() {}
