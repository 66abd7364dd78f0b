//! Gradient checking: compare a gradient (or a vector-Jacobian product) with central finite
//! differences, with explicit tolerances, and say which entry disagrees and by how much.
//!
//! ```
//! use autodiff_runtime::check::{gradcheck, Tolerance};
//!
//! let f = |x: &[f64]| x[0] * x[1] + x[0].sin();
//! let x = [1.0_f64, 2.0];
//! let grad = [x[1] + x[0].cos(), x[0]];
//! gradcheck(f, &x, &grad, &Tolerance::default()).unwrap();
//! ```

use core::fmt;

/// How a check compares: the relative finite-difference step and the accepted error.
///
/// Entry `i` is perturbed by `step · max(1, |xᵢ|)`. An analytic value `a` and a numeric value
/// `n` agree when `|a − n| ≤ abs` or `|a − n| ≤ rel · max(|a|, |n|)` (as `approx::relative_eq!`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// Relative step of the central difference.
    pub step: f64,
    /// Accepted relative error.
    pub rel: f64,
    /// Accepted absolute error (matters near zero).
    pub abs: f64,
}

impl Default for Tolerance {
    /// `step = 1e-6`, `rel = 1e-6`, `abs = 1e-7`: central differences in `f64` are good to about
    /// eight digits on smooth functions of moderate curvature.
    fn default() -> Self {
        Tolerance {
            step: 1e-6,
            rel: 1e-6,
            abs: 1e-7,
        }
    }
}

impl Tolerance {
    fn agree(&self, analytic: f64, numeric: f64) -> bool {
        approx::relative_eq!(
            analytic,
            numeric,
            epsilon = self.abs,
            max_relative = self.rel
        )
    }
}

/// One entry where the analytic and the numeric derivative disagree.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// Which entry: the input index for [`gradcheck`], 0 for the single product of
    /// [`dot_product_check`].
    pub index: usize,
    /// The derivative under test.
    pub analytic: f64,
    /// The central finite difference.
    pub numeric: f64,
}

/// The failed entries of a check, with the tolerance they failed.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckError {
    /// Every entry that disagrees, in index order.
    pub mismatches: Vec<Mismatch>,
    /// The tolerance used.
    pub tolerance: Tolerance,
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.tolerance;
        writeln!(
            f,
            "{} entr{} disagree with central differences (step {:e}, rel {:e}, abs {:e}):",
            self.mismatches.len(),
            if self.mismatches.len() == 1 {
                "y"
            } else {
                "ies"
            },
            t.step,
            t.rel,
            t.abs
        )?;
        for m in &self.mismatches {
            let err = (m.analytic - m.numeric).abs();
            let rel = err / m.analytic.abs().max(m.numeric.abs());
            writeln!(
                f,
                "  [{}] analytic {:e}, numeric {:e}: abs error {:e}, rel error {:e}",
                m.index, m.analytic, m.numeric, err, rel
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for CheckError {}

/// The central-difference derivative of `f` at `x` along `direction`, with the step scaled to
/// `x`. The step actually taken is the representable one, `(x + h) − x`.
pub fn directional_derivative<Y: Outputs>(
    f: impl Fn(&[f64]) -> Y,
    x: &[f64],
    direction: &[f64],
    step: f64,
) -> Vec<f64> {
    assert_eq!(x.len(), direction.len(), "direction must have x's length");
    let scale = x.iter().fold(1.0_f64, |m, xi| m.max(xi.abs()));
    let h = step * scale;
    let shifted = |sign: f64| -> Vec<f64> {
        let p: Vec<f64> = x
            .iter()
            .zip(direction)
            .map(|(xi, di)| xi + sign * h * di)
            .collect();
        f(&p).to_vec()
    };
    let (plus, minus) = (shifted(1.0), shifted(-1.0));
    plus.iter()
        .zip(&minus)
        .map(|(p, m)| (p - m) / (2.0 * h))
        .collect()
}

/// The central-difference gradient of a scalar `f` at `x`, entry by entry.
pub fn numeric_gradient<Y: Outputs>(f: impl Fn(&[f64]) -> Y, x: &[f64], step: f64) -> Vec<f64> {
    let mut p = x.to_vec();
    (0..x.len())
        .map(|i| {
            let xi = x[i];
            let h = step * xi.abs().max(1.0);
            p[i] = xi + h;
            let plus = f(&p).scalar();
            p[i] = xi - h;
            let minus = f(&p).scalar();
            p[i] = xi;
            (plus - minus) / ((xi + h) - (xi - h))
        })
        .collect()
}

/// Checks `grad` against central differences of the scalar function `f` at `x`, entry by entry.
///
/// Returns every disagreeing entry, not just the first.
pub fn gradcheck<Y: Outputs>(
    f: impl Fn(&[f64]) -> Y,
    x: &[f64],
    grad: &[f64],
    tol: &Tolerance,
) -> Result<(), CheckError> {
    assert_eq!(x.len(), grad.len(), "grad must have x's length");
    let numeric = numeric_gradient(f, x, tol.step);
    compare(grad, &numeric, tol)
}

/// Every entry where `analytic` and `numeric` disagree under `tol`.
fn compare(analytic: &[f64], numeric: &[f64], tol: &Tolerance) -> Result<(), CheckError> {
    let mismatches: Vec<Mismatch> = analytic
        .iter()
        .zip(numeric)
        .enumerate()
        .filter(|(_, (a, n))| !tol.agree(**a, **n))
        .map(|(index, (a, n))| Mismatch {
            index,
            analytic: *a,
            numeric: *n,
        })
        .collect();
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(CheckError {
            mismatches,
            tolerance: *tol,
        })
    }
}

/// Checks a Jacobian-vector product `jv` (what `NAME_jvp` returns as the tangent, one entry
/// per output) against central differences of `f` at `x` along `v`.
///
/// Returns every disagreeing output, not just the first.
pub fn jvpcheck<Y: Outputs>(
    f: impl Fn(&[f64]) -> Y,
    x: &[f64],
    v: &[f64],
    jv: &[f64],
    tol: &Tolerance,
) -> Result<(), CheckError> {
    let numeric = directional_derivative(f, x, v, tol.step);
    assert_eq!(jv.len(), numeric.len(), "jv must have one entry per output");
    compare(jv, &numeric, tol)
}

/// The dot-product test of a vector-Jacobian product: `⟨u, J v⟩ = ⟨Jᵀu, v⟩`.
///
/// `jt_u` is what the `_vjp` under test accumulated into its (zeroed) bars for the output
/// seed `u`; `J v` is taken by central differences along `v`.
pub fn dot_product_check<Y: Outputs>(
    f: impl Fn(&[f64]) -> Y,
    x: &[f64],
    v: &[f64],
    u: &[f64],
    jt_u: &[f64],
    tol: &Tolerance,
) -> Result<(), CheckError> {
    assert_eq!(x.len(), jt_u.len(), "jt_u must have x's length");
    let jv = directional_derivative(f, x, v, tol.step);
    assert_eq!(u.len(), jv.len(), "u must have one entry per output");
    let numeric: f64 = u.iter().zip(&jv).map(|(a, b)| a * b).sum();
    let analytic: f64 = jt_u.iter().zip(v).map(|(a, b)| a * b).sum();
    if tol.agree(analytic, numeric) {
        Ok(())
    } else {
        Err(CheckError {
            mismatches: vec![Mismatch {
                index: 0,
                analytic,
                numeric,
            }],
            tolerance: *tol,
        })
    }
}

/// What a checked function may return: a float, or a fixed or growable vector of them.
pub trait Outputs {
    /// The outputs as `f64`s, in order.
    fn to_vec(&self) -> Vec<f64>;
    /// The single output of a scalar function; panics with a clear message otherwise.
    fn scalar(&self) -> f64 {
        match self.to_vec()[..] {
            [y] => y,
            ref ys => panic!(
                "gradcheck needs a scalar function, this one has {} outputs",
                ys.len()
            ),
        }
    }
}

impl Outputs for f64 {
    fn to_vec(&self) -> Vec<f64> {
        vec![*self]
    }
}

impl Outputs for f32 {
    fn to_vec(&self) -> Vec<f64> {
        vec![f64::from(*self)]
    }
}

impl<const N: usize> Outputs for [f64; N] {
    fn to_vec(&self) -> Vec<f64> {
        self.as_slice().to_vec()
    }
}

impl Outputs for Vec<f64> {
    fn to_vec(&self) -> Vec<f64> {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_the_wrong_entry() {
        let f = |x: &[f64]| x[0] * x[0] + 3.0 * x[1];
        let err = gradcheck(f, &[2.0, 1.0], &[4.0, 2.5], &Tolerance::default()).unwrap_err();
        assert_eq!(err.mismatches.len(), 1);
        assert_eq!(err.mismatches[0].index, 1);
        approx::assert_relative_eq!(err.mismatches[0].numeric, 3.0, epsilon = 1e-8);
        assert!(err.to_string().contains("[1] analytic 2.5e0"));
    }

    #[test]
    fn dot_product_of_a_vector_function() {
        // f(x) = (x0 x1, x0 + x1²); Jᵀu = (u0 x1 + u1, u0 x0 + 2 u1 x1).
        let f = |x: &[f64]| vec![x[0] * x[1], x[0] + x[1] * x[1]];
        let (x, u, v) = ([1.5, -2.0], [0.3, 0.7], [1.0, 2.0]);
        let jt_u = [u[0] * x[1] + u[1], u[0] * x[0] + 2.0 * u[1] * x[1]];
        dot_product_check(f, &x, &v, &u, &jt_u, &Tolerance::default()).unwrap();
        let wrong = [jt_u[0], jt_u[1] + 0.1];
        assert!(dot_product_check(f, &x, &v, &u, &wrong, &Tolerance::default()).is_err());
    }
}
