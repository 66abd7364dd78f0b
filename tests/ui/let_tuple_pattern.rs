use autodiff::grad;

fn pair(n: i32) -> (i32, i32) {
    (n, n + 1)
}

#[grad]
fn f(x: f64, n: i32) -> f64 {
    let (a, b) = pair(n);
    x.powi(a) + x.powi(b)
}

fn main() {}
