//! Activity: which values, locals and arrays depend on an active parameter. A fixpoint over the
//! IR, because a loop can make a local active after its first read. Then the checks that need
//! activity: a call without a derivative rule may not receive an active argument, and an active
//! buffer must be declared at the top level of the function.

use crate::ctxt::Ctxt;
use crate::ir::{ArrayInit, ArrayKind, Block, Callee, Func, Op, Stmt};
use crate::primitives::{self, Arg};
use quote::ToTokens;

pub fn analyse(func: &mut Func, cx: &mut Ctxt) {
    let mut body = std::mem::take(&mut func.body);
    while propagate(func, &body) {}
    check(func, &body, true, cx);
    func.body = std::mem::take(&mut body);
}

/// One pass; true if anything became active.
fn propagate(func: &mut Func, block: &Block) -> bool {
    let mut changed = false;
    for stmt in block {
        let target = match stmt {
            Stmt::Let { dsts, op, .. } => match dsts[..] {
                [Some(v)] if func.info(v).ty.is_float() && op_active(func, op) => {
                    Some(&mut func.vars[v.0 as usize])
                }
                _ => None,
            },
            Stmt::Decl { local, init: value } | Stmt::Set { local, value }
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

fn init_active(func: &Func, init: &ArrayInit) -> bool {
    match init {
        ArrayInit::Fill { value, .. } => func.info(*value).active,
        ArrayInit::Elems { elems, .. } => elems.iter().any(|v| func.info(*v).active),
        ArrayInit::ZerosLike(_) => false,
    }
}

fn op_active(func: &Func, op: &Op) -> bool {
    match op {
        Op::Cast(x, _) => func.info(*x).active,
        Op::Prim(p, args) => p
            .args
            .iter()
            .zip(args)
            .any(|(k, a)| *k == Arg::Float && func.info(*a).active),
        Op::Get(l) => func.local_info(*l).active,
        Op::Load(a, _) => func.array_info(*a).info.active,
        _ => false,
    }
}

fn check(func: &Func, block: &Block, top: bool, cx: &mut Ctxt) {
    for stmt in block {
        match stmt {
            Stmt::Let {
                op: Op::Opaque(callee, args),
                span,
                ..
            } if args.iter().any(|a| func.info(*a).active) => {
                let msg = match callee {
                    Callee::Method(m) => format!(
                        "#[grad] has no derivative rule for the method `{m}`; the float methods it differentiates are: {}",
                        primitives::method_names().join(", ")
                    ),
                    Callee::Path(p) => {
                        let path = p.to_token_stream().to_string().replace(' ', "");
                        let hint = match &*path {
                            "relu" | "sigmoid" => {
                                format!("write `autodiff::{path}(..)`, whose rule #[grad] knows")
                            }
                            _ => "write the computation with float operators and methods".to_owned(),
                        };
                        format!("#[grad] has no derivative rule for `{path}`, which is called with a differentiated argument; {hint}")
                    }
                };
                cx.error_at(*span, msg);
            }
            Stmt::DeclArray { array, init, span } => {
                let info = &func.array_info(*array).info;
                let name = info.name.as_deref().unwrap_or("this buffer");
                if info.active && !top && matches!(func.array_info(*array).kind, ArrayKind::Local) {
                    cx.error_at(
                        *span,
                        format!("#[grad] needs the buffer `{name}`, which holds differentiated values, to be declared at the top level of the function, before any loop or branch"),
                    );
                }
                if let ArrayInit::Fill { value, .. } = init {
                    if func.info(*value).active {
                        cx.error_at(
                            *span,
                            format!("#[grad] fills `{name}` with a differentiated value; fill it with a constant and assign the elements in a loop"),
                        );
                    }
                }
            }
            _ => {}
        }
        for b in stmt.blocks() {
            check(func, b, false, cx);
        }
    }
}
