use autodiff::grad;

#[grad]
fn f(x: f64, y: f64) -> f64 {
    let o = Some(x);
    match o {
        Some(s) => s * y,
        None => y,
    }
}

fn main() {}
