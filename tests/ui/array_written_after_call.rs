use autodiff::grad;

#[grad]
fn total(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i];
    }
    s
}

#[grad]
fn f(x: &[f64]) -> f64 {
    let mut buf = vec![0.0; x.len()];
    for i in 0..x.len() {
        buf[i] = x[i].sin();
    }
    let t = total(&buf);
    buf[0] = t;
    buf[0] * 2.0
}

fn main() {}
