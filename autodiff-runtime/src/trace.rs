//! What `NAME_trace` returns: the Wengert list of one evaluation with its values, the adjoint
//! updates in the order the reverse sweep applied them, and the gradient — the tables the
//! seeds teach reverse mode with, for any `#[grad(trace)]` function. With `jvp` too,
//! `NAME_jvp_trace` returns the forward-mode table: each value beside its tangent.

use std::collections::HashMap;
use std::fmt;

/// Rows kept from the start of a long table, and from its end; the rows between are counted.
const HEAD: usize = 48;
const TAIL: usize = 16;

/// One evaluation and its gradient, recorded by the code `#[grad(trace)]` generates.
///
/// `Display` prints the forward table, the reverse table and the gradient, in 80 columns;
/// [`Trace::to_dot`] draws the computation for Graphviz. Tables longer than 64 rows keep their
/// first 48 and last 16 rows and say how many were left out.
///
/// Through the `autodiff` facade (whose crate docs run this example):
///
/// ```ignore
/// use autodiff::grad;
///
/// #[grad(trace)]
/// fn f(x: f64) -> f64 {
///     (1.0 + x * x).ln()
/// }
///
/// let trace = f_trace(2.0);
/// assert_eq!(trace.value(), f(2.0));
/// assert_eq!(trace.gradient()[0].1, f_grad(2.0).1);
/// println!("{trace}");
/// assert!(trace.to_dot().starts_with("digraph"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Trace {
    function: String,
    steps: Table<Step>,
    updates: Table<Update>,
    value: f64,
    gradient: Vec<(String, f64)>,
    /// Of a forward-mode trace: each result float's value and tangent.
    results: Vec<(f64, f64)>,
}

/// A row of the forward table: a value the function computed, or a note on the control flow
/// taken (`value` is `None`).
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// `x1` for a parameter, `v3` for an intermediate value.
    pub name: String,
    /// The source variable the value was bound to, if any.
    pub source: String,
    /// The operation, over the names of earlier rows (`v1 * v2`, `sin(v1)`).
    pub op: String,
    /// The names of the rows the operation reads.
    pub args: Vec<String>,
    /// The value computed; `None` for a note.
    pub value: Option<f64>,
    /// Of a forward-mode trace: the value's tangent as the chain rule writes it
    /// (`ẋ1 · x2 + ẋ2 · x1`), and its value; `None` for a value without one (a constant).
    pub tangent: Option<(String, f64)>,
}

/// A row of the reverse table: `target += expr`, with the contribution's value; or, with an
/// empty `target`, a note on what the reverse sweep recomputes (a checkpointed loop's segment).
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    /// The adjoint receiving the contribution, `v̄2`; empty for a note.
    pub target: String,
    /// The contribution as the chain rule writes it, `v̄3 · 1/v2`.
    pub expr: String,
    /// The contribution's value.
    pub value: f64,
}

/// The first rows, the last rows, and how many in between were dropped.
#[derive(Clone, Debug)]
struct Table<T> {
    head: Vec<T>,
    tail: std::collections::VecDeque<T>,
    omitted: usize,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            head: Vec::new(),
            tail: Default::default(),
            omitted: 0,
        }
    }
}

impl<T> Table<T> {
    fn push(&mut self, row: T) {
        if self.head.len() < HEAD {
            self.head.push(row);
            return;
        }
        if self.tail.len() == TAIL {
            self.tail.pop_front();
            self.omitted += 1;
        }
        self.tail.push_back(row);
    }

    fn rows(&self) -> impl Iterator<Item = &T> {
        self.head.iter().chain(&self.tail)
    }

    /// The last row kept, which is the last row pushed.
    fn last_mut(&mut self) -> Option<&mut T> {
        match self.tail.back_mut() {
            Some(row) => Some(row),
            None => self.head.last_mut(),
        }
    }
}

impl Trace {
    /// The function's value (of a forward-mode trace of a vector result, the first float's).
    pub fn value(&self) -> f64 {
        self.value
    }

    /// Of a forward-mode trace (`NAME_jvp_trace`): each result float's value and its tangent
    /// `J·ẋ`, as `NAME_jvp` returns them; empty for a reverse-mode trace.
    pub fn results(&self) -> &[(f64, f64)] {
        &self.results
    }

    /// The gradient: one entry per float of every active parameter (`x1`, `x[3]`), in
    /// parameter order, as `NAME_grad` computes it.
    pub fn gradient(&self) -> &[(String, f64)] {
        &self.gradient
    }

    /// The forward table's rows (of a long run, the first and last ones).
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.steps.rows()
    }

    /// The reverse table's rows, in the order they were applied (of a long run, the first and
    /// last ones).
    pub fn updates(&self) -> impl Iterator<Item = &Update> {
        self.updates.rows()
    }

    /// A Graphviz `digraph` of the computation: a node per value (named as in the forward
    /// table, with its operation, value, and tangent or adjoint) and an edge from each operand to its use.
    /// In a loop, a name's node shows its last value. Render with `dot -Tsvg`.
    pub fn to_dot(&self) -> String {
        // `v̄3 += …` adds to the adjoint of `v3` (an array element's, `x̄[2]`, is not drawn).
        let mut adjoint: HashMap<String, f64> = HashMap::new();
        for u in self.updates().filter(|u| !u.target.contains('[')) {
            *adjoint.entry(u.target.replace('\u{304}', "")).or_default() += u.value;
        }
        let mut nodes: Vec<&Step> = Vec::new();
        for s in self.steps().filter(|s| s.value.is_some()) {
            match nodes.iter_mut().find(|n| n.name == s.name) {
                Some(n) => *n = s,
                None => nodes.push(s),
            }
        }
        let mut dot = format!(
            "digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=record];\n",
            self.function
        );
        for n in &nodes {
            let bar = adjoint
                .get(&n.name)
                .map(|b| format!(" | adjoint {}", number(*b)))
                .unwrap_or_default();
            let tangent = (n.tangent.as_ref())
                .map(|(_, t)| format!(" | tangent {}", number(*t)))
                .unwrap_or_default();
            let op =
                n.op.replace('"', "\\\"")
                    .replace(['{', '}', '|', '<', '>'], " ");
            dot += &format!(
                "  \"{}\" [label=\"{} = {} | value {}{}{}\"];\n",
                n.name,
                n.name,
                op,
                number(n.value.unwrap_or(f64::NAN)),
                tangent,
                bar
            );
        }
        for n in &nodes {
            for a in &n.args {
                if nodes.iter().any(|m| &m.name == a) {
                    dot += &format!("  \"{a}\" -> \"{}\";\n", n.name);
                }
            }
        }
        dot.push_str("}\n");
        dot
    }

    #[doc(hidden)]
    pub fn new(function: &str) -> Trace {
        Trace {
            function: function.to_owned(),
            ..Trace::default()
        }
    }

    #[doc(hidden)]
    pub fn step(&mut self, name: &str, source: &str, op: &str, args: &[&str], value: f64) {
        self.steps.push(Step {
            name: name.to_owned(),
            source: source.to_owned(),
            op: op.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            value: Some(value),
            tangent: None,
        });
    }

    /// The tangent of the value `name` the last [`Trace::step`] recorded.
    #[doc(hidden)]
    pub fn tangent(&mut self, name: &str, op: &str, value: f64) {
        if let Some(step) = self.steps.last_mut().filter(|s| s.name == name) {
            step.tangent = Some((op.to_owned(), value));
        }
    }

    #[doc(hidden)]
    pub fn note(&mut self, text: String) {
        self.steps.push(Step {
            name: String::new(),
            source: String::new(),
            op: text,
            args: Vec::new(),
            value: None,
            tangent: None,
        });
    }

    #[doc(hidden)]
    pub fn update(&mut self, target: String, expr: &str, value: f64) {
        self.updates.push(Update {
            target,
            expr: expr.to_owned(),
            value,
        });
    }

    /// A note in the reverse table: what the reverse sweep recomputes next.
    #[doc(hidden)]
    pub fn recompute(&mut self, text: String) {
        self.updates.push(Update {
            target: String::new(),
            expr: text,
            value: f64::NAN,
        });
    }

    #[doc(hidden)]
    pub fn finish(&mut self, value: f64, gradient: Vec<(String, f64)>) {
        self.value = value;
        self.gradient = gradient;
    }

    /// Ends a forward-mode trace with the result floats' values and tangents.
    #[doc(hidden)]
    pub fn finish_jvp(&mut self, values: &[f64], tangents: &[f64]) {
        self.value = values.first().copied().unwrap_or(f64::NAN);
        self.results = values
            .iter()
            .copied()
            .zip(tangents.iter().copied())
            .collect();
    }
}

/// A number in at most 12 characters.
fn number(x: f64) -> String {
    if x == 0.0 || (1e-4..1e6).contains(&x.abs()) {
        let s = format!("{x:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".into()
        } else {
            s.into()
        }
    } else {
        format!("{x:.4e}")
    }
}

/// Whether `c` is the combining bar of `v̄` or dot of `v̇`, which takes no column.
fn combining(c: char) -> bool {
    matches!(c, '\u{304}' | '\u{307}')
}

/// `s` cut or padded to `width` columns, with `…` where it was cut.
fn fit(s: &str, width: usize) -> String {
    let columns = |s: &str| s.chars().filter(|c| !combining(*c)).count();
    let mut out = String::new();
    for c in s.chars() {
        if columns(&out) + 1 == width && columns(s) > width && !combining(c) {
            out.push('…');
            break;
        }
        out.push(c);
    }
    let pad = width.saturating_sub(columns(&out));
    out + &" ".repeat(pad)
}

/// `  … n rows left out …`, where a long table dropped rows.
fn omitted(f: &mut fmt::Formatter<'_>, n: usize) -> fmt::Result {
    if n > 0 {
        writeln!(f, "  … {n} rows left out …")
    } else {
        Ok(())
    }
}

impl Trace {
    /// The forward table of a reverse-mode trace, its reverse table and the gradient.
    fn fmt_reverse(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: forward sweep (the Wengert list)", self.function)?;
        writeln!(
            f,
            "  {:<8} {:<10} {:<40} {:>14}",
            "name", "source", "operation", "value"
        )?;
        for (k, s) in self.steps.rows().enumerate() {
            if k == HEAD {
                omitted(f, self.steps.omitted)?;
            }
            match s.value {
                Some(v) => writeln!(
                    f,
                    "  {:<8} {:<10} {:<40} {:>14}",
                    fit(&s.name, 8),
                    fit(&s.source, 10),
                    fit(&s.op, 40),
                    number(v)
                )?,
                None => writeln!(f, "  -- {}", fit(&s.op, 74).trim_end())?,
            }
        }
        writeln!(f, "reverse sweep (adjoints, in the order applied)")?;
        for (k, u) in self.updates.rows().enumerate() {
            if k == HEAD {
                omitted(f, self.updates.omitted)?;
            }
            if u.target.is_empty() {
                writeln!(f, "  -- {}", fit(&u.expr, 74).trim_end())?;
                continue;
            }
            let lhs = format!("{} += {}", u.target, u.expr);
            writeln!(f, "  {:<60} = {:>13}", fit(&lhs, 60), number(u.value))?;
        }
        writeln!(f, "value {}", number(self.value))?;
        writeln!(f, "gradient")?;
        for (name, g) in &self.gradient {
            writeln!(f, "  ∂/∂{:<20} = {:>13}", fit(name, 20), number(*g))?;
        }
        Ok(())
    }

    /// The table of a forward-mode trace, each value beside its tangent, and the results.
    fn fmt_forward(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: forward mode (each value beside its tangent, in one sweep)",
            self.function
        )?;
        writeln!(
            f,
            "  {:<6} {:<18} {:>11} │ {:<26} {:>11}",
            "name", "operation", "value", "tangent", "value"
        )?;
        for (k, s) in self.steps.rows().enumerate() {
            if k == HEAD {
                omitted(f, self.steps.omitted)?;
            }
            let Some(v) = s.value else {
                writeln!(f, "  -- {}", fit(&s.op, 74).trim_end())?;
                continue;
            };
            // A value without a tangent (a constant, or one only a condition reads) has none.
            let (op, t) = match &s.tangent {
                Some((op, t)) => (op.as_str(), number(*t)),
                None => ("", String::new()),
            };
            let row = format!(
                "  {:<6} {:<18} {:>11} │ {:<26} {:>11}",
                fit(&s.name, 6),
                fit(&s.op, 18),
                number(v),
                fit(op, 26),
                t
            );
            writeln!(f, "{}", row.trim_end())?;
        }
        let one = self.results.len() == 1;
        for (k, (v, t)) in self.results.iter().enumerate() {
            let (y, dy) = match one {
                true => ("y".to_owned(), "ẏ = J·ẋ".to_owned()),
                false => (format!("y{}", k + 1), format!("ẏ{}", k + 1)),
            };
            writeln!(f, "{y:<8} {:>13}   {dy:<8} {:>13}", number(*v), number(*t))?;
        }
        Ok(())
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.results.is_empty() {
            true => self.fmt_reverse(f),
            false => self.fmt_forward(f),
        }
    }
}
