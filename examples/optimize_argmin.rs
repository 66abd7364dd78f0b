//! `#[grad]` with the optimisers Rust users already use: `argmin`'s L-BFGS, and its
//! trust-region Newton-CG fed by Hessian-vector products.
//!
//! The generated derivatives are ordinary functions, so plugging them into an optimisation
//! library takes a few trait impls: argmin's `CostFunction` calls `rosenbrock`, its `Gradient`
//! calls `rosenbrock_grad`, with `Vec<f64>` as the parameter type (argmin-math's `vec` backend).
//!
//! - L-BFGS with a Moré–Thuente line search minimises the 100-dimensional Rosenbrock function
//!   from the classic start `(−1.2, 1, −1.2, 1, …)`, from gradients alone.
//! - A trust-region method with Steihaug's conjugate-gradient subproblem (Newton-CG, second
//!   order) solves the same problem from the origin through argmin's `Hessian` trait. Its
//!   Hessian is never formed: [`HessianAt`] holds the point, and its product with a vector, all
//!   that the conjugate-gradient iterations ask of it, is one call of `rosenbrock_hvp` (one
//!   forward sweep with tangents and one reverse sweep, about the cost of two gradients), where
//!   the dense `rosenbrock_hessian` would cost 100. (From the classic start, Newton steps go to
//!   the other minimum the 100-dimensional function has, near `x₁ = −1` with `f ≈ 3.99`.)
//!
//! An observer prints the progress every few iterations; at the end of each run the program
//! prints how it terminated, the evaluations, the final cost and the distance to the minimiser
//! `(1, …, 1)`, and asserts that the cost fell below `1e-10`.
//!
//! Run: `cargo run --example optimize_argmin`.

// `#[grad]` functions index their slices in loops, as users write them.
#![allow(clippy::needless_range_loop)]

use argmin::core::observers::{Observe, ObserverMode};
use argmin::core::{CostFunction, Error, Executor, Gradient, Hessian, IterState, State, KV};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use argmin::solver::trustregion::{Steihaug, TrustRegion};
use argmin_math::ArgminDot;
use autodiff::grad;

const DIM: usize = 100;
const MAX_ITERS: u64 = 1000;
/// Past gradients L-BFGS keeps.
const HISTORY: usize = 7;
const PRINT_EVERY: u64 = 25;

/// The Rosenbrock function in `x.len()` dimensions; its minimum is 0, at `(1, …, 1)`.
#[grad(hvp)]
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

/// The Hessian at a point, as Newton-CG uses it: only its products with vectors.
#[derive(Clone)]
struct HessianAt(Vec<f64>);

impl ArgminDot<Vec<f64>, Vec<f64>> for HessianAt {
    /// `H(x)·v`, from one Hessian-vector product.
    fn dot(&self, v: &Vec<f64>) -> Vec<f64> {
        rosenbrock_hvp(&self.0, v).2
    }
}

impl Hessian for Rosenbrock {
    type Param = Vec<f64>;
    type Hessian = HessianAt;

    fn hessian(&self, x: &Vec<f64>) -> Result<HessianAt, Error> {
        Ok(HessianAt(x.clone()))
    }
}

/// The state a solver keeps: parameters and gradient are `Vec<f64>`, the Hessian `H` (`()` for
/// L-BFGS).
type Solving<H> = IterState<Vec<f64>, Vec<f64>, (), H, (), f64>;

/// Prints the iteration, the cost and the gradient norm.
struct Progress;

impl<H> Observe<Solving<H>> for Progress {
    fn observe_iter(&mut self, state: &Solving<H>, _kv: &KV) -> Result<(), Error> {
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

/// How a run ended: prints its summary and returns the best cost.
fn report<H>(state: &Solving<H>) -> f64 {
    let best = state
        .get_best_param()
        .expect("the solver keeps its best point");
    let cost = state.get_best_cost();
    let distance = best.iter().map(|v| (v - 1.0).powi(2)).sum::<f64>().sqrt();
    let counts = state.get_func_counts();
    let count = |k: &str| counts.get(k).copied().unwrap_or(0);
    println!("iterations:  {}", state.get_iter());
    println!("termination: {}", state.get_termination_status());
    println!(
        "evaluations: {} costs, {} gradients, {} Hessians",
        count("cost_count"),
        count("gradient_count"),
        count("hessian_count")
    );
    println!("final cost:  {cost:.3e}");
    println!("|x − (1, …, 1)| = {distance:.3e}");
    cost
}

fn main() -> Result<(), Error> {
    let x0: Vec<f64> = (0..DIM)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect();
    println!("Rosenbrock in {DIM} dimensions from (−1.2, 1, −1.2, 1, …)");
    println!("f(x0) = {:.1}", rosenbrock(&x0));

    println!("\nL-BFGS (m = {HISTORY}, Moré–Thuente line search)");
    println!("{:>6} {:>16} {:>12}", "iter", "cost", "|∇f|");
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), HISTORY);
    let result = Executor::new(Rosenbrock, solver)
        .configure(|state| state.param(x0.clone()).max_iters(MAX_ITERS).counting(true))
        .add_observer(Progress, ObserverMode::Every(PRINT_EVERY))
        .run()?;
    let cost = report::<()>(result.state());
    assert!(cost < 1e-10, "L-BFGS did not converge: cost {cost:e}");

    println!("\nTrust-region Newton-CG (Steihaug; H·v from rosenbrock_hvp) from the origin");
    println!("{:>6} {:>16} {:>12}", "iter", "cost", "|∇f|");
    let solver = TrustRegion::new(Steihaug::new().with_max_iters(DIM as u64));
    let result = Executor::new(Rosenbrock, solver)
        .configure(|state: Solving<HessianAt>| {
            // The minimum is 0: the target stops the run there (the method has no gradient test).
            (state.param(vec![0.0; DIM]).max_iters(MAX_ITERS))
                .target_cost(1e-20)
                .counting(true)
        })
        .add_observer(Progress, ObserverMode::Every(PRINT_EVERY))
        .run()?;
    let cost = report(result.state());
    assert!(
        cost < 1e-10,
        "the trust-region method did not converge: cost {cost:e}"
    );
    Ok(())
}
