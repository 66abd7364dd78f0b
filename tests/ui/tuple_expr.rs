use autodiff::grad;

#[grad]
fn f(x: f64) -> f64 {
    let p = (x, 2.0);
    p.0 * p.1
}

fn main() {}
