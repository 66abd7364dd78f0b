//! Compile-time reverse-mode automatic differentiation for Rust.
//!
//! Put `#[grad]` on an ordinary function of floats and get its exact gradient as plain Rust,
//! generated at compile time: a forward sweep that evaluates the function, then a reverse sweep
//! that accumulates `v̄ += ū · ∂u/∂v` back to every input. No tape at run time, no operator
//! overloading, no global state.
//!
//! ```
//! use autodiff::grad;
//!
//! #[grad]
//! fn f(x1: f64, x2: f64) -> f64 {
//!     let t = x1 - x2;
//!     t * t + (x1 + x2).cos()
//! }
//!
//! let (y, (dx1, dx2)) = f_grad(1.0, 2.0);
//! assert!((y - (1.0 + 3.0_f64.cos())).abs() < 1e-12);
//! assert!((dx1 - (-2.0 - 3.0_f64.sin())).abs() < 1e-12);
//! assert!((dx2 - (2.0 - 3.0_f64.sin())).abs() < 1e-12);
//!
//! // The vector-Jacobian product adds seed · ∂f/∂x into each bar.
//! let (mut b1, mut b2) = (0.0, 0.0);
//! let y2 = f_vjp(1.0, 2.0, 1.0, &mut b1, &mut b2);
//! assert_eq!((y2, b1, b2), (y, dx1, dx2));
//! ```
//!
//! Loops, branches, mutation and arrays work as in any Rust function; array parameters get
//! array gradients (`&[f64]` → `Vec<f64>`, `[f64; N]` → `[f64; N]`):
//!
//! ```
//! use autodiff::grad;
//!
//! #[grad]
//! fn rosenbrock(x: &[f64]) -> f64 {
//!     let mut s = 0.0;
//!     for i in 0..x.len() - 1 {
//!         let a = x[i + 1] - x[i] * x[i];
//!         let b = 1.0 - x[i];
//!         s += 100.0 * a * a + b * b;
//!     }
//!     s
//! }
//!
//! #[grad(wrt(a))]
//! fn newton_sqrt(a: f64, tol: f64) -> f64 {
//!     let mut y = a.max(1.0);
//!     while (y * y - a).abs() > tol {
//!         y = 0.5 * (y + a / y);
//!     }
//!     y
//! }
//!
//! let (value, g) = rosenbrock_grad(&[1.0, 1.0, 1.0]);
//! assert_eq!((value, g), (0.0, vec![0.0, 0.0, 0.0]));
//!
//! // The derivative of the iterations that ran: 1 / (2√a).
//! let (root, d) = newton_sqrt_grad(2.0, 1e-12);
//! assert!((root - 2f64.sqrt()).abs() < 1e-12);
//! assert!((d - 0.5 / 2f64.sqrt()).abs() < 1e-9);
//! ```
//!
//! [`check::gradcheck`] compares any gradient with central finite differences. The README lists
//! the supported syntax and the conventions at non-differentiable points.
#![forbid(unsafe_code)]

extern crate self as autodiff;

pub use autodiff_macros::{grad, vjp_rule};
pub use autodiff_runtime::{check, detach, kernels, relu, sigmoid, Float, Step, Trace, Update};

/// What generated code calls. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use autodiff_runtime::{detach, pop, relu, rules, sigmoid, unwanted_like, zeros_like};
}
