//! `#[grad]` with the optimisers Rust users already use: `argmin`'s L-BFGS.
//!
//! The generated gradient is an ordinary function, so plugging it into an optimisation library
//! takes two trait impls: argmin's `CostFunction` calls `rosenbrock`, its `Gradient` calls
//! `rosenbrock_grad`, with `Vec<f64>` as the parameter type (argmin-math's `vec` backend). L-BFGS
//! with a Moré–Thuente line search then minimises the 100-dimensional Rosenbrock function from
//! the classic start `(−1.2, 1, −1.2, 1, …)`. An observer prints the progress every few
//! iterations; at the end the program prints how the run terminated, the final cost and the
//! distance to the minimiser `(1, …, 1)`, and asserts that the cost fell below `1e-10`.
//!
//! Run: `cargo run --example optimize_argmin`.

// `#[grad]` functions index their slices in loops, as users write them.
#![allow(clippy::needless_range_loop)]

use argmin::core::observers::{Observe, ObserverMode};
use argmin::core::{CostFunction, Error, Executor, Gradient, IterState, State, KV};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use autodiff::grad;

const DIM: usize = 100;
const MAX_ITERS: u64 = 1000;
/// Past gradients L-BFGS keeps.
const HISTORY: usize = 7;
const PRINT_EVERY: u64 = 25;

/// The Rosenbrock function in `x.len()` dimensions; its minimum is 0, at `(1, …, 1)`.
#[grad]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

/// The problem argmin sees: cost and gradient from the `#[grad]` function.
struct Rosenbrock;

impl CostFunction for Rosenbrock {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Vec<f64>) -> Result<f64, Error> {
        Ok(rosenbrock(x))
    }
}

impl Gradient for Rosenbrock {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, x: &Vec<f64>) -> Result<Vec<f64>, Error> {
        Ok(rosenbrock_grad(x).1)
    }
}

/// The state L-BFGS keeps: parameters and gradient are `Vec<f64>`.
type LbfgsState = IterState<Vec<f64>, Vec<f64>, (), (), (), f64>;

/// Prints the iteration, the cost and the gradient norm.
struct Progress;

impl Observe<LbfgsState> for Progress {
    fn observe_iter(&mut self, state: &LbfgsState, _kv: &KV) -> Result<(), Error> {
        let norm = state
            .get_gradient()
            .map_or(f64::NAN, |g| g.iter().map(|v| v * v).sum::<f64>().sqrt());
        println!(
            "{:>6} {:>16.6e} {:>12.3e}",
            state.get_iter(),
            state.get_cost(),
            norm
        );
        Ok(())
    }
}

fn main() -> Result<(), Error> {
    let x0: Vec<f64> = (0..DIM)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect();
    println!("L-BFGS (m = {HISTORY}, Moré–Thuente line search)");
    println!("Rosenbrock in {DIM} dimensions from (−1.2, 1, −1.2, 1, …)");
    println!("f(x0) = {:.1}", rosenbrock(&x0));
    println!("{:>6} {:>16} {:>12}", "iter", "cost", "|∇f|");

    let solver = LBFGS::new(MoreThuenteLineSearch::new(), HISTORY);
    let result = Executor::new(Rosenbrock, solver)
        .configure(|state| state.param(x0).max_iters(MAX_ITERS).counting(true))
        .add_observer(Progress, ObserverMode::Every(PRINT_EVERY))
        .run()?;

    let state = result.state();
    let best = state.get_best_param().expect("L-BFGS keeps its best point");
    let cost = state.get_best_cost();
    let distance = best.iter().map(|v| (v - 1.0).powi(2)).sum::<f64>().sqrt();
    let counts = state.get_func_counts();
    println!("iterations:  {}", state.get_iter());
    println!("termination: {}", state.get_termination_status());
    println!(
        "evaluations: {} costs, {} gradients",
        counts.get("cost_count").copied().unwrap_or(0),
        counts.get("gradient_count").copied().unwrap_or(0)
    );
    println!("final cost:  {cost:.3e}");
    println!("|x − (1, …, 1)| = {distance:.3e}");
    assert!(cost < 1e-10, "L-BFGS did not converge: cost {cost:e}");
    Ok(())
}
