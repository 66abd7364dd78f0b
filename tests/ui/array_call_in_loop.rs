use autodiff::grad;

#[grad]
fn rotate(q: &[f64; 2], v: f64) -> [f64; 2] {
    [q[0] * v, q[1] - v]
}

#[grad]
fn f(x: f64, y: f64) -> f64 {
    let q = [x, y];
    let mut s = 0.0;
    for i in 0..3 {
        let r = rotate(&q, y * i as f64);
        s += r[0] * r[1];
    }
    s
}

fn main() {}
