//! What the macro emits when the input has errors: the original function, unchanged, so its
//! callers still compile; companions with the right signatures whose body only panics, so calls
//! to them add no errors of their own; and every collected error.

use crate::args::Args;
use crate::ast;
use crate::emit::lookup::{callee_adapter, Mode};
use crate::emit::{
    grad_signature, hessian_signature, hvp_signature, inherited_attrs, jacobian_signature,
    jvp_signature, jvp_vjp_signature, vjp_signature, Extra,
};
use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

/// `func` is the signature when it could be read without errors, in which case the stubs are
/// emitted too.
pub fn fallback(
    item: &ItemFn,
    func: Option<&ast::Func>,
    args: &Args,
    err: syn::Error,
) -> TokenStream {
    let errors = err.to_compile_error();
    let stubs = func.map(|func| {
        let anon = || {
            func.params
                .iter()
                .map(|p| {
                    let ty = &p.ty;
                    quote!(_: #ty)
                })
                .collect()
        };
        let extra = Extra::new(func);
        let grad = if func.output.is_vector() {
            jacobian_signature(func, anon())
        } else {
            grad_signature(func, anon())
        };
        let vjp = vjp_signature(func, &extra, anon());
        let attrs: Vec<_> = inherited_attrs(func).collect();
        let jvp = args.jvp.then(|| {
            let jvp = jvp_signature(func, &extra, anon());
            quote! {
                #(#attrs)*
                #[allow(unused_variables)]
                #jvp { ::core::unimplemented!("#[grad] reported an error for this function") }
            }
        });
        // Callers with `wrt` reach the stub through it, as they would the real rule.
        let hvp = (args.hvp.is_some() && !func.output.is_vector()).then(|| {
            let (hvp, hessian, jvp_vjp) = (
                hvp_signature(func, &extra, anon()),
                hessian_signature(func, anon()),
                jvp_vjp_signature(func, &extra, anon()),
            );
            quote! {
                #(#attrs)*
                #[allow(unused_variables)]
                #hvp { ::core::unimplemented!("#[grad] reported an error for this function") }
                #(#attrs)*
                #hessian { ::core::unimplemented!("#[grad] reported an error for this function") }
                #(#attrs)*
                #[allow(unused_variables)]
                #jvp_vjp { ::core::unimplemented!("#[grad] reported an error for this function") }
            }
        });
        let r = crate::emit::ret_ty(func);
        let second = args.hvp.is_some() && !func.output.is_vector();
        let modes = [
            (true, Mode::Vjp),
            (args.jvp, Mode::Jvp),
            (second, Mode::JvpVjp),
        ];
        let adapter = (modes.into_iter())
            .filter(|(wanted, _)| *wanted)
            .filter_map(|(_, mode)| callee_adapter(func, &r, mode))
            .map(|a| quote!(#(#attrs)* #a));
        quote! {
            #(#attrs)*
            #grad { ::core::unimplemented!("#[grad] reported an error for this function") }
            #(#attrs)*
            #[allow(unused_variables)]
            #vjp { ::core::unimplemented!("#[grad] reported an error for this function") }
            #jvp
            #hvp
            #(#adapter)*
        }
    });
    quote! {
        #item
        #errors
        #stubs
    }
}
