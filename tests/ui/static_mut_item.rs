use autodiff::grad;

#[grad]
fn f(x: f64) -> f64 {
    static mut COUNTER: f64 = 0.0;
    x
}

fn main() {}
