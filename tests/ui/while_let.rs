use autodiff::grad;

#[grad]
fn f(x: f64, n: Option<usize>) -> f64 {
    let mut y = x;
    while let Some(_k) = n {
        y = y * 0.5;
    }
    y
}

fn main() {}
