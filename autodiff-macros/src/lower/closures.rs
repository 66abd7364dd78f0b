//! Closures bound with `let`: each lowered where it is called, with its parameters bound to
//! the arguments and its other names to what they stood for where it was made. (A closure an
//! iterator adaptor takes runs where it stands: see [`super::iters`].)

use super::iters::{check_closure, Unsupported};
use super::source::{assigned_names, mentioned_names, strip_parens};
use super::{Binding, Lower};
use crate::maps::{HashMap, HashSet};
use quote::ToTokens;
use syn::visit::Visit;
use syn::{Expr, Ident, Pat};

impl Lower<'_> {
    /// `let f = |..| ..;`: the closure, and what the names it mentions stand for here. A
    /// mutable local it reads is read here, as a `move` closure copies it (and a borrowing
    /// closure keeps it from changing until its last call).
    pub(super) fn closure(&mut self, name: &Ident, c: &syn::ExprClosure) {
        let e = Expr::Closure(c.clone());
        if let Err(Unsupported(at, msg)) = check_closure(&e, c.inputs.len()) {
            self.unsupported(at, msg);
            return;
        }
        let own = declared_names(c);
        let assigned = assigned_names(&*c.body).into_iter();
        if let Some(captured) = assigned.clone().find(|n| !own.contains(&n.to_string())) {
            self.unsupported(
                &captured,
                format!("#[grad] calls a closure bound with `let` as a block of its own, where it cannot assign to `{captured}`, which it captures; return the new value from the closure, or write the loop"),
            );
            return;
        }
        let mut captured = HashMap::default();
        for n in mentioned_names(c.body.to_token_stream()) {
            let binding = match self.lookup(&n) {
                Some(Binding::Local(l)) => Binding::Value(self.get(l)),
                Some(Binding::Array(_)) if c.capture.is_some() => {
                    self.unsupported(
                        c.capture,
                        format!("a `move` closure copies `{n}`, an array it captures, and #[grad] follows arrays by reference; drop `move`"),
                    );
                    return;
                }
                Some(b) => b,
                None => continue,
            };
            captured.insert(n.to_string(), binding);
        }
        self.closures.push((c.clone(), captured));
        self.bind(name, Binding::Closure(self.closures.len() as u32 - 1));
    }

    /// A call of the closure `k` bound with `let`: its body lowered where it is called, with
    /// its parameters bound to the arguments and its other names to what they stood for where
    /// it was made.
    pub(super) fn call_closure(&mut self, k: u32, call: &syn::ExprCall) -> super::Var {
        let body = self.closures[k as usize].0.body.clone();
        self.applied(k, call, |l| l.expr(&body))
            .unwrap_or_else(|| self.placeholder())
    }

    /// A call of the closure `k` whose body ends in a tuple, `|x| (x, 2.0 * x)`: what each
    /// element of the result stands for. `None` where the body ends in no tuple.
    pub(super) fn call_closure_tuple(
        &mut self,
        k: u32,
        call: &syn::ExprCall,
    ) -> Option<Vec<Binding>> {
        let body = (*self.closures[k as usize].0.body).clone();
        let (stmts, tail) = match strip_parens(&body) {
            Expr::Tuple(_) => (Vec::new(), body.clone()),
            Expr::Block(b) => match b.block.stmts.split_last() {
                Some((syn::Stmt::Expr(tail @ Expr::Tuple(_), None), rest)) => {
                    (rest.to_vec(), tail.clone())
                }
                _ => return None,
            },
            _ => return None,
        };
        self.applied(k, call, |l| {
            l.stmts(&stmts, false);
            l.tuple_of(&tail)
        })
        .flatten()
    }

    /// `f(self)` with the closure `k`'s parameters bound to `call`'s arguments and its other
    /// names to what they stood for where it was made; `None` for a call of the wrong arity,
    /// reported.
    fn applied<T>(
        &mut self,
        k: u32,
        call: &syn::ExprCall,
        f: impl FnOnce(&mut Self) -> T,
    ) -> Option<T> {
        let (c, captured) = self.closures[k as usize].clone();
        if c.inputs.len() != call.args.len() {
            let msg = format!("this closure takes {} argument(s)", c.inputs.len());
            self.unsupported(call, msg);
            return None;
        }
        let args: Vec<Binding> = (call.args.iter())
            .map(|a| match (self.array_of(a), self.view_binding(a)) {
                (Some(array), _) => Binding::Array(array),
                (None, Some(view)) => Binding::View(view),
                (None, None) => Binding::Value(self.expr(a)),
            })
            .collect();
        let outer = std::mem::replace(&mut self.scopes, vec![captured, HashMap::default()]);
        for (p, a) in c.inputs.iter().zip(args) {
            self.bind_param(p, a);
        }
        let v = f(self);
        self.scopes = outer;
        Some(v)
    }

    /// Binds a closure's parameter: `x`, `x: f64`, `&x`, `_`.
    fn bind_param(&mut self, pat: &Pat, b: Binding) {
        match pat {
            Pat::Type(t) => {
                if let Binding::Value(v) = b {
                    self.give_width(v, Some(&t.ty));
                }
                self.bind_param(&t.pat, b)
            }
            Pat::Reference(r) => self.bind_param(&r.pat, b),
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => self.bind(&p.ident, b),
            Pat::Wild(_) => {}
            other => {
                self.unsupported(
                    other,
                    "#[grad] binds a closure's parameters to names, `&name`, `name: type` or `_`",
                );
            }
        }
    }
}

/// The names a closure declares: its parameters' and its `let`s'.
fn declared_names(c: &syn::ExprClosure) -> HashSet<String> {
    struct Names(HashSet<String>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.insert(p.ident.to_string());
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut names = Names(HashSet::default());
    for p in &c.inputs {
        names.visit_pat(p);
    }
    names.visit_expr(&c.body);
    names.0
}
