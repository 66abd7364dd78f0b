//! The `#[grad]` attribute of the `autodiff` crate. Depend on `autodiff`, which re-exports it
//! together with the runtime that the generated code calls.
//!
//! The macro is a pipeline in one direction: `args` and `ast` read the attribute and the
//! signature, `lower` turns the body into the Wengert-list `ir`, `reverse` makes its
//! adjoint, `optimize` trims that to what a hand-written adjoint computes, `emit` writes Rust.
//! Every problem is collected in a `ctxt::Ctxt` and, on error, `fallback` keeps the original
//! function and reports them all at once.

// The tests build proc-macro2 with `span-locations` (the mutation test tells spans from the
// call site), which makes every syn node larger; a workspace build with the tests unifies that
// feature into this crate's own build, where it trips this lint.
#![allow(clippy::large_enum_variant)]

mod activity;
mod args;
mod ast;
mod ctxt;
mod emit;
mod expand;
mod fallback;
mod ir;
mod lower;
mod maps;
#[cfg(test)]
mod mutation;
mod optimize;
mod place;
mod primitives;
mod reverse;
mod rule;
mod second;
mod tangent;
#[cfg(test)]
mod tests;
mod tuple_params;
mod types;
mod verify;

use proc_macro::TokenStream;

/// Generates `NAME_grad` and `NAME_vjp` for a function of floats; see the `autodiff` crate.
#[proc_macro_attribute]
pub fn grad(attr: TokenStream, item: TokenStream) -> TokenStream {
    match syn::parse::<syn::Item>(item) {
        Ok(syn::Item::Fn(item)) => {
            let block = place::enclosing(item.sig.fn_token.span.unwrap());
            expand::grad(attr.into(), item, block).into()
        }
        Ok(other) => {
            let err = syn::Error::new_spanned(&other, "#[grad] applies to a `fn` only");
            let err = err.to_compile_error();
            quote::quote!(#other #err).into()
        }
        Err(err) => err.to_compile_error().into(),
    }
}

/// Checks a hand-written `NAME_vjp` against the shape `#[grad]` callers call it with:
/// `#[vjp_rule(for = NAME)]`; see the `autodiff` crate.
#[proc_macro_attribute]
pub fn vjp_rule(attr: TokenStream, item: TokenStream) -> TokenStream {
    match syn::parse::<syn::ItemFn>(item) {
        Ok(item) => rule::rule(attr.into(), item, rule::Kind::Vjp).into(),
        Err(err) => err.to_compile_error().into(),
    }
}

/// Checks a hand-written `NAME_jvp` against the shape `#[grad(jvp)]` callers call it with:
/// `#[jvp_rule(for = NAME)]`; see the `autodiff` crate.
#[proc_macro_attribute]
pub fn jvp_rule(attr: TokenStream, item: TokenStream) -> TokenStream {
    match syn::parse::<syn::ItemFn>(item) {
        Ok(item) => rule::rule(attr.into(), item, rule::Kind::Jvp).into(),
        Err(err) => err.to_compile_error().into(),
    }
}
