use autodiff::grad;

#[grad(wrt(w))]
fn weighted(w: &[f64], scale: f64) -> f64 {
    w[0] * scale
}

#[grad]
fn caller(w: &[f64], x: f64) -> f64 {
    weighted(w, x * x)
}

fn main() {
    let _ = caller_grad(&[1.0], 2.0);
}
