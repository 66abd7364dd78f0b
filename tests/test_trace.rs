//! `#[grad(trace)]`: `NAME_trace` records the forward and reverse sweeps, and agrees with
//! `NAME_grad` on value and gradient; with `jvp`, `NAME_jvp_trace` records each value beside
//! its tangent, and agrees with `NAME_jvp`.

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

#[grad(trace, jvp)]
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

#[grad(trace, jvp)]
fn single(x: f32) -> f32 {
    x.exp() * 2.0
}

/// Seed `001`: forward mode, a vector result.
#[grad(trace, jvp)]
fn seed_001(x1: f64, x2: f64) -> (f64, f64) {
    (x1 * x2 + x1.sin(), x2.exp() + x1 * x1)
}

/// Columns on a terminal: the bar of `v̄` and the dot of `v̇` combine with the letter before.
fn columns(line: &str) -> usize {
    line.chars()
        .filter(|c| !matches!(c, '\u{304}' | '\u{307}'))
        .count()
}

#[test]
fn seed_001_forward_table() {
    let trace = seed_001_jvp_trace(1.0, 0.0, 2.0, -1.0);
    let ((y1, y2), (t1, t2)) = seed_001_jvp(1.0, 0.0, 2.0, -1.0);
    assert_eq!(trace.results(), &[(y1, t1), (y2, t2)]);
    assert_eq!(trace.value(), y1);
    // (−1 + 2 cos 1, 3), as the seed has it.
    assert_eq!(t2, 3.0);
    assert!((t1 - (-1.0 + 2.0 * 1.0_f64.cos())).abs() < 1e-15);
    let rows: Vec<(&str, &str, f64, &str, f64)> = trace
        .steps()
        .map(|s| {
            let (op, t) = s.tangent.as_ref().expect("every value here has a tangent");
            (
                s.name.as_str(),
                s.op.as_str(),
                s.value.unwrap(),
                op.as_str(),
                *t,
            )
        })
        .collect();
    let d = |s: &str| s.replace('.', "\u{307}");
    assert_eq!(rows[0], ("x1", "input", 1.0, "given", 2.0));
    assert_eq!(rows[1], ("x2", "input", 0.0, "given", -1.0));
    // v̇₃ = v̇₁·v₂ + v₁·v̇₂ = −1 in the seed's numbering.
    assert_eq!(
        rows[2],
        ("v2", "x1 * x2", 0.0, &*d("x.1 · x2 + x.2 · x1"), -1.0)
    );
    assert_eq!(rows[3].3, d("x.1 · cos(x1)"));
    assert_eq!(rows[3].4, 2.0 * 1.0_f64.cos());
    assert_eq!(rows[4].3, d("v.2 + v.3"));
    assert_eq!(rows.len(), 8);
    let text = trace.to_string();
    assert!(text.contains("forward mode"), "{text}");
    assert!(!text.contains("reverse sweep"), "{text}");
    assert!(text.lines().all(|l| columns(l) <= 80), "{text}");
    assert!(trace.to_dot().contains("tangent -1"));
}

#[test]
fn forward_table_through_loops_and_branches() {
    let (x, dx) = (points(5, -1.0, 1.0, 4), points(5, -1.0, 1.0, 5));
    let trace = piecewise_sum_jvp_trace(&x, &dx);
    let (value, tangent) = piecewise_sum_jvp(&x, &dx);
    assert_eq!(trace.results(), &[(value, tangent)]);
    let notes = trace.steps().filter(|s| s.value.is_none()).count();
    assert_eq!(notes, 5 + 5, "an iteration and a branch each");
    // The loads of `x[i]` that only the condition reads carry no tangent; the others do.
    let loads: Vec<Option<&str>> = (trace.steps())
        .filter(|s| s.op == "x[i]")
        .map(|s| s.tangent.as_ref().map(|(op, _)| op.as_str()))
        .collect();
    let positive = x.iter().filter(|v| **v > 0.0).count();
    assert_eq!(loads.len(), 5 + 2 * positive + (5 - positive));
    assert_eq!(loads.iter().filter(|l| l.is_none()).count(), 5);
    assert!(loads.iter().flatten().all(|op| *op == "x\u{307}[i]"));
    // The last row is the result's, and its tangent is the result's.
    let last = trace.steps().filter(|s| s.value.is_some()).last().unwrap();
    assert_eq!(last.tangent.as_ref().unwrap().1, tangent);

    let trace = single_jvp_trace(0.5, 1.0);
    let (value, tangent) = single_jvp(0.5, 1.0);
    assert_eq!(trace.results(), &[(f64::from(value), f64::from(tangent))]);
}

/// `t̄ += s̄ · -1` for `s -= t`: the adjoint of the difference, not of `t` itself.
#[test]
fn a_subtracting_accumulation_shows_the_difference_adjoint() {
    let trace = piecewise_sum_trace(&[-0.5]);
    let difference = (trace.steps())
        .find(|s| s.op.contains(" - "))
        .map(|s| s.name.clone())
        .unwrap();
    let minus = (trace.updates())
        .find(|u| u.expr.ends_with("· -1"))
        .unwrap();
    assert_eq!(minus.expr, format!("v\u{304}{} · -1", &difference[1..]));
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

#[grad(jvp)]
fn polar(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[grad(trace, jvp)]
fn from_polar(r: f64, t: f64) -> f64 {
    let (x, y) = polar(r, t);
    x * y
}

/// A call with several results shows a row per result, `polar(…).k`, in both modes.
#[test]
fn a_call_with_several_results_shows_each() {
    let trace = from_polar_trace(1.5, 0.5);
    let rows: Vec<(&str, &str, f64)> = (trace.steps())
        .filter(|s| s.op.starts_with("polar"))
        .map(|s| (s.source.as_str(), s.op.as_str(), s.value.unwrap()))
        .collect();
    let (x, y) = polar(1.5, 0.5);
    assert_eq!(rows, [("x", "polar(…).0", x), ("y", "polar(…).1", y)]);
    let forward = from_polar_jvp_trace(1.5, 0.5, 1.0, 0.0);
    let tangents: Vec<f64> = (forward.steps())
        .filter(|s| s.op.starts_with("polar"))
        .map(|s| s.tangent.as_ref().unwrap().1)
        .collect();
    let (_, (dx, dy)) = polar_jvp(1.5, 0.5, 1.0, 0.0);
    assert_eq!(tangents, [dx, dy]);
}
