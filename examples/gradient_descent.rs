//! Plain gradient descent on seed `003`'s function, with the gradient `#[grad]` generates.
//!
//! `f(x1, x2) = (x1 − x2)² + cos(x1 + x2)` is minimised from (1, 2) by `x ← x − η ∇f(x)`, with
//! `f_grad` giving the value and the gradient in one call. Near its minimiser `(π/2, π/2)`
//! (where `f = −1`) the Hessian has eigenvalues 4 and 2, so a fixed step `η = 0.1` contracts the
//! error by 0.8 or better each step. The trajectory is printed every few steps until
//! `|∇f| < 1e-8` (or a step cap), then the minimiser found.
//!
//! Run: `cargo run --example gradient_descent`.

use autodiff::grad;

const LEARNING_RATE: f64 = 0.1;
const TOLERANCE: f64 = 1e-8;
const MAX_STEPS: usize = 1000;
const PRINT_EVERY: usize = 5;

#[grad]
fn f(x1: f64, x2: f64) -> f64 {
    let t = x1 - x2;
    t * t + (x1 + x2).cos()
}

fn main() {
    let (mut x1, mut x2) = (1.0, 2.0);
    println!("gradient descent on f = (x1 − x2)² + cos(x1 + x2), η = {LEARNING_RATE}");
    println!(
        "{:>5} {:>14} {:>14} {:>15} {:>10}",
        "step", "x1", "x2", "f", "|∇f|"
    );
    let mut step = 0;
    loop {
        let (y, (g1, g2)) = f_grad(x1, x2);
        let norm = g1.hypot(g2);
        let done = norm < TOLERANCE || step == MAX_STEPS;
        if step % PRINT_EVERY == 0 || done {
            println!("{step:>5} {x1:>14.10} {x2:>14.10} {y:>15.12} {norm:>10.3e}");
        }
        if done {
            break;
        }
        x1 -= LEARNING_RATE * g1;
        x2 -= LEARNING_RATE * g2;
        step += 1;
    }
    let half_pi = std::f64::consts::FRAC_PI_2;
    println!("minimiser found: ({x1:.10}, {x2:.10}) after {step} steps");
    println!("exact minimiser: ({half_pi:.10}, {half_pi:.10}), f = −1");
    println!(
        "distance {:.1e}, f + 1 = {:.1e}",
        (x1 - half_pi).hypot(x2 - half_pi),
        f(x1, x2) + 1.0
    );
    assert!(step < MAX_STEPS, "no convergence in {MAX_STEPS} steps");
}
