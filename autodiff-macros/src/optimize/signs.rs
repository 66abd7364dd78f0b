//! Sign folding. The rules of `a − b` and `−a` hand on `−ȳ`; when that negated adjoint is then
//! multiplied and summed (the `x * x` in `a − x * x`), the negation feeds a product with two
//! uses and LLVM keeps it. Here the minus is carried symbolically instead: through every rule,
//! since each is linear in the adjoint it receives and IEEE rounding is symmetric
//! (`rule(−ȳ) = −rule(ȳ)` exactly), and through every sum of contributions (`−p + q = q − p`).
//! It is written out only where a value is consumed otherwise, as a `-v` with one use, which
//! LLVM folds into the subtraction or store that consumes it. The rules of `+`, `−` and unary
//! `−`, which only copy `±ȳ`, disappear. Results agree bit for bit, up to the sign of a zero.

use crate::ir::{Block, Func, Grad, Op, Stmt, Ty, Var};
use crate::maps::HashMap;
use crate::primitives;
use proc_macro2::Span;

pub fn fold(func: &mut Func) {
    let body = std::mem::take(&mut func.body);
    let mut signs = Signs {
        func,
        values: HashMap::default(),
    };
    let mut body = signs.block(body);
    let mut grads = std::mem::take(&mut signs.func.grads);
    for g in &mut grads {
        if let Grad::Scalar(Some(v)) = g {
            *v = signs.positive(*v, Span::call_site(), &mut body);
        }
    }
    let mut ret = std::mem::take(&mut signs.func.ret);
    let mut values = std::mem::take(&mut signs.func.values);
    for v in ret.iter_mut().chain(&mut values) {
        *v = signs.positive(*v, Span::call_site(), &mut body);
    }
    (func.body, func.grads, func.ret, func.values) = (body, grads, ret, values);
}

struct Signs<'a> {
    func: &'a mut Func,
    /// What each rewritten value stands for: another value, and whether negated.
    values: HashMap<Var, (Var, bool)>,
}

impl Signs<'_> {
    fn resolve(&self, v: Var) -> (Var, bool) {
        self.values.get(&v).copied().unwrap_or((v, false))
    }

    /// `v` as a value that holds it, negating it into `out` if needed.
    fn positive(&mut self, v: Var, span: Span, out: &mut Vec<Stmt>) -> Var {
        let (x, negated) = self.resolve(v);
        if !negated {
            return x;
        }
        let info = self.func.info(x).clone();
        let m = self.func.var(info.ty, info.active, info.name);
        out.push(Stmt::Let {
            dsts: vec![Some(m)],
            op: Op::Prim(primitives::neg(), vec![x]),
            span,
        });
        m
    }

    fn block(&mut self, block: Block) -> Block {
        let mut out = Vec::with_capacity(block.len());
        for stmt in block {
            self.stmt(stmt, &mut out);
        }
        out.into()
    }

    fn stmt(&mut self, mut stmt: Stmt, out: &mut Vec<Stmt>) {
        if let Stmt::Let { dsts, op, .. } = &mut stmt {
            match op {
                Op::Rule { prim, bar, .. } => {
                    let (b, negated) = self.resolve(*bar);
                    if let Some(minus) = prim.signed_copies() {
                        for (d, m) in dsts.iter().zip(minus) {
                            if let Some(d) = d {
                                self.values.insert(*d, (b, negated ^ m));
                            }
                        }
                        return;
                    }
                    // The other operands are primal values, never rewritten.
                    *bar = b;
                    if negated {
                        for d in dsts.iter().flatten() {
                            self.values.insert(*d, (*d, true));
                        }
                    }
                    out.push(stmt);
                    return;
                }
                Op::Prim(p, args) if p.infix() == Some('+') && self.is_sum(dsts, args) => {
                    let ((a, na), (b, nb)) = (self.resolve(args[0]), self.resolve(args[1]));
                    let sub = primitives::infix('-').expect("the table has -");
                    let (prim, operands) = match (na, nb) {
                        (true, false) => (sub, vec![b, a]),
                        (false, true) => (sub, vec![a, b]),
                        _ => (*p, vec![a, b]),
                    };
                    if na && nb {
                        let d = dsts[0].expect("a sum defines its value");
                        self.values.insert(d, (d, true));
                    }
                    *p = prim;
                    *args = operands;
                    out.push(stmt);
                    return;
                }
                _ => {}
            }
        }
        let span = match &stmt {
            Stmt::Let { span, .. } => *span,
            _ => Span::call_site(),
        };
        for v in stmt.uses_mut() {
            *v = self.positive(*v, span, out);
        }
        for b in stmt.blocks_mut() {
            *b = self.block(std::mem::take(b));
        }
        out.push(stmt);
    }

    /// Whether `dsts = args[0] + args[1]` adds float contributions of which one is negated.
    fn is_sum(&self, dsts: &[Option<Var>], args: &[Var]) -> bool {
        matches!(dsts, [Some(d)] if matches!(self.func.info(*d).ty, Ty::Float(_)))
            && args.iter().any(|a| self.resolve(*a).1)
    }
}
