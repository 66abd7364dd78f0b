use autodiff::vjp_rule;

fn scale(x: &[f64], k: f64) -> f64 {
    k * x.iter().sum::<f64>()
}

// The rule forgot `k`; the macro sees one float parameter and one bar, which agree, but `scale`
// takes two parameters.
#[vjp_rule(for = scale)]
fn scale_vjp(x: &[f64], seed: f64, x_bar: &mut [f64]) -> f64 {
    let _ = (x_bar, seed);
    x.iter().sum::<f64>()
}

fn main() {}
