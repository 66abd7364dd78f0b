use autodiff::grad;

#[grad]
fn f(x: f64) -> f64 {
    let v = vec![x, x];
    x * v.len() as f64
}

fn main() {}
