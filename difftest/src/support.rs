// The support module of every generated crate (included as text, not compiled into difftest):
// forward-mode dual numbers, the reference, and the checks each case runs.
#![allow(dead_code, clippy::all)]

use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, RemAssign, Sub, SubAssign};

macro_rules! dual {
    ($D:ident, $F:ident, $O:ident) => {
        /// A value and its derivative along one input direction. Comparisons look at the
        /// value only, so branches take the same path as the primal.
        #[derive(Clone, Copy, Debug)]
        pub struct $D {
            pub v: $F,
            pub d: $F,
        }

        impl $D {
            pub const fn c(v: $F) -> $D {
                $D { v, d: 0.0 }
            }
            /// Input number `*j` of the flattened inputs: derivative 1 when it is `k`.
            pub fn seed(v: $F, j: &mut usize, k: usize) -> $D {
                let d = if *j == k { 1.0 } else { 0.0 };
                *j += 1;
                $D { v, d }
            }
            fn n(v: $F, d: $F) -> $D {
                $D { v, d }
            }
            /// A value with the tangent `d`.
            pub fn t(v: $F, d: $F) -> $D {
                $D { v, d }
            }
            pub fn cast(self) -> $O {
                $O { v: self.v as _, d: self.d as _ }
            }
            pub fn sin(self) -> $D { $D::n(self.v.sin(), self.d * self.v.cos()) }
            pub fn cos(self) -> $D { $D::n(self.v.cos(), -self.d * self.v.sin()) }
            pub fn tan(self) -> $D {
                let t = self.v.tan();
                $D::n(t, self.d * (1.0 + t * t))
            }
            pub fn asin(self) -> $D { $D::n(self.v.asin(), self.d / (1.0 - self.v * self.v).sqrt()) }
            pub fn acos(self) -> $D { $D::n(self.v.acos(), -self.d / (1.0 - self.v * self.v).sqrt()) }
            pub fn atan(self) -> $D { $D::n(self.v.atan(), self.d / (1.0 + self.v * self.v)) }
            pub fn sinh(self) -> $D { $D::n(self.v.sinh(), self.d * self.v.cosh()) }
            pub fn cosh(self) -> $D { $D::n(self.v.cosh(), self.d * self.v.sinh()) }
            pub fn tanh(self) -> $D {
                let t = self.v.tanh();
                $D::n(t, self.d * (1.0 - t * t))
            }
            pub fn asinh(self) -> $D { $D::n(self.v.asinh(), self.d / (self.v * self.v + 1.0).sqrt()) }
            pub fn acosh(self) -> $D { $D::n(self.v.acosh(), self.d / (self.v * self.v - 1.0).sqrt()) }
            pub fn atanh(self) -> $D { $D::n(self.v.atanh(), self.d / (1.0 - self.v * self.v)) }
            pub fn exp(self) -> $D {
                let e = self.v.exp();
                $D::n(e, self.d * e)
            }
            pub fn exp2(self) -> $D {
                let e = self.v.exp2();
                $D::n(e, self.d * e * std::$F::consts::LN_2)
            }
            pub fn exp_m1(self) -> $D { $D::n(self.v.exp_m1(), self.d * self.v.exp()) }
            pub fn ln(self) -> $D { $D::n(self.v.ln(), self.d / self.v) }
            pub fn ln_1p(self) -> $D { $D::n(self.v.ln_1p(), self.d / (1.0 + self.v)) }
            pub fn log2(self) -> $D { $D::n(self.v.log2(), self.d / (self.v * std::$F::consts::LN_2)) }
            pub fn log10(self) -> $D { $D::n(self.v.log10(), self.d / (self.v * std::$F::consts::LN_10)) }
            pub fn log(self, b: $D) -> $D {
                let (la, lb) = (self.v.ln(), b.v.ln());
                $D::n(self.v.log(b.v), self.d / (self.v * lb) - la * b.d / (b.v * lb * lb))
            }
            pub fn sqrt(self) -> $D {
                let s = self.v.sqrt();
                $D::n(s, self.d / (2.0 * s))
            }
            pub fn cbrt(self) -> $D {
                let c = self.v.cbrt();
                $D::n(c, self.d / (3.0 * c * c))
            }
            pub fn abs(self) -> $D { $D::n(self.v.abs(), self.d * self.v.signum()) }
            pub fn recip(self) -> $D { $D::n(self.v.recip(), -self.d / (self.v * self.v)) }
            pub fn signum(self) -> $D { $D::n(self.v.signum(), 0.0) }
            pub fn floor(self) -> $D { $D::n(self.v.floor(), 0.0) }
            pub fn ceil(self) -> $D { $D::n(self.v.ceil(), 0.0) }
            pub fn round(self) -> $D { $D::n(self.v.round(), 0.0) }
            pub fn trunc(self) -> $D { $D::n(self.v.trunc(), 0.0) }
            pub fn to_radians(self) -> $D { $D::n(self.v.to_radians(), self.d.to_radians()) }
            pub fn to_degrees(self) -> $D { $D::n(self.v.to_degrees(), self.d.to_degrees()) }
            pub fn powi(self, k: i32) -> $D {
                let d = if k == 0 { 0.0 } else { k as $F * self.v.powi(k - 1) * self.d };
                $D::n(self.v.powi(k), d)
            }
            pub fn powf(self, p: $D) -> $D {
                let v = self.v.powf(p.v);
                $D::n(v, p.v * self.v.powf(p.v - 1.0) * self.d + v * self.v.ln() * p.d)
            }
            /// Ties give ½ to each side, as the README's convention says.
            pub fn max(self, o: $D) -> $D {
                if self.v > o.v {
                    self
                } else if self.v < o.v {
                    o
                } else {
                    $D::n(self.v.max(o.v), 0.5 * (self.d + o.d))
                }
            }
            pub fn min(self, o: $D) -> $D {
                if self.v < o.v {
                    self
                } else if self.v > o.v {
                    o
                } else {
                    $D::n(self.v.min(o.v), 0.5 * (self.d + o.d))
                }
            }
            pub fn clamp(self, lo: $D, hi: $D) -> $D {
                let m = self.max(lo).min(hi);
                $D::n(self.v.clamp(lo.v, hi.v), m.d)
            }
            pub fn atan2(self, x: $D) -> $D {
                let r = x.v * x.v + self.v * self.v;
                let d = if r == 0.0 { 0.0 } else { (x.v * self.d - self.v * x.d) / r };
                $D::n(self.v.atan2(x.v), d)
            }
            pub fn hypot(self, o: $D) -> $D {
                let h = self.v.hypot(o.v);
                let d = if h == 0.0 { 0.0 } else { (self.v * self.d + o.v * o.d) / h };
                $D::n(h, d)
            }
            pub fn mul_add(self, b: $D, c: $D) -> $D {
                $D::n(self.v.mul_add(b.v, c.v), self.d * b.v + self.v * b.d + c.d)
            }
            pub fn relu(x: $D) -> $D {
                $D::n(autodiff::relu(x.v), if x.v > 0.0 { x.d } else { 0.0 })
            }
            pub fn sigmoid(x: $D) -> $D {
                let s = autodiff::sigmoid(x.v);
                $D::n(s, x.d * s * (1.0 - s))
            }
            pub fn detach(x: $D) -> $D {
                $D::n(autodiff::detach(x.v), 0.0)
            }
            pub fn sum(xs: &[$D]) -> $D {
                $D::n(xs.iter().map(|x| x.v).sum::<$F>(), xs.iter().map(|x| x.d).sum::<$F>())
            }
            pub fn product(xs: &[$D]) -> $D {
                let mut acc = $D::c(1.0);
                for &x in xs {
                    acc = acc * x;
                }
                $D::n(xs.iter().map(|x| x.v).product::<$F>(), acc.d)
            }
        }

        impl PartialEq for $D {
            fn eq(&self, o: &$D) -> bool {
                self.v == o.v
            }
        }
        impl PartialOrd for $D {
            fn partial_cmp(&self, o: &$D) -> Option<std::cmp::Ordering> {
                self.v.partial_cmp(&o.v)
            }
        }
        impl Add for $D {
            type Output = $D;
            fn add(self, o: $D) -> $D { $D::n(self.v + o.v, self.d + o.d) }
        }
        impl Sub for $D {
            type Output = $D;
            fn sub(self, o: $D) -> $D { $D::n(self.v - o.v, self.d - o.d) }
        }
        impl Mul for $D {
            type Output = $D;
            fn mul(self, o: $D) -> $D { $D::n(self.v * o.v, self.d * o.v + self.v * o.d) }
        }
        impl Div for $D {
            type Output = $D;
            fn div(self, o: $D) -> $D {
                let v = self.v / o.v;
                $D::n(v, (self.d - v * o.d) / o.v)
            }
        }
        impl Rem for $D {
            type Output = $D;
            fn rem(self, o: $D) -> $D {
                $D::n(self.v % o.v, self.d - o.d * (self.v / o.v).trunc())
            }
        }
        impl Neg for $D {
            type Output = $D;
            fn neg(self) -> $D { $D::n(-self.v, -self.d) }
        }
        impl AddAssign for $D { fn add_assign(&mut self, o: $D) { *self = *self + o; } }
        impl SubAssign for $D { fn sub_assign(&mut self, o: $D) { *self = *self - o; } }
        impl MulAssign for $D { fn mul_assign(&mut self, o: $D) { *self = *self * o; } }
        impl DivAssign for $D { fn div_assign(&mut self, o: $D) { *self = *self / o; } }
        impl RemAssign for $D { fn rem_assign(&mut self, o: $D) { *self = *self % o; } }
    };
}

dual!(D64, f64, D32);
dual!(D32, f32, D64);

impl D64 {
    pub fn dot(a: &[D64], b: &[D64]) -> D64 {
        let av: Vec<f64> = a.iter().map(|x| x.v).collect();
        let bv: Vec<f64> = b.iter().map(|x| x.v).collect();
        let d = a.iter().zip(b).map(|(x, y)| x.d * y.v + x.v * y.d).sum::<f64>();
        D64 { v: autodiff::kernels::dot(&av, &bv), d }
    }
}

/// No panic message on stderr: panics are caught and reported per case.
pub fn quiet() {
    std::panic::set_hook(Box::new(|_| {}));
}

pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|e| {
        if let Some(s) = e.downcast_ref::<&str>() {
            s.to_string()
        } else if let Some(s) = e.downcast_ref::<String>() {
            s.clone()
        } else {
            "panic".to_string()
        }
    })
}

pub fn wide<T: Into<f64> + Copy>(xs: &[T]) -> Vec<f64> {
    xs.iter().map(|&x| x.into()).collect()
}

/// What `_hvp` gave along the direction: its value, gradient and `H·v`, and central differences
/// of `_grad` along the direction with steps 1e-4 and 1e-5.
pub type Hvp = (f64, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

/// `None` if `_hvp` agrees: its value with the primal, its gradient with the dual reference,
/// and `H·v` with the differences of `_grad` where the two steps agree, entry by entry (where
/// they do not, a branch or a kink is within a step, or the curvature changes faster than the
/// steps resolve, and there is nothing converged to compare with). The tolerance scales with
/// the gradient and the differences, never with `H·v` itself, which is what is checked.
fn check_hvp(h: Result<Hvp, String>, p: f64, rd: &[f64], tol: f64) -> Option<String> {
    let (v, g, hv, fd1, fd2) = match h {
        Err(e) => return Some(format!("PANIC _hvp panicked: {e:?}")),
        Ok(h) => h,
    };
    if !same(v, p) {
        return Some(format!("VALUE _hvp returns {v:?} but the function returns {p:?}"));
    }
    for k in 0..g.len().min(rd.len()) {
        if !close(g[k], rd[k], tol) {
            return Some(format!("HVP gradient entry {k}: {:?} but the dual reference {:?}", g[k], rd[k]));
        }
    }
    let scale = 1.0 + g.iter().chain(&fd1).fold(0.0_f64, |m, x| m.max(x.abs()));
    for k in 0..hv.len() {
        let smooth = (fd1[k] - fd2[k]).abs() <= 1e-4 * (1.0 + fd1[k].abs().max(fd2[k].abs()));
        if smooth && (hv[k] - fd1[k]).abs() > 1e-4 * scale {
            return Some(format!(
                "HVP entry {k}: _hvp gives {:?}, differences of _grad {:?} (all: {hv:?} vs {fd1:?})",
                hv[k], fd1[k]
            ));
        }
    }
    None
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

/// One case: the primal, `_grad`, the dual reference and `_vjp` into non-zero bars. Returns
/// the line the runner reads: `RES name case CATEGORY detail`.
pub fn check(
    name: &str,
    case: usize,
    primal: Result<f64, String>,
    grad: Result<(f64, Vec<f64>), String>,
    reference: Result<(f64, Vec<f64>), String>,
    seed: f64,
    vjp: Result<(f64, Vec<f64>, Vec<f64>), String>,
    jvp: Result<(f64, f64, Vec<f64>), String>,
    hvp: Option<Result<Hvp, String>>,
    tol: f64,
) -> String {
    let head = format!("RES {name} {case}");
    let p = match primal {
        Err(e) => return format!("{head} GENPANIC primal panicked: {e:?}"),
        Ok(p) if !p.is_finite() || p.abs() > 1e6 => return format!("{head} SKIP primal {p}"),
        Ok(p) => p,
    };
    let (rv, rd) = match reference {
        Err(e) => return format!("{head} GENPANIC dual panicked: {e:?}"),
        Ok(r) => r,
    };
    if !same(rv, p) {
        return format!("{head} GENBUG dual value {rv:?} but primal {p:?}");
    }
    let (gv, g) = match grad {
        Err(e) => return format!("{head} PANIC _grad panicked: {e:?}"),
        Ok(g) => g,
    };
    if !same(gv, p) {
        return format!("{head} VALUE _grad value {gv:?} but the function returns {p:?}");
    }
    if g.len() != rd.len() {
        return format!("{head} DERIV _grad has {} entries, expected {}", g.len(), rd.len());
    }
    let defined = rd.iter().all(|d| d.is_finite() && d.abs() < 1e8);
    if defined {
        for k in 0..g.len() {
            if !close(g[k], rd[k], tol) {
                return format!(
                    "{head} DERIV entry {k}: _grad gives {:?}, dual reference {:?} (all: {g:?} vs {rd:?})",
                    g[k], rd[k]
                );
            }
        }
    }
    let (vv, before, after) = match vjp {
        Err(e) => return format!("{head} PANIC _vjp panicked: {e:?}"),
        Ok(v) => v,
    };
    if !same(vv, p) {
        return format!("{head} VALUE _vjp returns {vv:?} but the function returns {p:?}");
    }
    if defined {
        for k in 0..after.len() {
            let want = before[k] + seed * rd[k];
            if !close(after[k], want, tol) {
                return format!(
                    "{head} VJP bar {k}: {:?} + {seed:?}*{:?} should be {want:?}, _vjp left {:?}",
                    before[k], rd[k], after[k]
                );
            }
        }
    }
    let (jv, jt, dir) = match jvp {
        Err(e) => return format!("{head} PANIC _jvp panicked: {e:?}"),
        Ok(j) => j,
    };
    if !same(jv, p) {
        return format!("{head} VALUE _jvp returns {jv:?} but the function returns {p:?}");
    }
    if defined {
        // `J·ẋ` from the reference's gradient; the tolerance scales with the terms summed.
        let want: f64 = rd.iter().zip(&dir).map(|(d, t)| d * t).sum();
        let scale: f64 = rd.iter().zip(&dir).map(|(d, t)| (d * t).abs()).sum();
        if (jt - want).abs() > tol * (1.0 + scale.max(jt.abs())) {
            return format!(
                "{head} JVP along {dir:?}: _jvp gives {jt:?}, the dual reference {want:?}"
            );
        }
        if let Some(h) = hvp {
            if let Some(bad) = check_hvp(h, p, &rd, tol) {
                return format!("{head} {bad}");
            }
        }
        format!("{head} OK")
    } else {
        format!("{head} SKIPD reference derivative not finite")
    }
}
