use autodiff::vjp_rule;

fn scale(x: &[f64], k: f64) -> f64 {
    k * x.iter().sum::<f64>()
}

#[vjp_rule(for = scale)]
fn scale_vjp(x: &[f64], k: f64, seed: f64, x_bar: &mut Vec<f64>, k_bar: &mut f64) -> f64 {
    let _ = (x_bar, k_bar, seed);
    scale(x, k)
}

fn main() {}
