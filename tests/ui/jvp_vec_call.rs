use autodiff::grad;

#[grad(jvp)]
fn layer(w: &[f64], x: &[f64]) -> f64 {
    let h = autodiff::kernels::matvec(w, x, 2, 2);
    h[0] + h[1]
}

fn main() {}
