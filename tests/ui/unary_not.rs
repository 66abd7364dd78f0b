use autodiff::grad;

#[grad]
fn f(x: f64, n: i32) -> f64 {
    let m = !n;
    x.powi(m)
}

fn main() {}
