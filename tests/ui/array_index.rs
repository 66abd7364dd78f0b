use autodiff::grad;

#[grad]
fn f(x: f64, w: [i32; 2]) -> f64 {
    x * w[0] as f64
}

fn main() {}
