//! The pipeline, in one direction: arguments → signature → IR → adjoint IR → lean adjoint IR →
//! tokens.

use crate::args::Args;
use crate::ctxt::Ctxt;
use crate::{activity, ast, emit, fallback, lower, optimize, reverse, types};
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
    match cx.finish() {
        Ok(()) => {
            let adjoint = reverse::reverse(&primal);
            let traced = args.trace.then(|| adjoint.clone());
            let adjoint = optimize::optimize(adjoint);
            let companions = emit::companions(&func, &primal, &adjoint, traced.as_ref());
            let item = with_rule_imports(item.clone());
            quote! {
                #item
                #companions
            }
        }
        Err(err) => fallback::fallback(&item, signature_ok.then_some(&func), err),
    }
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
