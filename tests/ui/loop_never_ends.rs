use autodiff::grad;

#[grad]
fn f(x: f64) -> f64 {
    let mut s = x;
    loop {
        s = s.sin() + 1.0;
    }
}

fn main() {}
