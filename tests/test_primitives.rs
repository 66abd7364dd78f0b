//! Every primitive of the table, differentiated through `#[grad]` and checked against central
//! finite differences at several points of its domain, in reverse mode, in forward mode and to
//! second order (the Hessian against differences of the gradient); and the dot-product identity
//! `⟨ȳ, J ẋ⟩ = ⟨Jᵀȳ, ẋ⟩` between the two modes' rules.

use approx::assert_relative_eq;
use autodiff::check::{gradcheck, jvpcheck, Tolerance};
use autodiff::grad;

/// Tangents `ẋ` and adjoints `ȳ` the forward tests pair.
const DIRECTIONS: [(f64, f64); 3] = [(1.0, 1.0), (-0.7, 2.5), (0.3, -1.1)];

/// A one-argument primitive: `#[grad] fn name(x) = body`, checked at each point.
macro_rules! unary {
    ($($name:ident, $grad:ident, $jvp:ident, $hessian:ident: |$x:ident| $body:expr, at $points:expr;)*) => {$(
        #[grad(hvp)]
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

            /// The second derivative against central differences of the first.
            #[test]
            fn second() {
                for p in $points {
                    let (y, g, h) = $hessian(p);
                    // The gradient of the tangent's reverse may round apart from the rule's.
                    let (want_y, want_g) = $grad(p);
                    assert_eq!(y, want_y, "value at {p}");
                    assert_relative_eq!(g, want_g, max_relative = 1e-15);
                    gradcheck(|q: &[f64]| $grad(q[0]).1, &[p], &h, &Tolerance::default())
                        .unwrap_or_else(|e| panic!("{}'' at {p}: {e}", stringify!($name)));
                }
            }
        }
    )*};
}

/// A two-argument primitive, checked at each pair of points.
macro_rules! binary {
    ($($name:ident, $grad:ident, $jvp:ident, $hessian:ident: |$a:ident, $b:ident| $body:expr, at $points:expr;)*) => {$(
        #[grad(hvp)]
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

            /// Each row of the Hessian against central differences of that gradient entry.
            #[test]
            fn second() {
                for (pa, pb) in $points {
                    let (y, (ga, gb), h) = $hessian(pa, pb);
                    let (want_y, (want_a, want_b)) = $grad(pa, pb);
                    assert_eq!(y, want_y, "value at ({pa}, {pb})");
                    assert_relative_eq!(ga, want_a, max_relative = 1e-15);
                    assert_relative_eq!(gb, want_b, max_relative = 1e-15);
                    let rows: [(fn(&[f64]) -> f64, &[f64]); 2] = [
                        (|q| $grad(q[0], q[1]).1 .0, &h[..2]),
                        (|q| $grad(q[0], q[1]).1 .1, &h[2..]),
                    ];
                    for (row, want) in rows {
                        gradcheck(row, &[pa, pb], want, &Tolerance::default())
                            .unwrap_or_else(|e| panic!("{}'' at ({pa}, {pb}): {e}", stringify!($name)));
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
        neg, neg_grad, neg_jvp, neg_hessian: |x| -x, at ANY;
        sin, sin_grad, sin_jvp, sin_hessian: |x| x.sin(), at ANY;
        cos, cos_grad, cos_jvp, cos_hessian: |x| x.cos(), at ANY;
        tan, tan_grad, tan_jvp, tan_hessian: |x| x.tan(), at [-1.2, -0.4, 0.3, 1.0];
        asin, asin_grad, asin_jvp, asin_hessian: |x| x.asin(), at UNIT;
        acos, acos_grad, acos_jvp, acos_hessian: |x| x.acos(), at UNIT;
        atan, atan_grad, atan_jvp, atan_hessian: |x| x.atan(), at ANY;
        sinh, sinh_grad, sinh_jvp, sinh_hessian: |x| x.sinh(), at ANY;
        cosh, cosh_grad, cosh_jvp, cosh_hessian: |x| x.cosh(), at ANY;
        tanh, tanh_grad, tanh_jvp, tanh_hessian: |x| x.tanh(), at ANY;
        asinh, asinh_grad, asinh_jvp, asinh_hessian: |x| x.asinh(), at ANY;
        acosh, acosh_grad, acosh_jvp, acosh_hessian: |x| x.acosh(), at [1.2, 2.0, 5.5];
        atanh, atanh_grad, atanh_jvp, atanh_hessian: |x| x.atanh(), at UNIT;
        exp, exp_grad, exp_jvp, exp_hessian: |x| x.exp(), at ANY;
        exp2, exp2_grad, exp2_jvp, exp2_hessian: |x| x.exp2(), at ANY;
        exp_m1, exp_m1_grad, exp_m1_jvp, exp_m1_hessian: |x| x.exp_m1(), at ANY;
        ln, ln_grad, ln_jvp, ln_hessian: |x| x.ln(), at POSITIVE;
        ln_1p, ln_1p_grad, ln_1p_jvp, ln_1p_hessian: |x| x.ln_1p(), at [-0.5, 0.0, 0.9, 4.0];
        log2, log2_grad, log2_jvp, log2_hessian: |x| x.log2(), at POSITIVE;
        log10, log10_grad, log10_jvp, log10_hessian: |x| x.log10(), at POSITIVE;
        sqrt, sqrt_grad, sqrt_jvp, sqrt_hessian: |x| x.sqrt(), at POSITIVE;
        cbrt, cbrt_grad, cbrt_jvp, cbrt_hessian: |x| x.cbrt(), at [-3.0, -0.4, 0.5, 8.0];
        powi_3, powi_3_grad, powi_3_jvp, powi_3_hessian: |x| x.powi(3), at ANY;
        powi_neg, powi_neg_grad, powi_neg_jvp, powi_neg_hessian: |x| x.powi(-2), at [-2.0, 0.5, 1.5];
        abs, abs_grad, abs_jvp, abs_hessian: |x| x.abs(), at ANY;
        recip, recip_grad, recip_jvp, recip_hessian: |x| x.recip(), at [-2.0, -0.5, 0.3, 4.0];
        signum, signum_grad, signum_jvp, signum_hessian: |x| x.signum() * x, at ANY;
        floor, floor_grad, floor_jvp, floor_hessian: |x| x.floor() + x, at ANY;
        ceil, ceil_grad, ceil_jvp, ceil_hessian: |x| x.ceil() + x, at ANY;
        round, round_grad, round_jvp, round_hessian: |x| x.round() + x, at ANY;
        trunc, trunc_grad, trunc_jvp, trunc_hessian: |x| x.trunc() + x, at ANY;
        to_radians, to_radians_grad, to_radians_jvp, to_radians_hessian: |x| x.to_radians(), at ANY;
        to_degrees, to_degrees_grad, to_degrees_jvp, to_degrees_hessian: |x| x.to_degrees(), at ANY;
        relu, relu_grad, relu_jvp, relu_hessian: |x| autodiff::relu(x), at ANY;
        sigmoid, sigmoid_grad, sigmoid_jvp, sigmoid_hessian: |x| autodiff::sigmoid(x), at ANY;
        free_fn_spelling, free_fn_spelling_grad, free_fn_spelling_jvp, free_fn_spelling_hessian: |x| f64::sin(x) * f64::exp(x), at ANY;
        log_base, log_base_grad, log_base_jvp, log_base_hessian: |x| x.log(3.0), at POSITIVE;
        powf_const, powf_const_grad, powf_const_jvp, powf_const_hessian: |x| x.powf(1.7), at POSITIVE;
        clamp_inside, clamp_inside_grad, clamp_inside_jvp, clamp_inside_hessian: |x| x.clamp(-1.0, 1.0) * x, at [-3.0, -0.5, 0.3, 2.0];
    }
}

mod binary {
    use super::*;

    const PAIRS: [(f64, f64); 4] = [(0.3, 1.2), (-1.5, 0.4), (2.2, -0.9), (-0.6, -2.4)];
    const POSITIVE_PAIRS: [(f64, f64); 3] = [(0.3, 1.2), (2.5, 0.4), (4.0, 3.0)];

    binary! {
        add, add_grad, add_jvp, add_hessian: |a, b| a + b, at PAIRS;
        sub, sub_grad, sub_jvp, sub_hessian: |a, b| a - b, at PAIRS;
        mul, mul_grad, mul_jvp, mul_hessian: |a, b| a * b, at PAIRS;
        div, div_grad, div_jvp, div_hessian: |a, b| a / b, at PAIRS;
        rem, rem_grad, rem_jvp, rem_hessian: |a, b| a % b, at PAIRS;
        atan2, atan2_grad, atan2_jvp, atan2_hessian: |a, b| a.atan2(b), at PAIRS;
        hypot, hypot_grad, hypot_jvp, hypot_hessian: |a, b| a.hypot(b), at PAIRS;
        powf, powf_grad, powf_jvp, powf_hessian: |a, b| a.powf(b), at POSITIVE_PAIRS;
        log, log_grad, log_jvp, log_hessian: |a, b| a.log(b), at [(0.3, 2.0), (5.0, 0.5), (7.0, 10.0)];
        max, max_grad, max_jvp, max_hessian: |a, b| a.max(b), at PAIRS;
        min, min_grad, min_jvp, min_hessian: |a, b| a.min(b), at PAIRS;
        mul_add, mul_add_grad, mul_add_jvp, mul_add_hessian: |a, b| a.mul_add(b, a * b), at PAIRS;
        clamp_bounds, clamp_bounds_grad, clamp_bounds_jvp, clamp_bounds_hessian: |a, b| 0.5_f64.clamp(a, b), at [(-1.0, 0.2), (0.7, 2.0), (-1.0, 1.0)];
    }
}
