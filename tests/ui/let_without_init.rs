use autodiff::grad;

#[grad]
fn f(x: f64) -> f64 {
    let y;
    y = x * 2.0;
    y
}

fn main() {}
