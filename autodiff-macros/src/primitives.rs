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

/// What a primitive's rule reads besides the adjoint of its result: what the reverse sweep
/// must have at hand (recomputed or recorded) when it applies the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Uses {
    pub args: bool,
    pub out: bool,
}

/// Neither: the rule is linear in the adjoint alone (`+`, `floor`).
const N: Uses = Uses {
    args: false,
    out: false,
};
/// The arguments (`sin x` needs `x`).
const A: Uses = Uses {
    args: true,
    out: false,
};
/// The result (`exp x` needs `eˣ`).
const Y: Uses = Uses {
    args: false,
    out: true,
};
/// Both (`max` compares the result with its arguments).
const AY: Uses = Uses {
    args: true,
    out: true,
};

/// One row: a primitive.
#[derive(Debug)]
pub struct Prim {
    /// The method or runtime function name, and the name of its rule.
    pub name: &'static str,
    pub form: Form,
    /// Every argument in order, the receiver first.
    pub args: &'static [Arg],
    pub uses: Uses,
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

const fn row(name: &'static str, form: Form, args: &'static [Arg], uses: Uses) -> Prim {
    Prim {
        name,
        form,
        args,
        uses,
    }
}

use Form::{Infix, Method, Neg, Runtime};

/// Every primitive `#[grad]` differentiates.
pub static PRIMITIVES: &[Prim] = &[
    row("add", Infix('+'), &[F, F], N),
    row("sub", Infix('-'), &[F, F], N),
    row("mul", Infix('*'), &[F, F], A),
    row("div", Infix('/'), &[F, F], AY),
    row("rem", Infix('%'), &[F, F], A),
    row("neg", Neg, &[F], N),
    row("sin", Method, &[F], A),
    row("cos", Method, &[F], A),
    row("tan", Method, &[F], Y),
    row("asin", Method, &[F], A),
    row("acos", Method, &[F], A),
    row("atan", Method, &[F], A),
    row("atan2", Method, &[F, F], A),
    row("sinh", Method, &[F], A),
    row("cosh", Method, &[F], A),
    row("tanh", Method, &[F], Y),
    row("asinh", Method, &[F], A),
    row("acosh", Method, &[F], A),
    row("atanh", Method, &[F], A),
    row("exp", Method, &[F], Y),
    row("exp2", Method, &[F], Y),
    row("exp_m1", Method, &[F], Y),
    row("ln", Method, &[F], A),
    row("ln_1p", Method, &[F], A),
    row("log", Method, &[F, F], AY),
    row("log2", Method, &[F], A),
    row("log10", Method, &[F], A),
    row("sqrt", Method, &[F], Y),
    row("cbrt", Method, &[F], Y),
    row("powi", Method, &[F, I], A),
    row("powf", Method, &[F, F], AY),
    row("hypot", Method, &[F, F], AY),
    row("abs", Method, &[F], A),
    row("recip", Method, &[F], Y),
    row("mul_add", Method, &[F, F, F], A),
    row("max", Method, &[F, F], AY),
    row("min", Method, &[F, F], AY),
    row("clamp", Method, &[F, F, F], AY),
    row("signum", Method, &[F], N),
    row("floor", Method, &[F], N),
    row("ceil", Method, &[F], N),
    row("round", Method, &[F], N),
    row("trunc", Method, &[F], N),
    row("to_radians", Method, &[F], N),
    row("to_degrees", Method, &[F], N),
    row("relu", Runtime, &[F], A),
    row("sigmoid", Runtime, &[F], Y),
    row("detach", Runtime, &[F], N),
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

/// The kernels of `autodiff::kernels` that return a `Vec`: a call of one of these names with an
/// array argument makes an array (the macro cannot see a callee's return type).
pub const ARRAY_KERNELS: &[&str] = &[
    "matvec",
    "matmul",
    "add_bias",
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    "logsumexp",
];
