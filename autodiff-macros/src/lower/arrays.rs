//! Arrays: which array a name stands for, elements `a[i][j]`, local buffers, and
//! `iter().sum()` / `iter().product()` as loops.

use super::source::*;
use super::{Binding, Lower};
use crate::ast::ParamKind;
use crate::ir::{
    Array, ArrayInit, ArrayKind, CallArg, FloatTy, Info, Len, Pass, Range, Stmt, Ty, Var,
};
use crate::primitives;
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Ident};

impl Lower<'_> {
    /// The array a plain name stands for.
    pub(super) fn array_of(&self, e: &Expr) -> Option<Array> {
        match e {
            Expr::Path(p) => match self.lookup(p.path.get_ident()?) {
                Some(Binding::Array(a)) => Some(a),
                _ => None,
            },
            Expr::Paren(p) => self.array_of(&p.expr),
            Expr::Reference(r) => self.array_of(&r.expr),
            _ => None,
        }
    }

    /// A call's arguments: arrays (named, or made by a call that returns one) as themselves,
    /// everything else as values.
    pub(super) fn call_args<'e>(
        &mut self,
        args: impl IntoIterator<Item = &'e Expr>,
    ) -> Vec<CallArg> {
        args.into_iter()
            .map(|a| {
                let by_ref = match a {
                    Expr::Reference(_) => Pass::Ref,
                    _ => Pass::Value,
                };
                let inner = strip_ref(a);
                if let Some(arg) = self.sub_slice(inner) {
                    return arg;
                }
                if let Expr::Unary(syn::ExprUnary {
                    op: syn::UnOp::Deref(_),
                    expr,
                    ..
                }) = strip_parens(a)
                {
                    if let Some(array) = self.array_of(expr) {
                        return CallArg::Array {
                            array,
                            by_ref: Pass::Deref,
                            range: None,
                        };
                    }
                }
                // `weigh([x, y, z])`, `norm(&[a, b])`: the literal is a buffer of its own.
                let array = (self.array_of(a))
                    .or_else(|| self.array_call(inner, None, false))
                    .or_else(|| self.array_init(inner));
                match array {
                    Some(array) => CallArg::Array {
                        array,
                        by_ref,
                        range: None,
                    },
                    None => CallArg::Value(self.expr(a)),
                }
            })
            .collect()
    }

    /// `x[lo..hi]` (either bound optional) of an array `x`, passed as `&x[lo..hi]`.
    fn sub_slice(&mut self, e: &Expr) -> Option<CallArg> {
        let (array, r) = self.array_part(e)?;
        if matches!(r.limits, syn::RangeLimits::Closed(_)) {
            self.cx.error_spanned(
                r,
                "#[grad] passes parts of arrays as `&x[lo..hi]`; write the end exclusive",
            );
        }
        let lo = r.start.as_ref().map(|x| self.expr(x));
        let hi = r.end.as_ref().map(|x| self.expr(x));
        Some(CallArg::Array {
            array,
            by_ref: Pass::Ref,
            range: Some(Range { lo, hi }),
        })
    }

    /// `f(args)` when the call returns an array of floats: bound with that type (`let h:
    /// Vec<f64> = f(..)`, `let r: [f64; 3] = rotate(..)`), bound to a name used as an array
    /// (`array_result`: `let r = rotate(..); r[0]`), or a kernel of `autodiff::kernels` that
    /// returns one (`matmul(&x, &w, ..)`, `relu(&h)`).
    pub(super) fn array_call(
        &mut self,
        e: &Expr,
        ty: Option<&syn::Type>,
        array_result: bool,
    ) -> Option<Array> {
        let Expr::Call(c) = strip_parens(e) else {
            return None;
        };
        let Expr::Path(func) = &*c.func else {
            return None;
        };
        // A closure bound with `let` is lowered where it is called, not called.
        if func.path.get_ident().and_then(|i| self.lookup(i)).is_some() {
            return None;
        }
        let elem = match ty.and_then(crate::ast::array_shape) {
            Some(ParamKind::Array { elem, depth: 1 }) => Some(elem),
            _ => None,
        };
        let kernel = self.makes_array(e);
        if elem.is_none() && !kernel && !array_result {
            return None;
        }
        let args = self.call_args(&c.args);
        // The kernels are of `f64`; the width of another call's result is its uses'.
        let ty = match (elem, kernel) {
            (Some(f), _) => Some(f),
            (None, true) => Some(FloatTy::F64),
            (None, false) => None,
        };
        let info = Info {
            ty: Ty::Float(ty),
            active: false,
            name: None,
        };
        let array = self.func.array(info, ArrayKind::Local);
        self.push(Stmt::DeclArray {
            array,
            init: ArrayInit::Call(Box::new(func.path.clone()), args),
            span: e.span(),
        });
        if self.blocks.len() > 1 {
            self.inner_arrays.push(array);
        }
        Some(array)
    }

    /// A call of a kernel that returns a `Vec`, with an array argument (`&`, `( )` aside).
    fn makes_array(&self, e: &Expr) -> bool {
        let Expr::Call(c) = strip_ref(e) else {
            return false;
        };
        let Expr::Path(func) = &*c.func else {
            return false;
        };
        let segs = segments(&func.path);
        let primitive = matches!(
            segs.iter().map(String::as_str).collect::<Vec<_>>()[..],
            ["autodiff" | "f64" | "f32", _]
        );
        let name = segs.last().map(String::as_str).unwrap_or_default();
        !primitive
            && primitives::ARRAY_KERNELS.contains(&name)
            && c.args.iter().any(|a| {
                self.array_of(a).is_some()
                    || self.array_part(strip_ref(a)).is_some()
                    || self.makes_array(a)
            })
    }

    /// `x[lo..hi]` of an array `x`: the array and the range.
    fn array_part<'e>(&self, e: &'e Expr) -> Option<(Array, &'e syn::ExprRange)> {
        let Expr::Index(ix) = strip_parens(e) else {
            return None;
        };
        let Expr::Range(r) = strip_parens(&ix.index) else {
            return None;
        };
        Some((self.array_of(&ix.expr)?, r))
    }

    /// The array and the indices of `a[i][j]`.
    pub(super) fn element(&mut self, e: &Expr) -> Option<(Array, Vec<Var>)> {
        match e {
            Expr::Index(ix) => {
                let (array, mut index, offset) = self.place(&ix.expr)?;
                let zero = matches!(strip_parens(&ix.index),
                    Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) if i.base10_digits() == "0");
                let i = match offset {
                    // `w[0]` is the view's start itself: one index value for every read of
                    // it, whose loads and adjoints the passes then treat as one.
                    Some(o) if zero => o,
                    Some(o) => {
                        let i = self.expr(&ix.index);
                        self.binary('+', o, i, ix.index.span())
                    }
                    None => self.expr(&ix.index),
                };
                index.push(i);
                Some((array, index))
            }
            Expr::Paren(p) => self.element(&p.expr),
            base => self.place(base).map(|(a, index, _)| (a, index)),
        }
    }

    /// What an index applies to: an array, an element of one on the way down, or a view;
    /// with the offset a view adds to the next index.
    fn place(&mut self, e: &Expr) -> Option<(Array, Vec<Var>, Option<Var>)> {
        match e {
            Expr::Index(_) => self.element(e).map(|(a, index)| (a, index, None)),
            Expr::Paren(p) => self.place(&p.expr),
            base => {
                if let Some(k) = self.view_binding(base) {
                    let v = &self.views[k as usize];
                    return Some((v.array, v.prefix.clone(), v.offset));
                }
                // `rotate(&q, v)[0]`: a call indexed returns an array.
                let named = self.array_of(base);
                match named.or_else(|| self.array_call(base, None, true)) {
                    Some(a) => Some((a, Vec::new(), None)),
                    None => {
                        self.unsupported(
                            base,
                            "#[grad] indexes arrays and slices of floats, and of integers passed in; this is not one",
                        );
                        None
                    }
                }
            }
        }
    }

    /// The view a name stands for.
    pub(super) fn view_binding(&self, e: &Expr) -> Option<u32> {
        match strip_parens(e) {
            Expr::Path(p) => match self.lookup(p.path.get_ident()?) {
                Some(Binding::View(k)) => Some(k),
                _ => None,
            },
            Expr::Reference(r) if r.mutability.is_none() => self.view_binding(&r.expr),
            _ => None,
        }
    }

    /// `e` as a view, where it is one: `&x[a..b]` of an array or a view, a row `m[i]` (or
    /// `&m[i]`) of a nested array, or a name that stands for a view.
    pub(super) fn view_of(&mut self, e: &Expr) -> Option<u32> {
        let e = strip_parens(e);
        if let Some(k) = self.view_binding(e) {
            return Some(k);
        }
        let ix = match e {
            Expr::Reference(r) if r.mutability.is_none() => match strip_parens(&r.expr) {
                Expr::Index(ix) => ix,
                _ => return None,
            },
            // `&mut x[i]`: an element `iter_mut` yields, read and written through `*`.
            Expr::Reference(r) => match strip_parens(&r.expr) {
                Expr::Index(ix) if !matches!(strip_parens(&ix.index), Expr::Range(_)) => {
                    let (array, prefix, offset) = self.place(&ix.expr)?;
                    let mut i = self.expr(&ix.index);
                    if let Some(o) = offset {
                        i = self.binary('+', o, i, ix.index.span());
                    }
                    let one = self.lit(&syn::parse_quote!(1));
                    self.views.push(View {
                        array,
                        prefix,
                        offset: Some(i),
                        len: Some(one),
                        element: true,
                    });
                    return Some(self.views.len() as u32 - 1);
                }
                _ => return None,
            },
            Expr::Index(ix) => ix,
            _ => return None,
        };
        let depth = self.view_depth(&ix.expr)?;
        let view = match strip_parens(&ix.index) {
            Expr::Range(r) => {
                let (array, prefix, offset) = self.place(&ix.expr)?;
                let lo = match &r.start {
                    Some(lo) => self.expr(lo),
                    None => self.lit(&syn::parse_quote!(0)),
                };
                let mut hi = match &r.end {
                    Some(hi) => self.expr(hi),
                    None => match self.view_len(&ix.expr) {
                        Some(len) => len,
                        None => {
                            self.def(crate::ir::Op::Len(array, prefix.clone()), Ty::Int, r.span())
                        }
                    },
                };
                if matches!(r.limits, syn::RangeLimits::Closed(_)) {
                    let one = self.lit(&syn::parse_quote!(1));
                    hi = self.binary('+', hi, one, r.span());
                }
                let len = self.binary('-', hi, lo, r.span());
                let offset = match offset {
                    Some(o) => self.binary('+', o, lo, r.span()),
                    None => lo,
                };
                View {
                    array,
                    prefix,
                    offset: Some(offset),
                    len: Some(len),
                    element: false,
                }
            }
            // A row: one index short of the floats.
            _ if depth > 1 => {
                let (array, prefix) = self.element(e_index(e))?;
                View {
                    array,
                    prefix,
                    offset: None,
                    len: None,
                    element: false,
                }
            }
            _ => return None,
        };
        self.views.push(view);
        Some(self.views.len() as u32 - 1)
    }

    /// How many more indices reach the floats of the array under `e`, for a view of it.
    fn view_depth(&self, e: &Expr) -> Option<usize> {
        match strip_parens(e) {
            Expr::Index(ix) => self.view_depth(&ix.expr)?.checked_sub(1),
            base => {
                let (array, used) = match self.view_binding(base) {
                    Some(k) => {
                        let v = &self.views[k as usize];
                        (v.array, v.prefix.len())
                    }
                    None => (self.array_of(base)?, 0),
                };
                Some(self.depths.get(&array).copied().unwrap_or(1) - used)
            }
        }
    }

    /// The element `*v` stands for, where `v` is a view of one element (what `iter_mut`
    /// yields): its array and index.
    pub(super) fn element_of_view(&mut self, e: &Expr) -> Option<(Array, Vec<Var>)> {
        let k = self.view_binding(e)?;
        let v = self.views[k as usize].clone();
        match (v.element, v.offset) {
            (true, Some(offset)) => {
                let mut index = v.prefix;
                index.push(offset);
                Some((v.array, index))
            }
            _ => {
                self.unsupported(e, "`*` reads or writes an element that `iter_mut()` yields; index this part of an array instead");
                None
            }
        }
    }

    /// `w.len()` of a view.
    pub(super) fn view_len(&mut self, e: &Expr) -> Option<Var> {
        let k = self.view_binding(e)?;
        let v = &self.views[k as usize];
        match v.len {
            Some(len) => Some(len),
            None => {
                let (array, prefix) = (v.array, v.prefix.clone());
                Some(self.def(crate::ir::Op::Len(array, prefix), Ty::Int, e.span()))
            }
        }
    }

    /// A local buffer: `[v; N]`, `vec![v; n]`, `[a, b]`, `vec![a, b]`, nested fills.
    pub(super) fn array_init(&mut self, e: &Expr) -> Option<Array> {
        let init = match e {
            Expr::Array(a)
                if a.elems
                    .iter()
                    .any(|x| matches!(strip_parens(x), Expr::Array(_))) =>
            {
                return self.nested_literal(a);
            }
            Expr::Repeat(_) | Expr::Array(_) => self.array_literal(e, false)?,
            Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                let inner: Expr = match m.mac.parse_body_with(parse_vec_body) {
                    Ok(inner) => inner,
                    Err(err) => {
                        // An input that ends too soon has no token to point at: the macro's.
                        match err.to_string().contains("end of input") {
                            true => self.cx.error_spanned(&m.mac, err),
                            false => self.cx.push(err),
                        }
                        return None;
                    }
                };
                self.array_literal(&inner, true)?
            }
            _ => return None,
        };
        let info = Info {
            ty: Ty::Float(None),
            active: false,
            name: None,
        };
        let array = self.func.array(info, ArrayKind::Local);
        if let ArrayInit::Fill { dims, .. } = &init {
            if dims.len() > 1 {
                self.depths.insert(array, dims.len());
            }
        }
        let span = e.span();
        let nested = self.blocks.len() > 1;
        match init {
            ArrayInit::Fill { .. } | ArrayInit::Elems { vec: false, .. }
                if nested && known_size(&init) =>
            {
                self.refill(array, init, span)
            }
            ArrayInit::Fill { .. } if !nested && !fills_constant(e) => {
                self.refill(array, init, span)
            }
            init => {
                self.push(Stmt::DeclArray { array, init, span });
                if nested {
                    self.inner_arrays.push(array);
                }
            }
        }
        Some(array)
    }

    /// A buffer written inside a loop or a branch, or filled with a value that may be
    /// differentiated (`[x; 3]`): declared as zeros at the top of the function (where the
    /// derivative needs every buffer it reverses through), then filled where it was written,
    /// each time that runs, as Rust would make it anew.
    fn refill(&mut self, array: Array, init: ArrayInit, span: Span) {
        let dims = match &init {
            ArrayInit::Fill { dims, .. } => dims.clone(),
            ArrayInit::Elems { elems, vec } => {
                let n = syn::Index::from(elems.len());
                vec![(Len::Const(Box::new(syn::parse_quote!(#n))), *vec)]
            }
            _ => return,
        };
        self.zeros(array, dims.clone(), span);
        match init {
            ArrayInit::Elems { elems, .. } => {
                let leaves = elems.into_iter().enumerate();
                self.store_leaves(array, leaves.map(|(k, v)| (vec![k], v)).collect());
            }
            ArrayInit::Fill { value: v, .. } => {
                let (name, value) = (self.fresh("buf"), self.fresh("v"));
                self.bind(&name, Binding::Array(array));
                self.bind(&value, Binding::Value(v));
                let indices: Vec<Ident> = dims.iter().map(|_| self.fresh("t")).collect();
                let mut body: syn::Stmt =
                    syn::parse_quote_spanned!(span=> #name #([#indices])* = #value;);
                for ((len, _), t) in dims.iter().zip(&indices).rev() {
                    let n: Expr = match len {
                        Len::Const(n) => (**n).clone(),
                        Len::Value(v) => {
                            let n = self.fresh("n");
                            self.bind(&n, Binding::Value(*v));
                            syn::parse_quote!(#n)
                        }
                    };
                    body = syn::parse_quote_spanned!(span=> for #t in 0..#n { #body });
                }
                self.stmt(&body);
            }
            _ => {}
        }
    }

    /// Declares `array` as zeros of these dimensions, at the top of the function.
    fn zeros(&mut self, array: Array, dims: Vec<(Len, bool)>, span: Span) {
        self.at_top(|l| {
            let value = l.lit(&syn::parse_quote!(0.0));
            l.push(Stmt::DeclArray {
                array,
                init: ArrayInit::Fill { value, dims },
                span,
            });
        });
    }

    /// Stores each value at its indices.
    fn store_leaves(&mut self, array: Array, leaves: Vec<(Vec<usize>, Var)>) {
        for (indices, value) in leaves {
            let index = (indices.into_iter())
                .map(|k| {
                    self.lit(&syn::Lit::Int(syn::LitInt::new(
                        &k.to_string(),
                        Span::call_site(),
                    )))
                })
                .collect();
            self.push(Stmt::Store {
                array,
                index,
                value,
                write: crate::ir::Write::Set,
            });
        }
    }

    /// `[[a, b], [c, d]]`: zeros of its shape, then each element stored, in source order.
    fn nested_literal(&mut self, a: &syn::ExprArray) -> Option<Array> {
        let mut lens = Vec::new();
        let mut leaves = Vec::new();
        self.leaves(
            &Expr::Array(a.clone()),
            &mut Vec::new(),
            &mut lens,
            &mut leaves,
        )?;
        let info = Info {
            ty: Ty::Float(None),
            active: false,
            name: None,
        };
        let array = self.func.array(info, ArrayKind::Local);
        self.depths.insert(array, lens.len());
        let dims = (lens.into_iter())
            .map(|n| {
                let n = syn::Index::from(n);
                (Len::Const(Box::new(syn::parse_quote!(#n))), false)
            })
            .collect();
        self.zeros(array, dims, a.span());
        self.store_leaves(array, leaves);
        Some(array)
    }

    /// The elements of a nested literal at `at` and below, with their indices; `lens` the
    /// length at each depth, which every row at that depth must have.
    fn leaves(
        &mut self,
        e: &Expr,
        at: &mut Vec<usize>,
        lens: &mut Vec<usize>,
        out: &mut Vec<(Vec<usize>, Var)>,
    ) -> Option<()> {
        let depth = at.len();
        match (strip_parens(e), lens.get(depth).copied()) {
            (Expr::Array(a), len) if len.is_none_or(|n| n == a.elems.len()) => {
                if lens.len() == depth {
                    lens.push(a.elems.len());
                }
                for (k, x) in a.elems.iter().enumerate() {
                    at.push(k);
                    self.leaves(x, at, lens, out)?;
                    at.pop();
                }
                Some(())
            }
            (Expr::Array(_) | Expr::Repeat(_), _) | (_, Some(_)) => {
                self.unsupported(e, "#[grad] takes a nested array literal whose rows are literals of one length, as in `[[a, b], [c, d]]`");
                None
            }
            (scalar, None) => {
                let v = self.expr(scalar);
                out.push((at.clone(), v));
                Some(())
            }
        }
    }

    /// The contents of an array literal (`vec` for `vec![...]`'s).
    pub(super) fn array_literal(&mut self, e: &Expr, vec: bool) -> Option<ArrayInit> {
        match e {
            Expr::Repeat(r) => {
                let len = if vec {
                    Len::Value(self.expr(&r.len))
                } else {
                    Len::Const(r.len.clone())
                };
                let (value, mut dims) = match &*r.expr {
                    Expr::Repeat(_) => match self.array_literal(&r.expr, false)? {
                        ArrayInit::Fill { value, dims } => (value, dims),
                        _ => return None,
                    },
                    Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                        let inner: Expr = m.mac.parse_body_with(parse_vec_body).ok()?;
                        match self.array_literal(&inner, true)? {
                            ArrayInit::Fill { value, dims } => (value, dims),
                            _ => return None,
                        }
                    }
                    scalar => (self.expr(scalar), Vec::new()),
                };
                dims.insert(0, (len, vec));
                Some(ArrayInit::Fill { value, dims })
            }
            Expr::Array(a) => {
                let elems = a.elems.iter().map(|x| self.expr(x)).collect();
                Some(ArrayInit::Elems { elems, vec })
            }
            other => {
                self.unsupported(other, "#[grad] supports buffers written `[v; N]`, `vec![v; n]`, `[a, b, c]` or `vec![a, b, c]`");
                None
            }
        }
    }

    /// `a[i]` as a row of a nested array, or the array itself.
    pub(super) fn row(&mut self, e: &Expr) -> Result<(Array, Vec<Var>), ()> {
        match e {
            Expr::Index(_) => self.element(e).ok_or(()),
            other => self.array_of(other).map(|a| (a, Vec::new())).ok_or(()),
        }
    }
}

/// A part of an array that a name stands for: `let w = &x[a..b];`, a window or a chunk of a
/// chain, a row `m[i]` of a nested array. Indexing it indexes the array: `w[j]` is
/// `x[a + j]`, `row[j]` is `m[i][j]`.
#[derive(Clone, Debug)]
pub(super) struct View {
    pub array: Array,
    /// The indices of the row it is a part of.
    pub prefix: Vec<Var>,
    /// Added to the first index after the prefix.
    pub offset: Option<Var>,
    /// Its length, where it is not the row's.
    pub len: Option<Var>,
    /// One element, `&mut x[i]` as `iter_mut` yields it: `*v` reads and writes it.
    pub element: bool,
}

/// `m[i]` itself, the row a view of depth stands for.
fn e_index(e: &Expr) -> &Expr {
    match e {
        Expr::Reference(r) => strip_parens(&r.expr),
        other => other,
    }
}

/// Whether a buffer's size is known where it is written: `[v; N]` and `[a, b]`, not `vec!`.
fn known_size(init: &ArrayInit) -> bool {
    match init {
        ArrayInit::Fill { dims, .. } => {
            (dims.iter()).all(|(n, vec)| matches!(n, Len::Const(_)) && !vec)
        }
        ArrayInit::Elems { vec, .. } => !vec,
        _ => false,
    }
}

/// Whether `[v; n]` or `vec![v; n]` (nested or not) fills with a literal, which no derivative
/// reaches.
fn fills_constant(e: &Expr) -> bool {
    match strip_parens(e) {
        Expr::Repeat(r) => fills_constant(&r.expr),
        Expr::Macro(m) if m.mac.path.is_ident("vec") => {
            (m.mac.parse_body_with(parse_vec_body)).is_ok_and(|e| fills_constant(&e))
        }
        Expr::Lit(_) => true,
        Expr::Unary(u) => matches!(u.op, syn::UnOp::Neg(_)) && fills_constant(&u.expr),
        _ => false,
    }
}
