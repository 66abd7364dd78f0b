//! How the reverse sweep names a callee's rule `f_vjp`, so that a missing rule is an error that
//! says what to write, not rustc's "cannot find function" (which even suggests the caller's own
//! `_vjp`).
//!
//! rustc cannot customise an unresolved name, so the name always resolves: to the real rule if
//! there is one, else to a stand-in whose use fails a trait bound carrying our message
//! (`#[diagnostic::on_unimplemented]`). The stand-in is glob-imported in an outer block; the
//! places a real rule can come from are glob-imported in an inner one (the module, or the
//! callee's path), and the function body's own `use`s are repeated innermost. Names from an inner
//! block shadow an outer one, and a glob shadows nothing in its own block, so the stand-in is
//! found only when nothing else is:
//!
//! ```text
//! {
//!     mod __ad_rule { pub fn f_vjp<A0, ..>(..) where (NoRule, A0): DerivativeRule {}
//!                     pub fn __ad_adapt_f<M0, .., R>(rule: R) -> R { rule } }
//!     use __ad_rule::*;
//!     { use self::*; { <the body's uses> __ad_adapt_f::<Active, .., _>(f_vjp) } }
//! }(args, seed, bars)                              // `use model::*` for `model::f(..)`
//! ```
//!
//! A caller passes a bar for every float argument, but a callee with `wrt` takes bars for its
//! differentiated parameters only; such a callee defines `__ad_adapt_f`, which checks that the
//! caller's active arguments (marked `Active` or `Inactive`, one mark per argument) are among
//! them and drops the other bars.
//!
//! The limit this brings: a rule defined inside a function body (not in a module) is shadowed
//! by the stand-in; the error then says to move it to module level.

use crate::ast::{self, ParamKind};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned, ToTokens};

/// Which of a callee's rules a caller calls.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `NAME_vjp(params, seed, bars)`, for the reverse sweep.
    Vjp,
    /// `NAME_jvp(params, tangents)`, for forward mode.
    Jvp,
    /// `NAME_jvp_vjp(params, tangents, seed, tangent_seed, bars, tangent_bars)`, the reverse of
    /// forward mode, for second order.
    JvpVjp,
}

/// The expression that names `path`'s rule, to be called with `arity` arguments; `uses` are the
/// `use` items of the calling function's body.
pub fn rule(
    path: &syn::Path,
    mode: Mode,
    arity: usize,
    active: &[bool],
    uses: &[&syn::ItemUse],
) -> TokenStream {
    let Some(last) = path.segments.last() else {
        return TokenStream::new();
    };
    let callee = &last.ident;
    // At the callee's name, where rustc reports a missing rule.
    let span = callee.span();
    let suffix = match mode {
        Mode::Vjp => "vjp",
        Mode::Jvp => "jvp",
        Mode::JvpVjp => "jvp_vjp",
    };
    let vjp = format_ident!("{}_{}", callee, suffix, span = span);
    let adapt = adapter(callee, mode);
    let mut module = path.clone();
    module.segments.pop();
    let generic = path.segments.iter().any(|s| !s.arguments.is_none());
    if generic || module.segments.first().is_some_and(|s| s.ident == "Self") {
        // `Self::f` and `f::<T>` cannot be glob-imported from: name the rule directly.
        let mut direct = path.clone();
        if let Some(last) = direct.segments.last_mut() {
            last.ident = vjp;
            last.arguments = syn::PathArguments::None;
        }
        return quote!(#direct);
    }
    let module = if module.segments.is_empty() {
        quote!(self)
    } else {
        // Without the trailing `::` that popping the last segment leaves.
        let segments = module.segments.iter();
        let colon = path.leading_colon;
        quote!(#colon #(#segments)::*)
    };

    let written = quote!(#path).to_string().replace(' ', "");
    let message = format!("`{written}` has no derivative rule: cannot find `{vjp}`");
    let (label, provide) = match mode {
        Mode::Vjp => (
            format!("`{callee}` is called with an active argument, so the reverse sweep calls `{vjp}`"),
            format!(
                "to provide it: put `#[autodiff::grad]` on `{callee}`, or write `fn {vjp}(<{callee}'s \
                 parameters>, seed: <its result type>, <one `&mut` bar per float parameter>) -> <its \
                 result type>` under `#[autodiff::vjp_rule(for = {callee})]`, which checks that shape"
            ),
        ),
        Mode::Jvp => (
            format!("`{callee}` is called with an active argument, so forward mode calls `{vjp}`"),
            format!(
                "to provide it: put `#[autodiff::grad(jvp)]` on `{callee}`, or write `fn {vjp}(<{callee}'s \
                 parameters>, <one tangent per float parameter, of its type>) -> (<its result type>, \
                 <its result type>)`, returning the value and its tangent"
            ),
        ),
        Mode::JvpVjp => (
            format!("`{callee}` is called with an active argument, so `#[grad(hvp)]` calls `{vjp}` (the reverse of its forward mode)"),
            format!(
                "to provide it: put `#[autodiff::grad(hvp)]` on `{callee}`, or write `fn {vjp}(<{callee}'s \
                 parameters>, <one tangent per float parameter>, seed: <its result type>, \
                 tangent_seed: <its result type>, <one `&mut` bar per float parameter>, <one `&mut` \
                 bar per tangent>) -> <its result type>` beside `{callee}_jvp`"
            ),
        ),
    };
    let inactive = format!(
        "if no derivative should flow through `{callee}`, pass its arguments through \
         `autodiff::detach(..)`"
    );
    let scope = format!(
        "rules are looked up in modules: a `{vjp}` defined inside a function body is not seen \
         here"
    );
    let params: Vec<_> = (0..arity).map(|i| format_ident!("A{}", i)).collect();
    let marks: Vec<_> = (0..active.len()).map(|i| format_ident!("M{}", i)).collect();
    let active = active.iter().map(|&a| match a {
        true => quote_spanned!(span=> ::autodiff::__private::Active),
        false => quote_spanned!(span=> ::autodiff::__private::Inactive),
    });
    let first = &params[0];
    // A forward-mode caller destructures what the rule returns: the stand-in returns `!`, which
    // takes any type, so that the missing rule is the only error.
    let (never, diverge) = match mode {
        Mode::Vjp | Mode::JvpVjp => (TokenStream::new(), TokenStream::new()),
        Mode::Jvp => (quote!(-> !), quote!(loop {})),
    };
    quote_spanned! {span=>
        {
            #[allow(dead_code, non_snake_case)]
            mod __ad_rule {
                #[diagnostic::on_unimplemented(
                    message = #message,
                    label = #label,
                    note = #provide,
                    note = #inactive,
                    note = #scope,
                )]
                pub trait DerivativeRule {}
                pub struct NoRule;
                pub fn #vjp<#(#params),*>(#(_: #params),*) #never
                where
                    (NoRule, #first): DerivativeRule,
                {
                    #diverge
                }
                /// Without `wrt`, the rule takes an entry for every float argument as it is.
                pub fn #adapt<#(#marks,)* R>(rule: R) -> R {
                    rule
                }
            }
            #[allow(unused_imports)]
            use __ad_rule::*;
            {
                #[allow(unused_imports)]
                use #module::*;
                {
                    #(#uses)*
                    #adapt::<#(#active,)* _>(#vjp)
                }
            }
        }
    }
}

/// The name of the function that fits `callee`'s rule for `mode` to a caller's bars or
/// tangents: `#[grad(wrt(..))]` generates one ([`callee_adapter`]); otherwise the stand-in above
/// passes the rule through.
pub fn adapter(callee: &syn::Ident, mode: Mode) -> syn::Ident {
    let what = match mode {
        Mode::Vjp => "adapt",
        Mode::Jvp => "adapt_jvp",
        Mode::JvpVjp => "adapt_jvp_vjp",
    };
    super::generated(what, callee)
}

/// For a function whose `wrt` leaves out a float parameter: `__ad_adapt_NAME` (and, for
/// the other modes, `__ad_adapt_jvp_NAME`, `__ad_adapt_jvp_vjp_NAME`), which turns its rule into a function that
/// takes a bar (a tangent) for every float parameter, as callers pass them, once the caller's
/// marks (`Active`/`Inactive`, one per argument) show that no active argument goes to a
/// parameter left out: a derivative that would be lost is a compile error at the call.
pub fn callee_adapter(func: &ast::Func, r: &TokenStream, mode: Mode) -> Option<TokenStream> {
    if !func
        .params
        .iter()
        .any(|p| p.kind.differentiable() && !p.active)
    {
        return None;
    }
    let (vis, name) = (&func.item.vis, &func.item.sig.ident);
    let adapt = adapter(name, mode);
    let tys: Vec<&syn::Type> = func.params.iter().map(|p| &p.ty).collect();
    let names: Vec<_> = (0..tys.len())
        .map(|i| format_ident!("__ad_p{}", i))
        .collect();
    // Reserved names, which no type of the user's that `tys` names can be.
    let marks: Vec<_> = (0..tys.len())
        .map(|i| format_ident!("__ad_M{}", i))
        .collect();
    let differentiable: Vec<(usize, &ast::Param)> = (func.params.iter().enumerate())
        .filter(|(_, p)| p.kind.differentiable())
        .collect();
    // A parameter left out takes `_`, and its mark must be `Inactive`; at the parameter, which
    // rustc then names as the bound's origin.
    let left_out = (differentiable.iter().filter(|(_, p)| !p.active)).map(|(i, p)| {
        let mark = &marks[*i];
        quote_spanned!(p.ident.span()=> #mark: ::autodiff::__private::IsInactive)
    });
    let left_out: Vec<TokenStream> = left_out.collect();
    // One group of entries, one per differentiable parameter: the bars, or the tangents (of
    // the parameter's own type).
    let group = |prefix: &str, bar: bool| {
        let (mut tys, mut entries, mut passed) = (vec![], vec![], vec![]);
        for (i, p) in &differentiable {
            tys.push(match (bar, p.kind) {
                (true, ParamKind::Float(f)) => {
                    let f = super::float_ty(f);
                    quote!(&mut #f)
                }
                (true, _) => {
                    let bar = ast::bar_ty(&p.ty);
                    quote!(&mut #bar)
                }
                (false, _) => p.ty.to_token_stream(),
            });
            let entry = format_ident!("__ad_{}{}", prefix, i);
            match p.active {
                true => {
                    entries.push(quote!(#entry));
                    passed.push(entry);
                }
                false => entries.push(quote!(_)),
            }
        }
        (tys, entries, passed)
    };
    let rule = format_ident!(
        "{}_{}",
        name,
        match mode {
            Mode::Vjp => "vjp",
            Mode::Jvp => "jvp",
            Mode::JvpVjp => "jvp_vjp",
        }
    );
    let (shape, closure) = match mode {
        Mode::Vjp => {
            let (bar_tys, bars, passed) = group("b", true);
            (
                quote!(fn(#(#tys,)* #r, #(#bar_tys),*) -> #r),
                quote! {
                    |#(#names: #tys,)* seed: #r, #(#bars: #bar_tys),*| {
                        #rule(#(#names,)* seed, #(#passed),*)
                    }
                },
            )
        }
        Mode::Jvp => {
            let (dot_tys, dots, passed) = group("d", false);
            (
                quote!(fn(#(#tys,)* #(#dot_tys),*) -> (#r, #r)),
                quote! {
                    |#(#names: #tys,)* #(#dots: #dot_tys),*| {
                        #rule(#(#names,)* #(#passed),*)
                    }
                },
            )
        }
        Mode::JvpVjp => {
            let (dot_tys, dots, dots_passed) = group("d", false);
            let (bar_tys, bars, bars_passed) = group("b", true);
            let (dot_bar_tys, dot_bars, dot_bars_passed) = group("e", true);
            (
                quote!(fn(#(#tys,)* #(#dot_tys,)* #r, #r, #(#bar_tys,)* #(#dot_bar_tys),*) -> #r),
                quote! {
                    |#(#names: #tys,)* #(#dots: #dot_tys,)* seed: #r, dot_seed: #r,
                     #(#bars: #bar_tys,)* #(#dot_bars: #dot_bar_tys),*| {
                        #rule(#(#names,)* #(#dots_passed,)* seed, dot_seed,
                              #(#bars_passed,)* #(#dot_bars_passed),*)
                    }
                },
            )
        }
    };
    Some(quote! {
        #[doc(hidden)]
        #[allow(clippy::type_complexity, clippy::too_many_arguments, non_camel_case_types)]
        #vis fn #adapt<#(#marks,)* __ad_R>(_: __ad_R) -> #shape
        where
            #(#left_out,)*
        {
            #closure
        }
    })
}
