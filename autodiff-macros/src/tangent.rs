//! The tangent transform (forward mode): IR → IR. Beside every active value `v` it computes
//! its tangent `v̇ = Σᵢ ∂v/∂uᵢ · u̇ᵢ` over the operands, right after `v`; beside every active
//! local and array, a tangent local or array that the same statements update. Loops, branches
//! and early exits stay as they are and carry the tangents through: nothing is recorded.
//!
//! A primitive's tangent is its reverse rule applied to each operand's tangent in place of the
//! result's adjoint (the rule is linear in that adjoint, and computes `ȳ · ∂y/∂uᵢ`), so the two
//! modes share one table and agree by construction, at non-differentiable points too. A
//! differentiated call becomes a call of the callee's `NAME_jvp`, which returns the value and
//! its tangent.

use crate::ir::{
    Array, ArrayInfo, ArrayInit, ArrayKind, Block, CallArg, FloatTy, Func, Info, Local, Op, Stmt,
    Ty, Var, Wrt,
};
use crate::primitives::{self, Arg, Form, Prim, Tangent};
use proc_macro2::Span;

/// `primal` with tangents: `ret` as before, `dots` the tangent of each result value.
pub fn tangent(primal: &Func) -> Func {
    let mut t = Transform {
        out: Func {
            body: Block::default(),
            ..primal.clone()
        },
        primal,
        vars: vec![None; primal.vars.len()],
        locals: vec![None; primal.locals.len()],
        arrays: vec![None; primal.arrays.len()],
        dot_wrt: Vec::new(),
    };
    // Every differentiated parameter has a tangent, an input, whether or not anything reads it.
    for w in &primal.wrt {
        let dot = match *w {
            Wrt::Array(a) => Wrt::Array(t.tangent_array(a)),
            Wrt::Scalar(v) => Wrt::Scalar(t.fresh(v)),
        };
        t.dot_wrt.push(dot);
    }
    let mut body = Vec::new();
    t.block(&primal.body, &mut body);
    let dots = (primal.ret.iter())
        .map(|&v| t.dot_or_zero(v, &mut body))
        .collect();
    let mut out = t.out;
    out.body = body.into();
    out.dots = dots;
    out.dot_wrt = t.dot_wrt;
    out.tangents = t.vars;
    out.number_blocks();
    out
}

/// What a template's names stand for: `a0`, … the primitive's arguments, `y` its result, `d`
/// the tangent of the argument the term is for.
struct Template<'a> {
    args: &'a [Var],
    y: Var,
    d: Var,
    span: Span,
}

struct Transform<'a> {
    primal: &'a Func,
    out: Func,
    /// The tangent of each primal value, local and array that has one; none where it is zero.
    vars: Vec<Option<Var>>,
    locals: Vec<Option<Local>>,
    arrays: Vec<Option<Array>>,
    /// The tangent of each entry of the primal's `wrt`.
    dot_wrt: Vec<Wrt>,
}

impl Transform<'_> {
    fn block(&mut self, block: &Block, out: &mut Vec<Stmt>) {
        for stmt in block {
            self.stmt(stmt, out);
        }
    }

    fn stmt(&mut self, stmt: &Stmt, out: &mut Vec<Stmt>) {
        match stmt {
            Stmt::Let { dsts, op, span } => match (&dsts[..], op) {
                // A differentiated call returns its tangent with its value.
                // With several, `let (a, b) = f(x);`: the values, then their tangents.
                (_, Op::Call(path, args)) if dsts.iter().flatten().any(|v| self.active(*v)) => {
                    let dots = self.call_dots(args, *span, out);
                    let tangents: Vec<Option<Var>> = (dsts.iter())
                        .map(|d| d.filter(|v| self.active(*v)).map(|v| self.dot_var(v)))
                        .collect();
                    out.push(Stmt::Let {
                        dsts: dsts.iter().copied().chain(tangents).collect(),
                        op: Op::CallJvp(path.clone(), args.clone(), dots),
                        span: *span,
                    });
                }
                // A differentiated parameter's tangent, the input made for it above.
                ([Some(v)], Op::Param(i)) => {
                    out.push(stmt.clone());
                    let w = self.primal.wrt.iter().position(|w| *w == Wrt::Scalar(*v));
                    if let Some(Wrt::Scalar(dot)) = w.map(|k| self.dot_wrt[k]) {
                        out.push(Stmt::Let {
                            dsts: vec![Some(dot)],
                            op: Op::Tangent(*i),
                            span: *span,
                        });
                        if self.active(*v) {
                            self.vars[v.0 as usize] = Some(dot);
                        }
                    }
                }
                ([Some(v)], _) => {
                    out.push(stmt.clone());
                    if self.active(*v) {
                        self.let_dot(*v, op, *span, out);
                    }
                }
                _ => out.push(stmt.clone()),
            },
            Stmt::Decl { local, init } => {
                out.push(stmt.clone());
                if self.primal.local_info(*local).active {
                    let init = self.dot_or_zero(*init, out);
                    let dot = self.tangent_local(*local);
                    out.push(Stmt::Decl { local: dot, init });
                }
            }
            Stmt::Set { local, value } => {
                out.push(stmt.clone());
                if let Some(dot) = self.locals[local.0 as usize] {
                    let value = self.dot_or_zero(*value, out);
                    out.push(Stmt::Set { local: dot, value });
                }
            }
            Stmt::Acc { local, value } => {
                out.push(stmt.clone());
                if let (Some(dot), Some(value)) = (self.locals[local.0 as usize], self.dot(*value))
                {
                    out.push(Stmt::Acc { local: dot, value });
                }
            }
            Stmt::DeclArray { array, init, span } => self.decl_array(*array, init, *span, out),
            Stmt::Store {
                array,
                index,
                value,
                write,
            } => {
                out.push(stmt.clone());
                if let Some(dot) = self.arrays[array.0 as usize] {
                    let value = self.dot_or_zero(*value, out);
                    out.push(Stmt::Store {
                        array: dot,
                        index: index.clone(),
                        value,
                        write: *write,
                    });
                }
            }
            Stmt::If { cond, then, els } => {
                let (mut t, mut e) = (Vec::new(), Vec::new());
                self.block(then, &mut t);
                self.block(els, &mut e);
                out.push(Stmt::If {
                    cond: *cond,
                    then: t.into(),
                    els: e.into(),
                });
            }
            Stmt::For { var, iter, body } => {
                let mut b = Vec::new();
                self.block(body, &mut b);
                out.push(Stmt::For {
                    var: *var,
                    iter: iter.clone(),
                    body: b.into(),
                });
            }
            Stmt::While { cond, body } => {
                let cond = cond.as_ref().map(|(block, v)| {
                    let mut c = Vec::new();
                    self.block(block, &mut c);
                    (c.into(), *v)
                });
                let mut b = Vec::new();
                self.block(body, &mut b);
                out.push(Stmt::While {
                    cond,
                    body: b.into(),
                });
            }
            Stmt::Repeat { count, body } => {
                let mut b = Vec::new();
                self.block(body, &mut b);
                out.push(Stmt::Repeat {
                    count: *count,
                    body: b.into(),
                });
            }
            // Control and checks of the primal, which carry no tangent.
            Stmt::ExitIf(_) | Stmt::Verbatim { .. } => out.push(stmt.clone()),
            // What only the reverse transform writes: the tangent transform is given the primal.
            Stmt::Push { .. }
            | Stmt::PushArray { .. }
            | Stmt::CallVjp { .. }
            | Stmt::Reserve { .. }
            | Stmt::Snapshot { .. }
            | Stmt::Checkpointed { .. } => out.push(stmt.clone()),
        }
    }

    /// `v̇` for `v = op`, an active value.
    fn let_dot(&mut self, v: Var, op: &Op, span: Span, out: &mut Vec<Stmt>) {
        let dot = match op {
            Op::Cast(x, ty) => self
                .dot(*x)
                .map(|d| self.emit(v, Op::Cast(d, ty.clone()), span, out)),
            Op::Prim(prim, args) => self.prim_dot(v, prim, args, span, out),
            Op::Get(l) => self.locals[l.0 as usize].map(|d| self.emit(v, Op::Get(d), span, out)),
            Op::Load(a, index) => self.arrays[a.0 as usize]
                .map(|d| self.emit(v, Op::Load(d, index.clone()), span, out)),
            // Values that carry no derivative (a parameter's tangent is made in `stmt`), and
            // what only the transforms write.
            Op::Param(_)
            | Op::Tangent(_)
            | Op::Lit(_)
            | Op::Path(_)
            | Op::Uninit
            | Op::Method(..)
            | Op::Opaque { .. }
            | Op::Call(..)
            | Op::CallJvp(..)
            | Op::Cmp(..)
            | Op::Not(_)
            | Op::Len(..)
            | Op::Seed(_)
            | Op::Pop(_)
            | Op::Rule { .. } => None,
        };
        self.vars[v.0 as usize] = dot;
    }

    /// `ẏ = Σᵢ ∂y/∂uᵢ · u̇ᵢ` over the float operands with a tangent: each term the primitive's
    /// template, or its rule with `u̇ᵢ` as the adjoint (see [`Tangent`]).
    fn prim_dot(
        &mut self,
        y: Var,
        prim: &'static Prim,
        args: &[Var],
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> Option<Var> {
        if prim.partials.iter().all(|p| *p == "0") {
            return None;
        }
        let floats: Vec<Var> = (prim.args.iter().zip(args))
            .filter(|(k, _)| **k == Arg::Float)
            .map(|(_, a)| *a)
            .collect();
        let mut terms = Vec::new();
        for (k, &a) in floats.iter().enumerate() {
            let Some(da) = self.dot(a) else { continue };
            let term = match prim.tangent {
                Tangent::Template(templates) => {
                    let t = Template {
                        args,
                        y,
                        d: da,
                        span,
                    };
                    self.template(&t, templates[k], out)
                }
                Tangent::Rule | Tangent::FirstOrder => {
                    let term = self.fresh(y);
                    let mut dsts = vec![None; floats.len()];
                    dsts[k] = Some(term);
                    out.push(Stmt::Let {
                        dsts,
                        op: Op::Rule {
                            prim,
                            args: args.to_vec(),
                            out: y,
                            bar: da,
                        },
                        span,
                    });
                    term
                }
            };
            terms.push(term);
        }
        let add = primitives::infix('+').expect("the table has +");
        let mut terms = terms.into_iter();
        let first = terms.next()?;
        Some(terms.fold(first, |sum, t| {
            self.emit(y, Op::Prim(add, vec![sum, t]), span, out)
        }))
    }

    /// One term of a tangent from its template in the table (a Rust expression over `d`, `y`,
    /// `a0`, … and the table's primitives), as ordinary statements.
    fn template(&mut self, t: &Template, text: &str, out: &mut Vec<Stmt>) -> Var {
        // The table's templates are checked by a unit test (`templates_are_well_formed`).
        let e = syn::parse_str::<syn::Expr>(text).expect("a template of the table parses");
        self.term(t, &e, out)
    }

    /// `core::f64::consts::NAME`, of the width of the primitive's result.
    fn constant(&mut self, t: &Template, name: &str, out: &mut Vec<Stmt>) -> Var {
        let ty = self.out.info(t.y).ty;
        let width = match ty {
            Ty::Float(Some(FloatTy::F32)) => "f32",
            _ => "f64",
        };
        let path = syn::parse_str(&format!("::core::{width}::consts::{name}"))
            .expect("a constant's path parses");
        let v = self.out.var(ty, false, None);
        out.push(Stmt::Let {
            dsts: vec![Some(v)],
            op: Op::Path(Box::new(path)),
            span: t.span,
        });
        v
    }

    fn term(&mut self, t: &Template, e: &syn::Expr, out: &mut Vec<Stmt>) -> Var {
        use syn::{BinOp, Expr, UnOp};
        let op = match e {
            Expr::Paren(p) => return self.term(t, &p.expr, out),
            Expr::Path(p) => {
                let name = p
                    .path
                    .get_ident()
                    .map(|i| i.to_string())
                    .unwrap_or_default();
                return match name.as_str() {
                    "d" => t.d,
                    "y" => t.y,
                    "LN_2" | "LN_10" => self.constant(t, &name, out),
                    _ => (name.strip_prefix('a'))
                        .and_then(|k| k.parse::<usize>().ok())
                        .and_then(|k| t.args.get(k).copied())
                        .expect("a template names d, y or an argument"),
                };
            }
            Expr::Lit(l) => {
                let v = self.out.var(self.out.info(t.y).ty, false, None);
                out.push(Stmt::Let {
                    dsts: vec![Some(v)],
                    op: Op::Lit(l.lit.clone()),
                    span: t.span,
                });
                return v;
            }
            Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => {
                let a = self.term(t, &u.expr, out);
                Op::Prim(primitives::neg(), vec![a])
            }
            Expr::Binary(b) => {
                let c = match b.op {
                    BinOp::Add(_) => '+',
                    BinOp::Sub(_) => '-',
                    BinOp::Mul(_) => '*',
                    BinOp::Div(_) => '/',
                    _ => unreachable!("a template uses + - * / only"),
                };
                let (l, r) = (self.term(t, &b.left, out), self.term(t, &b.right, out));
                Op::Prim(
                    primitives::infix(c).expect("an operator of the table"),
                    vec![l, r],
                )
            }
            Expr::MethodCall(m) => {
                let mut args = vec![self.term(t, &m.receiver, out)];
                args.extend(m.args.iter().map(|a| self.term(t, a, out)));
                let prim = primitives::lookup(Form::Method, &m.method.to_string());
                Op::Prim(prim.expect("a method of the table"), args)
            }
            Expr::Call(c) => {
                let args = c.args.iter().map(|a| self.term(t, a, out)).collect();
                let name = match &*c.func {
                    Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
                    _ => None,
                };
                let prim = name.and_then(|n| primitives::lookup(Form::Internal, &n));
                Op::Prim(prim.expect("a function of the table"), args)
            }
            _ => unreachable!("a template is arithmetic, methods and calls of the table"),
        };
        self.emit(t.y, op, t.span, out)
    }

    fn decl_array(&mut self, array: Array, init: &ArrayInit, span: Span, out: &mut Vec<Stmt>) {
        if !self.primal.array_info(array).info.active {
            out.push(Stmt::DeclArray {
                array,
                init: init.clone(),
                span,
            });
            return;
        }
        if let ArrayInit::Call(path, args) = init {
            // A differentiated call that returns a `Vec` returns its tangent with it.
            let dots = self.call_dots(args, span, out);
            let dot = self.tangent_array(array);
            out.push(Stmt::DeclArray {
                array: dot,
                init: ArrayInit::CallJvp {
                    path: path.clone(),
                    args: args.clone(),
                    dots,
                    value: array,
                },
                span,
            });
            return;
        }
        out.push(Stmt::DeclArray {
            array,
            init: init.clone(),
            span,
        });
        let init = match init {
            ArrayInit::Fill { value, dims } => ArrayInit::Fill {
                value: self.dot_or_zero(*value, out),
                dims: dims.clone(),
            },
            ArrayInit::Elems { elems, vec } => ArrayInit::Elems {
                elems: elems.iter().map(|e| self.dot_or_zero(*e, out)).collect(),
                vec: *vec,
            },
            ArrayInit::ZerosLike(a) | ArrayInit::UnwantedLike(a) => ArrayInit::ZerosLike(*a),
            // Only the reverse transform pops, after the tangent transform has run.
            ArrayInit::Popped(_) => init.clone(),
            ArrayInit::Part {
                of,
                lo,
                hi,
                mutable,
            } => match self.arrays[of.0 as usize] {
                Some(of) => ArrayInit::Part {
                    of,
                    lo: *lo,
                    hi: *hi,
                    mutable: *mutable,
                },
                None => ArrayInit::ZerosLike(array),
            },
            // Taken above; what only the transforms write.
            ArrayInit::Call(..) | ArrayInit::CallJvp { .. } => return,
        };
        let dot = self.tangent_array(array);
        out.push(Stmt::DeclArray {
            array: dot,
            init,
            span,
        });
    }

    /// One tangent per float or array argument of a differentiated call: its own, or zeros
    /// (for a whole slice or `Vec`, an empty one, which a rule reads as zeros and skips).
    fn call_dots(&mut self, args: &[CallArg], span: Span, out: &mut Vec<Stmt>) -> Vec<CallArg> {
        let mut dots = Vec::new();
        for arg in args {
            match arg {
                CallArg::Value(a) => {
                    if self.primal.info(*a).ty.is_float() {
                        dots.push(CallArg::Value(self.dot_or_zero(*a, out)));
                    }
                }
                CallArg::Array {
                    array,
                    by_ref,
                    range,
                } => {
                    let dot = match self.arrays[array.0 as usize] {
                        Some(dot) => dot,
                        None => {
                            let info = self.primal.array_info(*array).info.clone();
                            let zeros = self.out.array(
                                Info {
                                    active: false,
                                    name: Some("zeros".into()),
                                    ..info
                                },
                                ArrayKind::Local,
                            );
                            let init = match range {
                                Some(_) => ArrayInit::ZerosLike(*array),
                                None => ArrayInit::UnwantedLike(*array),
                            };
                            out.push(Stmt::DeclArray {
                                array: zeros,
                                init,
                                span,
                            });
                            zeros
                        }
                    };
                    dots.push(CallArg::Array {
                        array: dot,
                        by_ref: *by_ref,
                        range: *range,
                    });
                }
            }
        }
        dots
    }

    fn active(&self, v: Var) -> bool {
        let info = self.primal.info(v);
        info.active && info.ty.is_float()
    }

    fn dot(&self, v: Var) -> Option<Var> {
        self.vars.get(v.0 as usize).copied().flatten()
    }

    /// `v̇`, or a zero of `v`'s type where `v` has none.
    fn dot_or_zero(&mut self, v: Var, out: &mut Vec<Stmt>) -> Var {
        if let Some(d) = self.dot(v) {
            return d;
        }
        let ty = match self.out.info(v).ty {
            Ty::Float(w) => Ty::Float(w),
            _ => Ty::Float(None),
        };
        let zero = self.out.var(ty, false, None);
        out.push(Stmt::Let {
            dsts: vec![Some(zero)],
            op: Op::Lit(syn::parse_quote!(0.0)),
            span: Span::call_site(),
        });
        zero
    }

    /// A fresh tangent value for `v`, the primal value it belongs to.
    fn fresh(&mut self, v: Var) -> Var {
        let info = self.primal.info(v);
        let name = info.name.as_ref().map(|n| format!("{n}_dot"));
        self.out.var(info.ty, true, name)
    }

    /// `v̇ = op`, recorded as `v`'s tangent.
    fn dot_var(&mut self, v: Var) -> Var {
        let dot = self.fresh(v);
        self.vars[v.0 as usize] = Some(dot);
        dot
    }

    /// A statement `fresh = op` for a part of `v`'s tangent.
    fn emit(&mut self, v: Var, op: Op, span: Span, out: &mut Vec<Stmt>) -> Var {
        let d = self.fresh(v);
        out.push(Stmt::Let {
            dsts: vec![Some(d)],
            op,
            span,
        });
        d
    }

    fn tangent_local(&mut self, l: Local) -> Local {
        let info = self.primal.local_info(l);
        let name = info.name.as_ref().map(|n| format!("{n}_dot"));
        let dot = self.out.local(info.ty, true, name);
        self.locals[l.0 as usize] = Some(dot);
        dot
    }

    fn tangent_array(&mut self, a: Array) -> Array {
        let ArrayInfo { info, .. } = self.primal.array_info(a).clone();
        let name = info.name.as_ref().map(|n| format!("{n}_dot"));
        let dot = self.out.array(
            Info {
                name,
                active: true,
                ..info
            },
            ArrayKind::Tangent(a),
        );
        self.arrays[a.0 as usize] = Some(dot);
        dot
    }
}
