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
#![forbid(unsafe_code)]

extern crate self as autodiff;

pub use autodiff_macros::grad;
pub use autodiff_runtime::{check, relu, sigmoid, Float};

/// What generated code calls. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use autodiff_runtime::{pop, relu, rules, sigmoid, zeros_like};
}
