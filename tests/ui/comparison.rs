use autodiff::grad;

#[grad]
fn f(x: f64, y: f64) -> f64 {
    let above = (x > y) as i32 as f64;
    above * x
}

fn main() {}
