//! Every primitive of the table, differentiated through `#[grad]` and checked against central
//! finite differences at several points of its domain, in reverse mode and in forward mode;
//! and the dot-product identity `⟨ȳ, J ẋ⟩ = ⟨Jᵀȳ, ẋ⟩` between the two modes' rules.

use approx::assert_relative_eq;
use autodiff::check::{gradcheck, jvpcheck, Tolerance};
use autodiff::grad;

/// Tangents `ẋ` and adjoints `ȳ` the forward tests pair.
const DIRECTIONS: [(f64, f64); 3] = [(1.0, 1.0), (-0.7, 2.5), (0.3, -1.1)];

/// A one-argument primitive: `#[grad] fn name(x) = body`, checked at each point.
macro_rules! unary {
    ($($name:ident, $grad:ident, $jvp:ident: |$x:ident| $body:expr, at $points:expr;)*) => {$(
        #[grad(jvp)]
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

            #[test]
            fn forward() {
                for p in $points {
                    let (_, g) = $grad(p);
                    for (xd, yb) in DIRECTIONS {
                        let (y, t) = $jvp(p, xd);
                        assert_eq!(y, super::$name(p), "value at {p}");
                        assert_relative_eq!(yb * t, (yb * g) * xd, max_relative = 1e-14);
                        let f = |q: &[f64]| super::$name(q[0]);
                        jvpcheck(f, &[p], &[xd], &[t], &Tolerance::default())
                            .unwrap_or_else(|e| panic!("{} at {p}: {e}", stringify!($name)));
                    }
                }
            }
        }
    )*};
}

/// A two-argument primitive, checked at each pair of points.
macro_rules! binary {
    ($($name:ident, $grad:ident, $jvp:ident: |$a:ident, $b:ident| $body:expr, at $points:expr;)*) => {$(
        #[grad(jvp)]
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

            #[test]
            fn forward() {
                for (pa, pb) in $points {
                    let (_, (ga, gb)) = $grad(pa, pb);
                    for ((da, yb), (db, _)) in DIRECTIONS.into_iter().zip(DIRECTIONS.into_iter().rev()) {
                        let (y, t) = $jvp(pa, pb, da, db);
                        assert_eq!(y, super::$name(pa, pb));
                        assert_relative_eq!(yb * t, yb * ga * da + yb * gb * db, max_relative = 1e-13, epsilon = 1e-15);
                        let f = |q: &[f64]| super::$name(q[0], q[1]);
                        jvpcheck(f, &[pa, pb], &[da, db], &[t], &Tolerance::default())
                            .unwrap_or_else(|e| panic!("{} at ({pa}, {pb}): {e}", stringify!($name)));
                    }
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
        neg, neg_grad, neg_jvp: |x| -x, at ANY;
        sin, sin_grad, sin_jvp: |x| x.sin(), at ANY;
        cos, cos_grad, cos_jvp: |x| x.cos(), at ANY;
        tan, tan_grad, tan_jvp: |x| x.tan(), at [-1.2, -0.4, 0.3, 1.0];
        asin, asin_grad, asin_jvp: |x| x.asin(), at UNIT;
        acos, acos_grad, acos_jvp: |x| x.acos(), at UNIT;
        atan, atan_grad, atan_jvp: |x| x.atan(), at ANY;
        sinh, sinh_grad, sinh_jvp: |x| x.sinh(), at ANY;
        cosh, cosh_grad, cosh_jvp: |x| x.cosh(), at ANY;
        tanh, tanh_grad, tanh_jvp: |x| x.tanh(), at ANY;
        asinh, asinh_grad, asinh_jvp: |x| x.asinh(), at ANY;
        acosh, acosh_grad, acosh_jvp: |x| x.acosh(), at [1.2, 2.0, 5.5];
        atanh, atanh_grad, atanh_jvp: |x| x.atanh(), at UNIT;
        exp, exp_grad, exp_jvp: |x| x.exp(), at ANY;
        exp2, exp2_grad, exp2_jvp: |x| x.exp2(), at ANY;
        exp_m1, exp_m1_grad, exp_m1_jvp: |x| x.exp_m1(), at ANY;
        ln, ln_grad, ln_jvp: |x| x.ln(), at POSITIVE;
        ln_1p, ln_1p_grad, ln_1p_jvp: |x| x.ln_1p(), at [-0.5, 0.0, 0.9, 4.0];
        log2, log2_grad, log2_jvp: |x| x.log2(), at POSITIVE;
        log10, log10_grad, log10_jvp: |x| x.log10(), at POSITIVE;
        sqrt, sqrt_grad, sqrt_jvp: |x| x.sqrt(), at POSITIVE;
        cbrt, cbrt_grad, cbrt_jvp: |x| x.cbrt(), at [-3.0, -0.4, 0.5, 8.0];
        powi_3, powi_3_grad, powi_3_jvp: |x| x.powi(3), at ANY;
        powi_neg, powi_neg_grad, powi_neg_jvp: |x| x.powi(-2), at [-2.0, 0.5, 1.5];
        abs, abs_grad, abs_jvp: |x| x.abs(), at ANY;
        recip, recip_grad, recip_jvp: |x| x.recip(), at [-2.0, -0.5, 0.3, 4.0];
        signum, signum_grad, signum_jvp: |x| x.signum() * x, at ANY;
        floor, floor_grad, floor_jvp: |x| x.floor() + x, at ANY;
        ceil, ceil_grad, ceil_jvp: |x| x.ceil() + x, at ANY;
        round, round_grad, round_jvp: |x| x.round() + x, at ANY;
        trunc, trunc_grad, trunc_jvp: |x| x.trunc() + x, at ANY;
        to_radians, to_radians_grad, to_radians_jvp: |x| x.to_radians(), at ANY;
        to_degrees, to_degrees_grad, to_degrees_jvp: |x| x.to_degrees(), at ANY;
        relu, relu_grad, relu_jvp: |x| autodiff::relu(x), at ANY;
        sigmoid, sigmoid_grad, sigmoid_jvp: |x| autodiff::sigmoid(x), at ANY;
        free_fn_spelling, free_fn_spelling_grad, free_fn_spelling_jvp: |x| f64::sin(x) * f64::exp(x), at ANY;
        log_base, log_base_grad, log_base_jvp: |x| x.log(3.0), at POSITIVE;
        powf_const, powf_const_grad, powf_const_jvp: |x| x.powf(1.7), at POSITIVE;
        clamp_inside, clamp_inside_grad, clamp_inside_jvp: |x| x.clamp(-1.0, 1.0) * x, at [-3.0, -0.5, 0.3, 2.0];
    }
}

mod binary {
    use super::*;

    const PAIRS: [(f64, f64); 4] = [(0.3, 1.2), (-1.5, 0.4), (2.2, -0.9), (-0.6, -2.4)];
    const POSITIVE_PAIRS: [(f64, f64); 3] = [(0.3, 1.2), (2.5, 0.4), (4.0, 3.0)];

    binary! {
        add, add_grad, add_jvp: |a, b| a + b, at PAIRS;
        sub, sub_grad, sub_jvp: |a, b| a - b, at PAIRS;
        mul, mul_grad, mul_jvp: |a, b| a * b, at PAIRS;
        div, div_grad, div_jvp: |a, b| a / b, at PAIRS;
        rem, rem_grad, rem_jvp: |a, b| a % b, at PAIRS;
        atan2, atan2_grad, atan2_jvp: |a, b| a.atan2(b), at PAIRS;
        hypot, hypot_grad, hypot_jvp: |a, b| a.hypot(b), at PAIRS;
        powf, powf_grad, powf_jvp: |a, b| a.powf(b), at POSITIVE_PAIRS;
        log, log_grad, log_jvp: |a, b| a.log(b), at [(0.3, 2.0), (5.0, 0.5), (7.0, 10.0)];
        max, max_grad, max_jvp: |a, b| a.max(b), at PAIRS;
        min, min_grad, min_jvp: |a, b| a.min(b), at PAIRS;
        mul_add, mul_add_grad, mul_add_jvp: |a, b| a.mul_add(b, a * b), at PAIRS;
        clamp_bounds, clamp_bounds_grad, clamp_bounds_jvp: |a, b| 0.5_f64.clamp(a, b), at [(-1.0, 0.2), (0.7, 2.0), (-1.0, 1.0)];
    }
}
