//! The one table of primitives: how each is spelled in source and how it is differentiated. A
//! smooth primitive's row holds its rule, as tangent templates (the reverse sweep writes them
//! out with the adjoint for the tangent); a kink's or a step's names a runtime rule
//! (`autodiff_runtime::rules::<name>`). Adding a primitive is one row here (and for a kink, one
//! rule there); nothing else names a primitive.

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
    /// A function of the runtime that only generated code calls (`__private::guarded_mul`), in
    /// the tangents of other primitives.
    Internal,
}

/// How a primitive's tangent `ẏ = Σₖ ∂y/∂aₖ · ȧₖ` is computed, and so whether second order
/// (the reverse sweep over the tangent) sees its curvature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tangent {
    /// One template per float argument: the reverse rule's contribution with the adjoint `ȳ`
    /// replaced by the argument's tangent `d`, written over ordinary primitives (`d * a0.cos()`;
    /// `a0`, `a1`, … the arguments, `y` the result, `LN_2` and `LN_10` the constants). It is
    /// the rule in both modes: the reverse sweep writes it out with `ȳ` for `d`, and, for second
    /// order, differentiates the tangent it makes again.
    Template(&'static [&'static str]),
    /// Partials that are piecewise constant (kinks, steps, ties, constant factors): the tangent
    /// is the reverse rule applied to `d`, and has no second derivative.
    Rule,
    /// The reverse rule applied to `d`, for first order only: second order is a spanned error.
    FirstOrder,
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
    /// The partial derivative with respect to each float argument, as `NAME_trace` prints it:
    /// `{0}`, `{1}` stand for the arguments and `{y}` for the result.
    pub partials: &'static [&'static str],
    /// Cheap enough that the reverse sweep recomputes it rather than records it.
    pub cheap: bool,
    /// Also an operation of integers (`+`, `n.max(m)`); the others take and give floats only.
    pub ints: bool,
    pub tangent: Tangent,
}

impl Prim {
    /// For a rule that hands each argument `±ȳ` unchanged (`+`, `−`, unary `−`): whether each
    /// is negated.
    pub fn signed_copies(&self) -> Option<Vec<bool>> {
        if self.uses != N {
            return None;
        }
        let sign = |p: &&str| match *p {
            "1" => Some(false),
            "-1" => Some(true),
            _ => None,
        };
        self.partials.iter().map(sign).collect()
    }

    /// The operator of an infix primitive.
    pub fn infix(&self) -> Option<char> {
        match self.form {
            Form::Infix(c) => Some(c),
            _ => None,
        }
    }
}

const fn row(
    name: &'static str,
    form: Form,
    args: &'static [Arg],
    uses: Uses,
    partials: &'static [&'static str],
) -> Prim {
    Prim {
        name,
        form,
        args,
        uses,
        partials,
        cheap: matches!(form, Infix(_) | Neg),
        ints: matches!(form, Infix(_) | Neg),
        tangent: Tangent::FirstOrder,
    }
}

/// A row whose tangent is `templates` (see [`Tangent::Template`]).
const fn t(p: Prim, templates: &'static [&'static str]) -> Prim {
    Prim {
        tangent: Tangent::Template(templates),
        ..p
    }
}

/// A row whose partials are piecewise constant (see [`Tangent::Rule`]).
const fn linear(p: Prim) -> Prim {
    Prim {
        tangent: Tangent::Rule,
        ..p
    }
}

/// A row whose primitive integers have too.
const fn ints(p: Prim) -> Prim {
    Prim { ints: true, ..p }
}

/// A row whose primitive is as cheap as arithmetic.
const fn cheap(p: Prim) -> Prim {
    Prim { cheap: true, ..p }
}

use Form::{Infix, Internal, Method, Neg, Runtime};

/// Every primitive `#[grad]` differentiates.
pub static PRIMITIVES: &[Prim] = &[
    t(row("add", Infix('+'), &[F, F], N, &["1", "1"]), &["d", "d"]),
    t(
        row("sub", Infix('-'), &[F, F], N, &["1", "-1"]),
        &["d", "-d"],
    ),
    t(
        row("mul", Infix('*'), &[F, F], A, &["{1}", "{0}"]),
        &["d * a1", "d * a0"],
    ),
    t(
        row("div", Infix('/'), &[F, F], AY, &["1/{1}", "-{y}/{1}"]),
        &["d / a1", "-(d / a1) * y"],
    ),
    linear(row(
        "rem",
        Infix('%'),
        &[F, F],
        A,
        &["1", "-trunc({0}/{1})"],
    )),
    t(row("neg", Neg, &[F], N, &["-1"]), &["-d"]),
    t(
        row("sin", Method, &[F], A, &["cos({0})"]),
        &["d * a0.cos()"],
    ),
    t(
        row("cos", Method, &[F], A, &["-sin({0})"]),
        &["-d * a0.sin()"],
    ),
    t(
        row("tan", Method, &[F], Y, &["1 + {y}²"]),
        &["d * (1.0 + y * y)"],
    ),
    t(
        row("asin", Method, &[F], A, &["1/√(1 - {0}²)"]),
        &["guarded_div(d, (1.0 - a0 * a0).sqrt())"],
    ),
    t(
        row("acos", Method, &[F], A, &["-1/√(1 - {0}²)"]),
        &["-guarded_div(d, (1.0 - a0 * a0).sqrt())"],
    ),
    t(
        row("atan", Method, &[F], A, &["1/(1 + {0}²)"]),
        &["d / (1.0 + a0 * a0)"],
    ),
    // At the origin both partials are 0, as the rule has them, and so is the curvature: the
    // quotients are `quot0`'s, 0 where the denominator is.
    t(
        row(
            "atan2",
            Method,
            &[F, F],
            A,
            &["{1}/({0}² + {1}²)", "-{0}/({0}² + {1}²)"],
        ),
        &[
            "guarded_mul(d, quot0(a1, a0 * a0 + a1 * a1))",
            "-guarded_mul(d, quot0(a0, a0 * a0 + a1 * a1))",
        ],
    ),
    t(
        row("sinh", Method, &[F], A, &["cosh({0})"]),
        &["d * a0.cosh()"],
    ),
    t(
        row("cosh", Method, &[F], A, &["sinh({0})"]),
        &["d * a0.sinh()"],
    ),
    t(
        row("tanh", Method, &[F], Y, &["1 - {y}²"]),
        &["d * (1.0 - y * y)"],
    ),
    t(
        row("asinh", Method, &[F], A, &["1/√({0}² + 1)"]),
        &["d / (a0 * a0 + 1.0).sqrt()"],
    ),
    t(
        row("acosh", Method, &[F], A, &["1/√({0}² - 1)"]),
        &["guarded_div(d, (a0 * a0 - 1.0).sqrt())"],
    ),
    t(
        row("atanh", Method, &[F], A, &["1/(1 - {0}²)"]),
        &["guarded_div(d, 1.0 - a0 * a0)"],
    ),
    t(row("exp", Method, &[F], Y, &["{y}"]), &["d * y"]),
    t(
        row("exp2", Method, &[F], Y, &["{y}·ln 2"]),
        &["d * y * LN_2"],
    ),
    t(
        row("exp_m1", Method, &[F], Y, &["{y} + 1"]),
        &["d * (y + 1.0)"],
    ),
    t(
        row("ln", Method, &[F], A, &["1/{0}"]),
        &["guarded_div(d, a0)"],
    ),
    t(
        row("ln_1p", Method, &[F], A, &["1/(1 + {0})"]),
        &["guarded_div(d, 1.0 + a0)"],
    ),
    t(
        row(
            "log",
            Method,
            &[F, F],
            AY,
            &["1/({0}·ln {1})", "-{y}/({1}·ln {1})"],
        ),
        &[
            "guarded_div(d, a0 * a1.ln())",
            "-guarded_div(d * y, a1 * a1.ln())",
        ],
    ),
    t(
        row("log2", Method, &[F], A, &["1/({0}·ln 2)"]),
        &["guarded_div(d, a0 * LN_2)"],
    ),
    t(
        row("log10", Method, &[F], A, &["1/({0}·ln 10)"]),
        &["guarded_div(d, a0 * LN_10)"],
    ),
    t(
        row("sqrt", Method, &[F], Y, &["1/(2{y})"]),
        &["guarded_div(d, 2.0 * y)"],
    ),
    t(
        row("cbrt", Method, &[F], Y, &["1/(3{y}²)"]),
        &["guarded_div(d, 3.0 * y * y)"],
    ),
    t(
        row("powi", Method, &[F, I], A, &["{1}·{0}^({1}-1)"]),
        &["guarded_mul(d, powi_d(a0, a1))"],
    ),
    t(
        row("powf", Method, &[F, F], AY, &["{1}·{y}/{0}", "{y}·ln {0}"]),
        &[
            "guarded_mul(d, powf_d(a0, a1))",
            "guarded_mul(d, powf_dp(a0, y))",
        ],
    ),
    t(
        row("hypot", Method, &[F, F], AY, &["{0}/{y}", "{1}/{y}"]),
        &[
            "guarded_mul(d, quot0(a0, y))",
            "guarded_mul(d, quot0(a1, y))",
        ],
    ),
    linear(ints(cheap(row("abs", Method, &[F], A, &["signum({0})"])))),
    t(
        cheap(row("recip", Method, &[F], Y, &["-{y}²"])),
        &["-d * y * y"],
    ),
    t(
        cheap(row("mul_add", Method, &[F, F, F], A, &["{1}", "{0}", "1"])),
        &["d * a1", "d * a0", "d"],
    ),
    linear(ints(cheap(row(
        "max",
        Method,
        &[F, F],
        AY,
        &["[{y} = {0}]", "[{y} = {1}]"],
    )))),
    linear(ints(cheap(row(
        "min",
        Method,
        &[F, F],
        AY,
        &["[{y} = {0}]", "[{y} = {1}]"],
    )))),
    linear(ints(cheap(row(
        "clamp",
        Method,
        &[F, F, F],
        AY,
        &["[{y} = {0}]", "[{y} = {1}]", "[{y} = {2}]"],
    )))),
    linear(ints(cheap(row("signum", Method, &[F], N, &["0"])))),
    linear(cheap(row("floor", Method, &[F], N, &["0"]))),
    linear(cheap(row("ceil", Method, &[F], N, &["0"]))),
    linear(cheap(row("round", Method, &[F], N, &["0"]))),
    linear(cheap(row("trunc", Method, &[F], N, &["0"]))),
    linear(cheap(row("to_radians", Method, &[F], N, &["π/180"]))),
    linear(cheap(row("to_degrees", Method, &[F], N, &["180/π"]))),
    linear(cheap(row("relu", Runtime, &[F], A, &["[{0} > 0]"]))),
    t(
        row("sigmoid", Runtime, &[F], Y, &["{y}(1 - {y})"]),
        &["d * y * (1.0 - y)"],
    ),
    linear(row("detach", Runtime, &[F], N, &["0"])),
    // What the templates above are written with.
    row("guarded_mul", Internal, &[F, F], A, &["{1}", "{0}"]),
    row("guarded_div", Internal, &[F, F], AY, &["1/{1}", "-{y}/{1}"]),
    row("powi_d", Internal, &[F, I], A, &["{1}({1}-1)·{0}^({1}-2)"]),
    row("quot0", Internal, &[F, F], AY, &["1/{1}", "-{y}/{1}"]),
    row(
        "powf_d",
        Internal,
        &[F, F],
        A,
        &["{1}({1}-1)·{0}^({1}-2)", "{0}^({1}-1)·(1 + {1}·ln {0})"],
    ),
    row("powf_dp", Internal, &[F, F], A, &["{1}/{0}", "ln {0}"]),
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
