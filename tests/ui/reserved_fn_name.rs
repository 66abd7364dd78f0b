use autodiff::grad;

#[grad]
fn __ad_f(x: f64) -> f64 {
    x * x
}

fn main() {}
