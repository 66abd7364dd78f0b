//! `#[grad(trace)]`: `NAME_trace` records the forward and reverse sweeps, and agrees with
//! `NAME_grad` on value and gradient.

// `#[grad]` functions index their slices in loops, as users write them.
#![allow(clippy::needless_range_loop)]

mod common;

use autodiff::grad;
use common::points;

/// Seed `003`.
#[grad(trace)]
fn walkthrough(x1: f64, x2: f64) -> f64 {
    let t = x1 - x2;
    t * t + (x1 + x2).cos()
}

#[grad(trace)]
fn log1p_square(x: f64) -> f64 {
    (1.0 + x * x).ln()
}

#[grad(trace, wrt(a, h0))]
fn rnn(a: f64, b: f64, h0: f64, steps: usize) -> f64 {
    let mut h = h0;
    for _ in 0..steps {
        h = (a * h + b).tanh();
    }
    h
}

#[grad(trace)]
fn piecewise_sum(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            s += x[i] * x[i];
        } else {
            s -= x[i].sin();
        }
    }
    s
}

#[grad(trace)]
fn single(x: f32) -> f32 {
    x.exp() * 2.0
}

#[test]
fn seed_003_tables() {
    let trace = walkthrough_trace(1.0, 2.0);
    let (value, (d1, d2)) = walkthrough_grad(1.0, 2.0);
    assert_eq!(trace.value(), value);
    assert_eq!(
        trace.gradient(),
        &[("x1".to_owned(), d1), ("x2".to_owned(), d2)]
    );
    let ops: Vec<(&str, &str)> = trace
        .steps()
        .map(|s| (s.name.as_str(), s.op.as_str()))
        .collect();
    assert_eq!(
        ops,
        [
            ("x1", "input"),
            ("x2", "input"),
            ("v2", "x1 - x2"),
            ("v3", "v2 * v2"),
            ("v4", "x1 + x2"),
            ("v5", "cos(v4)"),
            ("v6", "v3 + v5"),
        ]
    );
    let values: Vec<f64> = trace.steps().filter_map(|s| s.value).collect();
    assert_eq!(values[2], -1.0);
    assert_eq!(values[5], 3.0_f64.cos());
    // The reverse table: the seed, then every contribution in the order applied; `t = v2` is
    // used twice, so it receives two.
    let updates: Vec<String> = trace
        .updates()
        .map(|u| format!("{} += {}", u.target, u.expr))
        .collect();
    assert_eq!(updates[0], "v\u{304}6 += seed");
    assert_eq!(
        updates
            .iter()
            .filter(|u| *u == "v\u{304}2 += v\u{304}3 · v2")
            .count(),
        2
    );
    assert!(updates.contains(&"v\u{304}4 += v\u{304}5 · -sin(v4)".to_owned()));
    // The contributions to each input add up to its gradient.
    let sum = |name: &str| -> f64 {
        trace
            .updates()
            .filter(|u| u.target == name)
            .map(|u| u.value)
            .sum()
    };
    assert_eq!(sum("x\u{304}1"), d1);
    assert_eq!(sum("x\u{304}2"), d2);
    let text = trace.to_string();
    assert!(text.contains("forward sweep"));
    assert!(text.contains("reverse sweep"));
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
}

#[test]
fn dot_graph() {
    let dot = log1p_square_trace(2.0).to_dot();
    assert!(dot.starts_with("digraph \"log1p_square\""));
    assert!(dot.contains("\"x\" -> \"v2\""));
    assert!(dot.contains("ln(v3)"), "{dot}");
    assert!(dot.contains("adjoint 0.8"), "{dot}");
}

#[test]
fn loops_and_branches_agree_with_grad() {
    let x = points(5, -1.0, 1.0, 4);
    let trace = piecewise_sum_trace(&x);
    let (value, g) = piecewise_sum_grad(&x);
    assert_eq!(trace.value(), value);
    let traced: Vec<f64> = trace.gradient().iter().map(|(_, g)| *g).collect();
    assert_eq!(traced, g);
    assert_eq!(trace.gradient()[3].0, "x[3]");
    let notes: Vec<&str> = trace
        .steps()
        .filter(|s| s.value.is_none())
        .map(|s| s.op.as_str())
        .collect();
    assert_eq!(
        notes.iter().filter(|n| n.starts_with("loop: i = ")).count(),
        5
    );
    let taken = notes.iter().filter(|n| n.ends_with("then")).count();
    assert_eq!(taken, x.iter().filter(|v| **v > 0.0).count());

    let trace = rnn_trace(0.9, 0.1, 0.5, 20);
    let (value, (da, dh0)) = rnn_grad(0.9, 0.1, 0.5, 20);
    assert_eq!(trace.value(), value);
    assert_eq!(
        trace.gradient(),
        &[("a".to_owned(), da), ("h0".to_owned(), dh0)]
    );
}

#[test]
fn long_loops_are_summarised() {
    let trace = rnn_trace(1.0, 0.0, 0.5, 10_000);
    assert_eq!(trace.value(), rnn_grad(1.0, 0.0, 0.5, 10_000).0);
    let text = trace.to_string();
    assert!(text.contains("rows left out"));
    assert!(text.lines().count() < 200);
}

#[test]
fn f32_functions_trace_in_f64() {
    let trace = single_trace(0.5);
    let (value, g) = single_grad(0.5);
    assert_eq!(trace.value(), f64::from(value));
    assert_eq!(trace.gradient()[0].1, f64::from(g));
}
