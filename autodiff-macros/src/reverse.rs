//! The reverse transform, IR → IR: the primal entries (the forward sweep), then for each entry in
//! reverse order its local rule (the reverse sweep). Adjoints stay single-assignment: a value's
//! first contribution *is* its adjoint, and each further one is added into a new value
//! (`v̄ += c` becomes `v̄' = v̄ + c`), so a value used twice receives from both uses.
//!
//! Only active values that reach the result get adjoint code; inactive arguments get none.

use crate::ir::{FloatTy, Func, Op, Stmt, Ty, Var};
use crate::primitives::{self, Arg};
use proc_macro2::Span;
use std::collections::HashMap;

/// The adjoint of `primal`: forward sweep, reverse sweep, and one gradient per active parameter.
pub fn reverse(primal: &Func, ret: FloatTy) -> Func {
    let mut out = primal.clone();
    let mut adj: HashMap<Var, Var> = HashMap::new();
    if primal.info(primal.ret).active {
        let seed = out.var(Ty::Float(Some(ret)), false, Some("seed".into()));
        out.body.push(Stmt::Let {
            dsts: vec![Some(seed)],
            op: Op::Seed,
            span: Span::call_site(),
        });
        adj.insert(primal.ret, seed);
    }
    let mut active_params = Vec::new();
    for stmt in primal.body.iter().rev() {
        let Stmt::Let { dsts, op, span } = stmt else {
            continue;
        };
        let Some(Some(y)) = dsts.first().copied() else {
            continue;
        };
        if let Op::Param(_) = op {
            if primal.info(y).active {
                active_params.push(y);
            }
            continue;
        }
        let Some(&bar) = adj.get(&y) else { continue };
        match op {
            Op::Prim(prim, args) => {
                let contribs: Vec<Option<Var>> = prim
                    .args
                    .iter()
                    .zip(args)
                    .filter(|(kind, _)| **kind == Arg::Float)
                    .map(|(_, &a)| {
                        let info = primal.info(a);
                        info.active.then(|| out.var(info.ty, true, bar_name(info)))
                    })
                    .collect();
                out.body.push(Stmt::Let {
                    dsts: contribs.clone(),
                    op: Op::Rule {
                        prim,
                        args: args.clone(),
                        out: y,
                        bar,
                    },
                    span: *span,
                });
                let float_args = prim
                    .args
                    .iter()
                    .zip(args)
                    .filter(|(k, _)| **k == Arg::Float);
                for ((_, &a), c) in float_args.zip(contribs) {
                    if let Some(c) = c {
                        accumulate(&mut out, &mut adj, a, c, *span);
                    }
                }
            }
            Op::Cast(x, _) => {
                let info = primal.info(*x);
                if let (true, Ty::Float(Some(src))) = (info.active, info.ty) {
                    let c = out.var(info.ty, true, bar_name(info));
                    let src_ty: syn::Type = match src {
                        FloatTy::F64 => syn::parse_quote!(f64),
                        FloatTy::F32 => syn::parse_quote!(f32),
                    };
                    out.body.push(Stmt::Let {
                        dsts: vec![Some(c)],
                        op: Op::Cast(bar, Box::new(src_ty)),
                        span: *span,
                    });
                    accumulate(&mut out, &mut adj, *x, c, *span);
                }
            }
            _ => {}
        }
    }
    active_params.reverse();
    out.grads = active_params.iter().map(|p| adj.get(p).copied()).collect();
    out
}

/// `v̄ += c`, in single assignment.
fn accumulate(out: &mut Func, adj: &mut HashMap<Var, Var>, v: Var, c: Var, span: Span) {
    let sum = match adj.get(&v) {
        None => c,
        Some(&prev) => {
            let info = out.info(c).clone();
            let sum = out.var(info.ty, true, info.name);
            out.body.push(Stmt::Let {
                dsts: vec![Some(sum)],
                op: Op::Prim(
                    primitives::infix('+').expect("the table has +"),
                    vec![prev, c],
                ),
                span,
            });
            sum
        }
    };
    adj.insert(v, sum);
}

fn bar_name(info: &crate::ir::VarInfo) -> Option<String> {
    info.name.as_ref().map(|n| format!("{n}_bar"))
}
