//! Activity: which values, locals and arrays need an adjoint. One needs it only if it depends on
//! an active parameter (*varied*) and the result depends on it (*useful*), as Tapenade decides:
//! a loop whose values never reach the result gets no reverse sweep, so that nothing of it can
//! turn a zero adjoint into `0 · ∞ = NaN`. Each is a fixpoint over the IR, because a loop can
//! make a local varied after its first read, or useful after its last write. Then the checks
//! that need activity: a method without a derivative rule may not receive an active argument,
//! a pattern may not take a part out of an active value, and a runtime function called by bare
//! name is one whose rule needs its path.

use crate::ctxt::Ctxt;
use crate::ir::{Array, ArrayInit, Block, CallArg, Func, Local, Op, Stmt, Ty, Var};
use crate::maps::HashSet;
use crate::primitives::{self, Arg, Form};
use proc_macro2::Span;
use quote::ToTokens;

pub fn analyse(func: &mut Func, cx: &mut Ctxt) {
    let mut body = std::mem::take(&mut func.body);
    while propagate(func, &body) {}
    let mut useful = Useful::default();
    useful.vars.extend(func.ret.iter().copied());
    while useful.propagate(&body) {}
    useful.restrict(func);
    check(func, &body, cx);
    func.body = std::mem::take(&mut body);
}

/// One pass; true if anything became active.
fn propagate(func: &mut Func, block: &Block) -> bool {
    let mut changed = false;
    for stmt in block {
        let target = match stmt {
            // Each result of a call with several, `let (a, b) = f(x);`.
            Stmt::Let { dsts, op, .. } if op_active(func, op) => {
                for v in dsts.iter().flatten() {
                    let info = &mut func.vars[v.0 as usize];
                    // A differentiated call returns floats, and so does arithmetic on them,
                    // though lowering could not know the call's type.
                    if info.ty == Ty::Other {
                        info.ty = Ty::Float(None);
                    }
                    if info.ty.is_float() {
                        changed |= !info.active;
                        info.active = true;
                    }
                }
                None
            }
            Stmt::Decl { local, init: value }
            | Stmt::Set { local, value }
            | Stmt::Acc { local, value }
                if func.info(*value).active =>
            {
                Some(&mut func.locals[local.0 as usize])
            }
            Stmt::Store { array, value, .. } if func.info(*value).active => {
                Some(&mut func.arrays[array.0 as usize].info)
            }
            Stmt::DeclArray { array, init, .. } if init_active(func, init) => {
                Some(&mut func.arrays[array.0 as usize].info)
            }
            _ => None,
        };
        if let Some(info) = target {
            changed |= !info.active;
            info.active = true;
        }
        for b in stmt.blocks() {
            changed |= propagate(func, b);
        }
    }
    changed
}

/// What the result depends on through values (not through conditions, whose derivative is
/// zero): a flow-insensitive over-approximation, so nothing the result needs is left out.
#[derive(Default)]
struct Useful {
    vars: HashSet<Var>,
    locals: HashSet<Local>,
    arrays: HashSet<Array>,
}

impl Useful {
    /// One backward pass; true if anything became useful.
    fn propagate(&mut self, block: &Block) -> bool {
        let mut changed = false;
        for stmt in block.iter().rev() {
            for b in stmt.blocks() {
                changed |= self.propagate(b);
            }
            changed |= self.stmt(stmt);
        }
        changed
    }

    fn stmt(&mut self, stmt: &Stmt) -> bool {
        let (mut vars, mut arrays, mut locals) = (Vec::new(), Vec::new(), Vec::new());
        match stmt {
            Stmt::Let { dsts, op, .. } => {
                if !dsts.iter().flatten().any(|v| self.vars.contains(v)) {
                    return false;
                }
                // A method's arguments and a pattern's scrutinee too, so that `check` reports
                // an active one.
                inputs(op, true, &mut vars, &mut locals, &mut arrays);
            }
            Stmt::Decl { local, init: value }
            | Stmt::Set { local, value }
            | Stmt::Acc { local, value } => {
                if self.locals.contains(local) {
                    vars.push(*value);
                }
            }
            Stmt::Store { array, value, .. } => {
                if self.arrays.contains(array) {
                    vars.push(*value);
                }
            }
            Stmt::DeclArray { array, init, .. } => {
                if self.arrays.contains(array) {
                    match init {
                        ArrayInit::Fill { value, .. } => vars.push(*value),
                        ArrayInit::Elems { elems, .. } => vars.extend(elems),
                        ArrayInit::Call(_, args) => call_args(args, &mut vars, &mut arrays),
                        ArrayInit::CallJvp { args, dots, .. } => {
                            call_args(args, &mut vars, &mut arrays);
                            call_args(dots, &mut vars, &mut arrays);
                        }
                        ArrayInit::Part { of, .. } => arrays.push(*of),
                        ArrayInit::ZerosLike(_)
                        | ArrayInit::UnwantedLike(_)
                        | ArrayInit::Popped(_) => {}
                    }
                }
            }
            Stmt::If { .. }
            | Stmt::For { .. }
            | Stmt::While { .. }
            | Stmt::Repeat { .. }
            | Stmt::ExitIf(_)
            | Stmt::Push { .. }
            | Stmt::PushArray { .. }
            | Stmt::CallVjp { .. }
            | Stmt::Reserve { .. }
            | Stmt::Snapshot { .. }
            | Stmt::Checkpointed { .. }
            | Stmt::Verbatim { .. } => {}
        }
        let mut changed = false;
        for v in vars {
            changed |= self.vars.insert(v);
        }
        for l in locals {
            changed |= self.locals.insert(l);
        }
        for a in arrays {
            changed |= self.arrays.insert(a);
        }
        changed
    }

    /// Active: varied and useful.
    fn restrict(&self, func: &mut Func) {
        for (i, info) in func.vars.iter_mut().enumerate() {
            info.active &= self.vars.contains(&Var(i as u32));
        }
        for (i, info) in func.locals.iter_mut().enumerate() {
            info.active &= self.locals.contains(&Local(i as u32));
        }
        for (i, a) in func.arrays.iter_mut().enumerate() {
            a.info.active &= self.arrays.contains(&Array(i as u32));
        }
    }
}

fn call_args(args: &[CallArg], vars: &mut Vec<Var>, arrays: &mut Vec<Array>) {
    for a in args {
        match a {
            CallArg::Value(v) => vars.push(*v),
            CallArg::Array { array, .. } => arrays.push(*array),
        }
    }
}

fn init_active(func: &Func, init: &ArrayInit) -> bool {
    match init {
        ArrayInit::Fill { value, .. } => func.info(*value).active,
        ArrayInit::Elems { elems, .. } => elems.iter().any(|v| func.info(*v).active),
        ArrayInit::ZerosLike(_) | ArrayInit::UnwantedLike(_) | ArrayInit::Popped(_) => false,
        ArrayInit::Call(_, args) => args_active(func, args),
        ArrayInit::CallJvp { args, dots, .. } => args_active(func, args) || args_active(func, dots),
        ArrayInit::Part { of, .. } => func.array_info(*of).info.active,
    }
}

fn op_active(func: &Func, op: &Op) -> bool {
    let (mut vars, mut locals, mut arrays) = (Vec::new(), Vec::new(), Vec::new());
    inputs(op, false, &mut vars, &mut locals, &mut arrays);
    vars.iter().any(|v| func.info(*v).active)
        || locals.iter().any(|l| func.local_info(*l).active)
        || arrays.iter().any(|a| func.array_info(*a).info.active)
}

/// What the value `op` computes depends on through data a derivative flows along (not through
/// conditions, lengths, integer operands or steps): a primitive's float operands, a cast's operand, the
/// local or array it reads, a call's arguments. A method without a rule and a pattern's parts
/// carry no derivative; `report` counts their operands all the same, so that an active one can
/// be reported.
fn inputs(
    op: &Op,
    report: bool,
    vars: &mut Vec<Var>,
    locals: &mut Vec<Local>,
    arrays: &mut Vec<Array>,
) {
    match op {
        // Not through a step's (`floor`, `detach`): its partial is zero everywhere.
        Op::Prim(p, args) => vars.extend(
            (p.args.iter().zip(args))
                .filter(|(k, _)| **k == Arg::Float)
                .zip(p.partials)
                .filter(|(_, d)| **d != "0")
                .map(|((_, a), _)| *a),
        ),
        Op::Cast(x, _) => vars.push(*x),
        Op::Method(_, args) if report => vars.extend(args),
        Op::Opaque { bindings, .. } if report => vars.extend(bindings.iter().map(|(_, v)| *v)),
        Op::Get(l) => locals.push(*l),
        Op::Load(a, _) => arrays.push(*a),
        Op::Call(_, args) => call_args(args, vars, arrays),
        Op::CallJvp(_, args, dots) => {
            call_args(args, vars, arrays);
            call_args(dots, vars, arrays);
        }
        // In a tangent, a rule applied to a tangent (a kink's, a step's: see
        // `primitives::Tangent::Rule`) is linear in it and constant in the rest.
        Op::Rule { bar, .. } => vars.push(*bar),
        Op::Param(_)
        | Op::Tangent(_)
        | Op::Lit(_)
        | Op::Path(_)
        | Op::Uninit
        | Op::Method(..)
        | Op::Opaque { .. }
        | Op::Cmp(..)
        | Op::Not(_)
        | Op::Len(..)
        | Op::Seed(_)
        | Op::Pop(_) => {}
    }
}

fn args_active(func: &Func, args: &[CallArg]) -> bool {
    args.iter().any(|a| match a {
        CallArg::Value(v) => func.info(*v).active,
        CallArg::Array { array, .. } => func.array_info(*array).info.active,
    })
}

/// The differentiated call a statement makes, if any: a float result or a `Vec` one.
fn call_of<'a>(func: &Func, stmt: &'a Stmt) -> Option<(&'a syn::Path, &'a [CallArg], Span)> {
    match stmt {
        Stmt::Let {
            op: Op::Call(path, args),
            span,
            ..
        }
        | Stmt::DeclArray {
            init: ArrayInit::Call(path, args),
            span,
            ..
        } if args_active(func, args) => Some((path, args, *span)),
        _ => None,
    }
}

fn check(func: &Func, block: &Block, cx: &mut Ctxt) {
    for stmt in block {
        if let Some((path, args, span)) = call_of(func, stmt) {
            let name = path.to_token_stream().to_string().replace(' ', "");
            let scalar = args.iter().all(|a| matches!(a, CallArg::Value(_)));
            if scalar && primitives::lookup(Form::Runtime, &name).is_some() {
                cx.error_at(
                    span,
                    format!("#[grad] has no derivative rule for `{name}`; write `autodiff::{name}(..)`, whose rule #[grad] knows"),
                );
            }
        }
        match stmt {
            // A predicate (a `bool`, as `is_finite`) says something of an active value.
            Stmt::Let {
                dsts,
                op: Op::Method(m, args),
                span,
            } if args.iter().any(|a| func.info(*a).active)
                && !dsts.iter().flatten().all(|d| func.info(*d).ty == Ty::Bool) =>
            {
                cx.error_at(
                *span,
                    format!(
                        "#[grad] has no derivative rule for the method `{m}`; the float methods it differentiates are: {}",
                        primitives::method_names().join(", ")
                    ),
                )
            }
            // A part of an active value taken out by a pattern, `Some(s) => s * y`.
            Stmt::Let {
                dsts,
                op: Op::Opaque { bindings, .. },
                span,
            } if bindings.iter().any(|(_, v)| func.info(*v).active)
                && !dsts.iter().flatten().all(|d| func.info(*d).ty == Ty::Bool) =>
            {
                cx.error_at(
                    *span,
                    "#[grad] cannot differentiate through a pattern: this name is taken out of a value that depends on a differentiated input; match on data that is not differentiated, and keep the float in a local of its own (`let s = if c { x } else { 0.0 };`)",
                )
            }
            _ => {}
        }
        for b in stmt.blocks() {
            check(func, b, cx);
        }
    }
}
