use autodiff::grad;

#[grad]
fn f(x: f64, n: Option<i32>) -> f64 {
    let Some(k) = n else {
        return x;
    };
    x.powi(k)
}

fn main() {}
