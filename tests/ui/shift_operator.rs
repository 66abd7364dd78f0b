use autodiff::grad;

#[grad]
fn f(x: f64, n: i32) -> f64 {
    x.powi(n << 1)
}

fn main() {}
