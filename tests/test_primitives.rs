//! Every primitive of the table, differentiated through `#[grad]` and checked against central
//! finite differences at several points of its domain.

use autodiff::check::{gradcheck, Tolerance};
use autodiff::grad;

/// A one-argument primitive: `#[grad] fn name(x) = body`, checked at each point.
macro_rules! unary {
    ($($name:ident, $grad:ident: |$x:ident| $body:expr, at $points:expr;)*) => {$(
        #[grad]
        fn $name($x: f64) -> f64 {
            $body
        }

        mod $name {
            use super::*;

            #[test]
            fn rule() {
                for p in $points {
                    let (y, g) = $grad(p);
                    assert_eq!(y, super::$name(p), "value at {p}");
                    gradcheck(|q: &[f64]| super::$name(q[0]), &[p], &[g], &Tolerance::default())
                        .unwrap_or_else(|e| panic!("{} at {p}: {e}", stringify!($name)));
                }
            }
        }
    )*};
}

/// A two-argument primitive, checked at each pair of points.
macro_rules! binary {
    ($($name:ident, $grad:ident: |$a:ident, $b:ident| $body:expr, at $points:expr;)*) => {$(
        #[grad]
        fn $name($a: f64, $b: f64) -> f64 {
            $body
        }

        mod $name {
            use super::*;

            #[test]
            fn rule() {
                for (pa, pb) in $points {
                    let (y, (ga, gb)) = $grad(pa, pb);
                    assert_eq!(y, super::$name(pa, pb));
                    let f = |q: &[f64]| super::$name(q[0], q[1]);
                    gradcheck(f, &[pa, pb], &[ga, gb], &Tolerance::default())
                        .unwrap_or_else(|e| panic!("{} at ({pa}, {pb}): {e}", stringify!($name)));
                }
            }
        }
    )*};
}

const ANY: [f64; 5] = [-2.3, -0.7, 0.2, 1.1, 3.4];
const POSITIVE: [f64; 4] = [0.1, 0.9, 2.5, 7.0];
const UNIT: [f64; 4] = [-0.9, -0.3, 0.25, 0.8];

mod unary {
    use super::*;

    unary! {
        neg, neg_grad: |x| -x, at ANY;
        sin, sin_grad: |x| x.sin(), at ANY;
        cos, cos_grad: |x| x.cos(), at ANY;
        tan, tan_grad: |x| x.tan(), at [-1.2, -0.4, 0.3, 1.0];
        asin, asin_grad: |x| x.asin(), at UNIT;
        acos, acos_grad: |x| x.acos(), at UNIT;
        atan, atan_grad: |x| x.atan(), at ANY;
        sinh, sinh_grad: |x| x.sinh(), at ANY;
        cosh, cosh_grad: |x| x.cosh(), at ANY;
        tanh, tanh_grad: |x| x.tanh(), at ANY;
        asinh, asinh_grad: |x| x.asinh(), at ANY;
        acosh, acosh_grad: |x| x.acosh(), at [1.2, 2.0, 5.5];
        atanh, atanh_grad: |x| x.atanh(), at UNIT;
        exp, exp_grad: |x| x.exp(), at ANY;
        exp2, exp2_grad: |x| x.exp2(), at ANY;
        exp_m1, exp_m1_grad: |x| x.exp_m1(), at ANY;
        ln, ln_grad: |x| x.ln(), at POSITIVE;
        ln_1p, ln_1p_grad: |x| x.ln_1p(), at [-0.5, 0.0, 0.9, 4.0];
        log2, log2_grad: |x| x.log2(), at POSITIVE;
        log10, log10_grad: |x| x.log10(), at POSITIVE;
        sqrt, sqrt_grad: |x| x.sqrt(), at POSITIVE;
        cbrt, cbrt_grad: |x| x.cbrt(), at [-3.0, -0.4, 0.5, 8.0];
        powi_3, powi_3_grad: |x| x.powi(3), at ANY;
        powi_neg, powi_neg_grad: |x| x.powi(-2), at [-2.0, 0.5, 1.5];
        abs, abs_grad: |x| x.abs(), at ANY;
        recip, recip_grad: |x| x.recip(), at [-2.0, -0.5, 0.3, 4.0];
        signum, signum_grad: |x| x.signum() * x, at ANY;
        floor, floor_grad: |x| x.floor() + x, at ANY;
        ceil, ceil_grad: |x| x.ceil() + x, at ANY;
        round, round_grad: |x| x.round() + x, at ANY;
        trunc, trunc_grad: |x| x.trunc() + x, at ANY;
        to_radians, to_radians_grad: |x| x.to_radians(), at ANY;
        to_degrees, to_degrees_grad: |x| x.to_degrees(), at ANY;
        relu, relu_grad: |x| autodiff::relu(x), at ANY;
        sigmoid, sigmoid_grad: |x| autodiff::sigmoid(x), at ANY;
        free_fn_spelling, free_fn_spelling_grad: |x| f64::sin(x) * f64::exp(x), at ANY;
        log_base, log_base_grad: |x| x.log(3.0), at POSITIVE;
        powf_const, powf_const_grad: |x| x.powf(1.7), at POSITIVE;
        clamp_inside, clamp_inside_grad: |x| x.clamp(-1.0, 1.0) * x, at [-3.0, -0.5, 0.3, 2.0];
    }
}

mod binary {
    use super::*;

    const PAIRS: [(f64, f64); 4] = [(0.3, 1.2), (-1.5, 0.4), (2.2, -0.9), (-0.6, -2.4)];
    const POSITIVE_PAIRS: [(f64, f64); 3] = [(0.3, 1.2), (2.5, 0.4), (4.0, 3.0)];

    binary! {
        add, add_grad: |a, b| a + b, at PAIRS;
        sub, sub_grad: |a, b| a - b, at PAIRS;
        mul, mul_grad: |a, b| a * b, at PAIRS;
        div, div_grad: |a, b| a / b, at PAIRS;
        rem, rem_grad: |a, b| a % b, at PAIRS;
        atan2, atan2_grad: |a, b| a.atan2(b), at PAIRS;
        hypot, hypot_grad: |a, b| a.hypot(b), at PAIRS;
        powf, powf_grad: |a, b| a.powf(b), at POSITIVE_PAIRS;
        log, log_grad: |a, b| a.log(b), at [(0.3, 2.0), (5.0, 0.5), (7.0, 10.0)];
        max, max_grad: |a, b| a.max(b), at PAIRS;
        min, min_grad: |a, b| a.min(b), at PAIRS;
        mul_add, mul_add_grad: |a, b| a.mul_add(b, a * b), at PAIRS;
        clamp_bounds, clamp_bounds_grad: |a, b| 0.5_f64.clamp(a, b), at [(-1.0, 0.2), (0.7, 2.0), (-1.0, 1.0)];
    }
}
