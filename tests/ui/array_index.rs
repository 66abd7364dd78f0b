use autodiff::grad;

#[grad]
fn f(x: f64, w: &[bool]) -> f64 {
    x * w[0] as u8 as f64
}

fn main() {}
