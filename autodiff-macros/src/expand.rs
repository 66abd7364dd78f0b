//! The pipeline, in one direction: arguments → signature → IR → adjoint IR → lean adjoint IR →
//! tokens.

use crate::args::Args;
use crate::ctxt::Ctxt;
use crate::ir::Func;
use crate::{activity, ast, emit, fallback, lower, optimize, reverse, types, verify};
use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

pub fn grad(attr: TokenStream, item: ItemFn) -> TokenStream {
    let mut cx = Ctxt::default();
    let args = Args::parse(attr).unwrap_or_else(|e| {
        cx.push(e);
        Args::default()
    });
    let func = ast::Func::from_syn(&item, &args, &mut cx);
    let signature_ok = cx.len() == 0;
    let mut primal = lower::lower(&func, &mut cx);
    activity::analyse(&mut primal, &mut cx);
    types::infer(&mut primal, func.ret);
    types::guard_calls(&mut primal);
    match cx.finish().and_then(|()| derive(&func, &args, &primal)) {
        Ok(companions) => {
            let item = with_rule_imports(item.clone());
            quote! {
                #item
                #companions
            }
        }
        Err(err) => fallback::fallback(&item, signature_ok.then_some(&func), err),
    }
}

/// The companions of a function whose body lowered without error, each pass's output checked
/// by [`verify`]: a violation is a bug of `#[grad]`, reported as an error rather than emitted.
fn derive(func: &ast::Func, args: &Args, primal: &Func) -> syn::Result<TokenStream> {
    let internal = |what: String| {
        syn::Error::new(
            func.item.sig.ident.span(),
            format!("#[grad] internal error, {what}; this is a bug in #[grad], please report it with this function"),
        )
    };
    verify::verify(primal, "lower").map_err(internal)?;
    let adjoint = reverse::reverse(primal);
    verify::verify(&adjoint, "reverse").map_err(internal)?;
    let traced = args.trace.then(|| adjoint.clone());
    let adjoint = optimize::optimize(adjoint).map_err(internal)?;
    Ok(emit::companions(func, primal, &adjoint, traced.as_ref()))
}

/// The original function, its body's `use` items allowed to go unused: a body may import a
/// callee's rule `f_vjp` that only the companions call.
fn with_rule_imports(mut item: ItemFn) -> ItemFn {
    for stmt in &mut item.block.stmts {
        if let syn::Stmt::Item(syn::Item::Use(u)) = stmt {
            u.attrs.push(syn::parse_quote!(#[allow(unused_imports)]));
        }
    }
    item
}
