use autodiff::grad;

#[grad(wrt(a, h0))]
fn placement(a: f64, h0: f64, steps: usize) -> f64 {
    let mut h = h0;
    #[checkpoint(every = 4)]
    while h < 10.0 {
        h = h * a + 1.0;
    }
    for _ in 0..3 {
        #[checkpoint(every = 4)]
        for _ in 0..steps {
            h = (a * h).tanh();
        }
    }
    if h > 0.0 {
        #[checkpoint(snapshots = 4)]
        for _ in 0..steps {
            h = (a * h).tanh();
        }
    }
    h
}

fn main() {
    let _ = placement(0.5, 0.1, 8);
}
