//! Tuples of values in the body: `let p = (a, b);`, `p.0`, `let (a, b) = p;`, destructuring
//! assignment `(a, b) = (b, a + b)`, and `let [a, b, c] = q;` of an array. A tuple is no value
//! of the IR: a name bound to one stands for its elements, each bound as a name would be.

use super::source::strip_parens;
use super::{Binding, Lower};
use crate::ir::{Block, CallArg, Op, Stmt, Var};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Expr, Pat};

impl Lower<'_> {
    /// What a tuple expression, or a name or field bound to a tuple, stands for: one binding
    /// per element. `None` where `e` is no tuple.
    pub(super) fn tuple_of(&mut self, e: &Expr) -> Option<Vec<Binding>> {
        match strip_parens(e) {
            Expr::Tuple(t) if !t.elems.is_empty() => Some(
                (t.elems.iter())
                    .map(|x| match self.tuple_of(x) {
                        Some(elems) => self.tuple(elems),
                        // `let (mut m, mut v) = (vec![0.0; n], vec![0.0; n]);`
                        None => match self.array_init(x) {
                            Some(array) => Binding::Array(array),
                            None => Binding::Value(self.expr(x)),
                        },
                    })
                    .collect(),
            ),
            e @ (Expr::Path(_) | Expr::Field(_)) => match self.named(e)? {
                Binding::Tuple(k) => Some(self.tuples[k as usize].clone()),
                _ => None,
            },
            e @ (Expr::If(_) | Expr::Match(_)) if self.ends_in_tuple(e) => self.branches(e),
            // A closure whose body ends in a tuple.
            Expr::Call(c) => {
                let Expr::Path(f) = strip_parens(&c.func) else {
                    return None;
                };
                match self.lookup(f.path.get_ident()?)? {
                    // A call of the wrong arity is reported where it is lowered as a value.
                    Binding::Closure(k)
                        if self.closures[k as usize].0.inputs.len() == c.args.len() =>
                    {
                        self.call_closure_tuple(k, c)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// What `e` stands for where a tuple of `arity` elements is taken from it: as
    /// [`Lower::tuple_of`], or the results of a function's call, `let (a, b) = f(x);`, whose
    /// number only the pattern tells.
    fn tuple_from(&mut self, e: &Expr, arity: Option<usize>) -> Option<Vec<Binding>> {
        if let Some(elems) = self.tuple_of(e) {
            return Some(elems);
        }
        match (strip_parens(e), arity) {
            (Expr::Call(c), Some(n)) => {
                let results = self.call_results(c, n);
                Some(results.into_iter().map(Binding::Value).collect())
            }
            _ => None,
        }
    }

    /// Whether `e` has a tuple as its value: a tuple expression, a name bound to one, or an
    /// `if`, `match` or block one of whose branches ends in one (Rust types them all alike).
    fn ends_in_tuple(&self, e: &Expr) -> bool {
        let tail = |b: &syn::Block| match b.stmts.last() {
            Some(syn::Stmt::Expr(t, None)) => self.ends_in_tuple(t),
            _ => false,
        };
        match strip_parens(e) {
            Expr::Tuple(t) => !t.elems.is_empty(),
            e @ (Expr::Path(_) | Expr::Field(_)) => {
                matches!(self.named(e), Some(Binding::Tuple(_)))
            }
            Expr::Block(b) => tail(&b.block),
            Expr::If(i) => {
                tail(&i.then_branch)
                    || i.else_branch
                        .as_ref()
                        .is_some_and(|(_, e)| self.ends_in_tuple(e))
            }
            Expr::Match(m) => m.arms.iter().any(|a| self.ends_in_tuple(&a.body)),
            // A closure bound with `let` whose body ends in a tuple.
            Expr::Call(c) => {
                let Expr::Path(f) = strip_parens(&c.func) else {
                    return false;
                };
                match f.path.get_ident().and_then(|i| self.lookup(i)) {
                    Some(Binding::Closure(k)) => {
                        let body = &self.closures[k as usize].0.body;
                        matches!(strip_parens(body), Expr::Tuple(_))
                            || matches!(strip_parens(body), Expr::Block(b) if tail(&b.block))
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// The tuple an `if` or `match` gives: each float element a local that every branch sets,
    /// as [`Lower::merge`] does for one value.
    fn branches(&mut self, e: &Expr) -> Option<Vec<Binding>> {
        let (cond, then, a, els, b) = match strip_parens(e) {
            Expr::If(i) => {
                self.make_mutable(i);
                let cond = self.expr(&i.cond);
                let mut a = None;
                let then = self.nested(|l| a = l.branch_tuple(&i.then_branch.stmts, i));
                let Some((_, e)) = &i.else_branch else {
                    self.unsupported(i, "an `if` that gives a tuple needs an `else`");
                    return None;
                };
                let mut b = None;
                let els = self.nested(|l| b = l.arm_tuple(e));
                (cond, then, a?, els, b?)
            }
            Expr::Match(m) => {
                self.make_mutable(m);
                let s = self.expr(&m.expr);
                return self.tuple_arms(s, &m.arms);
            }
            _ => return None,
        };
        Some(self.merge_tuples(cond, then, a, els, b))
    }

    /// The arms of a `match` that gives a tuple, from `arms` on, as a chain of `if`s.
    fn tuple_arms(&mut self, s: Var, arms: &[syn::Arm]) -> Option<Vec<Binding>> {
        let (arm, rest) = arms.split_first()?;
        if let (Some((if_token, _)), true) = (&arm.guard, rest.is_empty()) {
            self.unsupported(
                if_token,
                "#[grad] needs the last arm of a `match` to have no guard; Rust cannot see that the arms cover every value",
            );
            return None;
        }
        if rest.is_empty() {
            let mut a = None;
            let block = self.nested(|l| {
                l.bind_arm(s, &arm.pat);
                a = l.arm_tuple(&arm.body);
            });
            self.blocks
                .last_mut()
                .expect("a block is always open")
                .extend(block);
            return a;
        }
        let Some(cond) = self.arm_test(s, arm) else {
            self.unsupported(
                &arm.pat,
                "this arm matches everything; the arms after it never run",
            );
            return None;
        };
        let mut a = None;
        let then = self.nested(|l| {
            l.bind_arm(s, &arm.pat);
            a = l.arm_tuple(&arm.body)
        });
        let mut b = None;
        let els = self.nested(|l| b = l.tuple_arms(s, rest));
        Some(self.merge_tuples(cond, then, a?, els, b?))
    }

    /// The tuple an `else` branch or a `match` arm ends in.
    fn arm_tuple(&mut self, e: &Expr) -> Option<Vec<Binding>> {
        match strip_parens(e) {
            Expr::Block(b) => self.branch_tuple(&b.block.stmts, b),
            other => {
                let elems = self.tuple_of(other);
                self.read_now(elems, other)
            }
        }
    }

    /// The tuple a branch's statements end in, its elements read where the branch ends.
    fn branch_tuple(&mut self, stmts: &[syn::Stmt], whole: &impl ToTokens) -> Option<Vec<Binding>> {
        let Some((syn::Stmt::Expr(tail, None), init)) = stmts.split_last() else {
            self.unsupported(whole, "this branch needs to end in a tuple, as in `(a, b)`");
            return None;
        };
        let exits = self.exits;
        self.stmts(init, false);
        if self.exits != exits {
            self.unsupported(
                whole,
                "#[grad] cannot give a branch a tuple after an early `break`, `continue` or `return`; assign the values to variables",
            );
            return None;
        }
        let elems = self.tuple_of(tail);
        self.read_now(elems, tail)
    }

    /// `elems` with each local read here, at the end of a branch, where its value is the one
    /// the branch gives; `None`, reported, if it holds no tuple or holds arrays or closures.
    fn read_now(
        &mut self,
        elems: Option<Vec<Binding>>,
        at: &impl ToTokens,
    ) -> Option<Vec<Binding>> {
        let Some(elems) = elems else {
            self.unsupported(at, "this branch needs to end in a tuple, as in `(a, b)`");
            return None;
        };
        let mut read = Vec::with_capacity(elems.len());
        for b in elems {
            read.push(match b {
                Binding::Value(_) => b,
                Binding::Local(l) => Binding::Value(self.get(l)),
                Binding::Tuple(k) => {
                    let inner = self.tuples[k as usize].clone();
                    let inner = self.read_now(Some(inner), at)?;
                    self.tuple(inner)
                }
                _ => {
                    self.unsupported(
                        at,
                        "#[grad] gives tuples of numbers out of an `if` or `match`, not of arrays or closures; bind those before it",
                    );
                    return None;
                }
            });
        }
        Some(read)
    }

    /// The tuple of an `if` on `cond`: one local per element, set at the end of each branch.
    fn merge_tuples(
        &mut self,
        cond: Var,
        mut then: Block,
        a: Vec<Binding>,
        mut els: Block,
        b: Vec<Binding>,
    ) -> Vec<Binding> {
        let mut pairs = Vec::new();
        if !flatten_pairs(&self.tuples, &a, &b, &mut pairs) {
            let v = self.placeholder();
            return vec![Binding::Value(v); a.len()];
        }
        let merged = self.merge_all(&mut then, &mut els, &pairs);
        self.push(Stmt::If { cond, then, els });
        let merged: Vec<Var> = merged.into_iter().map(|l| self.get(l)).collect();
        let mut merged = merged.into_iter();
        self.rebuild(&a, &mut merged)
    }

    /// A tuple shaped as `shape` whose values are the next of `values`, in order.
    fn rebuild(
        &mut self,
        shape: &[Binding],
        values: &mut impl Iterator<Item = Var>,
    ) -> Vec<Binding> {
        shape
            .iter()
            .map(|b| match b {
                Binding::Tuple(k) => {
                    let inner = self.tuples[*k as usize].clone();
                    let inner = self.rebuild(&inner, values);
                    self.tuple(inner)
                }
                // `flatten_pairs` gave as many values as `shape` has.
                _ => Binding::Value(values.next().expect("a value per element")),
            })
            .collect()
    }

    /// The floats of a tuple passed to a call, in order, as the callee's twin takes them.
    pub(super) fn flat_values(&mut self, elems: &[Binding], at: &Expr, out: &mut Vec<CallArg>) {
        for b in elems {
            match *b {
                Binding::Value(v) => out.push(CallArg::Value(v)),
                Binding::Local(l) => {
                    let v = self.get(l);
                    out.push(CallArg::Value(v))
                }
                Binding::Tuple(k) => {
                    let inner = self.tuples[k as usize].clone();
                    self.flat_values(&inner, at, out);
                }
                _ => {
                    let v = self.unsupported(
                        at,
                        "#[grad] passes tuples of floats to a call; pass an array or a closure as an argument of its own",
                    );
                    out.push(CallArg::Value(v));
                }
            }
        }
    }

    /// A tuple of these elements, as a binding.
    fn tuple(&mut self, elems: Vec<Binding>) -> Binding {
        self.tuples.push(elems);
        Binding::Tuple(self.tuples.len() as u32 - 1)
    }

    /// What a name, or a field `p.0` of a name bound to a tuple, stands for.
    pub(super) fn named(&self, e: &Expr) -> Option<Binding> {
        match strip_parens(e) {
            Expr::Path(p) => self.lookup(p.path.get_ident()?),
            Expr::Field(f) => {
                let syn::Member::Unnamed(i) = &f.member else {
                    return None;
                };
                match self.named(&f.base)? {
                    Binding::Tuple(k) => self.tuples[k as usize].get(i.index as usize).copied(),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `p.0` as a value: of a tuple bound to a name, written there, or a closure's result.
    pub(super) fn field(&mut self, f: &syn::ExprField) -> Var {
        let element = match (&f.member, strip_parens(&f.base)) {
            (syn::Member::Unnamed(i), Expr::Tuple(_) | Expr::Call(_)) => {
                let elems = self.tuple_of(&f.base).unwrap_or_default();
                elems.get(i.index as usize).copied()
            }
            _ => self.named(&Expr::Field(f.clone())),
        };
        match element {
            Some(Binding::Value(v)) => v,
            Some(Binding::Local(l)) => self.get(l),
            Some(Binding::Tuple(_)) => self.unsupported(
                f,
                "this element is a tuple itself; take one of its elements, as in `p.0.1`",
            ),
            _ => self.unsupported(
                f,
                "#[grad] reads fields of tuples made in the body, `p.0`; take a function's results apart where it is called, `let (a, b) = f(..);` (structs come later)",
            ),
        }
    }

    /// `let pat = e;` where `e` is a tuple: each name of `pat` bound to its element, or `pat`
    /// itself bound to the whole tuple. Whether `e` is one.
    pub(super) fn let_tuple(&mut self, pat: &Pat, ty: Option<&syn::Type>, e: &Expr) -> bool {
        let arity = match pat {
            Pat::Tuple(t) => Some(t.elems.len()),
            _ => None,
        };
        let Some(elems) = self.tuple_from(e, arity) else {
            return false;
        };
        let tys: Vec<Option<&syn::Type>> = match ty {
            Some(syn::Type::Tuple(t)) => t.elems.iter().map(Some).collect(),
            _ => vec![None; elems.len()],
        };
        for (b, t) in elems.iter().zip(tys) {
            if let Binding::Value(v) = b {
                self.give_width(*v, t);
            }
        }
        let whole = self.tuple(elems);
        self.bind_pattern_to(pat, whole);
        true
    }

    /// Binds a pattern to what a value, a tuple or an array stands for: `(a, (b, _))`, `[a, b]`.
    fn bind_pattern_to(&mut self, pat: &Pat, b: Binding) {
        match (pat, b) {
            (Pat::Tuple(t), Binding::Tuple(k)) => {
                let elems = self.tuples[k as usize].clone();
                if t.elems.len() != elems.len() || t.elems.iter().any(|p| matches!(p, Pat::Rest(_)))
                {
                    self.unsupported(
                        t,
                        format!(
                            "this tuple has {} elements; name each, as in `(a, b)`",
                            elems.len()
                        ),
                    );
                    return;
                }
                for (p, e) in t.elems.iter().zip(elems) {
                    self.bind_pattern_to(p, e);
                }
            }
            (Pat::Paren(p), b) => self.bind_pattern_to(&p.pat, b),
            (Pat::Type(t), b) => self.bind_pattern_to(&t.pat, b),
            (p @ (Pat::Ident(_) | Pat::Wild(_)), b) => self.bind_local(p, b),
            (other, _) => {
                let placeholder = self.unsupported(
                    other,
                    "#[grad] binds a tuple to a name or to a tuple of names, as in `let (a, b) = p;`",
                );
                for name in super::source::mentioned_names(other.to_token_stream()) {
                    self.bind(&name, Binding::Value(placeholder));
                }
            }
        }
    }

    /// `let [a, b, c] = q;` of an array of floats, or of an array literal: each name its
    /// element.
    pub(super) fn let_elements(&mut self, pat: &Pat, e: &Expr) -> bool {
        let Pat::Slice(s) = pat else {
            return false;
        };
        // `let [dx, dy] = [a - b, c - d];`: each name its value, as of a tuple.
        if let Expr::Array(a) = strip_parens(e) {
            if a.elems.len() == s.elems.len() && !s.elems.iter().any(|p| matches!(p, Pat::Rest(_)))
            {
                // Every value first: `let [a, b] = [b, a];` reads the names before the let.
                let values: Vec<Var> = a.elems.iter().map(|x| self.expr(x)).collect();
                for (p, v) in s.elems.iter().zip(values) {
                    self.bind_pattern_to(p, Binding::Value(v));
                }
                return true;
            }
        }
        let Some(array) = self.array_of(e) else {
            return false;
        };
        if s.elems.iter().any(|p| matches!(p, Pat::Rest(_))) {
            self.unsupported(
                s,
                "#[grad] destructures an array into one name per element, without `..`",
            );
            return true;
        }
        let ty = self.func.array_info(array).info.ty;
        for (k, p) in s.elems.iter().enumerate() {
            let lit: syn::Lit = syn::parse_str(&k.to_string()).expect("an index");
            let i = self.lit(&lit);
            let v = self.def(Op::Load(array, vec![i]), ty, p.span());
            self.bind_pattern_to(p, Binding::Value(v));
        }
        true
    }

    /// `(a, b) = (x, y)`: every value on the right, then each place assigned.
    pub(super) fn assign_tuple(&mut self, places: &syn::ExprTuple, right: &Expr) {
        let Some(values) = self.tuple_from(right, Some(places.elems.len())) else {
            self.unsupported(
                right,
                "#[grad] assigns to a tuple of places from a tuple, as in `(a, b) = (b, a + b)`",
            );
            return;
        };
        if places.elems.len() != values.len() {
            self.unsupported(
                places,
                format!("the tuple on the right has {} elements", values.len()),
            );
            return;
        }
        for (place, b) in places.elems.iter().zip(values) {
            self.assign_binding(place, b);
        }
    }

    fn assign_binding(&mut self, place: &Expr, b: Binding) {
        match (strip_parens(place), b) {
            (Expr::Infer(_), _) => {}
            (Expr::Tuple(inner), Binding::Tuple(k))
                if inner.elems.len() == self.tuples[k as usize].len() =>
            {
                let elems = self.tuples[k as usize].clone();
                for (p, e) in inner.elems.iter().zip(elems) {
                    self.assign_binding(p, e);
                }
            }
            (_, b) => self.assign_one(place, b),
        }
    }

    fn assign_one(&mut self, place: &Expr, b: Binding) {
        match b {
            Binding::Value(v) => self.assign(place, v),
            Binding::Local(l) => {
                let v = self.get(l);
                self.assign(place, v)
            }
            _ => {
                self.unsupported(place, "#[grad] assigns values to this place, not tuples");
            }
        }
    }
}

/// The pairs of values at the same place of two tuples, in order; `false` where their shapes
/// differ (Rust reports that code itself).
fn flatten_pairs(
    tuples: &[Vec<Binding>],
    a: &[Binding],
    b: &[Binding],
    out: &mut Vec<(Var, Var)>,
) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Binding::Value(x), Binding::Value(y)) => {
                out.push((*x, *y));
                true
            }
            (Binding::Tuple(j), Binding::Tuple(k)) => {
                flatten_pairs(tuples, &tuples[*j as usize], &tuples[*k as usize], out)
            }
            _ => false,
        })
}
