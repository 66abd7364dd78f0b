//! A tour of the seed case studies, with the code `#[grad]` really generates.
//!
//! Eight small functions, each differentiated at compile time and run here:
//!
//! - (a) `ln(1 + x²)`: one chain of elementary steps;
//! - (b) `x² + sin(x²)`: an intermediate used twice, whose adjoint contributions add;
//! - (c) `x1·x2 + sin x1`: two inputs, one of them used twice;
//! - (d) `(x1 x2, x1 + x2²)`: a vector result, its vector-Jacobian product `uᵀJ` computed
//!   without forming `J`, and the full Jacobian;
//! - (e) `(x1 − x2)² + cos(x1 + x2)` at (1, 2): the numeric walkthrough of seed `003`;
//! - (f) backpropagation through time for `h ← tanh(a·h + b)`, five steps;
//! - (g) `(x1 x2 + sin x1, e^x2 + x1²)`: forward mode, seed `001`, the tangents pushed beside
//!   the values in one sweep;
//! - (h) eight layers `h ← tanh(w_l · h)` under `#[checkpoint(every = 4)]`: seed case 9, the
//!   states h0 and h4 kept, each half recomputed from its state in the reverse sweep.
//!
//! For each case the tour prints the function's source (the `*_SRC` constant beside each
//! function is the function's text, character for character), the tables that
//! `#[grad(trace)]` records (reverse mode for the scalar cases, forward mode for (g)), the
//! derivative, and a check against central finite differences. Everything fits an 80-column
//! terminal.
//!
//! The cases are functions returning their numbers ([`Case`]) and [`tour`] builds the whole
//! text, so `tests/test_tour.rs` checks both against the closed forms.
//!
//! Run: `cargo run --example tour`.

use std::fmt::Write as _;

use autodiff::check::{directional_derivative, numeric_gradient};
use autodiff::{grad, Trace};

/// Step of the central differences, relative to `max(1, |xᵢ|)`.
const FD_STEP: f64 = 1e-6;

/// What one case computed.
pub struct Case {
    /// The header, `(a) ln(1 + x²)`.
    pub title: &'static str,
    /// What the case shows, a few lines of prose.
    pub note: &'static str,
    /// The function's source.
    pub source: &'static str,
    /// The input names, in order.
    pub inputs: Vec<&'static str>,
    /// Where it was evaluated.
    pub at: Vec<f64>,
    /// The output seed of a vector-Jacobian product, empty for a scalar function.
    pub seed: Vec<f64>,
    /// The tangent `ẋ` of a forward-mode case, empty for the others.
    pub direction: Vec<f64>,
    /// The function's value (one entry per result).
    pub value: Vec<f64>,
    /// The gradient, `uᵀJ` for a vector function, or `J·ẋ` for a forward-mode case, from the
    /// generated code.
    pub gradient: Vec<f64>,
    /// The same by central differences.
    pub numeric: Vec<f64>,
    /// The full Jacobian (row-major) and its finite-difference version, for a vector function.
    pub jacobian: Option<(Vec<f64>, Vec<f64>)>,
    /// The forward and reverse tables of a scalar function, or the forward-mode table.
    pub trace: Option<Trace>,
}

impl Case {
    /// The largest `|analytic − numeric|` over the gradient (and the Jacobian, if any).
    pub fn max_abs_diff(&self) -> f64 {
        let pairs = self.gradient.iter().zip(&self.numeric);
        let jac = self.jacobian.iter().flat_map(|(j, n)| j.iter().zip(n));
        pairs
            .chain(jac)
            .map(|(a, n)| (a - n).abs())
            .fold(0.0, f64::max)
    }
}

// (a) -----------------------------------------------------------------------------------------

const LOG1P_SQUARE_SRC: &str = "\
#[grad(trace)]
fn log1p_square(x: f64) -> f64 {
    (1.0 + x * x).ln()
}";

#[grad(trace)]
fn log1p_square(x: f64) -> f64 {
    (1.0 + x * x).ln()
}

/// Case (a) at `x`: `d/dx ln(1 + x²) = 2x / (1 + x²)`.
pub fn case_a(x: f64) -> Case {
    let (value, g) = log1p_square_grad(x);
    Case {
        title: "(a) ln(1 + x²)",
        note: "\
A chain: v2 = x·x, v3 = 1 + v2, v4 = ln v3. The reverse sweep walks it back,
multiplying local derivatives: x̄ = 1/v3 · 2x.",
        source: LOG1P_SQUARE_SRC,
        inputs: vec!["x"],
        at: vec![x],
        seed: vec![],
        direction: vec![],
        value: vec![value],
        gradient: vec![g],
        numeric: numeric_gradient(|p: &[f64]| log1p_square(p[0]), &[x], FD_STEP),
        jacobian: None,
        trace: Some(log1p_square_trace(x)),
    }
}

// (b) -----------------------------------------------------------------------------------------

const SHARED_SRC: &str = "\
#[grad(trace)]
fn shared(x: f64) -> f64 {
    let u = x * x;
    u + u.sin()
}";

#[grad(trace)]
fn shared(x: f64) -> f64 {
    let u = x * x;
    u + u.sin()
}

/// Case (b) at `x`: `d/dx (x² + sin x²) = 2x (1 + cos x²)`.
pub fn case_b(x: f64) -> Case {
    let (value, g) = shared_grad(x);
    Case {
        title: "(b) x² + sin(x²): a shared intermediate",
        note: "\
u = x·x feeds both terms, so its adjoint ū receives two contributions, 1 from
`u + …` and cos(u) from `sin(u)`, and they add: ū = 1 + cos u, x̄ = ū · 2x.",
        source: SHARED_SRC,
        inputs: vec!["x"],
        at: vec![x],
        seed: vec![],
        direction: vec![],
        value: vec![value],
        gradient: vec![g],
        numeric: numeric_gradient(|p: &[f64]| shared(p[0]), &[x], FD_STEP),
        jacobian: None,
        trace: Some(shared_trace(x)),
    }
}

// (c) -----------------------------------------------------------------------------------------

const PRODUCT_SIN_SRC: &str = "\
#[grad(trace)]
fn product_sin(x1: f64, x2: f64) -> f64 {
    x1 * x2 + x1.sin()
}";

#[grad(trace)]
fn product_sin(x1: f64, x2: f64) -> f64 {
    x1 * x2 + x1.sin()
}

/// Case (c) at `(x1, x2)`: the gradient is `(x2 + cos x1, x1)`.
pub fn case_c(x1: f64, x2: f64) -> Case {
    let (value, (g1, g2)) = product_sin_grad(x1, x2);
    Case {
        title: "(c) x1·x2 + sin x1",
        note: "\
Two inputs; x1 is read twice, by the product and by sin, so x̄1 collects two
contributions: x̄1 = x2 + cos x1, x̄2 = x1.",
        source: PRODUCT_SIN_SRC,
        inputs: vec!["x1", "x2"],
        at: vec![x1, x2],
        seed: vec![],
        direction: vec![],
        value: vec![value],
        gradient: vec![g1, g2],
        numeric: numeric_gradient(|p: &[f64]| product_sin(p[0], p[1]), &[x1, x2], FD_STEP),
        jacobian: None,
        trace: Some(product_sin_trace(x1, x2)),
    }
}

// (d) -----------------------------------------------------------------------------------------

const PAIR_SRC: &str = "\
#[grad]
fn pair(x1: f64, x2: f64) -> (f64, f64) {
    (x1 * x2, x1 + x2 * x2)
}";

#[grad]
fn pair(x1: f64, x2: f64) -> (f64, f64) {
    (x1 * x2, x1 + x2 * x2)
}

/// Case (d) at `(x1, x2)` with output seed `(u1, u2)`:
/// `uᵀJ = (u1 x2 + u2, u1 x1 + 2 u2 x2)` and `J = [[x2, x1], [1, 2 x2]]`.
pub fn case_d(x1: f64, x2: f64, u1: f64, u2: f64) -> Case {
    // One reverse sweep, seeded with u, accumulates uᵀJ into the bars: J is never formed.
    let (mut b1, mut b2) = (0.0, 0.0);
    let (y1, y2) = pair_vjp(x1, x2, (u1, u2), &mut b1, &mut b2);
    // The whole Jacobian takes one sweep per result.
    let (_, jacobian) = pair_jacobian(x1, x2);
    let x = [x1, x2];
    let numeric = numeric_gradient(
        |p: &[f64]| {
            let (f1, f2) = pair(p[0], p[1]);
            u1 * f1 + u2 * f2
        },
        &x,
        FD_STEP,
    );
    let mut numeric_jacobian = numeric_gradient(|p: &[f64]| pair(p[0], p[1]).0, &x, FD_STEP);
    numeric_jacobian.extend(numeric_gradient(
        |p: &[f64]| pair(p[0], p[1]).1,
        &x,
        FD_STEP,
    ));
    Case {
        title: "(d) (x1 x2, x1 + x2²): a vector-Jacobian product",
        note: "\
A function with two results. pair_vjp takes a seed u shaped like the result
and returns uᵀJ = (u1 x2 + u2, u1 x1 + 2 u2 x2) from one reverse sweep,
without forming J; pair_jacobian builds J row by row, one sweep per result.",
        source: PAIR_SRC,
        inputs: vec!["x1", "x2"],
        at: x.to_vec(),
        seed: vec![u1, u2],
        direction: vec![],
        value: vec![y1, y2],
        gradient: vec![b1, b2],
        numeric,
        jacobian: Some((jacobian, numeric_jacobian)),
        trace: None,
    }
}

// (e) -----------------------------------------------------------------------------------------

const WALKTHROUGH_SRC: &str = "\
#[grad(trace)]
fn walkthrough(x1: f64, x2: f64) -> f64 {
    let t = x1 - x2;
    t * t + (x1 + x2).cos()
}";

#[grad(trace)]
fn walkthrough(x1: f64, x2: f64) -> f64 {
    let t = x1 - x2;
    t * t + (x1 + x2).cos()
}

/// Case (e) at `(x1, x2)`: the gradient is `(2t − sin(x1 + x2), −2t − sin(x1 + x2))` with
/// `t = x1 − x2`; at (1, 2), `(−2 − sin 3, 2 − sin 3)`.
pub fn case_e(x1: f64, x2: f64) -> Case {
    let (value, (g1, g2)) = walkthrough_grad(x1, x2);
    Case {
        title: "(e) (x1 − x2)² + cos(x1 + x2): seed 003's walkthrough",
        note: "\
The numbers of the walkthrough: at (1, 2) the value is 1 + cos 3 = 0.0100075
and the gradient (−2 − sin 3, 2 − sin 3) = (−2.14112, 1.85888).",
        source: WALKTHROUGH_SRC,
        inputs: vec!["x1", "x2"],
        at: vec![x1, x2],
        seed: vec![],
        direction: vec![],
        value: vec![value],
        gradient: vec![g1, g2],
        numeric: numeric_gradient(|p: &[f64]| walkthrough(p[0], p[1]), &[x1, x2], FD_STEP),
        jacobian: None,
        trace: Some(walkthrough_trace(x1, x2)),
    }
}

// (f) -----------------------------------------------------------------------------------------

/// The number of time steps of case (f).
pub const T: usize = 5;

const RNN_SRC: &str = "\
#[grad(trace)]
fn rnn(a: f64, b: f64, h0: f64) -> f64 {
    let mut h = h0;
    for _ in 0..T {
        h = (a * h + b).tanh();
    }
    h
}";

#[grad(trace)]
fn rnn(a: f64, b: f64, h0: f64) -> f64 {
    let mut h = h0;
    for _ in 0..T {
        h = (a * h + b).tanh();
    }
    h
}

/// Case (f) at `(a, b, h0)`: `h_T` and its gradient in `a`, `b` and `h0`.
pub fn case_f(a: f64, b: f64, h0: f64) -> Case {
    let (value, (ga, gb, gh0)) = rnn_grad(a, b, h0);
    Case {
        title: "(f) backpropagation through time: h ← tanh(a·h + b), T = 5",
        note: "\
The loop runs forward T times; the reverse sweep runs it backwards, step by
step. a and b are read at every step, so ā and b̄ sum one contribution per
step; h̄ is carried back from h_T to h0 (h̄ ← h̄ · (1 − h_{t+1}²) · a).",
        source: RNN_SRC,
        inputs: vec!["a", "b", "h0"],
        at: vec![a, b, h0],
        seed: vec![],
        direction: vec![],
        value: vec![value],
        gradient: vec![ga, gb, gh0],
        numeric: numeric_gradient(|p: &[f64]| rnn(p[0], p[1], p[2]), &[a, b, h0], FD_STEP),
        jacobian: None,
        trace: Some(rnn_trace(a, b, h0)),
    }
}

// (g) -----------------------------------------------------------------------------------------

const FORWARD_SRC: &str = "\
#[grad(trace, jvp)]
fn forward(x1: f64, x2: f64) -> (f64, f64) {
    (x1 * x2 + x1.sin(), x2.exp() + x1 * x1)
}";

#[grad(trace, jvp)]
fn forward(x1: f64, x2: f64) -> (f64, f64) {
    (x1 * x2 + x1.sin(), x2.exp() + x1 * x1)
}

/// Case (g) at `(x1, x2)` along `(ẋ1, ẋ2)`: `J·ẋ = (x2 ẋ1 + x1 ẋ2 + cos(x1) ẋ1, e^x2 ẋ2 +
/// 2 x1 ẋ1)`; at (1, 0) along (2, −1), `(−1 + 2 cos 1, 3)`.
pub fn case_g(x1: f64, x2: f64, d1: f64, d2: f64) -> Case {
    let ((y1, y2), (t1, t2)) = forward_jvp(x1, x2, d1, d2);
    let numeric = directional_derivative(
        |p: &[f64]| {
            let (f1, f2) = forward(p[0], p[1]);
            vec![f1, f2]
        },
        &[x1, x2],
        &[d1, d2],
        FD_STEP,
    );
    Case {
        title: "(g) (x1 x2 + sin x1, e^x2 + x1²): forward mode, seed 001",
        note: "\
Forward mode pushes a tangent beside every value, in the same sweep. For
v2 = x1 · x2 the chain rule gives v̇2 = ẋ1 · x2 + ẋ2 · x1 = 2 · 0 + (−1) · 1
= −1. One sweep gives J·ẋ (a column of J for a unit ẋ), with no tape.",
        source: FORWARD_SRC,
        inputs: vec!["x1", "x2"],
        at: vec![x1, x2],
        seed: vec![],
        direction: vec![d1, d2],
        value: vec![y1, y2],
        gradient: vec![t1, t2],
        numeric,
        jacobian: None,
        trace: Some(forward_jvp_trace(x1, x2, d1, d2)),
    }
}

// (h) -----------------------------------------------------------------------------------------

const LAYERS_SRC: &str = "\
#[grad(trace)]
fn layers(w: &[f64], h0: f64) -> f64 {
    let mut h = h0;
    #[checkpoint(every = 4)]
    for &wl in w.iter() {
        h = (wl * h).tanh();
    }
    h
}";

#[grad(trace)]
fn layers(w: &[f64], h0: f64) -> f64 {
    let mut h = h0;
    #[checkpoint(every = 4)]
    for &wl in w.iter() {
        h = (wl * h).tanh();
    }
    h
}

/// Case (h) at `(w, h0)`: `h8` and its gradient in the eight weights (one per layer) and `h0`.
pub fn case_h(w: [f64; 8], h0: f64) -> Case {
    let (value, (gw, gh0)) = layers_grad(&w, h0);
    let at: Vec<f64> = w.iter().copied().chain([h0]).collect();
    let numeric = numeric_gradient(|p: &[f64]| layers(&p[..8], p[8]), &at, FD_STEP);
    Case {
        title: "(h) checkpointing, seed case 9: eight layers, states kept every 4",
        note: "\
The forward sweep keeps only h0 and h4, not the eight steps' values. The
reverse sweep restores h4, runs layers 4..8 again recording them, reverses
them, then does the same for 0..4 from h0: the gradient is bit for bit the
taped one. A call to another #[grad] function is checkpointed already: its
forward runs again inside its _vjp in the reverse sweep.",
        source: LAYERS_SRC,
        inputs: vec![
            "w[0]", "w[1]", "w[2]", "w[3]", "w[4]", "w[5]", "w[6]", "w[7]", "h0",
        ],
        at,
        seed: vec![],
        direction: vec![],
        value: vec![value],
        gradient: gw.iter().copied().chain([gh0]).collect(),
        numeric,
        jacobian: None,
        trace: Some(layers_trace(&w, h0)),
    }
}

// The tour ------------------------------------------------------------------------------------

/// Every case, at the points the tour shows.
pub fn cases() -> Vec<Case> {
    vec![
        case_a(2.0),
        case_b(1.5),
        case_c(1.0, 2.0),
        case_d(2.0, 3.0, 0.5, 1.0),
        case_e(1.0, 2.0),
        case_f(0.9, 0.1, 0.5),
        case_g(1.0, 0.0, 2.0, -1.0),
        case_h([0.9, -1.1, 1.3, 0.7, -0.8, 1.2, 1.0, -0.9], 0.5),
    ]
}

/// `(a, b)` with numbers to eight decimals.
fn tuple(xs: &[f64]) -> String {
    let parts: Vec<String> = xs.iter().map(|x| format!("{x:.8}")).collect();
    if parts.len() == 1 {
        parts[0].clone()
    } else {
        format!("({})", parts.join(", "))
    }
}

/// One case as text.
pub fn render(case: &Case) -> String {
    let mut out = String::new();
    let rule = "=".repeat(80);
    let _ = writeln!(out, "{rule}\n{}\n{rule}", case.title);
    let _ = writeln!(out, "{}\n", case.note);
    for line in case.source.lines() {
        let _ = writeln!(out, "    {line}");
    }
    let names = if case.inputs.len() == 1 {
        case.inputs[0].to_owned()
    } else {
        format!("({})", case.inputs.join(", "))
    };
    let _ = writeln!(out, "\nat {names} = {}", tuple(&case.at));
    if let Some(trace) = &case.trace {
        let _ = writeln!(out, "\n{trace}");
    }
    let width = 22;
    if !case.direction.is_empty() {
        let _ = writeln!(out, "{:<width$}{}", "value", tuple(&case.value));
        let _ = writeln!(out, "{:<width$}{}", "tangent ẋ", tuple(&case.direction));
        let _ = writeln!(
            out,
            "{:<width$}{}",
            "J·ẋ (forward_jvp)",
            tuple(&case.gradient)
        );
    } else if case.seed.is_empty() {
        let _ = writeln!(out, "{:<width$}{}", "value", tuple(&case.value));
        let _ = writeln!(out, "{:<width$}{}", "gradient", tuple(&case.gradient));
    } else {
        let _ = writeln!(out, "{:<width$}{}", "value", tuple(&case.value));
        let _ = writeln!(out, "{:<width$}{}", "seed u", tuple(&case.seed));
        let _ = writeln!(out, "{:<width$}{}", "uᵀJ (pair_vjp)", tuple(&case.gradient));
    }
    let _ = writeln!(
        out,
        "{:<width$}{}",
        "finite differences",
        tuple(&case.numeric)
    );
    if let Some((j, n)) = &case.jacobian {
        let cols = case.inputs.len();
        for (r, (row, nrow)) in j.chunks(cols).zip(n.chunks(cols)).enumerate() {
            let _ = writeln!(out, "{:<width$}{}", format!("J row {}", r + 1), tuple(row));
            let _ = writeln!(out, "{:<width$}{}", "  finite differences", tuple(nrow));
        }
    }
    let _ = writeln!(
        out,
        "{:<width$}{:.1e}",
        "max |difference|",
        case.max_abs_diff()
    );
    out.lines().map(wrap).collect()
}

/// A line of over 80 columns cut after commas, the rest indented to the numbers' column.
fn wrap(line: &str) -> String {
    // The bar and dot of `v̄`, `ẋ` take no column.
    let columns = |s: &str| {
        s.chars()
            .filter(|c| !matches!(c, '\u{304}' | '\u{307}'))
            .count()
    };
    let mut out = String::new();
    let mut current = String::new();
    for piece in line.split_inclusive(", ") {
        if columns(&current) + columns(piece.trim_end()) > 80 {
            out.push_str(current.trim_end());
            out.push('\n');
            current = " ".repeat(22);
        }
        current.push_str(piece);
    }
    out.push_str(&current);
    out.push('\n');
    out
}

/// The whole tour as text.
pub fn tour() -> String {
    let mut out = String::from(
        "A tour of #[grad]: eight functions differentiated at compile time.\n\
         Each shows its source, the sweeps #[grad(trace)] records, the derivative\n\
         and a check against central finite differences.\n\n",
    );
    for case in cases() {
        out.push_str(&render(&case));
        out.push('\n');
    }
    out
}

fn main() {
    print!("{}", tour());
}
