use autodiff::grad;

#[grad]
fn total(v: &[f64], x: f64) -> f64 {
    v[0] * x
}

#[grad]
fn f(x: f64) -> f64 {
    if x > 0.0 {
        let b = [1.0, 2.0];
        return total(&b, x);
    }
    x
}

fn main() {}
