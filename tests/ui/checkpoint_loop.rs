use autodiff::grad;

#[grad(wrt(a, h0))]
fn rnn(a: f64, h0: f64, steps: usize) -> f64 {
    let mut h = h0;
    #[checkpoint(every = 4)]
    for _ in 0..steps {
        h = (a * h).tanh();
    }
    h
}

fn main() {
    // The function is still there, without the attribute.
    let _ = rnn(0.5, 0.1, 8);
}
