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
//!     mod __ad_rule { pub fn f_vjp<A0, ..>(..) where (NoRule, A0): DerivativeRule {} }
//!     use __ad_rule::*;
//!     { use self::*; { <the body's uses> f_vjp } }   // or `use model::*` for `model::f(..)`
//! }(args, seed, bars)
//! ```
//!
//! The limit this brings: a rule defined inside a function body (not in a module) is shadowed
//! by the stand-in; the error then says to move it to module level.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

/// The expression that names `path`'s rule, to be called with `arity` arguments; `uses` are the
/// `use` items of the calling function's body.
pub fn rule(path: &syn::Path, arity: usize, uses: &[&syn::ItemUse]) -> TokenStream {
    let Some(last) = path.segments.last() else {
        return TokenStream::new();
    };
    let callee = &last.ident;
    // At the callee's name, where rustc reports a missing rule.
    let span = callee.span();
    let vjp = format_ident!("{}_vjp", callee, span = span);
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
    let label =
        format!("`{callee}` is called with an active argument, so the reverse sweep calls `{vjp}`");
    let provide = format!(
        "to provide it: put `#[autodiff::grad]` on `{callee}`, or write `fn {vjp}(<{callee}'s \
         parameters>, seed: <its result type>, <one `&mut` bar per float parameter>) -> <its \
         result type>` under `#[autodiff::vjp_rule(for = {callee})]`, which checks that shape"
    );
    let inactive = format!(
        "if no derivative should flow through `{callee}`, pass its arguments through \
         `autodiff::detach(..)`"
    );
    let scope = format!(
        "rules are looked up in modules: a `{vjp}` defined inside a function body is not seen \
         here"
    );
    let params: Vec<_> = (0..arity).map(|i| format_ident!("A{}", i)).collect();
    let first = &params[0];
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
                pub fn #vjp<#(#params),*>(#(_: #params),*)
                where
                    (NoRule, #first): DerivativeRule,
                {
                }
            }
            #[allow(unused_imports)]
            use __ad_rule::*;
            {
                #[allow(unused_imports)]
                use #module::*;
                {
                    #(#uses)*
                    #vjp
                }
            }
        }
    }
}
