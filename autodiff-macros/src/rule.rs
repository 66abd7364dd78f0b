//! `#[vjp_rule(for = f)]` and `#[jvp_rule(for = f)]`: check a hand-written `f_vjp` or `f_jvp`
//! against the shape `#[grad]` callers call it with, so that a mistyped rule is reported at the
//! rule, not at every caller.
//!
//! The rule's parameters split into `f`'s parameters, the seed, and the bars (its trailing
//! `&mut` parameters). Within the rule the macro checks the name, one bar per float or
//! float-array parameter with the contract's type, and the return type that goes with the seed;
//! against `f` it emits `const _: fn(params) -> R = f;`, whose type error rustc reports at
//! `for = f` when `f` takes other parameters or returns something else.

use crate::ast::{self, ParamKind};
use crate::ctxt::Ctxt;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, ReturnType, Type};

/// The attribute's argument: the function the rule is for.
pub struct RuleArgs {
    pub target: syn::Path,
}

impl syn::parse::Parse for RuleArgs {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let usage = "expected the function this rule is for, as in `#[vjp_rule(for = softmax_ce)]` or `#[jvp_rule(for = softmax_ce)]`";
        input
            .parse::<syn::Token![for]>()
            .map_err(|e| syn::Error::new(e.span(), usage))?;
        input
            .parse::<syn::Token![=]>()
            .map_err(|e| syn::Error::new(e.span(), usage))?;
        let target = input.parse()?;
        if !input.is_empty() {
            return Err(input.error(usage));
        }
        Ok(RuleArgs { target })
    }
}

/// Which rule an attribute checks.
#[derive(Clone, Copy)]
pub enum Kind {
    Vjp,
    Jvp,
}

pub fn rule(attr: TokenStream, item: ItemFn, kind: Kind) -> TokenStream {
    let args = match syn::parse2::<RuleArgs>(attr) {
        Ok(args) => args,
        Err(err) => {
            let err = err.to_compile_error();
            return quote!(#item #err);
        }
    };
    let mut cx = Ctxt::default();
    let check = match kind {
        Kind::Vjp => check(&args.target, &item, &mut cx),
        Kind::Jvp => check_jvp(&args.target, &item, &mut cx),
    };
    let errors = cx.finish().err().map(|e| e.to_compile_error());
    quote! {
        #item
        #check
        #errors
    }
}

/// The in-rule checks, and the `const` that checks `target` itself.
fn check(target: &syn::Path, item: &ItemFn, cx: &mut Ctxt) -> TokenStream {
    let sig = &item.sig;
    let Some((name, types)) = header(target, item, "_vjp", "a rule", "#[grad]", cx) else {
        return TokenStream::new();
    };
    let n_bars = types.iter().rev().take_while(|t| is_mut_ref(t)).count();
    let Some(seed_at) = types.len().checked_sub(n_bars + 1) else {
        cx.error_spanned(
            &sig.inputs,
            format!("a rule takes `{name}`'s parameters, then the seed, then one `&mut` bar per float or float-array parameter"),
        );
        return TokenStream::new();
    };
    let (params, seed, bars) = (&types[..seed_at], types[seed_at], &types[seed_at + 1..]);

    // One bar per differentiable parameter, with the contract's type.
    let wanted: Vec<(usize, TokenStream)> = params
        .iter()
        .enumerate()
        .filter_map(|(i, ty)| match ast::param_kind(ty) {
            ParamKind::Float(_) => Some((i, ty.to_token_stream())),
            _ => ast::array_shape(ty).map(|_| (i, ast::bar_ty(ty))),
        })
        .collect();
    if wanted.len() != bars.len() {
        let list: Vec<String> = wanted
            .iter()
            .map(|(_, ty)| format!("`&mut {ty}`"))
            .collect();
        cx.error_spanned(
            &sig.inputs,
            format!(
                "`{name}` has {} float or float-array parameter(s), so its rule takes {} `&mut` bar(s) after the seed: {}; this one has {}",
                wanted.len(),
                wanted.len(),
                list.join(", "),
                bars.len()
            ),
        );
    }
    for ((i, want), bar) in wanted.iter().zip(bars) {
        let Type::Reference(r) = bar else { continue };
        if r.elem.to_token_stream().to_string() != want.to_string() {
            cx.error_spanned(
                bar,
                format!(
                    "expected `&mut {want}` here: the bar of the parameter `{}`",
                    params[*i].to_token_stream().to_string().replace("& ", "&")
                ),
            );
        }
    }

    // The seed is the result's adjoint: the rule returns the value, or nothing for a `Vec`.
    let ret = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some(&**ty),
    };
    let primal_ret = match (seed, ret) {
        (Type::Reference(r), None) if r.mutability.is_none() => {
            let elem = match &*r.elem {
                Type::Slice(s) => &*s.elem,
                other => other,
            };
            quote!(::std::vec::Vec<#elem>)
        }
        (seed, Some(ret))
            if seed.to_token_stream().to_string() == ret.to_token_stream().to_string() =>
        {
            seed.to_token_stream()
        }
        (seed, _) => {
            cx.error_spanned(
                seed,
                "the seed has the type of the function's result and the rule returns that value (`seed: f64` → `-> f64`), or, for a function returning `Vec<f64>`, the seed is `&[f64]` and the rule returns nothing",
            );
            return TokenStream::new();
        }
    };
    let span = target.span();
    let target = quote_spanned!(span=> #target);
    quote_spanned! {span=>
        const _: fn(#(#params),*) -> #primal_ret = #target;
    }
}

/// The name `target` is for, after checking that the rule is named `<target><suffix>`, and the
/// rule's parameter types.
fn header<'a>(
    target: &'a syn::Path,
    item: &'a ItemFn,
    suffix: &str,
    what: &str,
    callers: &str,
    cx: &mut Ctxt,
) -> Option<(&'a syn::Ident, Vec<&'a Type>)> {
    let name = &target.segments.last()?.ident;
    let expected = format!("{name}{suffix}");
    if item.sig.ident != expected {
        cx.error_spanned(
            &item.sig.ident,
            format!("{what} for `{name}` must be named `{expected}`: that is the function `{callers}` callers call"),
        );
    }
    let types = (item.sig.inputs.iter())
        .filter_map(|arg| match arg {
            FnArg::Typed(t) => Some(&*t.ty),
            FnArg::Receiver(_) => None,
        })
        .collect();
    Some((name, types))
}

fn is_mut_ref(ty: &Type) -> bool {
    matches!(ty, Type::Reference(r) if r.mutability.is_some())
}

/// A forward rule `f_jvp(<f's parameters>, <one tangent per float or float-array parameter, of
/// its type>) -> (R, R)`: the value and its tangent.
fn check_jvp(target: &syn::Path, item: &ItemFn, cx: &mut Ctxt) -> TokenStream {
    let sig = &item.sig;
    let Some((name, types)) = header(target, item, "_jvp", "a forward rule", "#[grad(jvp)]", cx)
    else {
        return TokenStream::new();
    };
    let differentiable = |ty: &Type| {
        matches!(ast::param_kind(ty), ParamKind::Float(_)) || ast::array_shape(ty).is_some()
    };
    // The split where the parameters' floats and arrays are as many as the tangents after them.
    let split = (0..=types.len()).rev().find(|&k| {
        let tangents = types[..k].iter().filter(|t| differentiable(t)).count();
        k + tangents == types.len()
    });
    let shape = format!(
        "a forward rule takes `{name}`'s parameters, then one tangent per float or float-array parameter, of that parameter's type, and returns `(value, tangent)`"
    );
    let Some(k) = split.filter(|&k| k > 0) else {
        cx.error_spanned(&sig.inputs, shape);
        return TokenStream::new();
    };
    let (params, tangents) = (&types[..k], &types[k..]);
    let wanted = params.iter().filter(|t| differentiable(t));
    for (want, got) in wanted.zip(tangents) {
        let spell = |t: &Type| t.to_token_stream().to_string();
        if spell(want) != spell(got) {
            cx.error_spanned(
                got,
                format!(
                    "expected `{}` here: a tangent has the type of its parameter",
                    spell(want).replace("& ", "&")
                ),
            );
        }
    }
    let ret = match &sig.output {
        ReturnType::Type(_, ty) => match &**ty {
            Type::Tuple(t) if t.elems.len() == 2 => {
                let (a, b) = (&t.elems[0], &t.elems[1]);
                (a.to_token_stream().to_string() == b.to_token_stream().to_string()).then_some(a)
            }
            _ => None,
        },
        ReturnType::Default => None,
    };
    let Some(ret) = ret else {
        cx.error_spanned(
            &sig.output,
            format!("a forward rule returns `(value, tangent)`, both of `{name}`'s result type, as in `-> (f64, f64)`"),
        );
        return TokenStream::new();
    };
    let span = target.span();
    let target = quote_spanned!(span=> #target);
    quote_spanned! {span=>
        const _: fn(#(#params),*) -> #ret = #target;
    }
}
