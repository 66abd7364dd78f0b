//! Training a small network with a gradient written by `#[grad]`.
//!
//! The network of seed `002`, `Linear(10,32)–ReLU–Linear(32,32)–ReLU–Linear(32,1)` with a mean
//! squared error, is one `#[grad]` function over a flat parameter slice (as in
//! `tests/test_mlp.rs`), calling the dense kernels of `autodiff::kernels`. The generated
//! `mlp_grad` gives the loss and the gradient of a batch of 16; plain SGD with momentum does the
//! rest. The data is made up here, from a tiny inline xorshift generator (no dependencies):
//! `y = sin(x0 + x1 + x2) + 0.5·x3·x4 − 0.3·x5`, for `x` uniform in `[-1, 1)^10` (the last four
//! inputs are noise the network has to learn to ignore). The loss on the whole training set is
//! printed as it falls, and the program checks at the end that it fell well below where it
//! started.
//!
//! Run: `cargo run --example train_mlp` (a couple of seconds, also in debug).

use autodiff::grad;

const N_IN: usize = 10;
const HIDDEN: usize = 32;
const BATCH: usize = 16;
/// Training samples, a whole number of batches.
const SAMPLES: usize = 512;
const STEPS: usize = 3000;
const PRINT_EVERY: usize = 250;
const LEARNING_RATE: f64 = 0.01;
const MOMENTUM: f64 = 0.9;

/// Where each layer's weights (`n_in × n_out`, row-major) and bias start in the flat slice.
const W1: usize = 0;
const B1: usize = W1 + N_IN * HIDDEN;
const W2: usize = B1 + HIDDEN;
const B2: usize = W2 + HIDDEN * HIDDEN;
const W3: usize = B2 + HIDDEN;
const B3: usize = W3 + HIDDEN;
const PARAMS: usize = B3 + 1;

/// The mean squared error of the network on the `n = y.len()` rows of `x` (`n × 10`).
#[grad(wrt(params))]
fn mlp(params: &[f64], x: &[f64], y: &[f64]) -> f64 {
    use autodiff::kernels as k;
    let n = y.len();
    let h1 = k::relu(&k::add_bias(
        &k::matmul(x, &params[W1..B1], n, N_IN, HIDDEN),
        &params[B1..W2],
    ));
    let h2 = k::relu(&k::add_bias(
        &k::matmul(&h1, &params[W2..B2], n, HIDDEN, HIDDEN),
        &params[B2..W3],
    ));
    let out = k::add_bias(
        &k::matmul(&h2, &params[W3..B3], n, HIDDEN, 1),
        &params[B3..PARAMS],
    );
    k::mse(&out, y)
}

/// xorshift64: deterministic, good enough to make up data and initial weights.
struct Rng(u64);

impl Rng {
    /// Uniform in `[lo, hi)`.
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + (hi - lo) * ((self.0 >> 11) as f64 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        ((self.uniform(0.0, 1.0) * n as f64) as usize).min(n - 1)
    }
}

/// The function the network learns.
fn target(x: &[f64]) -> f64 {
    (x[0] + x[1] + x[2]).sin() + 0.5 * x[3] * x[4] - 0.3 * x[5]
}

/// `SAMPLES` rows of inputs and their targets.
fn dataset(rng: &mut Rng) -> (Vec<f64>, Vec<f64>) {
    let x: Vec<f64> = (0..SAMPLES * N_IN)
        .map(|_| rng.uniform(-1.0, 1.0))
        .collect();
    let y = x.chunks_exact(N_IN).map(target).collect();
    (x, y)
}

/// Weights uniform in `±1/√fan_in` (PyTorch's default for `Linear`), biases zero.
fn init(rng: &mut Rng) -> Vec<f64> {
    let mut p = vec![0.0; PARAMS];
    for (lo, hi, fan_in) in [(W1, B1, N_IN), (W2, B2, HIDDEN), (W3, B3, HIDDEN)] {
        let bound = 1.0 / (fan_in as f64).sqrt();
        p[lo..hi]
            .iter_mut()
            .for_each(|w| *w = rng.uniform(-bound, bound));
    }
    p
}

fn main() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (x, y) = dataset(&mut rng);
    let mut params = init(&mut rng);
    let mut velocity = vec![0.0; PARAMS];

    let initial = mlp(&params, &x, &y);
    println!("{PARAMS} parameters, {SAMPLES} samples, batch {BATCH}, SGD with momentum {MOMENTUM}, lr {LEARNING_RATE}");
    println!("step {:>5}   training loss {initial:.6}", 0);

    let (mut bx, mut by) = (vec![0.0; BATCH * N_IN], vec![0.0; BATCH]);
    for step in 1..=STEPS {
        // A batch of random rows.
        for r in 0..BATCH {
            let i = rng.below(SAMPLES);
            bx[r * N_IN..(r + 1) * N_IN].copy_from_slice(&x[i * N_IN..(i + 1) * N_IN]);
            by[r] = y[i];
        }
        let (_, g) = mlp_grad(&params, &bx, &by);
        for ((p, v), gi) in params.iter_mut().zip(&mut velocity).zip(&g) {
            *v = MOMENTUM * *v - LEARNING_RATE * gi;
            *p += *v;
        }
        if step % PRINT_EVERY == 0 {
            println!("step {step:>5}   training loss {:.6}", mlp(&params, &x, &y));
        }
    }

    let last = mlp(&params, &x, &y);
    println!(
        "initial loss {initial:.6} → final loss {last:.6} ({:.1}× lower)",
        initial / last
    );
    assert!(
        last < 0.1 * initial,
        "training did not reduce the loss tenfold: {initial} → {last}"
    );
}
