//! Whole arrays copied, assigned and swapped: `let mut p = p;`, `let b = a.clone();`,
//! `x.to_vec()`, `b = a.clone();`, `b.copy_from_slice(&a)`, `a.swap(i, j)`,
//! `std::mem::swap(&mut a, &mut b)`. Each is
//! the element-by-element loop it stands for, written out as Rust that [`Lower`] lowers, so a
//! copy's adjoint flows back to its source as a loop's would, and writing one array leaves the
//! other as it was.

use super::source::strip_parens;
use super::{Binding, Lower};
use crate::ir::{ArrayInit, ArrayKind, Stmt};
use syn::spanned::Spanned;
use syn::{Expr, Ident, Pat};

/// The methods that copy an array whole.
const COPIES: &[&str] = &["clone", "to_vec", "to_owned"];

impl Lower<'_> {
    /// The array that `e` copies whole: a name bound to one (`let mut p = p;`, `&a` as
    /// `copy_from_slice` takes it), or its `clone()`, `to_vec()` or `to_owned()`.
    fn copied(&self, e: &Expr) -> Option<(super::Array, usize)> {
        let source = match strip_parens(e) {
            Expr::MethodCall(m)
                if m.args.is_empty() && COPIES.contains(&&*m.method.to_string()) =>
            {
                &m.receiver
            }
            e @ (Expr::Path(_) | Expr::Reference(_)) => e,
            _ => return None,
        };
        let array = self.array_of(source)?;
        Some((array, self.depths.get(&array).copied().unwrap_or(1)))
    }

    /// `let b = a.clone();` (or `a`, `a.to_vec()`, `a.to_owned()`) of an array: a buffer shaped
    /// as `a` (an array stays an array, a slice's copy is a `Vec`), filled from it. Whether
    /// `init` is such a copy.
    pub(super) fn let_copy(&mut self, pat: &Pat, init: &Expr) -> bool {
        let Some((source, depth)) = self.copied(init) else {
            return false;
        };
        let info = self.func.array_info(source).info.clone();
        let info = crate::ir::Info {
            active: false,
            name: None,
            ..info
        };
        let copy = self.func.array(info, ArrayKind::Local);
        if depth > 1 {
            self.depths.insert(copy, depth);
        }
        // A copy of a parameter or of a buffer that lives at the top lives there too, filled
        // where it was made each time that runs.
        let decl = Stmt::DeclArray {
            array: copy,
            init: ArrayInit::ZerosLike(source),
            span: init.span(),
        };
        match self.inner_arrays.contains(&source) {
            true => {
                self.push(decl);
                self.inner_arrays.push(copy);
            }
            false => self.at_top(|l| l.push(decl)),
        }
        let (src, dst) = (self.fresh("src"), self.fresh("dst"));
        self.bind(&src, Binding::Array(source));
        self.bind(&dst, Binding::Array(copy));
        let fill = self.copy_loop(&dst, &src, depth, init, false, false);
        self.stmts(&fill, false);
        self.bind_local(pat, Binding::Array(copy));
        true
    }

    /// `b = a.clone();` (or `b = a;`) into an array `b` of `a`'s length. Whether it is one.
    pub(super) fn assign_copy(&mut self, place: &Expr, right: &Expr) -> bool {
        let (Some(target), Some((source, depth))) = (self.array_of(place), self.copied(right))
        else {
            return false;
        };
        let (src, dst) = (self.fresh("src"), self.fresh("dst"));
        self.bind(&src, Binding::Array(source));
        self.bind(&dst, Binding::Array(target));
        let fill = self.copy_loop(&dst, &src, depth, right, false, true);
        self.stmts(&fill, false);
        true
    }

    /// `b.copy_from_slice(&a)` of two arrays: `b = a.clone()`. Whether it is one.
    pub(super) fn copy_from_slice(&mut self, m: &syn::ExprMethodCall) -> bool {
        m.method == "copy_from_slice"
            && m.args.len() == 1
            && self.array_of(&m.args[0]).is_some()
            && self.assign_copy(&m.receiver, &m.args[0])
    }

    /// `a.swap(i, j)` of an array of floats: `a[i]` and `a[j]` exchanged. Whether it is one.
    pub(super) fn swap_elements(&mut self, m: &syn::ExprMethodCall) -> bool {
        if m.method != "swap" || m.args.len() != 2 || self.array_of(&m.receiver).is_none() {
            return false;
        }
        let (a, i, j) = (&m.receiver, &m.args[0], &m.args[1]);
        let (ti, tj, tmp) = (self.fresh("i"), self.fresh("j"), self.fresh("tmp"));
        let span = m.method.span();
        let swap: syn::Block = syn::parse_quote_spanned! {span=> {
            let #ti = #i;
            let #tj = #j;
            let #tmp = #a[#ti];
            #a[#ti] = #a[#tj];
            #a[#tj] = #tmp;
        }};
        self.stmts(&swap.stmts, false);
        true
    }

    /// `std::mem::swap(&mut a, &mut b)` (or `mem::swap`, `swap`) of two floats or two arrays
    /// of one shape: the values exchanged, the arrays element by element. Whether it is one.
    pub(super) fn swap_whole(&mut self, c: &syn::ExprCall) -> bool {
        let Expr::Path(f) = strip_parens(&c.func) else {
            return false;
        };
        let path: Vec<String> = f
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let is_swap = matches!(
            path.iter().map(String::as_str).collect::<Vec<_>>()[..],
            ["std" | "core", "mem", "swap"] | ["mem", "swap"]
        );
        if !is_swap || c.args.len() != 2 {
            return false;
        }
        let places: Vec<&Expr> = c
            .args
            .iter()
            .map(|a| match strip_parens(a) {
                Expr::Reference(r) if r.mutability.is_some() => strip_parens(&r.expr),
                other => other,
            })
            .collect();
        let (a, b) = (places[0], places[1]);
        let span = c.span();
        match (self.array_of(a), self.array_of(b)) {
            (Some(x), Some(_)) => {
                let depth = self.depths.get(&x).copied().unwrap_or(1);
                let (ta, tb) = (self.ident_of(a), self.ident_of(b));
                let (Some(ta), Some(tb)) = (ta, tb) else {
                    return false;
                };
                let fill = self.copy_loop(&ta, &tb, depth, c, true, true);
                self.stmts(&fill, false);
            }
            (None, None) => {
                let swap: syn::Stmt = syn::parse_quote_spanned!(span=> (#a, #b) = (#b, #a););
                self.stmt(&swap);
            }
            _ => {
                self.unsupported(c, "#[grad] swaps two floats or two arrays of one shape");
            }
        }
        true
    }

    /// The name `e` is, as written.
    fn ident_of(&self, e: &Expr) -> Option<Ident> {
        match strip_parens(e) {
            Expr::Path(p) => p.path.get_ident().cloned(),
            _ => None,
        }
    }

    /// The loops, `depth` deep, that copy `src` into `dst` element by element (`swap`: that
    /// exchange their elements). `check` asserts that each row has one length first: a copy
    /// into an array of another length would change that array's shape, which a buffer of the
    /// generated code cannot.
    fn copy_loop(
        &mut self,
        dst: &Ident,
        src: &Ident,
        depth: usize,
        at: &impl Spanned,
        swap: bool,
        check: bool,
    ) -> Vec<syn::Stmt> {
        let span = at.span();
        let indices: Vec<Ident> = (0..depth).map(|_| self.fresh("t")).collect();
        let tmp = self.fresh("tmp");
        let mut body: Vec<syn::Stmt> = if swap {
            syn::parse_quote_spanned! {span=>
                let #tmp = #dst #([#indices])*;
                #dst #([#indices])* = #src #([#indices])*;
                #src #([#indices])* = #tmp;
            }
        } else {
            vec![syn::parse_quote_spanned!(span=> #dst #([#indices])* = #src #([#indices])*;)]
        };
        for (k, t) in indices.iter().enumerate().rev() {
            let outer = &indices[..k];
            let lens =
                quote::quote_spanned!(span=> #dst #([#outer])* .len(), #src #([#outer])* .len());
            let mut level: Vec<syn::Stmt> = Vec::new();
            if check {
                level.push(syn::parse_quote_spanned! {span=>
                    ::core::assert_eq!(#lens, "#[grad] copies arrays element by element, into an array of the same length");
                });
            }
            level.push(syn::parse_quote_spanned! {span=>
                for #t in 0..#src #([#outer])* .len() { #(#body)* }
            });
            body = level;
        }
        body
    }
}
