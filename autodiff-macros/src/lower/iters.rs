//! Iterator chains, lowered as the index loops they stand for.
//!
//! `x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>()` is the loop
//! `let mut s = -0.0; for t in 0..x.len().min(y.len()) { s += { let (a, b) = (x[t], y[t]); a * b }; }`:
//! a chain is a number of items and the item at each position `t`, built from the source
//! outwards (`skip(n)` reads its source at `t + n`, `rev()` at `len - 1 - t`, `zip` pairs two
//! items at the same `t`); `filter` and the maps after it guard and transform the item inside
//! the loop, and the positional adaptors after a `filter` count the items that reach them
//! (`filter(p).enumerate()` numbers the items that pass). The chain is written out as Rust that [`Lower`] already lowers, so its loops,
//! branches and reassignments get every check and derivative that written-out ones get. An
//! adaptor's closure runs where it stands, as a block binding its parameters, so what it
//! captures is what its place in the body sees, and a closure that assigns to a captured
//! variable (`for_each(|v| s += v)`) assigns it there.
//!
//! The names the loops introduce start with `__ad_`, which no source name may.

use super::source::strip_parens;
use super::{Binding, Lower};
use quote::{format_ident, ToTokens};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, Ident, Pat};

/// What an item of a chain is: one value, or a tuple of items (`zip`, `enumerate`).
#[derive(Clone)]
enum Item {
    One(Expr),
    Tuple(Vec<Item>),
}

/// A step after a `filter`: it no longer has a position, only the item that passed.
enum Stage<'e> {
    Filter(&'e Expr),
    Map(&'e Expr),
    /// A positional adaptor there: `counter` (zero before the loop) counts the items that
    /// reach it.
    Counted(Ident, Counted<'e>),
}

/// What a positional adaptor after a `filter` does with the count `c` of the items before
/// this one.
enum Counted<'e> {
    /// The item `(c, item)`.
    Enumerate,
    /// Only if `c >= k`.
    Skip(Ident),
    /// Only if `c < k`.
    Take(Ident),
    /// Only if `c % k == 0`.
    StepBy(Ident),
    /// `(item, other[c])`, only if `c < len`, the other chain's.
    Zip(At<'e>, Ident),
}

/// The item at a position, as an expression of the position.
type At<'e> = Box<dyn Fn(&Expr) -> Item + 'e>;

/// A chain: how many items, and the item at position `t`; the stages inside the loop after a
/// `filter`.
struct Chain<'e> {
    len: Expr,
    item: At<'e>,
    stages: Vec<Stage<'e>>,
}

/// The methods that end a chain with a value.
pub(super) const CONSUMERS: &[&str] = &["sum", "product", "fold", "for_each", "count"];

/// The methods that end a chain with an `Option`, taken with `.unwrap()`.
pub(super) const OPTIONAL: &[&str] = &["max_by", "min_by", "reduce"];

/// A problem with a chain, reported at `at`; lowering goes on with a placeholder.
pub(super) struct Unsupported(pub proc_macro2::TokenStream, pub String);

type Result<T> = std::result::Result<T, Unsupported>;

fn unsupported<T>(at: impl ToTokens, msg: impl Into<String>) -> Result<T> {
    Err(Unsupported(at.into_token_stream(), msg.into()))
}

const ADAPTORS: &str = "`iter()`, `iter_mut()`, `windows(k)`, `chunks(k)`, `chunks_exact(k)`, `copied()`, `cloned()`, `zip`, `map`, `filter`, `enumerate`, `rev`, `skip`, `take`, `step_by`";

impl Lower<'_> {
    /// Whether `for .. in e` iterates a chain that the index-loop lowering does not take itself.
    pub(super) fn is_chain(&self, e: &Expr) -> bool {
        match strip_parens(e) {
            Expr::Range(_) => false,
            Expr::Reference(r) => !self.flat_array(&r.expr),
            Expr::Path(_) => true,
            Expr::MethodCall(m) => match (m.method.to_string().as_str(), m.args.len()) {
                ("iter", 0) => !self.flat_array(&m.receiver),
                ("rev" | "step_by", _) => self.is_chain(&m.receiver),
                ("enumerate", 0) => !matches!(strip_parens(&m.receiver),
                    Expr::MethodCall(i) if i.method == "iter" && i.args.is_empty() && self.flat_array(&i.receiver)),
                _ => true,
            },
            _ => false,
        }
    }

    /// `for pat in chain { body }`, as a loop over the chain's positions.
    pub(super) fn chain_loop(&mut self, f: &syn::ExprForLoop) {
        let mut pre = Vec::new();
        let body = Expr::Block(syn::ExprBlock {
            attrs: Vec::new(),
            label: None,
            block: f.body.clone(),
        });
        let stmts = copied_and_written(&f.expr, [&body]);
        let stmts = stmts
            .and_then(|()| self.chain(&f.expr, &mut pre))
            .and_then(|chain| {
                let t = self.fresh("t");
                let body = self.body(&chain, &t, |_, item| {
                    let mut inner = Vec::new();
                    bind_item(&f.pat, item, &mut inner)?;
                    inner.extend(f.body.stmts.iter().cloned());
                    Ok(inner)
                })?;
                let (attrs, len, span) = (&f.attrs, &chain.len, f.for_token.span);
                let lp: syn::Stmt = syn::parse_quote_spanned! {span=>
                    #(#attrs)* for #t in 0..#len { #(#body)* }
                };
                pre.push(lp);
                Ok(pre)
            });
        self.lower_or_report(stmts, false);
    }

    /// `chain.sum()`, `.product()`, `.fold(init, f)`, `.for_each(f)` or `.count()`: the loop,
    /// then the value it leaves (none for `for_each`).
    pub(super) fn consume(&mut self, m: &syn::ExprMethodCall) -> Option<super::Var> {
        let stmts = self.consumed(m);
        self.lower_or_report(stmts, true)
    }

    /// The statements a chain was written out as, lowered (with the value of the last when
    /// `value`), or its problem reported: a placeholder then stands for the value.
    fn lower_or_report(
        &mut self,
        stmts: Result<Vec<syn::Stmt>>,
        value: bool,
    ) -> Option<super::Var> {
        match stmts {
            Ok(stmts) => self.stmts(&stmts, value),
            Err(Unsupported(at, msg)) => Some(self.unsupported(at, msg)),
        }
    }

    /// `let v: Vec<f64> = chain.collect();` (or `.collect::<Vec<f64>>()`): a buffer of the
    /// chain's length, filled by its loop. Whether `init` is such a `collect`.
    pub(super) fn collect(&mut self, pat: &Pat, ty: Option<&syn::Type>, init: &Expr) -> bool {
        let Expr::MethodCall(m) = strip_parens(init) else {
            return false;
        };
        if m.method != "collect" || !m.args.is_empty() {
            return false;
        }
        let stmts = self.collected(pat, ty, m);
        let failed = stmts.is_err();
        let v = self.lower_or_report(stmts, false);
        // The name still exists, so its uses report nothing more.
        if let (true, Some(v), Pat::Ident(p)) = (failed, v, pat) {
            self.bind(&p.ident, Binding::Value(v));
        }
        true
    }

    fn collected(
        &mut self,
        pat: &Pat,
        ty: Option<&syn::Type>,
        m: &syn::ExprMethodCall,
    ) -> Result<Vec<syn::Stmt>> {
        let span = m.method.span();
        let Pat::Ident(name) = pat else {
            return unsupported(
                pat,
                "#[grad] collects a chain into a buffer bound to a name",
            );
        };
        let name = &name.ident;
        let ty = match (ty, &m.turbofish) {
            (Some(t), _) => t.clone(),
            (None, Some(t)) => match t.args.first() {
                Some(syn::GenericArgument::Type(t)) => t.clone(),
                _ => return unsupported(t, "#[grad] collects a chain into a `Vec` of floats"),
            },
            (None, None) => {
                return unsupported(&m.method, "#[grad] collects a chain into a `Vec` of floats: write the type, `let v: Vec<f64> = ...collect();`")
            }
        };
        if !matches!(
            crate::ast::array_shape(&ty),
            Some(crate::ast::ParamKind::Array { depth: 1, .. })
        ) {
            return unsupported(&ty, "#[grad] collects a chain into a `Vec` of floats");
        }
        let mut pre = Vec::new();
        copied_and_written(&m.receiver, [])?;
        let chain = self.chain(&m.receiver, &mut pre)?;
        let (n, t) = (self.fresh("n"), self.fresh("t"));
        let len = &chain.len;
        pre.push(syn::parse_quote_spanned!(span=> let #n = #len;));
        if chain.stages.is_empty() {
            pre.push(syn::parse_quote_spanned!(span=> let mut #name: #ty = vec![0.0; #n];));
            let body = self.body(&chain, &t, |_, item| {
                let x = one(item, &m.method)?;
                Ok(vec![syn::parse_quote_spanned!(span=> #name[#t] = #x;)])
            })?;
            pre.push(syn::parse_quote_spanned!(span=> for #t in 0..#n { #(#body)* }));
            return Ok(pre);
        }
        // After a `filter`, as many as pass: counted first (the predicates read no derivative),
        // then each stored where the count of those before it says.
        let (kept, j) = (self.fresh("kept"), self.fresh("j"));
        let receiver = &m.receiver;
        pre.push(syn::parse_quote_spanned!(span=> let #kept = #receiver.count();));
        pre.push(syn::parse_quote_spanned!(span=> let mut #name: #ty = vec![0.0; #kept];));
        pre.push(syn::parse_quote_spanned!(span=> let mut #j = 0usize;));
        let body = self.body(&chain, &t, |_, item| {
            let x = one(item, &m.method)?;
            Ok(syn::parse_quote_spanned! {span=>
                #name[#j] = #x;
                #j += 1;
            })
        })?;
        pre.push(syn::parse_quote_spanned!(span=> for #t in 0..#n { #(#body)* }));
        Ok(pre)
    }

    fn consumed(&mut self, m: &syn::ExprMethodCall) -> Result<Vec<syn::Stmt>> {
        let name = m.method.to_string();
        let span = m.method.span();
        let arity = match &*name {
            "fold" => 2,
            "for_each" | "max_by" | "min_by" | "reduce" => 1,
            _ => 0,
        };
        if m.args.len() != arity {
            return unsupported(&m.method, format!("`{name}` takes {arity} argument(s)"));
        }
        if OPTIONAL.contains(&&*name) {
            return self.best(m);
        }
        let mut pre = Vec::new();
        copied_and_written(&m.receiver, &m.args)?;
        let chain = self.chain(&m.receiver, &mut pre)?;
        if name == "count" && chain.stages.is_empty() {
            let len = &chain.len;
            pre.push(syn::Stmt::Expr(
                syn::parse_quote_spanned!(span=> #len),
                None,
            ));
            return Ok(pre);
        }
        let acc = self.fresh("acc");
        let init: Expr = match &*name {
            "sum" => match sum_ty(m) {
                Some(Width::Int) => syn::parse_quote_spanned!(span=> 0),
                Some(Width::Float(ty)) => syn::parse_quote_spanned!(span=> -0.0 as #ty),
                // `std` sums floats from −0.0: an empty sum is −0.0 (and `1/Σ` is −∞).
                None => syn::parse_quote_spanned!(span=> -0.0),
            },
            "product" => match sum_ty(m) {
                Some(Width::Int) => syn::parse_quote_spanned!(span=> 1),
                Some(Width::Float(ty)) => syn::parse_quote_spanned!(span=> 1.0 as #ty),
                None => syn::parse_quote_spanned!(span=> 1.0),
            },
            "count" => syn::parse_quote_spanned!(span=> 0),
            "fold" => m.args[0].clone(),
            _ => syn::parse_quote_spanned!(span=> ()),
        };
        if name != "for_each" {
            pre.push(syn::parse_quote_spanned!(span=> let mut #acc = #init;));
        }
        let t = self.fresh("t");
        let body = self.body(&chain, &t, |l, item| {
            let step: syn::Stmt = match &*name {
                "sum" => {
                    let x = one(item, &m.method)?;
                    syn::parse_quote_spanned!(span=> #acc += #x;)
                }
                "product" => {
                    let x = one(item, &m.method)?;
                    syn::parse_quote_spanned!(span=> #acc *= #x;)
                }
                "count" => syn::parse_quote_spanned!(span=> #acc += 1;),
                "fold" => {
                    let acc_item = Item::One(syn::parse_quote_spanned!(span=> #acc));
                    let e = l.apply(&m.args[1], &[acc_item, item.clone()])?;
                    syn::parse_quote_spanned!(span=> #acc = #e;)
                }
                _ => {
                    let e = l.apply(&m.args[0], std::slice::from_ref(item))?;
                    syn::parse_quote_spanned!(span=> #e;)
                }
            };
            Ok(vec![step])
        })?;
        let len = &chain.len;
        pre.push(syn::parse_quote_spanned!(span=> for #t in 0..#len { #(#body)* }));
        if name != "for_each" {
            pre.push(syn::Stmt::Expr(
                syn::parse_quote_spanned!(span=> #acc),
                None,
            ));
        }
        Ok(pre)
    }

    /// `chain.max_by(f).unwrap()`, `.min_by(f)`, `.reduce(f)`: the first item, then each
    /// later one kept or combined in a loop; `unwrap` of an empty chain panics, as `std`'s.
    /// `max_by` keeps the last of equal items, `min_by` the first, as `std` does.
    fn best(&mut self, m: &syn::ExprMethodCall) -> Result<Vec<syn::Stmt>> {
        let name = m.method.to_string();
        let span = m.method.span();
        let mut pre = Vec::new();
        copied_and_written(&m.receiver, &m.args)?;
        let chain = self.chain(&m.receiver, &mut pre)?;
        if !chain.stages.is_empty() {
            return unsupported(&m.method, format!("#[grad] takes `{name}` of a chain without a `filter`; fold instead, as in `.fold(f64::NEG_INFINITY, f64::max)`"));
        }
        let (n, first, t, best) = (
            self.fresh("n"),
            self.fresh("t"),
            self.fresh("t"),
            self.fresh("best"),
        );
        let len = &chain.len;
        pre.push(syn::parse_quote_spanned!(span=> let #n = #len;));
        pre.push(syn::parse_quote_spanned!(span=> assert!(#n > 0, "called `Option::unwrap()` on a `None` value");));
        pre.push(syn::parse_quote_spanned!(span=> let #first = 0;));
        let start = self.body(&chain, &first, |_, item| {
            let x = one(item, &m.method)?;
            Ok(vec![syn::parse_quote_spanned!(span=> let mut #best = #x;)])
        })?;
        pre.extend(start);
        let f = &m.args[0];
        let body = self.body(&chain, &t, |l, item| {
            let x = one(item, &m.method)?.clone();
            let acc = Item::One(syn::parse_quote_spanned!(span=> #best));
            let e = l.apply(f, &[acc, item.clone()])?;
            let greater = quote::quote_spanned!(span=> ::core::cmp::Ordering::Greater);
            Ok(vec![match &*name {
                "max_by" => syn::parse_quote_spanned!(span=> if #e != #greater { #best = #x; }),
                "min_by" => syn::parse_quote_spanned!(span=> if #e == #greater { #best = #x; }),
                _ => syn::parse_quote_spanned!(span=> #best = #e;),
            }])
        })?;
        pre.push(syn::parse_quote_spanned!(span=> for #t in 1..#n { #(#body)* }));
        pre.push(syn::Stmt::Expr(
            syn::parse_quote_spanned!(span=> #best),
            None,
        ));
        Ok(pre)
    }

    /// The chain `e`, with what must be computed once before its loop pushed to `pre`.
    fn chain<'e>(&mut self, e: &'e Expr, pre: &mut Vec<syn::Stmt>) -> Result<Chain<'e>> {
        let e = strip_parens(e);
        let span = e.span();
        match e {
            Expr::Range(r) => {
                let (Some(from), Some(to)) = (&r.start, &r.end) else {
                    return unsupported(r, "#[grad] needs both ends of a range, as in `0..n`");
                };
                let (lo, hi) = (self.fresh("lo"), self.fresh("hi"));
                pre.push(syn::parse_quote_spanned!(span=> let #lo = #from;));
                pre.push(syn::parse_quote_spanned!(span=> let #hi = #to;));
                let len: Expr = match r.limits {
                    syn::RangeLimits::HalfOpen(_) => {
                        syn::parse_quote_spanned!(span=> #hi.saturating_sub(#lo))
                    }
                    syn::RangeLimits::Closed(_) => {
                        syn::parse_quote_spanned!(span=> (#hi + 1).saturating_sub(#lo))
                    }
                };
                Ok(Chain {
                    len,
                    item: Box::new(move |t| Item::One(syn::parse_quote_spanned!(span=> #lo + #t))),
                    stages: Vec::new(),
                })
            }
            Expr::Reference(r) if r.mutability.is_none() => self.elements(&r.expr),
            Expr::Path(_) => self.elements(e),
            Expr::MethodCall(m) => self.adaptor(m, pre),
            other => unsupported(
                other,
                format!("#[grad] iterates over ranges, arrays and chains of {ADAPTORS} on them"),
            ),
        }
    }

    /// `xs.windows(k)`, `.chunks(k)`, `.chunks_exact(k)`: parts of an array, each a view
    /// `&xs[lo..hi]`.
    fn parts<'e>(
        &mut self,
        m: &'e syn::ExprMethodCall,
        pre: &mut Vec<syn::Stmt>,
    ) -> Result<Chain<'e>> {
        let xs = strip_parens(&m.receiver).clone();
        if self.array_of(&xs).is_none() && self.view_binding(&xs).is_none() {
            return unsupported(
                &m.receiver,
                format!("#[grad] takes `{}` of an array of floats", m.method),
            );
        }
        let span = m.method.span();
        let arg = &m.args[0];
        let (k, n) = (self.fresh("k"), self.fresh("n"));
        pre.push(syn::parse_quote_spanned!(span=> let #k = #arg;));
        pre.push(syn::parse_quote_spanned!(span=> let #n = #xs.len();));
        let name = m.method.to_string();
        let what = match &*name {
            "windows" => "window size must be non-zero",
            _ => "chunk size must be non-zero",
        };
        pre.push(syn::parse_quote_spanned!(span=> assert!(#k > 0, #what);));
        let len: Expr = match &*name {
            // As `std`'s: a window of 0 panics; `n - (k - 1)` windows, none if fewer than `k`
            // (a bound the optimiser reads as `t + k - 1 < n`, which drops the bounds checks).
            "windows" => syn::parse_quote_spanned!(span=> #n.saturating_sub(#k - 1)),
            "chunks" => syn::parse_quote_spanned!(span=> (#n + #k - 1) / #k),
            _ => syn::parse_quote_spanned!(span=> #n / #k),
        };
        let item: At = match &*name {
            "windows" => {
                Box::new(move |t| Item::One(syn::parse_quote_spanned!(span=> &#xs[#t..#t + #k])))
            }
            "chunks" => Box::new(move |t| {
                Item::One(syn::parse_quote_spanned!(span=> &#xs[#t * #k..(#t * #k + #k).min(#n)]))
            }),
            _ => Box::new(move |t| {
                Item::One(syn::parse_quote_spanned!(span=> &#xs[#t * #k..#t * #k + #k]))
            }),
        };
        Ok(Chain {
            len,
            item,
            stages: Vec::new(),
        })
    }

    /// The elements of an array, `xs[t]`.
    fn elements<'e>(&mut self, e: &'e Expr) -> Result<Chain<'e>> {
        let span = e.span();
        let view = self.view_binding(e).is_some();
        if self.array_of(e).is_none() && self.int_array(e).is_none() && !view {
            return unsupported(
                e,
                "#[grad] iterates over arrays of floats or integers, ranges and chains on them",
            );
        }
        let a = strip_parens(e).clone();
        let a2 = a.clone();
        Ok(Chain {
            len: syn::parse_quote_spanned!(span=> #a.len()),
            item: Box::new(move |t| Item::One(syn::parse_quote_spanned!(span=> #a2[#t]))),
            stages: Vec::new(),
        })
    }

    fn adaptor<'e>(
        &mut self,
        m: &'e syn::ExprMethodCall,
        pre: &mut Vec<syn::Stmt>,
    ) -> Result<Chain<'e>> {
        let name = m.method.to_string();
        let span = m.method.span();
        let arity = match &*name {
            "zip" | "map" | "filter" | "skip" | "take" | "step_by" | "windows" | "chunks"
            | "chunks_exact" => 1,
            _ => 0,
        };
        const KNOWN: &[&str] = &[
            "iter",
            "iter_mut",
            "into_iter",
            "copied",
            "cloned",
            "zip",
            "map",
            "filter",
            "enumerate",
            "rev",
            "skip",
            "take",
            "step_by",
            "windows",
            "chunks",
            "chunks_exact",
        ];
        let known = KNOWN.contains(&&*name);
        if !known {
            return unsupported(
                &m.method,
                format!("#[grad] does not support the iterator method `{name}`; it takes {ADAPTORS}, and ends a chain with `sum`, `product`, `fold`, `for_each`, `count` or a `for` loop"),
            );
        }
        if m.args.len() != arity {
            return unsupported(&m.method, format!("`{name}` takes {arity} argument(s)"));
        }
        if name == "iter_mut" {
            let xs = strip_parens(&m.receiver).clone();
            if !self.flat_array(&xs) {
                return unsupported(
                    &m.receiver,
                    "#[grad] takes `iter_mut()` of a buffer of floats one index deep",
                );
            }
            let span = m.method.span();
            return Ok(Chain {
                len: syn::parse_quote_spanned!(span=> #xs.len()),
                item: Box::new(move |t| Item::One(syn::parse_quote_spanned!(span=> &mut #xs[#t]))),
                stages: Vec::new(),
            });
        }
        if name == "iter" || name == "into_iter" {
            let r = &m.receiver;
            let array = self.array_of(r).is_some()
                || self.int_array(r).is_some()
                || self.view_binding(r).is_some();
            return match array {
                true => self.elements(&m.receiver),
                false => self.chain(&m.receiver, pre),
            };
        }
        if matches!(&*name, "windows" | "chunks" | "chunks_exact") {
            return self.parts(m, pre);
        }
        let mut chain = self.chain(&m.receiver, pre)?;
        // A value the positions below read more than once, computed once before the loop.
        let once = |l: &mut Self, pre: &mut Vec<syn::Stmt>, what: &str, e: Expr| -> Ident {
            let name = l.fresh(what);
            pre.push(syn::parse_quote_spanned!(span=> let #name = #e;));
            name
        };
        // After a `filter`, which items remain is known only inside the loop: a positional
        // adaptor counts them there.
        if !chain.stages.is_empty() && !matches!(&*name, "map" | "filter" | "copied" | "cloned") {
            let counted = match &*name {
                "enumerate" => Counted::Enumerate,
                "skip" | "take" | "step_by" => {
                    let arg = &m.args[0];
                    let k = once(self, pre, "k", syn::parse_quote_spanned!(span=> #arg));
                    match &*name {
                        "skip" => Counted::Skip(k),
                        "take" => Counted::Take(k),
                        _ => Counted::StepBy(k),
                    }
                }
                "zip" => {
                    let other = self.chain(&m.args[0], pre)?;
                    if !other.stages.is_empty() {
                        return unsupported(
                            &m.args[0],
                            "#[grad] zips chains without a `filter`; filter after the `zip`",
                        );
                    }
                    Counted::Zip(other.item, once(self, pre, "n", other.len))
                }
                // Filtering commutes with reversing the positions, while nothing counts.
                "rev" if chain.stages.iter().all(|s| !matches!(s, Stage::Counted(..))) => {
                    let (inner, n) = (chain.item, once(self, pre, "n", chain.len));
                    return Ok(Chain {
                        len: syn::parse_quote_spanned!(span=> #n),
                        item: Box::new(move |t| {
                            inner(&syn::parse_quote_spanned!(span=> (#n - 1 - #t)))
                        }),
                        stages: chain.stages,
                    });
                }
                _ => {
                    return unsupported(
                        &m.method,
                        format!("#[grad] supports `{name}` after a `filter` only before any `enumerate`, `zip`, `skip`, `take` or `step_by` there; move the `{name}` before the `filter`"),
                    )
                }
            };
            let counter = self.fresh("c");
            pre.push(syn::parse_quote_spanned!(span=> let mut #counter = 0usize;));
            chain.stages.push(Stage::Counted(counter, counted));
            return Ok(chain);
        }
        let inner = chain.item;
        let len = chain.len;
        chain.item = match &*name {
            "copied" | "cloned" => inner,
            "map" | "filter" if !chain.stages.is_empty() => {
                chain.stages.push(match &*name {
                    "map" => Stage::Map(&m.args[0]),
                    _ => Stage::Filter(&m.args[0]),
                });
                inner
            }
            "filter" => {
                chain.stages.push(Stage::Filter(&m.args[0]));
                inner
            }
            "map" => {
                // Applied where the item is made: a pure closure, so at which position the
                // item is read changes nothing.
                let (f, id) = (m.args[0].clone(), self.fresh("m"));
                // Checked here against the item's shape, the same at every position.
                applied(&f, &[inner(&syn::parse_quote!(t))], &id)?;
                Box::new(move |t| {
                    let e = applied(&f, &[inner(t)], &id);
                    e.map_or_else(|_| Item::Tuple(Vec::new()), Item::One)
                })
            }
            "enumerate" => Box::new(move |t| Item::Tuple(vec![Item::One(t.clone()), inner(t)])),
            "zip" => {
                let other = self.chain(&m.args[0], pre)?;
                if !other.stages.is_empty() {
                    return unsupported(
                        &m.args[0],
                        "#[grad] zips chains without a `filter`; filter after the `zip`",
                    );
                }
                let (la, lb) = (once(self, pre, "n", len), once(self, pre, "n", other.len));
                chain.len = syn::parse_quote_spanned!(span=> #la.min(#lb));
                let right = other.item;
                return Ok(Chain {
                    len: chain.len,
                    item: Box::new(move |t| Item::Tuple(vec![inner(t), right(t)])),
                    stages: Vec::new(),
                });
            }
            "rev" => {
                let n = once(self, pre, "n", len);
                chain.len = syn::parse_quote_spanned!(span=> #n);
                return Ok(Chain {
                    len: chain.len,
                    item: Box::new(move |t| {
                        inner(&syn::parse_quote_spanned!(span=> (#n - 1 - #t)))
                    }),
                    stages: Vec::new(),
                });
            }
            "skip" | "take" | "step_by" => {
                let arg = &m.args[0];
                let k = once(self, pre, "k", syn::parse_quote_spanned!(span=> #arg));
                let n = once(self, pre, "n", len);
                let (len, item): (Expr, At) = match &*name {
                    "skip" => (
                        syn::parse_quote_spanned!(span=> #n.saturating_sub(#k)),
                        Box::new(move |t| inner(&syn::parse_quote_spanned!(span=> (#t + #k)))),
                    ),
                    "take" => (syn::parse_quote_spanned!(span=> #n.min(#k)), inner),
                    // `step_by(0)` panics in `std`; here it divides by zero, which panics too.
                    _ => (
                        syn::parse_quote_spanned!(span=> (#n + #k - 1) / #k),
                        Box::new(move |t| inner(&syn::parse_quote_spanned!(span=> (#t * #k)))),
                    ),
                };
                return Ok(Chain {
                    len,
                    item,
                    stages: Vec::new(),
                });
            }
            _ => unreachable!("the known adaptors are matched above"),
        };
        chain.len = len;
        Ok(chain)
    }

    /// The body of a chain's loop over `t`: the item at `t` (its values bound to names of
    /// their own), then each stage after a `filter` (a `filter` an `if`, a `map` a new item),
    /// then the statements `inner` makes of the final item.
    fn body(
        &mut self,
        chain: &Chain,
        t: &Ident,
        inner: impl FnOnce(&mut Self, &Item) -> Result<Vec<syn::Stmt>>,
    ) -> Result<Vec<syn::Stmt>> {
        let mut first = Vec::new();
        let mut item = self.settle((chain.item)(&syn::parse_quote!(#t)), &mut first);
        // Each `if` a stage opens, with its condition and the statements inside it.
        let mut levels: Vec<(Option<Expr>, Vec<syn::Stmt>)> = vec![(None, first)];
        for stage in &chain.stages {
            match stage {
                Stage::Filter(p) => {
                    let cond = self.apply(p, std::slice::from_ref(&item))?;
                    levels.push((Some(cond), Vec::new()));
                }
                Stage::Map(f) => {
                    let e = self.apply(f, std::slice::from_ref(&item))?;
                    let top = &mut levels.last_mut().expect("one level at least").1;
                    item = self.settle(Item::One(e), top);
                }
                Stage::Counted(c, counted) => {
                    // The count of the items before this one, then this one counted.
                    let at = self.fresh("at");
                    let top = &mut levels.last_mut().expect("one level at least").1;
                    top.push(syn::parse_quote!(let #at = #c;));
                    top.push(syn::parse_quote!(#c += 1;));
                    let cond: Expr = match counted {
                        Counted::Enumerate => {
                            let i = Item::One(syn::parse_quote!(#at));
                            item = Item::Tuple(vec![i, item]);
                            continue;
                        }
                        Counted::Skip(k) => syn::parse_quote!(#at >= #k),
                        Counted::Take(k) => syn::parse_quote!(#at < #k),
                        Counted::StepBy(k) => syn::parse_quote!(#at % #k == 0),
                        Counted::Zip(_, n) => syn::parse_quote!(#at < #n),
                    };
                    levels.push((Some(cond), Vec::new()));
                    if let Counted::Zip(other, _) = counted {
                        // Read only where it exists.
                        let top = &mut levels.last_mut().expect("pushed above").1;
                        let right = self.settle(other(&syn::parse_quote!(#at)), top);
                        item = Item::Tuple(vec![item, right]);
                    }
                }
            }
        }
        let mut stmts = inner(self, &item)?;
        while let Some((cond, mut inside)) = levels.pop() {
            inside.extend(stmts);
            stmts = match cond {
                Some(c) => vec![syn::parse_quote!(if #c { #(#inside)* })],
                None => inside,
            };
        }
        Ok(stmts)
    }

    /// `item` with each value bound to a fresh name: a value is computed once, and a name a
    /// closure's parameter binds cannot change what a later value reads.
    fn settle(&mut self, item: Item, out: &mut Vec<syn::Stmt>) -> Item {
        let id = self.fresh("x");
        settled(item, &id, &mut 0, out)
    }

    /// `f` applied to `args`: a closure's body as a block binding its parameters (each
    /// argument bound to a name of its own first), or a call of a function named by a path.
    fn apply(&mut self, f: &Expr, args: &[Item]) -> Result<Expr> {
        let id = self.fresh("a");
        applied(f, args, &id)
    }

    /// Whether `e` names an array of floats one index deep, which the index-loop lowering
    /// iterates itself.
    fn flat_array(&self, e: &Expr) -> bool {
        self.array_of(e)
            .is_some_and(|a| self.depths.get(&a).copied().unwrap_or(1) == 1)
    }
}

/// `f` applied to `args`, as an expression: a closure's body as a block that binds the
/// arguments' values to names of their own (`id` and a count) and then its parameters, so that
/// no parameter changes what another value reads; a function named by a path as a call.
fn applied(f: &Expr, args: &[Item], id: &Ident) -> Result<Expr> {
    match strip_parens(f) {
        Expr::Closure(c) => {
            check_closure(f, args.len())?;
            let (mut stmts, mut k) = (Vec::new(), 0);
            for (p, a) in c.inputs.iter().zip(args) {
                let a = settled(a.clone(), id, &mut k, &mut stmts);
                bind_item(p, &a, &mut stmts)?;
            }
            let body = &c.body;
            Ok(syn::parse_quote_spanned!(body.span()=> { #(#stmts)* #body }))
        }
        Expr::Path(p) => {
            let args = (args.iter())
                .map(|a| one(a, p).cloned())
                .collect::<Result<Vec<Expr>>>()?;
            Ok(syn::parse_quote_spanned!(p.span()=> #p(#(#args),*)))
        }
        other => unsupported(
            other,
            "#[grad] takes a closure `|x| ...` or a function's name here",
        ),
    }
}

/// `item` with each value bound to a name made of `id` and a count, pushed to `out`.
fn settled(item: Item, id: &Ident, k: &mut usize, out: &mut Vec<syn::Stmt>) -> Item {
    match item {
        Item::One(e) => {
            let name = format_ident!("{}_{}", id, *k);
            *k += 1;
            out.push(syn::parse_quote_spanned!(e.span()=> let #name = #e;));
            Item::One(syn::parse_quote!(#name))
        }
        Item::Tuple(items) => {
            Item::Tuple(items.into_iter().map(|i| settled(i, id, k, out)).collect())
        }
    }
}

/// Binds a closure's or a `for` loop's pattern to an item: `x`, `&x`, `(a, b)`, `(i, &x)`,
/// `x: f64`, `_`.
fn bind_item(pat: &Pat, item: &Item, out: &mut Vec<syn::Stmt>) -> Result<()> {
    match (pat, item) {
        (Pat::Reference(r), _) => bind_item(&r.pat, item, out),
        (Pat::Paren(p), _) => bind_item(&p.pat, item, out),
        (Pat::Wild(_), _) => Ok(()),
        (Pat::Type(t), Item::One(e)) if matches!(&*t.pat, Pat::Ident(_)) => {
            out.push(syn::parse_quote_spanned!(t.span()=> let #t = #e;));
            Ok(())
        }
        (Pat::Type(t), _) => bind_item(&t.pat, item, out),
        (Pat::Ident(p), Item::One(e)) if p.by_ref.is_none() && p.subpat.is_none() => {
            out.push(syn::parse_quote_spanned!(p.span()=> let #p = #e;));
            Ok(())
        }
        (Pat::Tuple(t), Item::Tuple(items)) if t.elems.len() == items.len() => {
            for (p, i) in t.elems.iter().zip(items) {
                bind_item(p, i, out)?;
            }
            Ok(())
        }
        (Pat::Ident(p), Item::Tuple(items)) => {
            let names: Vec<String> = (0..items.len())
                .map(|k| format!("{}{k}", p.ident))
                .collect();
            unsupported(
                p,
                format!("#[grad] binds the items of this chain, which are tuples, to a tuple pattern; write `({})`", names.join(", ")),
            )
        }
        (Pat::Tuple(t), Item::One(_)) => {
            unsupported(t, "this item is one value, not a tuple; bind it to a name")
        }
        (Pat::Tuple(t), Item::Tuple(items)) => {
            unsupported(t, format!("this item is a tuple of {} values", items.len()))
        }
        (other, _) => unsupported(
            other,
            "#[grad] binds items to names, `&name`, tuples of them or `_`",
        ),
    }
}

/// The one value of an item, or an error at `at` for a tuple.
fn one<'i>(item: &'i Item, at: &impl ToTokens) -> Result<&'i Expr> {
    match item {
        Item::One(e) => Ok(e),
        Item::Tuple(_) => unsupported(
            at,
            "the items here are tuples; `map` each to one value first, as in `.map(|(a, b)| a * b)`",
        ),
    }
}

/// A closure an adaptor may run where it stands: `arity` parameters, and no `return`, `?`,
/// `break` or `continue` that would leave it (they would leave the loop it becomes).
pub(super) fn check_closure(f: &Expr, arity: usize) -> Result<()> {
    let Expr::Closure(c) = strip_parens(f) else {
        return Ok(());
    };
    if c.inputs.len() != arity {
        return unsupported(
            &c.inputs,
            format!(
                "this closure takes {} parameter(s) here, not {}",
                arity,
                c.inputs.len()
            ),
        );
    }
    if c.asyncness.is_some() {
        return unsupported(c, "#[grad] does not support `async` closures");
    }
    struct Leaves(Option<proc_macro2::TokenStream>, usize);
    impl<'ast> Visit<'ast> for Leaves {
        fn visit_expr_return(&mut self, e: &'ast syn::ExprReturn) {
            self.0.get_or_insert(e.to_token_stream());
        }
        fn visit_expr_try(&mut self, e: &'ast syn::ExprTry) {
            self.0.get_or_insert(e.question_token.to_token_stream());
        }
        fn visit_expr_break(&mut self, e: &'ast syn::ExprBreak) {
            if self.1 == 0 {
                self.0.get_or_insert(e.to_token_stream());
            }
        }
        fn visit_expr_continue(&mut self, e: &'ast syn::ExprContinue) {
            if self.1 == 0 {
                self.0.get_or_insert(e.to_token_stream());
            }
        }
        fn visit_expr_for_loop(&mut self, e: &'ast syn::ExprForLoop) {
            self.1 += 1;
            syn::visit::visit_expr_for_loop(self, e);
            self.1 -= 1;
        }
        fn visit_expr_while(&mut self, e: &'ast syn::ExprWhile) {
            self.1 += 1;
            syn::visit::visit_expr_while(self, e);
            self.1 -= 1;
        }
        fn visit_expr_loop(&mut self, e: &'ast syn::ExprLoop) {
            self.1 += 1;
            syn::visit::visit_expr_loop(self, e);
            self.1 -= 1;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut leaves = Leaves(None, 0);
    leaves.visit_expr(&c.body);
    match leaves.0 {
        Some(at) => unsupported(
            at,
            "#[grad] runs a closure inside the loop its chain becomes, where this would leave the loop or the function; compute a value instead, or write the loop",
        ),
        None => Ok(()),
    }
}

/// The type a `sum::<T>()` or `product::<T>()` names.
enum Width {
    Int,
    Float(syn::Type),
}

fn sum_ty(m: &syn::ExprMethodCall) -> Option<Width> {
    let t = m.turbofish.as_ref()?;
    let Some(syn::GenericArgument::Type(ty)) = t.args.first() else {
        return None;
    };
    match crate::ast::param_kind(ty) {
        crate::ast::ParamKind::Float(_) => Some(Width::Float(ty.clone())),
        crate::ast::ParamKind::Int => Some(Width::Int),
        _ => None,
    }
}

/// An error where the chain `e` iterates an array by value (`for v in buf`, `zip(buf)`,
/// `buf.into_iter()`), which copies a fixed-size array, and `then` writes an element of it: the
/// loop reads each element where it stands, and would see the writes the copy does not.
fn copied_and_written<'e>(e: &Expr, then: impl IntoIterator<Item = &'e Expr> + Copy) -> Result<()> {
    fn sources<'e>(e: &'e Expr, out: &mut Vec<&'e Ident>) {
        match strip_parens(e) {
            Expr::Path(p) => out.extend(p.path.get_ident()),
            Expr::MethodCall(m) => {
                if m.method == "into_iter" {
                    if let Expr::Path(p) = strip_parens(&m.receiver) {
                        out.extend(p.path.get_ident());
                    }
                }
                if m.method != "iter" {
                    sources(&m.receiver, out);
                }
                if m.method == "zip" {
                    m.args.iter().for_each(|a| sources(a, out));
                }
            }
            _ => {}
        }
    }
    struct Writes<'n>(&'n Ident, bool);
    impl<'ast> Visit<'ast> for Writes<'_> {
        fn visit_expr_assign(&mut self, e: &'ast syn::ExprAssign) {
            self.1 |= indexes(&e.left, self.0);
            syn::visit::visit_expr_assign(self, e);
        }
        fn visit_expr_binary(&mut self, e: &'ast syn::ExprBinary) {
            self.1 |= super::source::compound(&e.op).is_some() && indexes(&e.left, self.0);
            syn::visit::visit_expr_binary(self, e);
        }
    }
    fn indexes(place: &Expr, name: &Ident) -> bool {
        match strip_parens(place) {
            Expr::Index(i) => indexes(&i.expr, name),
            Expr::Path(p) => p.path.is_ident(name),
            _ => false,
        }
    }
    let mut names = Vec::new();
    sources(e, &mut names);
    for name in names {
        let mut w = Writes(name, false);
        then.into_iter().for_each(|e| w.visit_expr(e));
        if w.1 {
            return unsupported(
                name,
                format!("the loop writes `{name}`, which iterating it by value copies first; iterate over `{name}.iter()` and write a copy, or loop over indices"),
            );
        }
    }
    Ok(())
}
