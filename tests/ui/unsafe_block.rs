use autodiff::grad;

static mut COUNTER: f64 = 0.0;

#[grad]
fn f(x: f64) -> f64 {
    let c = unsafe { COUNTER };
    x * c
}

fn main() {}
