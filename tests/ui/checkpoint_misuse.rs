use autodiff::grad;

#[grad(wrt(a, h0))]
fn misuse(a: f64, h0: f64, steps: usize) -> f64 {
    let mut h = h0;
    #[checkpoint(every = 0)]
    for _ in 0..steps {
        h = (a * h).tanh();
    }
    #[checkpoint(snapshots = 0)]
    for _ in 0..steps {
        h = (a * h).tanh();
    }
    #[checkpoint(often = 4)]
    for _ in 0..steps {
        h = (a * h).tanh();
    }
    #[checkpoint(every)]
    for _ in 0..steps {
        h = (a * h).tanh();
    }
    #[checkpoint(every = 2, snapshots = 3)]
    for _ in 0..steps {
        h = (a * h).tanh();
    }
    #[checkpoint(every = 0.5)]
    for _ in 0..steps {
        h = (a * h).tanh();
    }
    #[checkpoint(every = 2)]
    #[checkpoint(every = 3)]
    for _ in 0..steps {
        h = (a * h).tanh();
    }
    #[checkpoint(every = 2)]
    let g = h * 2.0;
    g
}

fn main() {
    let _ = misuse(0.5, 0.1, 8);
}
