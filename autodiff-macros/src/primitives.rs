//! The one table of primitives: how each is spelled in source and which runtime rule
//! (`autodiff_runtime::rules::<name>`) differentiates it. Adding a primitive is one row here and
//! one rule there; nothing else names a primitive.

use Arg::{Float as F, Int as I};

/// The kind of one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// Differentiated: its adjoint receives a contribution from the rule.
    Float,
    /// Passed to the rule but never differentiated (`powi`'s exponent).
    Int,
}

/// How a primitive is written in source, and so how generated code evaluates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// A binary operator, `a + b`.
    Infix(char),
    /// Unary minus, `-a`.
    Neg,
    /// An inherent float method, `x.sin()` or `f64::sin(x)`; the first argument is the receiver.
    Method,
    /// A function of the runtime, `autodiff::relu(x)`.
    Runtime,
}

/// One row: a primitive.
#[derive(Debug)]
pub struct Prim {
    /// The method or runtime function name, and the name of its rule.
    pub name: &'static str,
    pub form: Form,
    /// Every argument in order, the receiver first.
    pub args: &'static [Arg],
}

impl Prim {
    /// The operator of an infix primitive.
    pub fn infix(&self) -> Option<char> {
        match self.form {
            Form::Infix(c) => Some(c),
            _ => None,
        }
    }
}

const fn row(name: &'static str, form: Form, args: &'static [Arg]) -> Prim {
    Prim { name, form, args }
}

use Form::{Infix, Method, Neg, Runtime};

/// Every primitive `#[grad]` differentiates.
pub static PRIMITIVES: &[Prim] = &[
    row("add", Infix('+'), &[F, F]),
    row("sub", Infix('-'), &[F, F]),
    row("mul", Infix('*'), &[F, F]),
    row("div", Infix('/'), &[F, F]),
    row("rem", Infix('%'), &[F, F]),
    row("neg", Neg, &[F]),
    row("sin", Method, &[F]),
    row("cos", Method, &[F]),
    row("tan", Method, &[F]),
    row("asin", Method, &[F]),
    row("acos", Method, &[F]),
    row("atan", Method, &[F]),
    row("atan2", Method, &[F, F]),
    row("sinh", Method, &[F]),
    row("cosh", Method, &[F]),
    row("tanh", Method, &[F]),
    row("asinh", Method, &[F]),
    row("acosh", Method, &[F]),
    row("atanh", Method, &[F]),
    row("exp", Method, &[F]),
    row("exp2", Method, &[F]),
    row("exp_m1", Method, &[F]),
    row("ln", Method, &[F]),
    row("ln_1p", Method, &[F]),
    row("log", Method, &[F, F]),
    row("log2", Method, &[F]),
    row("log10", Method, &[F]),
    row("sqrt", Method, &[F]),
    row("cbrt", Method, &[F]),
    row("powi", Method, &[F, I]),
    row("powf", Method, &[F, F]),
    row("hypot", Method, &[F, F]),
    row("abs", Method, &[F]),
    row("recip", Method, &[F]),
    row("mul_add", Method, &[F, F, F]),
    row("max", Method, &[F, F]),
    row("min", Method, &[F, F]),
    row("clamp", Method, &[F, F, F]),
    row("signum", Method, &[F]),
    row("floor", Method, &[F]),
    row("ceil", Method, &[F]),
    row("round", Method, &[F]),
    row("trunc", Method, &[F]),
    row("to_radians", Method, &[F]),
    row("to_degrees", Method, &[F]),
    row("relu", Runtime, &[F]),
    row("sigmoid", Runtime, &[F]),
];

/// The primitive spelled `name` in the given form.
pub fn lookup(form: Form, name: &str) -> Option<&'static Prim> {
    PRIMITIVES.iter().find(|p| p.form == form && p.name == name)
}

/// The primitive of a binary operator.
pub fn infix(op: char) -> Option<&'static Prim> {
    PRIMITIVES.iter().find(|p| p.form == Infix(op))
}

/// The unary minus.
pub fn neg() -> &'static Prim {
    lookup(Neg, "neg").expect("the table has neg")
}

/// The names a user may call as methods, for error messages.
pub fn method_names() -> Vec<&'static str> {
    PRIMITIVES
        .iter()
        .filter(|p| p.form == Method)
        .map(|p| p.name)
        .collect()
}
