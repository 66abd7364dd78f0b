fn scale(x: &[f64], k: f64) -> f64 {
    x.iter().sum::<f64>() * k
}

// The tangent of `x` must be a `&[f64]`, and the result a pair.
#[autodiff::jvp_rule(for = scale)]
fn scale_jvp(x: &[f64], k: f64, x_dot: &Vec<f64>, k_dot: f64) -> f64 {
    let _ = (x_dot, k_dot);
    scale(x, k)
}

fn main() {}
