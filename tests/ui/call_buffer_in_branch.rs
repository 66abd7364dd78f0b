use autodiff::grad;

#[grad]
fn total(v: &[f64], x: f64) -> f64 {
    v[0] * x
}

#[grad]
fn f(x: f64, n: usize) -> f64 {
    if x > 0.0 {
        let b = vec![1.0; n];
        return total(&b, x);
    }
    x
}

fn main() {}
