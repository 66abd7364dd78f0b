//! A typed view of the annotated function's signature: its parameters with their activity and
//! its float return type. Every signature problem is reported to the [`Ctxt`].

use crate::args::Args;
use crate::ctxt::Ctxt;
use crate::ir::FloatTy;
use quote::ToTokens;
use syn::{FnArg, Ident, ItemFn, Pat, ReturnType, Type};

/// The function as the later stages see it.
pub struct Func<'a> {
    pub item: &'a ItemFn,
    pub params: Vec<Param>,
    /// The width of the result (and of the seed).
    pub ret: FloatTy,
}

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
    /// An array, slice or `Vec` of floats: reported as not supported yet.
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
        let params_ok = cx.len() == errors;
        match &args.wrt {
            None => {
                for p in &mut params {
                    p.active = matches!(p.kind, ParamKind::Float(_));
                }
            }
            Some(names) => mark_wrt(&mut params, names, cx),
        }
        if params_ok && params.iter().all(|p| !p.active) && args.wrt.is_none() {
            cx.error_spanned(
                &item.sig.ident,
                "#[grad] found no float parameter to differentiate; give the function an `f64` or `f32` parameter",
            );
        }
        let ret = return_type(&item.sig, cx).unwrap_or(FloatTy::F64);
        Func { item, params, ret }
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
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned(
            &sig.generics,
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
    let ty = (*typed.ty).clone();
    let mut kind = param_kind(&ty);
    if let (ParamKind::Other, Some(what)) = (kind, float_container(&ty)) {
        cx.error_spanned(
            &ty,
            format!("#[grad] does not support {what} parameters yet; pass the floats as separate `f64` parameters"),
        );
        kind = ParamKind::Unsupported;
    }
    Some(Param {
        ident,
        ty,
        kind,
        active: false,
    })
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

/// Describes an array, slice or `Vec` of floats, which the contract makes active.
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
    for name in names {
        match params.iter_mut().find(|p| p.ident == *name) {
            None => cx.error_spanned(
                name,
                format!("`{name}` is not a parameter of this function; `wrt` names the parameters to differentiate"),
            ),
            Some(p) if !matches!(p.kind, ParamKind::Float(_)) => cx.error_spanned(
                name,
                format!(
                    "`{name}` is not a float (`f64` or `f32`) and cannot be differentiated; leave it out of `wrt`"
                ),
            ),
            Some(p) => p.active = true,
        }
    }
}

fn return_type(sig: &syn::Signature, cx: &mut Ctxt) -> Option<FloatTy> {
    let hint = "#[grad] differentiates functions that return `f64` or `f32`";
    match &sig.output {
        ReturnType::Default => {
            cx.error_at(
                sig.paren_token.span.close(),
                format!("{hint}; add `-> f64` and return the value to differentiate"),
            );
            None
        }
        ReturnType::Type(_, ty) => match param_kind(ty) {
            ParamKind::Float(f) => Some(f),
            _ => {
                cx.error_spanned(
                    ty,
                    format!("{hint}; this one returns `{}`", ty.to_token_stream()),
                );
                None
            }
        },
    }
}
