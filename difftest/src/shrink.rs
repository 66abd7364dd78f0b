//! Greedy shrinking of a failing program: every one-step reduction (delete a statement, splice
//! a block into its parent, replace an expression by a sub-expression or a literal, simplify
//! an integer or a condition, drop `wrt`, drop a parameter) is tried, many per generated crate
//! so that one build checks them all, and the smallest that fails the same way is kept.

use crate::ast::*;
use crate::emit::{collect_callees, source};
use crate::run::{Outcome, Runner};
use crate::walk::{self, VisitMut};
use std::time::{Duration, Instant};

/// The program that `idx` of `funcs` is: it and its callees, re-indexed, it last.
pub fn extract(funcs: &[Func], idx: usize) -> Vec<Func> {
    let mut order = Vec::new();
    collect_callees(funcs, idx, &mut order);
    let mut out: Vec<Func> = order.iter().map(|&i| funcs[i].clone()).collect();
    for f in &mut out {
        remap_calls(f, &|i| {
            order
                .iter()
                .position(|&o| o == i)
                .expect("callee extracted")
        });
        f.check = false;
    }
    out.last_mut().expect("the function itself").check = true;
    out
}

fn remap_calls(f: &mut Func, map: &dyn Fn(usize) -> usize) {
    struct M<'a>(&'a dyn Fn(usize) -> usize);
    impl VisitMut for M<'_> {
        fn expr(&mut self, e: &mut Expr) {
            if let Expr::Call(i, _) = e {
                *i = (self.0)(*i);
            }
        }
    }
    walk::block(&mut f.body, &mut M(map));
}

/// Counts the places (`target` none) or applies reduction number `target`.
struct Reduce {
    target: Option<usize>,
    count: usize,
    done: bool,
}

impl Reduce {
    /// Whether reduction `count` is the one to apply; advances the count.
    fn hit(&mut self) -> bool {
        let h = self.target == Some(self.count) && !self.done;
        self.count += 1;
        if h {
            self.done = true;
        }
        h
    }
}

fn inner_blocks(s: &Stmt) -> Vec<Block> {
    match s {
        Stmt::If { then, els, .. } | Stmt::IfLet { then, els, .. } => {
            let mut v = vec![then.clone()];
            v.extend(els.clone());
            v
        }
        Stmt::For { body, .. }
        | Stmt::ForIter { body, .. }
        | Stmt::While { body, .. }
        | Stmt::Loop { body, .. }
        | Stmt::Block(body) => vec![body.clone()],
        Stmt::Match { arms, default, .. } => {
            let mut v: Vec<Block> = arms.iter().map(|(.., b)| b.clone()).collect();
            v.push(default.clone());
            v
        }
        _ => vec![],
    }
}

impl VisitMut for Reduce {
    fn stmts(&mut self, stmts: &mut Vec<Stmt>) {
        for p in 0..stmts.len() {
            if self.hit() {
                stmts.remove(p);
                return;
            }
            for b in inner_blocks(&stmts[p]) {
                if self.hit() {
                    stmts.splice(p..=p, b.stmts);
                    return;
                }
            }
            if let Stmt::If { els: Some(_), .. } = &stmts[p] {
                if self.hit() {
                    if let Stmt::If { els, .. } = &mut stmts[p] {
                        *els = None;
                    }
                    return;
                }
            }
        }
    }

    fn expr(&mut self, e: &mut Expr) {
        if self.done {
            return;
        }
        let kids: Vec<Expr> = walk::children_mut(e)
            .into_iter()
            .map(|c| c.clone())
            .collect();
        for k in kids {
            if self.hit() {
                *e = k;
                return;
            }
        }
        if !matches!(e, Expr::Lit(..)) && self.hit() {
            *e = Expr::Lit(0.5, LitStyle::Plain);
            return;
        }
        if let Expr::Lit(v, s) = e {
            if *s != LitStyle::Plain && self.hit() {
                *e = Expr::Lit(*v, LitStyle::Plain);
            }
        }
    }

    fn cond(&mut self, c: &mut Cond) {
        if self.done {
            return;
        }
        match c {
            Cond::And(a, b) | Cond::Or(a, b) => {
                let (a, b) = ((**a).clone(), (**b).clone());
                if self.hit() {
                    *c = a;
                } else if self.hit() {
                    *c = b;
                }
            }
            Cond::Not(a) => {
                let a = (**a).clone();
                if self.hit() {
                    *c = a;
                }
            }
            _ => {}
        }
    }

    fn iexpr(&mut self, e: &mut IExpr) {
        if self.done {
            return;
        }
        match e {
            IExpr::Add(a, b) | IExpr::Mul(a, b) => {
                let (a, b) = ((**a).clone(), (**b).clone());
                if self.hit() {
                    *e = a;
                } else if self.hit() {
                    *e = b;
                }
            }
            IExpr::Lit(n) if *n > 1 && self.hit() => *e = IExpr::Lit(1),
            IExpr::Var(_) | IExpr::Len(_) if self.hit() => *e = IExpr::Lit(1),
            _ => {}
        }
    }
}

/// Every one-step reduction of `prog`.
pub fn candidates(prog: &[Func]) -> Vec<Vec<Func>> {
    let mut out = Vec::new();
    for fi in 0..prog.len() {
        let f = &prog[fi];
        let mut count = Reduce {
            target: None,
            count: 0,
            done: false,
        };
        walk::block(&mut f.body.clone(), &mut count);
        for t in 0..count.count {
            let mut g = f.clone();
            let mut r = Reduce {
                target: Some(t),
                count: 0,
                done: false,
            };
            walk::block(&mut g.body, &mut r);
            if r.done {
                let mut p = prog.to_vec();
                p[fi] = g;
                out.push(p);
            }
        }
        if f.wrt.is_some() {
            let mut p = prog.to_vec();
            p[fi].wrt = None;
            out.push(p);
        }
        // Dropping a parameter: calls to the function drop the argument too.
        if f.params.len() > 1 {
            for pi in 0..f.params.len() {
                let mut p = prog.to_vec();
                p[fi].params.remove(pi);
                if let Some(w) = &mut p[fi].wrt {
                    w.retain(|&i| i != pi);
                    for i in w.iter_mut() {
                        if *i > pi {
                            *i -= 1;
                        }
                    }
                    if w.is_empty() {
                        p[fi].wrt = None;
                    }
                }
                for g in p.iter_mut() {
                    drop_arg(g, fi, pi);
                }
                out.push(p);
            }
        }
    }
    // The smallest first: big deletions are tried before small edits.
    out.sort_by_key(|p| size(p));
    out
}

fn drop_arg(f: &mut Func, callee: usize, pi: usize) {
    struct D(usize, usize);
    impl VisitMut for D {
        fn expr(&mut self, e: &mut Expr) {
            if let Expr::Call(i, args) = e {
                if *i == self.0 && self.1 < args.len() {
                    args.remove(self.1);
                }
            }
        }
    }
    walk::block(&mut f.body, &mut D(callee, pi));
}

/// The size of a program: the length of its source.
pub fn size(prog: &[Func]) -> usize {
    source(prog, prog.len() - 1).len()
}

/// Shrinks `prog` (the failing function last) while it fails with `key`; stops after `budget`.
pub fn shrink(runner: &Runner, prog: Vec<Func>, key: &str, budget: Duration) -> Vec<Func> {
    let start = Instant::now();
    let mut best = prog;
    // Candidates per build: enough to take big steps, few enough to build fast.
    const PER_BUILD: usize = 40;
    'rounds: while start.elapsed() < budget {
        let cands = candidates(&best);
        let best_size = size(&best);
        for chunk in cands.chunks(PER_BUILD) {
            if start.elapsed() >= budget {
                break 'rounds;
            }
            let chunk: Vec<&Vec<Func>> = chunk.iter().filter(|c| size(c) < best_size).collect();
            if chunk.is_empty() {
                continue;
            }
            // All candidates in one crate, each under its own names.
            let mut all: Vec<Func> = Vec::new();
            let mut targets = Vec::new();
            for (k, c) in chunk.iter().enumerate() {
                let base = all.len();
                for f in c.iter() {
                    let mut f = f.clone();
                    f.name = format!("c{k}_{}", f.name);
                    remap_calls(&mut f, &|i| base + i);
                    all.push(f);
                }
                targets.push(all.len() - 1);
            }
            let outcomes = runner.run(&all);
            let found = targets
                .iter()
                .enumerate()
                .find(|(_, &t)| outcomes[t].key().as_deref() == Some(key));
            if let Some((k, _)) = found {
                best = chunk[k].clone();
                continue 'rounds;
            }
        }
        break;
    }
    best
}

/// Re-runs `prog` alone: the outcome of its last function.
pub fn recheck(runner: &Runner, prog: &[Func]) -> Outcome {
    runner.run(prog).pop().unwrap_or(Outcome::Blocked)
}
