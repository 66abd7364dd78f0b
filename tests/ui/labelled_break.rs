use autodiff::grad;

#[grad]
fn f(x: f64, n: usize) -> f64 {
    let mut y = x;
    'outer: for _ in 0..n {
        for _ in 0..n {
            y = y * 0.5;
            if y < 1.0 {
                break 'outer;
            }
        }
    }
    y
}

fn main() {}
