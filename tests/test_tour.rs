//! The numbers of `examples/tour.rs`, checked against the closed forms of the seed case
//! studies, and its output checked to fit an 80-column terminal.

// The example's `main` and some of its helpers are not called from here.
#[allow(dead_code)]
#[path = "../examples/tour.rs"]
mod tour;

use approx::assert_relative_eq;
use tour::{case_a, case_b, case_c, case_d, case_e, case_f, case_g, case_h, cases, Case};

/// The generated gradient agrees with finite differences, and a trace with the gradient.
fn consistent(case: &Case) {
    assert!(
        case.max_abs_diff() < 1e-7,
        "{}: finite differences differ by {:e}",
        case.title,
        case.max_abs_diff()
    );
    if let Some(trace) = &case.trace {
        assert_eq!(trace.value(), case.value[0], "{}", case.title);
        if !case.direction.is_empty() {
            let (values, tangents): (Vec<f64>, Vec<f64>) = trace.results().iter().copied().unzip();
            assert_eq!(
                (values, tangents),
                (case.value.clone(), case.gradient.clone())
            );
            return;
        }
        let traced: Vec<f64> = trace.gradient().iter().map(|(_, g)| *g).collect();
        assert_eq!(traced, case.gradient, "{}", case.title);
        let names: Vec<&str> = trace.gradient().iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, case.inputs, "{}", case.title);
    }
}

#[test]
fn a_log1p_square() {
    for x in [-3.0, -0.5, 0.0, 0.7, 2.0] {
        let case = case_a(x);
        consistent(&case);
        let x2: f64 = x * x;
        assert_relative_eq!(case.value[0], (1.0 + x2).ln(), max_relative = 1e-15);
        assert_relative_eq!(
            case.gradient[0],
            2.0 * x / (1.0 + x2),
            epsilon = 1e-15,
            max_relative = 1e-15
        );
    }
    // The tour's point: ln 5 and 4/5.
    let case = case_a(2.0);
    assert_relative_eq!(case.gradient[0], 0.8, max_relative = 1e-15);
}

#[test]
fn b_shared_intermediate_adjoints_add() {
    for x in [-1.2, 0.3, 1.5, 2.5] {
        let case = case_b(x);
        consistent(&case);
        let u: f64 = x * x;
        assert_relative_eq!(case.value[0], u + u.sin(), max_relative = 1e-15);
        assert_relative_eq!(
            case.gradient[0],
            2.0 * x * (1.0 + u.cos()),
            max_relative = 1e-14
        );
        // u's adjoint receives one contribution per use, 1 and cos u, and they add.
        let trace = case.trace.as_ref().unwrap();
        let row = trace.steps().find(|s| s.source == "u").unwrap();
        let target = format!("{}\u{304}{}", &row.name[..1], &row.name[1..]);
        let parts: Vec<f64> = trace
            .updates()
            .filter(|up| up.target == target)
            .map(|up| up.value)
            .collect();
        assert_eq!(parts.len(), 2, "{target}: {parts:?}");
        assert_relative_eq!(parts[0] + parts[1], 1.0 + u.cos(), max_relative = 1e-15);
    }
}

#[test]
fn c_product_plus_sine() {
    for (x1, x2) in [(1.0, 2.0), (-0.4, 3.0), (2.5, -1.5)] {
        let case = case_c(x1, x2);
        consistent(&case);
        let x1: f64 = x1;
        assert_relative_eq!(case.value[0], x1 * x2 + x1.sin(), max_relative = 1e-15);
        assert_relative_eq!(case.gradient[0], x2 + x1.cos(), max_relative = 1e-15);
        assert_eq!(case.gradient[1], x1);
    }
}

#[test]
fn d_vector_jacobian_product_and_jacobian() {
    for (x1, x2, u1, u2) in [(2.0, 3.0, 0.5, 1.0), (1.5, -0.7, 0.3, -2.0)] {
        let case = case_d(x1, x2, u1, u2);
        consistent(&case);
        assert_eq!(case.value, [x1 * x2, x1 + x2 * x2]);
        assert_relative_eq!(case.gradient[0], u1 * x2 + u2, max_relative = 1e-15);
        assert_relative_eq!(
            case.gradient[1],
            u1 * x1 + 2.0 * u2 * x2,
            max_relative = 1e-15
        );
        let (j, _) = case.jacobian.as_ref().unwrap();
        assert_eq!(*j, [x2, x1, 1.0, 2.0 * x2]);
        // uᵀJ from the full Jacobian is what the single reverse sweep gave.
        assert_relative_eq!(
            u1 * j[0] + u2 * j[2],
            case.gradient[0],
            max_relative = 1e-15
        );
        assert_relative_eq!(
            u1 * j[1] + u2 * j[3],
            case.gradient[1],
            max_relative = 1e-15
        );
    }
}

#[test]
fn e_seed_003_walkthrough() {
    let case = case_e(1.0, 2.0);
    consistent(&case);
    let (s, c) = 3.0_f64.sin_cos();
    assert_relative_eq!(case.value[0], 1.0 + c, max_relative = 1e-14);
    assert_relative_eq!(case.gradient[0], -2.0 - s, max_relative = 1e-15);
    assert_relative_eq!(case.gradient[1], 2.0 - s, max_relative = 1e-15);
    // The numbers as the walkthrough quotes them.
    assert!((case.value[0] - 0.0100075).abs() < 5e-8);
    assert!((case.gradient[0] - -2.14112).abs() < 5e-6);
    assert!((case.gradient[1] - 1.85888).abs() < 5e-6);
}

/// `h_T` of `h ← tanh(a h + b)` and its gradient in `(a, b, h0)`, by a hand-written backward loop.
fn bptt(a: f64, b: f64, h0: f64, steps: usize) -> (f64, [f64; 3]) {
    let mut hs = vec![h0];
    for t in 0..steps {
        hs.push((a * hs[t] + b).tanh());
    }
    let (mut da, mut db, mut dh) = (0.0, 0.0, 1.0);
    for t in (0..steps).rev() {
        let dz = dh * (1.0 - hs[t + 1] * hs[t + 1]);
        da += dz * hs[t];
        db += dz;
        dh = dz * a;
    }
    (hs[steps], [da, db, dh])
}

#[test]
fn f_backpropagation_through_time() {
    assert_eq!(tour::T, 5);
    for (a, b, h0) in [(0.9, 0.1, 0.5), (-1.3, 0.4, -0.8), (2.0, -0.5, 0.1)] {
        let case = case_f(a, b, h0);
        consistent(&case);
        let (value, grad) = bptt(a, b, h0, tour::T);
        assert_relative_eq!(case.value[0], value, max_relative = 1e-15);
        for (g, e) in case.gradient.iter().zip(grad) {
            assert_relative_eq!(*g, e, epsilon = 1e-15, max_relative = 1e-13);
        }
    }
}

#[test]
fn g_forward_mode_seed_001() {
    for (x1, x2, d1, d2) in [
        (1.0, 0.0, 2.0, -1.0),
        (0.3, -1.2, 1.0, 0.0),
        (-2.0, 0.5, 0.0, 1.0),
    ] {
        let case = case_g(x1, x2, d1, d2);
        consistent(&case);
        let x1: f64 = x1;
        let (t1, t2) = (
            x2 * d1 + x1 * d2 + x1.cos() * d1,
            x2.exp() * d2 + 2.0 * x1 * d1,
        );
        assert_relative_eq!(case.gradient[0], t1, max_relative = 1e-15, epsilon = 1e-15);
        assert_relative_eq!(case.gradient[1], t2, max_relative = 1e-15, epsilon = 1e-15);
    }
    // The seed's numbers: (−1 + 2 cos 1, 3), and v̇ = −1 for the product.
    let case = case_g(1.0, 0.0, 2.0, -1.0);
    assert_eq!(case.gradient[1], 3.0);
    let trace = case.trace.unwrap();
    let product = trace.steps().find(|s| s.op == "x1 * x2").unwrap();
    assert_eq!(product.tangent.as_ref().unwrap().1, -1.0);
}

#[test]
fn h_checkpointed_layers_seed_case_9() {
    let (w, h0) = ([0.9, -1.1, 1.3, 0.7, -0.8, 1.2, 1.0, -0.9], 0.5);
    let case = case_h(w, h0);
    consistent(&case);
    // Against the recurrence by hand: h̄ ← h̄ · (1 − h_{l+1}²) · w_l, w̄_l = h̄ · (1 − h_{l+1}²) · h_l.
    let mut h = vec![h0];
    for l in 0..8 {
        h.push((w[l] * h[l]).tanh());
    }
    assert_eq!(case.value[0], h[8]);
    let mut bar = 1.0;
    for l in (0..8).rev() {
        let d = bar * (1.0 - h[l + 1] * h[l + 1]);
        assert_relative_eq!(case.gradient[l], d * h[l], max_relative = 1e-14);
        bar = d * w[l];
    }
    assert_relative_eq!(case.gradient[8], bar, max_relative = 1e-14);
    // h5…h8 recomputed from h4, then h1…h4 from h0.
    let notes: Vec<String> = case
        .trace
        .as_ref()
        .unwrap()
        .updates()
        .filter(|u| u.target.is_empty())
        .map(|u| u.expr.clone())
        .collect();
    assert_eq!(notes.len(), 2);
    assert!(notes[0].contains("iterations 4..8 recomputed"), "{notes:?}");
    assert!(notes[1].contains("iterations 0..4 recomputed"), "{notes:?}");
}

#[test]
fn every_shown_source_is_the_code_it_runs() {
    let file = include_str!("../examples/tour.rs");
    for case in cases() {
        // Once in the constant, once as the code itself.
        assert_eq!(
            file.matches(case.source).count(),
            2,
            "{}: the shown source is not the function's text",
            case.title
        );
    }
}

#[test]
fn output_fits_80_columns() {
    let text = tour::tour();
    for case in cases() {
        assert!(text.contains(case.title));
        consistent(&case);
    }
    assert!(text.contains("forward sweep"));
    assert!(text.contains("reverse sweep"));
    assert!(text.contains("forward mode"));
    // Columns, as a terminal shows them: the bar of `v̄` and the dot of `v̇` combine with the
    // letter before them.
    let columns = |l: &str| {
        l.chars()
            .filter(|c| !matches!(c, '\u{304}' | '\u{307}'))
            .count()
    };
    let long: Vec<&str> = text.lines().filter(|l| columns(l) > 80).collect();
    assert!(
        long.is_empty(),
        "lines over 80 characters:\n{}",
        long.join("\n")
    );
}
