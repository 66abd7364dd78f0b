//! A typed view of the annotated function's signature: its parameters with their activity and
//! its float return type. Every signature problem is reported to the [`Ctxt`].

use crate::args::Args;
use crate::ctxt::Ctxt;
use crate::ir::FloatTy;
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::{FnArg, Ident, ItemFn, Pat, ReturnType, Type};

/// The function as the later stages see it.
pub struct Func<'a> {
    pub item: &'a ItemFn,
    pub params: Vec<Param>,
    /// The width of the result's floats (and of the seed's).
    pub ret: FloatTy,
    /// How many floats the result holds, and how they are packed.
    pub output: Output,
}

/// The shape of the result.
#[derive(Clone, Debug)]
pub enum Output {
    /// One float: the function has a gradient.
    Scalar,
    /// `[F; len]`; `count` is `len` when it is an integer literal.
    Array {
        len: syn::Expr,
        count: Option<usize>,
    },
    /// `(F, F, ..)` with this many floats.
    Tuple(usize),
}

impl Output {
    pub fn is_vector(&self) -> bool {
        !matches!(self, Output::Scalar)
    }
}

#[derive(Clone)]
pub struct Param {
    pub ident: Ident,
    pub ty: Type,
    pub kind: ParamKind,
    /// Differentiated: gets a gradient entry and a `_vjp` bar.
    pub active: bool,
}

/// What a parameter's type makes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    Float(FloatTy),
    Int,
    /// Anything else: passed through, never differentiated.
    Other,
    /// An array, slice or `Vec` of floats (possibly nested, possibly behind `&`), indexed with
    /// `depth` indices down to a float.
    Array {
        elem: FloatTy,
        depth: usize,
    },
    /// Reported as unusable; lowering binds a placeholder.
    Unsupported,
}

impl<'a> Func<'a> {
    /// Reads the signature, reporting its problems to `cx`; where the return type is not a
    /// float, `f64` stands in so that the body can still be checked.
    pub fn from_syn(item: &'a ItemFn, args: &Args, cx: &mut Ctxt) -> Func<'a> {
        check_header(item, cx);
        let errors = cx.len();
        let mut params: Vec<Param> = item
            .sig
            .inputs
            .iter()
            .filter_map(|arg| param(arg, cx))
            .collect();
        for (i, p) in params.iter().enumerate() {
            if params[..i].iter().any(|q| q.ident == p.ident) {
                cx.error_spanned(
                    &p.ident,
                    format!(
                        "`{}` is the name of two parameters; give each parameter its own name",
                        p.ident
                    ),
                );
            }
        }
        let params_ok = cx.len() == errors;
        match &args.wrt {
            None => {
                for p in &mut params {
                    p.active = p.kind.differentiable();
                }
            }
            Some(names) => mark_wrt(&mut params, names, cx),
        }
        if params_ok && params.iter().all(|p| !p.active) && args.wrt.is_none() {
            cx.error_spanned(
                &item.sig.ident,
                "#[grad] found no float parameter to differentiate; give the function an `f64`, `f32` or float-array parameter",
            );
        }
        let (ret, output) = return_type(&item.sig, cx).unwrap_or((FloatTy::F64, Output::Scalar));
        if args.trace && output.is_vector() && !args.jvp {
            cx.error_spanned(
                &item.sig.output,
                format!(
                    "#[grad(trace)] traces reverse mode for functions with one float result; add `jvp` to trace forward mode instead (`{}_jvp_trace`), or trace one of the results in a function of its own",
                    item.sig.ident
                ),
            );
        }
        Func {
            item,
            params,
            ret,
            output,
        }
    }

    pub fn active_params(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| p.active)
    }
}

/// Everything before the parameters that `#[grad]` cannot carry over.
fn check_header(item: &ItemFn, cx: &mut Ctxt) {
    let sig = &item.sig;
    if let Some(t) = &sig.asyncness {
        cx.error_spanned(
            t,
            "#[grad] cannot differentiate an `async fn`; make it a plain `fn`",
        );
    }
    if let Some(t) = &sig.unsafety {
        cx.error_spanned(
            t,
            "#[grad] cannot differentiate an `unsafe fn`; make it a safe `fn`",
        );
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned(
            abi,
            "#[grad] cannot differentiate an `extern` function; remove the ABI",
        );
    }
    if let Some(v) = &sig.variadic {
        cx.error_spanned(v, "#[grad] cannot differentiate a variadic function");
    }
    // Lifetimes are elided in the companions' signatures (see `param`), and a `where` clause
    // without type parameters constrains nothing they need.
    let typed = (sig.generics.params.iter()).find(|p| !matches!(p, syn::GenericParam::Lifetime(_)));
    if let Some(typed) = typed {
        cx.error_spanned(
            typed,
            "#[grad] does not support generic functions yet; write the function for `f64` or `f32`",
        );
    }
}

fn param(arg: &FnArg, cx: &mut Ctxt) -> Option<Param> {
    let typed = match arg {
        FnArg::Receiver(r) => {
            cx.error_spanned(
                r,
                "#[grad] cannot differentiate a method; write a free function that takes this value as a parameter",
            );
            return None;
        }
        FnArg::Typed(t) => t,
    };
    let ident = match &*typed.pat {
        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => p.ident.clone(),
        other => {
            cx.error_spanned(
                other,
                "#[grad] needs a plain name for each parameter, as in `x: f64`; destructure inside the body instead",
            );
            return None;
        }
    };
    let ty = elided((*typed.ty).clone());
    let mut kind = param_kind(&ty);
    if let Type::Reference(syn::TypeReference {
        mutability: Some(m),
        ..
    }) = &ty
    {
        cx.error_spanned(
            m,
            "#[grad] does not support `&mut` parameters: a differentiated function returns its result; take the value or a `&` reference",
        );
        kind = ParamKind::Unsupported;
    } else if let Some(shape) = array_shape(&ty) {
        kind = shape;
    } else if let (ParamKind::Other, Some(what)) = (kind, float_container(&ty)) {
        cx.error_spanned(
            &ty,
            format!("#[grad] supports float arrays as `[f64; N]`, `&[f64]`, `&Vec<f64>` or `Vec<f64>` (nested at will); this {what} is not one of them"),
        );
        kind = ParamKind::Unsupported;
    }
    if let (ParamKind::Array { .. }, Pat::Ident(p)) = (kind, &*typed.pat) {
        if let Some(m) = &p.mutability {
            cx.error_spanned(
                m,
                "#[grad] does not support writing into an array parameter; copy it into a local buffer first, `let mut x = x;` in the body",
            );
        }
    }
    Some(Param {
        ident,
        ty,
        kind,
        active: false,
    })
}

/// `ty` with each lifetime it names elided, `&'a [f64]` as `&'_ [f64]`: the companions take
/// their own references and return owned values, so they need none of the function's lifetimes.
fn elided(mut ty: Type) -> Type {
    struct Elide;
    impl syn::visit_mut::VisitMut for Elide {
        fn visit_lifetime_mut(&mut self, l: &mut syn::Lifetime) {
            *l = syn::Lifetime::new("'_", l.span());
        }
    }
    syn::visit_mut::VisitMut::visit_type_mut(&mut Elide, &mut ty);
    ty
}

impl ParamKind {
    /// Floats and float arrays can be active.
    pub fn differentiable(self) -> bool {
        matches!(self, ParamKind::Float(_) | ParamKind::Array { .. })
    }
}

/// The kind of a parameter type.
pub fn param_kind(ty: &Type) -> ParamKind {
    match scalar_name(ty).as_deref() {
        Some("f64") => ParamKind::Float(FloatTy::F64),
        Some("f32") => ParamKind::Float(FloatTy::F32),
        Some(
            "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
            | "usize",
        ) => ParamKind::Int,
        _ => ParamKind::Other,
    }
}

/// The name of a single-segment path type such as `f64` or `usize`.
fn scalar_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.get_ident().map(Ident::to_string),
        Type::Paren(p) => scalar_name(&p.elem),
        Type::Group(g) => scalar_name(&g.elem),
        _ => None,
    }
}

/// The shape of a float array type: `[T; N]`, `[T]`, `Vec<T>`, behind any number of `&`, with
/// `T` a float or again an array.
pub fn array_shape(ty: &Type) -> Option<ParamKind> {
    match ty {
        Type::Reference(r) if r.mutability.is_none() => array_shape(&r.elem),
        Type::Paren(p) => array_shape(&p.elem),
        _ => {
            let elem = array_elem(ty)?;
            match param_kind(elem) {
                ParamKind::Float(f) => Some(ParamKind::Array { elem: f, depth: 1 }),
                _ => match array_shape(elem)? {
                    ParamKind::Array { elem, depth } => Some(ParamKind::Array {
                        elem,
                        depth: depth + 1,
                    }),
                    _ => None,
                },
            }
        }
    }
}

/// Whether `ty` is `&[I]`, `&Vec<I>`, `&[I; N]` or `[I; N]` of an integer type `I`: data a
/// body indexes (`logits[labels[n]]`), passed through and never differentiated.
pub fn int_elements(ty: &Type) -> bool {
    let (elem, by_ref) = match ty {
        Type::Reference(r) if r.mutability.is_none() => (array_elem(&r.elem), true),
        Type::Array(a) => (Some(&*a.elem), false),
        _ => (None, false),
    };
    let int = elem.is_some_and(|e| param_kind(e) == ParamKind::Int);
    int && (by_ref || matches!(ty, Type::Array(_)))
}

/// The element type of `[T; N]`, `[T]` or `Vec<T>`.
fn array_elem(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Array(a) => Some(&a.elem),
        Type::Slice(s) => Some(&s.elem),
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            match &last.arguments {
                syn::PathArguments::AngleBracketed(a)
                    if last.ident == "Vec" && a.args.len() == 1 =>
                {
                    match a.args.first()? {
                        syn::GenericArgument::Type(t) => Some(t),
                        _ => None,
                    }
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The type of an array parameter's gradient entry: `&[T]` and `Vec<T>` give `Vec<T̄>`,
/// `[T; N]` and `&[T; N]` give `[T̄; N]`.
pub fn grad_ty(ty: &Type) -> TokenStream {
    match ty {
        Type::Reference(r) => grad_ty(&r.elem),
        Type::Paren(p) => grad_ty(&p.elem),
        Type::Array(a) => {
            let (elem, len) = (grad_ty(&a.elem), &a.len);
            quote!([#elem; #len])
        }
        _ => match array_elem(ty) {
            Some(elem) => {
                let elem = grad_ty(elem);
                quote!(::std::vec::Vec<#elem>)
            }
            None => ty.to_token_stream(),
        },
    }
}

/// The type of an array parameter's `_vjp` bar, behind `&mut`: `[T̄; N]` for arrays, `[T̄]`
/// for slices and `Vec`s.
pub fn bar_ty(ty: &Type) -> TokenStream {
    match ty {
        Type::Reference(r) => bar_ty(&r.elem),
        Type::Paren(p) => bar_ty(&p.elem),
        Type::Array(_) => grad_ty(ty),
        _ => match array_elem(ty) {
            Some(elem) => {
                let elem = grad_ty(elem);
                quote!([#elem])
            }
            None => ty.to_token_stream(),
        },
    }
}

/// A zero adjoint for an array of type `ty` written out, `[[0.0f64; 3]; N]`, when its whole
/// shape is in the type: it is built in place, where `zeros_like` of a `[f64; 100_000]` copies
/// it through frames in a debug build.
pub fn fixed_zeros(ty: &Type) -> Option<TokenStream> {
    match ty {
        Type::Reference(r) => fixed_zeros(&r.elem),
        Type::Paren(p) => fixed_zeros(&p.elem),
        Type::Array(a) => {
            let (elem, len) = (fixed_zeros(&a.elem)?, &a.len);
            Some(quote!([#elem; #len]))
        }
        Type::Path(p) if p.path.is_ident("f64") => Some(quote!(0.0f64)),
        Type::Path(p) if p.path.is_ident("f32") => Some(quote!(0.0f32)),
        _ => None,
    }
}

/// Whether an array parameter's length is its type's (`[T; N]`, `&[T; N]`), not a run-time one.
pub fn fixed_len(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => fixed_len(&r.elem),
        Type::Paren(p) => fixed_len(&p.elem),
        ty => matches!(ty, Type::Array(_)),
    }
}

/// Describes a container of floats that is not a supported array shape.
fn float_container(ty: &Type) -> Option<&'static str> {
    let s = ty.to_token_stream().to_string().replace(' ', "");
    let floats = s.contains("f64") || s.contains("f32");
    match ty {
        _ if !floats => None,
        Type::Array(_) => Some("array"),
        Type::Reference(r) => float_container(&r.elem),
        Type::Slice(_) => Some("slice"),
        Type::Path(_) if s.starts_with("Vec<") => Some("`Vec`"),
        _ => None,
    }
}

fn mark_wrt(params: &mut [Param], names: &[Ident], cx: &mut Ctxt) {
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            cx.error_spanned(
                name,
                format!("`{name}` is named twice in `wrt`; name each parameter once"),
            );
            continue;
        }
        match params.iter_mut().find(|p| p.ident == *name) {
            None => cx.error_spanned(
                name,
                format!("`{name}` is not a parameter of this function; `wrt` names the parameters to differentiate"),
            ),
            Some(p) if !p.kind.differentiable() => cx.error_spanned(
                name,
                format!(
                    "`{name}` is not a float (`f64`, `f32`) or an array of floats, and cannot be differentiated; leave it out of `wrt`"
                ),
            ),
            Some(p) => p.active = true,
        }
    }
}

fn return_type(sig: &syn::Signature, cx: &mut Ctxt) -> Option<(FloatTy, Output)> {
    let hint = "#[grad] differentiates functions that return `f64` or `f32`, an array `[f64; M]` or a tuple of floats";
    let ty = match &sig.output {
        ReturnType::Default => {
            cx.error_at(
                sig.paren_token.span.close(),
                format!("{hint}; add `-> f64` and return the value to differentiate"),
            );
            return None;
        }
        ReturnType::Type(_, ty) => ty,
    };
    let shape = match &**ty {
        Type::Array(a) => match param_kind(&a.elem) {
            ParamKind::Float(f) => {
                let count = match &a.len {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Int(n),
                        ..
                    }) => n.base10_parse().ok(),
                    _ => None,
                };
                let len = a.len.clone();
                Some((f, Output::Array { len, count }))
            }
            _ => None,
        },
        Type::Tuple(t) if t.elems.len() > 1 => {
            let kinds: Vec<ParamKind> = t.elems.iter().map(param_kind).collect();
            match kinds[0] {
                ParamKind::Float(f) if kinds.iter().all(|k| *k == kinds[0]) => {
                    Some((f, Output::Tuple(kinds.len())))
                }
                ParamKind::Float(f) if kinds.iter().all(|k| matches!(k, ParamKind::Float(_))) => {
                    cx.error_spanned(
                        ty,
                        format!("{hint}; the floats of this tuple differ in width"),
                    );
                    // The body is still read as a tuple's, so it reports nothing more.
                    return Some((f, Output::Tuple(kinds.len())));
                }
                _ => None,
            }
        }
        ty => match param_kind(ty) {
            ParamKind::Float(f) => Some((f, Output::Scalar)),
            _ => None,
        },
    };
    if shape.is_none() {
        cx.error_spanned(
            ty,
            format!(
                "{hint} (all of one width); this one returns `{}`",
                ty.to_token_stream()
            ),
        );
    }
    shape
}
