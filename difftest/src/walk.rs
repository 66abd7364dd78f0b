//! A pre-order walk over every place of a function body that the shrinker can change, so that
//! one numbering serves both counting the candidate reductions and applying one of them.

use crate::ast::*;

/// Called on each node before its children.
pub trait VisitMut {
    fn stmts(&mut self, _s: &mut Vec<Stmt>) {}
    fn expr(&mut self, _e: &mut Expr) {}
    fn cond(&mut self, _c: &mut Cond) {}
    fn iexpr(&mut self, _e: &mut IExpr) {}
}

pub fn block<V: VisitMut>(b: &mut Block, v: &mut V) {
    v.stmts(&mut b.stmts);
    for s in &mut b.stmts {
        stmt(s, v);
    }
    if let Some(t) = &mut b.tail {
        expr(t, v);
    }
}

fn range<V: VisitMut>(r: &mut Range, v: &mut V) {
    match r {
        Range::Half(a, b) | Range::Incl(a, b) | Range::Rev(a, b) | Range::Step(a, b, _) => {
            iexpr(a, v);
            iexpr(b, v);
        }
    }
}

pub fn stmt<V: VisitMut>(s: &mut Stmt, v: &mut V) {
    match s {
        Stmt::Let { init, .. } => expr(init, v),
        Stmt::LetPair { inits, branch, .. } => {
            for e in inits {
                expr(e, v);
            }
            if let Some((c, els)) = branch {
                cond(c, v);
                for e in els {
                    expr(e, v);
                }
            }
        }
        Stmt::AssignPair { values: inits, .. } => {
            for e in inits {
                expr(e, v);
            }
        }
        Stmt::SwapElems { i, j, .. } => {
            iexpr(i, v);
            iexpr(j, v);
        }
        Stmt::SwapFloats(_) => {}
        Stmt::LetUnder(e) | Stmt::Return(e) | Stmt::LetCallPair { call: e, .. } => expr(e, v),
        Stmt::LetBuf { buf, .. } => match buf {
            Buf::VecList(xs) | Buf::ArrList(xs) => {
                for e in xs {
                    expr(e, v);
                }
            }
            Buf::Collect(c) => expr(&mut c.body, v),
            Buf::VecZeros(_) | Buf::ArrZeros(_) | Buf::Copy { .. } => {}
        },
        Stmt::LetInt { init, .. } => iexpr(init, v),
        Stmt::Assign { value, .. } | Stmt::LetClosure { body: value, .. } => expr(value, v),
        Stmt::IntAdd { value, .. } => iexpr(value, v),
        Stmt::SetIndex { index, value, .. } => {
            iexpr(index, v);
            expr(value, v);
        }
        Stmt::If { cond: c, then, els } => {
            cond(c, v);
            block(then, v);
            if let Some(e) = els {
                block(e, v);
            }
        }
        Stmt::For { range: r, body, .. } => {
            range(r, v);
            block(body, v);
        }
        Stmt::ForIter { body, .. } | Stmt::Loop { body, .. } => block(body, v),
        Stmt::While { cond: c, body, .. } => {
            cond(c, v);
            block(body, v);
        }
        Stmt::Match {
            scrut,
            arms,
            default,
            ..
        } => {
            iexpr(scrut, v);
            for (_, guard, b) in arms {
                if let Some(c) = guard {
                    cond(c, v);
                }
                block(b, v);
            }
            block(default, v);
        }
        Stmt::IfLet {
            cond: c,
            value,
            then,
            els,
            ..
        } => {
            cond(c, v);
            iexpr(value, v);
            block(then, v);
            if let Some(e) = els {
                block(e, v);
            }
        }
        Stmt::Block(b) => block(b, v),
        Stmt::Break | Stmt::Continue | Stmt::Const { .. } | Stmt::UsePi | Stmt::Assert { .. } => {}
    }
}

pub fn cond<V: VisitMut>(c: &mut Cond, v: &mut V) {
    v.cond(c);
    match c {
        Cond::F(_, a, b) => {
            expr(a, v);
            expr(b, v);
        }
        Cond::I(_, a, b) => {
            iexpr(a, v);
            iexpr(b, v);
        }
        Cond::And(a, b) | Cond::Or(a, b) => {
            cond(a, v);
            cond(b, v);
        }
        Cond::Not(a) => cond(a, v),
    }
}

pub fn iexpr<V: VisitMut>(e: &mut IExpr, v: &mut V) {
    v.iexpr(e);
    match e {
        IExpr::Add(a, b) | IExpr::Mul(a, b) | IExpr::Rem(a, b) => {
            iexpr(a, v);
            iexpr(b, v);
        }
        IExpr::Lit(_) | IExpr::Var(_) | IExpr::Len(_) => {}
    }
}

pub fn expr<V: VisitMut>(e: &mut Expr, v: &mut V) {
    v.expr(e);
    for c in children_mut(e) {
        expr(c, v);
    }
    match e {
        Expr::Index(_, i) | Expr::IntCast(i) | Expr::Match(i, ..) => iexpr(i, v),
        Expr::If(c, ..) => cond(c, v),
        _ => {}
    }
}

/// The float sub-expressions of `e`.
pub fn children_mut(e: &mut Expr) -> Vec<&mut Expr> {
    match e {
        Expr::Bin(_, a, b) | Expr::Bin2(_, a, b, _) | Expr::If(_, a, b) => vec![a, b],
        Expr::Neg(a)
        | Expr::Un(_, a, _)
        | Expr::Powi(a, _)
        | Expr::Runtime(_, a)
        | Expr::Widen(a, _) => vec![a],
        Expr::MulAdd(a, b, c) => vec![a, b, c],
        Expr::Call(_, args) => args
            .iter_mut()
            .filter_map(|a| match a {
                Arg::F(e) => Some(e),
                _ => None,
            })
            .collect(),
        Expr::Chain(c) => vec![&mut c.body],
        Expr::CallClosure(_, args) => args.iter_mut().collect(),
        Expr::Match(_, arms, d) => {
            let mut out: Vec<&mut Expr> = arms.iter_mut().map(|(_, e)| e).collect();
            out.push(d);
            out
        }
        Expr::Lit(..)
        | Expr::Var(_)
        | Expr::Const(_)
        | Expr::PiPath
        | Expr::Index(..)
        | Expr::IntCast(_)
        | Expr::Fold(..)
        | Expr::Dot(..) => vec![],
    }
}

/// Whether `b` calls a function's twin with two results.
pub fn calls_pairs(b: &Block) -> bool {
    struct V(bool);
    impl VisitMut for V {
        fn stmts(&mut self, s: &mut Vec<Stmt>) {
            self.0 |= s.iter().any(|s| matches!(s, Stmt::LetCallPair { .. }));
        }
    }
    let mut v = V(false);
    block(&mut b.clone(), &mut v);
    v.0
}

/// Calls `f` on every float expression of `b`.
pub fn exprs_of_block(b: &Block, f: &mut impl FnMut(&Expr)) {
    struct V<'a, F: FnMut(&Expr)>(&'a mut F);
    impl<F: FnMut(&Expr)> VisitMut for V<'_, F> {
        fn expr(&mut self, e: &mut Expr) {
            (self.0)(e)
        }
    }
    let mut b = b.clone();
    block(&mut b, &mut V(f));
}
