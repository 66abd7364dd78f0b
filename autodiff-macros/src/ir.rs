//! The Wengert-list IR: every intermediate value is a [`Var`] assigned exactly once, by one
//! [`Stmt`] in program order. Both the primal function and its adjoint (forward sweep followed
//! by the reverse sweep) are a [`Func`]; `Display` prints them as the seeds' tables print them.

use crate::primitives::Prim;
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use std::fmt;

/// A single-assignment value: an index into [`Func::vars`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Var(pub u32);

/// The width of a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatTy {
    F32,
    F64,
}

/// What a value is, as far as differentiation cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// A float; `None` while its width is left to rustc (an unsuffixed literal).
    Float(Option<FloatTy>),
    /// An integer of any width.
    Int,
    /// A value whose type only rustc knows (a named constant, an opaque call): never active.
    Other,
}

/// What the IR knows of a value besides its definition.
#[derive(Clone, Debug)]
pub struct VarInfo {
    pub ty: Ty,
    /// Depends on an active parameter, so it may carry an adjoint.
    pub active: bool,
    /// The source name it was bound to, kept so generated code stays readable.
    pub name: Option<String>,
}

/// How an operation is computed. Every variant reads only earlier [`Var`]s.
#[derive(Clone, Debug)]
pub enum Op {
    /// The function's parameter with this index.
    Param(usize),
    /// A literal as written (`2.0`, `1e-3_f32`, `2`).
    Lit(syn::Lit),
    /// A named constant (`PI`, `std::f64::consts::E`, a `const` item).
    Path(Box<syn::Path>),
    /// `v as T`.
    Cast(Var, Box<syn::Type>),
    /// A primitive applied to its arguments, in source order (receiver first).
    Prim(&'static Prim, Vec<Var>),
    /// A call to something without a derivative, all of whose arguments are inactive.
    Opaque(Callee, Vec<Var>),
    /// The adjoint seed `ȳ` of the function's result.
    Seed,
    /// A primitive's local rule: from its arguments, its result and the result's adjoint,
    /// the contributions to its float arguments' adjoints.
    Rule {
        prim: &'static Prim,
        args: Vec<Var>,
        out: Var,
        bar: Var,
    },
}

/// What an [`Op::Opaque`] calls.
#[derive(Clone, Debug)]
pub enum Callee {
    /// `receiver.name(args)`: the receiver is the first argument.
    Method(syn::Ident),
    /// `path(args)`.
    Path(Box<syn::Path>),
}

/// One entry of the list.
#[derive(Clone, Debug)]
pub enum Stmt {
    /// `dsts = op`. Most operations define one value; a rule defines one per float argument,
    /// `None` where that argument needs no adjoint.
    Let {
        dsts: Vec<Option<Var>>,
        op: Op,
        span: Span,
    },
    /// A statement kept verbatim (an `assert!`), run with the source names it mentions bound to
    /// the values they hold at this point.
    Verbatim {
        tokens: TokenStream,
        bindings: Vec<(syn::Ident, Var)>,
    },
}

/// A whole function as a Wengert list.
#[derive(Clone, Debug)]
pub struct Func {
    pub vars: Vec<VarInfo>,
    pub body: Vec<Stmt>,
    /// Items declared in the body (`const`, `use`), emitted ahead of it.
    pub items: Vec<syn::Item>,
    /// The result.
    pub ret: Var,
    /// After the reverse transform: the adjoint of each active parameter, in parameter order;
    /// `None` where it is structurally zero. Empty for a primal function.
    pub grads: Vec<Option<Var>>,
}

impl Func {
    pub fn info(&self, v: Var) -> &VarInfo {
        &self.vars[v.0 as usize]
    }

    /// A fresh value.
    pub fn var(&mut self, ty: Ty, active: bool, name: Option<String>) -> Var {
        self.vars.push(VarInfo { ty, active, name });
        Var(self.vars.len() as u32 - 1)
    }
}

impl Op {
    /// The values this operation reads.
    pub fn uses(&self) -> Vec<Var> {
        match self {
            Op::Param(_) | Op::Lit(_) | Op::Path(_) | Op::Seed => Vec::new(),
            Op::Cast(v, _) => vec![*v],
            Op::Prim(_, args) | Op::Opaque(_, args) => args.clone(),
            Op::Rule { args, out, bar, .. } => args.iter().chain([out, bar]).copied().collect(),
        }
    }
}

impl Stmt {
    /// The values this statement reads.
    pub fn uses(&self) -> Vec<Var> {
        match self {
            Stmt::Let { op, .. } => op.uses(),
            Stmt::Verbatim { bindings, .. } => bindings.iter().map(|(_, v)| *v).collect(),
        }
    }
}

impl fmt::Display for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

fn list(vars: &[Var]) -> String {
    vars.iter()
        .map(Var::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn tokens(t: &impl ToTokens) -> String {
    t.to_token_stream().to_string().replace(" :: ", "::")
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Param(i) => write!(f, "param {i}"),
            Op::Lit(lit) => write!(f, "{}", tokens(lit)),
            Op::Path(path) => write!(f, "{}", tokens(path)),
            Op::Cast(v, ty) => write!(f, "{v} as {}", tokens(ty)),
            Op::Prim(p, args) => match (p.infix(), &args[..]) {
                (Some(op), [a, b]) => write!(f, "{a} {op} {b}"),
                _ => write!(f, "{}({})", p.name, list(args)),
            },
            Op::Opaque(Callee::Method(m), args) => {
                write!(f, "{}.{m}({})", args[0], list(&args[1..]))
            }
            Op::Opaque(Callee::Path(p), args) => write!(f, "{}({})", tokens(p), list(args)),
            Op::Seed => write!(f, "seed"),
            Op::Rule {
                prim,
                args,
                out,
                bar,
            } => write!(f, "{}'({} | {out}, {bar})", prim.name, list(args)),
        }
    }
}

impl fmt::Display for Func {
    /// One entry a line, `v3 = sin(v1)`; a rule's outputs as `(v7, _) = mul'(v1, v2 | v3, v6)`,
    /// read "the adjoint contributions of mul's arguments, given its result v3 and adjoint v6".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for stmt in &self.body {
            match stmt {
                Stmt::Let { dsts, op, .. } => {
                    let names: Vec<String> = dsts
                        .iter()
                        .map(|d| d.map_or("_".to_owned(), |v| v.to_string()))
                        .collect();
                    match &names[..] {
                        [one] => writeln!(f, "{one} = {op}")?,
                        _ => writeln!(f, "({}) = {op}", names.join(", "))?,
                    }
                }
                Stmt::Verbatim { tokens: t, .. } => writeln!(f, "verbatim {}", tokens(t))?,
            }
        }
        write!(f, "return {}", self.ret)?;
        if !self.grads.is_empty() {
            let grads: Vec<String> = self
                .grads
                .iter()
                .map(|g| g.map_or("0".to_owned(), |v| v.to_string()))
                .collect();
            write!(f, ", grad ({})", grads.join(", "))?;
        }
        writeln!(f)
    }
}
