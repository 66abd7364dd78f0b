//! Control flow: loops, branches, `match`, short-circuit logic, and the flags that turn
//! `break`, `continue` and `return` into structured control flow.

use super::source::*;
use super::{Binding, LoopFlags, Lower, Return};
use crate::ir::{Adapter, Array, Block, Checkpoint, Cmp, Iter, Local, Op, Schedule, Stmt, Ty, Var};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Expr, Pat};

impl Lower<'_> {
    /// `return v`: in straight-line code the end of lowering; inside loops and branches the
    /// result and the flags.
    pub(super) fn ret_from(&mut self, v: Var) {
        match self.ret {
            Some(Return::Flags { ret, returned }) => {
                self.set(ret, v);
                let yes = self.bool_lit(true);
                self.set(returned, yes);
                let flags: Vec<(Local, Local)> = self
                    .loops
                    .iter()
                    .flatten()
                    .map(|f| (f.skip, f.stop))
                    .collect();
                for (skip, stop) in flags {
                    self.set(skip, yes);
                    self.set(stop, yes);
                }
                self.exits += 1;
                self.returns += 1;
            }
            _ => self.ret = Some(Return::Value(v)),
        }
    }

    /// `break` (`stop`) or `continue`.
    pub(super) fn leave(&mut self, stop: bool, at: &impl ToTokens) {
        let Some(Some(flags)) = self.loops.last() else {
            self.unsupported(at, "`break` and `continue` belong inside a loop");
            return;
        };
        let (skip, stop_flag) = (flags.skip, flags.stop);
        let yes = self.bool_lit(true);
        self.set(skip, yes);
        if stop {
            self.set(stop_flag, yes);
        }
        self.exits += 1;
    }

    /// Runs `f` with a loop context for `body`: flags when it may leave early.
    pub(super) fn looped(&mut self, body: &syn::Block, f: impl FnOnce(&mut Self)) {
        let flags = leaves(body).then(|| {
            let no = self.bool_lit(false);
            LoopFlags {
                skip: self.declare(no, Some(Ty::Bool), "skip"),
                stop: self.declare(no, Some(Ty::Bool), "stop"),
            }
        });
        self.loops.push(flags);
        let (exits, returns) = (self.exits, self.returns);
        f(self);
        self.loops.pop();
        // A loop's own `break` and `continue` end with it: only a `return` leaves what
        // encloses the loop, whose rest must then be guarded.
        self.exits = exits + (self.returns - returns);
    }

    /// A loop body: the flags are reset at its start and tested at its end.
    pub(super) fn loop_body(&mut self, body: &syn::Block) -> Block {
        self.nested(|l| {
            let flags = l
                .loops
                .last()
                .and_then(|f| f.as_ref())
                .map(|f| (f.skip, f.stop));
            if let Some((skip, _)) = flags {
                let no = l.bool_lit(false);
                l.set(skip, no);
            }
            if l.stmts(&body.stmts, false).is_some() {
                l.cx.error_spanned(
                    body,
                    "a loop body has no value; end its last statement with `;`",
                );
            }
            if let Some((_, stop)) = flags {
                let c = l.get(stop);
                l.push(Stmt::ExitIf(c));
            }
        })
    }

    /// The loop's `#[checkpoint(every = K)]` or `#[checkpoint(snapshots = S)]`, with `K` or `S`
    /// evaluated here, before the loop.
    fn checkpoint(&mut self, attrs: &[syn::Attribute]) -> Option<Checkpoint> {
        let mut attrs = attrs.iter().filter(|a| crate::args::is_checkpoint(a));
        let attr = attrs.next()?;
        if let Some(again) = attrs.next() {
            self.cx.error_spanned(
                again,
                "a loop takes one `#[checkpoint(..)]`; keep `every = K` or `snapshots = S`",
            );
        }
        let usage = crate::args::CHECKPOINT_USAGE;
        let (key, value) = match crate::args::checkpoint(attr) {
            Ok(kv) => kv,
            Err(e) => {
                self.cx.push(e);
                return None;
            }
        };
        let schedule = match key.to_string().as_str() {
            "every" => Schedule::Every,
            "snapshots" => Schedule::Binomial,
            _ => {
                self.cx
                    .error_spanned(&key, format!("unknown key `{key}`: {usage}"));
                return None;
            }
        };
        if let Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(n),
            ..
        }) = &value
        {
            if n.base10_parse::<u128>().is_ok_and(|n| n == 0) {
                let what = match schedule {
                    Schedule::Every => "a loop cannot keep a state every 0 iterations: `every` takes a positive integer, 1 for every iteration",
                    Schedule::Binomial => "`snapshots = 0` keeps no state to restart from: it takes a positive integer, at least 1",
                };
                self.cx.error_spanned(n, what);
                return None;
            }
        }
        let n = self.expr(&value);
        if self.ty(n) != Ty::Int && !self.poisoned.contains(&n) {
            self.cx.error_spanned(
                &value,
                format!("`{key}` takes an integer (a `usize`): {usage}"),
            );
            return None;
        }
        Some(Checkpoint { schedule, n })
    }

    pub(super) fn for_loop(&mut self, f: &syn::ExprForLoop) {
        if let Some(label) = &f.label {
            self.unsupported(
                label,
                "#[grad] does not support loop labels; restructure with a flag",
            );
            return;
        }
        if self.is_chain(&f.expr) {
            return self.chain_loop(f);
        }
        let checkpoint = self.checkpoint(&f.attrs);
        let Some((iter, elem)) = self.iteration(&f.expr) else {
            return;
        };
        self.make_mutable(&f.body);
        let var = self.func.var(Ty::Int, false, None);
        if let Some(c) = checkpoint {
            self.func.checkpoints.push((var, c));
        }
        self.looped(&f.body, |l| {
            let body = l.nested(|l| {
                l.bind_pattern(&f.pat, var, elem);
                let body = l.loop_body(&f.body);
                l.blocks
                    .last_mut()
                    .expect("a block is always open")
                    .extend(body);
            });
            l.push(Stmt::For { var, iter, body });
        });
    }

    /// Binds a `for` pattern: the index, or the element of an array iterated over (with the
    /// index too for `enumerate`).
    pub(super) fn bind_pattern(&mut self, pat: &Pat, index: Var, elem: Option<(Array, bool)>) {
        let load = |l: &mut Self, array: Array| {
            let ty = l.func.array_info(array).info.ty;
            l.def(Op::Load(array, vec![index]), ty, pat.span())
        };
        match (pat, elem) {
            (_, None) => self.bind_value(pat, index),
            (Pat::Tuple(t), Some((array, true))) if t.elems.len() == 2 => {
                self.bind_value(&t.elems[0], index);
                let v = load(self, array);
                self.bind_value(&t.elems[1], v);
            }
            (_, Some((array, false))) => {
                let v = load(self, array);
                self.bind_value(pat, v);
            }
            (other, _) => {
                self.unsupported(
                    other,
                    "#[grad] supports `for i in ..`, `for &v in xs.iter()` and `for (i, &v) in xs.iter().enumerate()` here",
                );
            }
        }
    }

    /// Binds `v`, `&v` or `_` to a value.
    pub(super) fn bind_value(&mut self, pat: &Pat, v: Var) {
        match pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                self.bind(&p.ident, Binding::Value(v))
            }
            Pat::Reference(r) => self.bind_value(&r.pat, v),
            Pat::Wild(_) => {}
            other => {
                self.unsupported(
                    other,
                    "#[grad] binds loop variables to plain names, `&name` or `_`",
                );
            }
        }
    }

    /// What a `for` loop iterates: a range with adapters, or an array's elements (with
    /// `enumerate`: the flag).
    pub(super) fn iteration(&mut self, e: &Expr) -> Option<(Iter, Option<(Array, bool)>)> {
        match e {
            Expr::Paren(p) => self.iteration(&p.expr),
            Expr::Group(g) => self.iteration(&g.expr),
            Expr::Range(r) => {
                let (Some(from), Some(to)) = (&r.start, &r.end) else {
                    self.unsupported(r, "#[grad] needs both ends of a loop range, as in `0..n`");
                    return None;
                };
                let start = self.expr(from);
                let end = self.expr(to);
                let inclusive = matches!(r.limits, syn::RangeLimits::Closed(_));
                let iter = Iter {
                    start,
                    end,
                    inclusive,
                    adapters: Vec::new(),
                };
                Some((iter, None))
            }
            Expr::Reference(r) if r.mutability.is_none() => self.array_iteration(&r.expr, e),
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                match (&*name, m.args.len()) {
                    ("iter", 0) => self.array_iteration(&m.receiver, e),
                    ("rev", 0) | ("step_by", 1) | ("enumerate", 0) => {
                        let (mut iter, elem) = self.iteration(&m.receiver)?;
                        match &*name {
                            "rev" => iter.adapters.push(Adapter::Rev),
                            "step_by" => {
                                let k = self.expr(&m.args[0]);
                                iter.adapters.push(Adapter::StepBy(k));
                            }
                            _ => {
                                match elem {
                                    Some((a, false)) if iter.adapters.is_empty() => {
                                        return Some((iter, Some((a, true))))
                                    }
                                    _ => {
                                        self.unsupported(&m.method, "#[grad] supports `enumerate()` directly on `xs.iter()`");
                                        return None;
                                    }
                                }
                            }
                        }
                        Some((iter, elem))
                    }
                    _ => {
                        self.unsupported(
                            &m.method,
                            format!("#[grad] does not support the iterator adaptor `{name}`; loop over indices, `xs.iter()`, `.enumerate()`, `.rev()` or `.step_by(k)`"),
                        );
                        None
                    }
                }
            }
            other => {
                self.unsupported(
                    other,
                    "#[grad] loops over ranges (`a..b`, `a..=b`) and arrays (`xs.iter()`); iterate over indices instead",
                );
                None
            }
        }
    }

    pub(super) fn array_iteration(
        &mut self,
        e: &Expr,
        whole: &Expr,
    ) -> Option<(Iter, Option<(Array, bool)>)> {
        let Some(array) = self.array_of(e) else {
            self.unsupported(
                whole,
                "#[grad] iterates only over arrays and slices of floats here",
            );
            return None;
        };
        let zero = self.lit(&syn::parse_quote!(0));
        let end = self.def(Op::Len(array, Vec::new()), Ty::Int, e.span());
        let iter = Iter {
            start: zero,
            end,
            inclusive: false,
            adapters: Vec::new(),
        };
        Some((iter, Some((array, false))))
    }

    pub(super) fn while_loop(&mut self, w: &syn::ExprWhile) {
        if let Some(label) = &w.label {
            self.unsupported(
                label,
                "#[grad] does not support loop labels; restructure with a flag",
            );
            return;
        }
        if let Expr::Let(l) = &*w.cond {
            self.unsupported(l, "#[grad] does not support `while let`; loop with `while` over a condition or over indices");
            return;
        }
        self.make_mutable(&w.body);
        self.looped(&w.body, |l| {
            let mut c = None;
            let cond = l.nested(|l| c = Some(l.expr(&w.cond)));
            let c = c.expect("set by the closure");
            let body = l.loop_body(&w.body);
            l.push(Stmt::While {
                cond: Some((cond, c)),
                body,
            });
        });
    }

    /// `if` as a statement (`value` false) or as an expression whose value it returns.
    pub(super) fn if_stmt(&mut self, i: &syn::ExprIf, value: bool) -> Option<Var> {
        self.make_mutable(i);
        // `if let Some(k) = opt`: the pattern's test, its names bound in the branch.
        let (cond, binds) = match &*i.cond {
            Expr::Let(l) => {
                let s = self.expr(&l.expr);
                let cond = match self.pattern(s, &l.pat) {
                    Some(c) => c,
                    None => self.bool_lit(true),
                };
                (cond, Some((s, &*l.pat)))
            }
            c => (self.expr(c), None),
        };
        let mut then_value = None;
        let then = self.nested(|l| {
            if let Some((s, pat)) = binds {
                l.bind_arm(s, pat);
            }
            then_value = l.stmts(&i.then_branch.stmts, value)
        });
        let mut else_value = None;
        let els = match &i.else_branch {
            Some((_, e)) => self.nested(|l| else_value = l.branch(e, value)),
            None => Block::default(),
        };
        if !value {
            self.push(Stmt::If { cond, then, els });
            return None;
        }
        let (Some(a), Some(b)) = (then_value, else_value) else {
            self.cx.error_spanned(
                i,
                "#[grad] needs both branches of an `if` used as a value to end in a value, and an `else`",
            );
            return Some(self.placeholder());
        };
        Some(self.merge(cond, then, a, els, b))
    }

    /// The value of an `if` or `match`: a local both branches assign.
    pub(super) fn merge(
        &mut self,
        cond: Var,
        mut then: Block,
        a: Var,
        mut els: Block,
        b: Var,
    ) -> Var {
        let merged = self.merge_all(&mut then, &mut els, &[(a, b)]);
        self.push(Stmt::If { cond, then, els });
        self.get(merged[0])
    }

    /// Each pair `(a, b)` as a local that `then` ends setting to `a` and `els` to `b`, to be
    /// read after them.
    pub(super) fn merge_all(
        &mut self,
        then: &mut Block,
        els: &mut Block,
        pairs: &[(Var, Var)],
    ) -> Vec<Local> {
        pairs
            .iter()
            .map(|&(a, b)| {
                let ty = join(Some(self.ty(a)), self.ty(b));
                let init = match ty {
                    Ty::Bool => self.bool_lit(false),
                    Ty::Int => self.lit(&syn::parse_quote!(0)),
                    Ty::Float(_) => self.lit(&syn::parse_quote!(0.0)),
                    Ty::Other => self.def(Op::Uninit, Ty::Other, proc_macro2::Span::call_site()),
                };
                let local = self.declare(init, Some(ty), "branch");
                then.push(Stmt::Set { local, value: a });
                els.push(Stmt::Set { local, value: b });
                local
            })
            .collect()
    }

    /// An `else` branch: a block or another `if`.
    pub(super) fn branch(&mut self, e: &Expr, value: bool) -> Option<Var> {
        match e {
            Expr::Block(b) => self.stmts(&b.block.stmts, value),
            Expr::If(i) => self.if_stmt(i, value),
            other => Some(self.expr(other)),
        }
    }

    /// `match` on integers or booleans, as a chain of `if`s; `value` when its value is used.
    pub(super) fn match_expr(&mut self, m: &syn::ExprMatch, value: bool) -> Option<Var> {
        self.make_mutable(m);
        let scrutinee = self.expr(&m.expr);
        self.arms(scrutinee, &m.arms, m, value)
    }

    pub(super) fn arms(
        &mut self,
        s: Var,
        arms: &[syn::Arm],
        whole: &syn::ExprMatch,
        value: bool,
    ) -> Option<Var> {
        let Some((arm, rest)) = arms.split_first() else {
            return Some(self.unsupported(whole, "#[grad] needs a `match` with at least one arm"));
        };
        if let (Some((if_token, _)), true) = (&arm.guard, rest.is_empty()) {
            return Some(self.unsupported(
                if_token,
                "#[grad] needs the last arm of a `match` to have no guard; Rust cannot see that the arms cover every value",
            ));
        }
        let body = |l: &mut Self| {
            if value {
                Some(l.expr(&arm.body))
            } else {
                l.effect(&arm.body)
            }
        };
        // Rust checks that the arms are exhaustive: the last one runs when no other matched,
        // in a scope of its own for the names its pattern binds.
        if rest.is_empty() {
            let mut a = None;
            let block = self.nested(|l| {
                l.bind_arm(s, &arm.pat);
                a = body(l);
            });
            self.blocks
                .last_mut()
                .expect("a block is always open")
                .extend(block);
            return a;
        }
        let Some(cond) = self.arm_test(s, arm) else {
            return Some(self.unsupported(
                &arm.pat,
                "this arm matches everything; the arms after it never run",
            ));
        };
        let mut a = None;
        let then = self.nested(|l| {
            l.bind_arm(s, &arm.pat);
            a = body(l)
        });
        let mut b = None;
        let els = self.nested(|l| b = l.arms(s, rest, whole, value));
        match (value, a, b) {
            (true, Some(a), Some(b)) => Some(self.merge(cond, then, a, els, b)),
            _ => {
                self.push(Stmt::If { cond, then, els });
                None
            }
        }
    }

    /// The condition under which `pat` matches `s`; `None` for a pattern that always matches.
    /// A pattern of an enum, a tuple or a struct (`Loss::Huber(_)`, `Some(_)`) is tested as
    /// written, `matches!(s, pat)`, on data that is never differentiated.
    pub(super) fn pattern(&mut self, s: Var, pat: &Pat) -> Option<Var> {
        match pat {
            Pat::Wild(_) => None,
            // A name binds the whole value (its arm always matches); a constant's is a test.
            Pat::Ident(p) if p.subpat.is_none() && !is_constant(&p.ident) => None,
            Pat::Ident(_)
            | Pat::Path(_)
            | Pat::TupleStruct(_)
            | Pat::Struct(_)
            | Pat::Tuple(_)
            | Pat::Reference(_)
            | Pat::Slice(_) => {
                let name = self.fresh("scrutinee");
                let tokens = quote::quote_spanned!(pat.span()=> ::core::matches!(#name, #pat));
                let op = Op::Opaque {
                    tokens: Box::new(tokens),
                    bindings: vec![(name, s)],
                };
                Some(self.def(op, Ty::Bool, pat.span()))
            }
            Pat::Lit(l) => {
                let v = self.lit(&l.lit);
                Some(self.def(Op::Cmp(Cmp::Eq, s, v), Ty::Bool, l.span()))
            }
            Pat::Paren(p) => self.pattern(s, &p.pat),
            Pat::Or(o) => {
                let mut conds = Vec::new();
                for case in &o.cases {
                    conds.push(self.pattern(s, case)?);
                }
                conds.into_iter().reduce(|a, b| self.or(a, b))
            }
            Pat::Range(r) => {
                let mut cond = None;
                if let Some(lo) = &r.start {
                    let lo = self.expr(lo);
                    cond = Some(self.def(Op::Cmp(Cmp::Ge, s, lo), Ty::Bool, r.span()));
                }
                if let Some(hi) = &r.end {
                    let hi = self.expr(hi);
                    let op = match r.limits {
                        syn::RangeLimits::Closed(_) => Cmp::Le,
                        syn::RangeLimits::HalfOpen(_) => Cmp::Lt,
                    };
                    let c = self.def(Op::Cmp(op, s, hi), Ty::Bool, r.span());
                    cond = Some(match cond {
                        Some(lo) => self.and(lo, c),
                        None => c,
                    });
                }
                cond
            }
            other => Some(self.unsupported(
                other,
                "#[grad] matches integers and booleans against literals, `a | b`, ranges and `_`",
            )),
        }
    }

    /// Whether `arm` is taken for `s`: its pattern's test, then its guard, which reads the
    /// names the pattern binds and runs only where it matches. `None` for an arm that always is.
    pub(super) fn arm_test(&mut self, s: Var, arm: &syn::Arm) -> Option<Var> {
        let test = self.pattern(s, &arm.pat);
        let Some((_, guard)) = &arm.guard else {
            return test;
        };
        let mut g = None;
        let eval = self.nested(|l| {
            l.bind_arm(s, &arm.pat);
            g = Some(l.expr(guard));
        });
        let g = g.expect("set above");
        Some(match test {
            Some(t) => {
                let no = self.bool_lit(false);
                self.merge(t, eval, g, Block::default(), no)
            }
            None => {
                self.blocks
                    .last_mut()
                    .expect("a block is always open")
                    .extend(eval);
                g
            }
        })
    }

    /// Binds the names `pat` binds when it matches `s`: the whole value for a plain name,
    /// else each part as written (`Loss::Huber(delta)`: `delta`), copied out of the value.
    pub(super) fn bind_arm(&mut self, s: Var, pat: &Pat) {
        if let Pat::Ident(p) = pat {
            if p.subpat.is_none() && !is_constant(&p.ident) {
                return self.bind(&p.ident, Binding::Value(s));
            }
        }
        let mut names = Vec::new();
        pattern_names(pat, &mut names);
        for ident in names {
            let name = self.fresh("scrutinee");
            let tokens = quote::quote_spanned! {ident.span()=>
                match #name {
                    #pat => ::core::clone::Clone::clone(#ident),
                    _ => ::core::unreachable!(),
                }
            };
            let op = Op::Opaque {
                tokens: Box::new(tokens),
                bindings: vec![(name, s)],
            };
            let v = self.def(op, Ty::Other, ident.span());
            self.bind(&ident, Binding::Value(v));
        }
    }

    /// `a || b` of two already-computed conditions.
    pub(super) fn or(&mut self, a: Var, b: Var) -> Var {
        let yes = self.bool_lit(true);
        self.merge(a, Block::default(), yes, Block::default(), b)
    }

    /// `a && b` of two already-computed conditions.
    pub(super) fn and(&mut self, a: Var, b: Var) -> Var {
        let no = self.bool_lit(false);
        self.merge(a, Block::default(), b, Block::default(), no)
    }

    /// `a && b` or `a || b`, evaluating `b` only when needed, as Rust does.
    pub(super) fn short_circuit(&mut self, b: &syn::ExprBinary, and: bool) -> Var {
        let lhs = self.expr(&b.left);
        let mut rhs = None;
        let eval = self.nested(|l| rhs = Some(l.expr(&b.right)));
        let rhs = rhs.expect("set above");
        let fixed = self.bool_lit(!and);
        if and {
            self.merge(lhs, eval, rhs, Block::default(), fixed)
        } else {
            self.merge(lhs, Block::default(), fixed, eval, rhs)
        }
    }
}

/// Whether a name in a pattern is a constant's (`MAX`), by Rust's naming: a binding's is
/// snake case.
fn is_constant(ident: &syn::Ident) -> bool {
    ident
        .to_string()
        .starts_with(|c: char| c.is_ascii_uppercase())
}

/// The names a pattern binds, in order; an or-pattern binds those of its first case.
fn pattern_names(pat: &Pat, out: &mut Vec<syn::Ident>) {
    match pat {
        Pat::Ident(p) => {
            if !is_constant(&p.ident) {
                out.push(p.ident.clone());
            }
            if let Some((_, sub)) = &p.subpat {
                pattern_names(sub, out);
            }
        }
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| pattern_names(p, out)),
        Pat::Tuple(t) => t.elems.iter().for_each(|p| pattern_names(p, out)),
        Pat::Slice(s) => s.elems.iter().for_each(|p| pattern_names(p, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| pattern_names(&f.pat, out)),
        Pat::Reference(r) => pattern_names(&r.pat, out),
        Pat::Paren(p) => pattern_names(&p.pat, out),
        Pat::Type(t) => pattern_names(&t.pat, out),
        Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                pattern_names(first, out);
            }
        }
        _ => {}
    }
}
