use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut buf = vec![0.0; x.len()];
        buf[0] = x[i];
        s += buf[0] * buf[i];
    }
    s
}

fn main() {}
