use autodiff::grad;

#[grad]
fn f(x: f64, n: i32) -> f64 {
    let mut y = x;
    let mut i = 0;
    while i < n {
        y = y * x;
        i += 1;
    }
    y
}

fn main() {}
