//! The pipeline, in one direction: arguments → signature → IR → adjoint IR → lean adjoint IR →
//! tokens.

use crate::args::Args;
use crate::ctxt::Ctxt;
use crate::ir::Func;
use crate::place::Block;
use crate::{
    activity, ast, emit, fallback, lower, optimize, reverse, second, tangent, tuple_params, types,
    verify,
};
use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

/// `block` is the `impl` or `trait` the function is an item of, if it is.
pub fn grad(attr: TokenStream, mut item: ItemFn, block: Option<Block>) -> TokenStream {
    let mut cx = Ctxt::default();
    // A method (`self`) has an error of its own, which says what to write instead.
    if let Some(block) = block.filter(|_| item.sig.receiver().is_none()) {
        // Companions of an associated function are not written yet: say so, and leave the
        // function as it is, with no stubs that would not compile in the block either.
        let name = &item.sig.ident;
        let block = block.named();
        let err = syn::Error::new_spanned(
            name,
            format!("#[grad] cannot differentiate a function inside {block} yet; define `{name}` as a free function outside it (the block's functions can call it, and `{name}_grad` comes with it)"),
        );
        return fallback::fallback(&item, None, &Args::default(), err);
    }
    let args = Args::parse(attr).unwrap_or_else(|e| {
        cx.push(e);
        Args::default()
    });
    // Taken off so that the function and its companions are emitted once.
    let repeated = take_repeated_grad(&mut item);
    reserved_names(&item, &mut cx);
    if let Some(twin) = tuple_params::Twin::new(&item, &args) {
        // The function as written, its twin differentiated, and companions over the twin's.
        let mut emitted = item.clone();
        take_checkpoints(&mut emitted);
        let companions = twin.companions(&item, &args);
        let differentiated = differentiate(twin.item.clone(), &twin.args, cx, &repeated);
        return quote! {
            #emitted
            #differentiated
            #companions
        };
    }
    differentiate(item, &args, cx, &repeated)
}

/// The function and its companions, or its errors and stubs that keep its callers compiling.
fn differentiate(
    item: ItemFn,
    args: &Args,
    mut cx: Ctxt,
    repeated: &[syn::Attribute],
) -> TokenStream {
    // Lowering reads `#[checkpoint(..)]` off the loops; what is emitted has none.
    let mut emitted = item.clone();
    for (attr, msg) in take_checkpoints(&mut emitted) {
        cx.error_spanned(attr, msg);
    }
    let func = ast::Func::from_syn(&item, args, &mut cx);
    let signature_ok = cx.len() == 0;
    for attr in repeated {
        cx.error_spanned(
            attr,
            "`#[grad]` is given twice; keep one, and put every option in it, as in `#[grad(wrt(x), trace)]`",
        );
    }
    let mut primal = lower::lower(&func, &mut cx);
    activity::analyse(&mut primal, &mut cx);
    types::infer(&mut primal, func.ret);
    types::guard_calls(&mut primal);
    match cx.finish().and_then(|()| derive(&func, args, &primal)) {
        Ok(companions) => {
            let item = with_rule_imports(emitted);
            quote! {
                #item
                #companions
            }
        }
        Err(err) => fallback::fallback(&emitted, signature_ok.then_some(&func), args, err),
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
    // Reverse mode traces one float result; forward mode any.
    let traced = (args.trace && !func.output.is_vector()).then(|| adjoint.clone());
    let adjoint = optimize::optimize(adjoint).map_err(internal)?;
    let mut companions = emit::companions(func, primal, &adjoint, traced.as_ref(), args.jvp);
    if args.jvp {
        let tangent = tangent::tangent(primal);
        verify::verify(&tangent, "tangent").map_err(internal)?;
        companions.extend(emit::jvp(func, &tangent));
        if args.trace {
            companions.extend(emit::jvp_trace(func, &tangent));
        }
    }
    if let Some(span) = args.hvp {
        if func.output.is_vector() {
            return Err(syn::Error::new(
                span,
                "`hvp` needs a function with one float result, whose Hessian is a matrix; for a vector result, take the Hessian of each float (or of a weighted sum) in a scalar function of its own",
            ));
        }
        let mut cx = Ctxt::default();
        let hv = second::hessian_vector(primal, &mut cx);
        cx.finish()?;
        verify::verify(&hv, "tangent for hvp").map_err(internal)?;
        let adjoint = reverse::reverse(&hv);
        verify::verify(&adjoint, "reverse of the tangent").map_err(internal)?;
        let adjoint = optimize::optimize(adjoint).map_err(internal)?;
        companions.extend(emit::hvp(func, &adjoint));
    }
    Ok(companions)
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

/// Every `#[checkpoint(..)]` of the body, removed from it: rustc knows no such attribute, and
/// stable Rust allows none on an expression, so the function is emitted without. Returns those
/// that are not on a loop (lowering reads those), each with what to write instead. Before
/// a loop that had one goes `let _ = &K;`: the original still reads what only the attribute
/// mentions, with no unused-variable warning.
fn take_checkpoints(item: &mut ItemFn) -> Vec<(syn::Attribute, &'static str)> {
    use syn::visit_mut::VisitMut;
    const NOT_A_LOOP: &str = "#[checkpoint(..)] goes on a loop (`for`, `while` or `loop`), whose iterations it recomputes in the reverse sweep";
    struct Take(Vec<(syn::Attribute, &'static str)>);
    impl Take {
        fn take(&mut self, attrs: &mut Vec<syn::Attribute>, msg: Option<&'static str>) {
            let (taken, kept): (Vec<_>, Vec<_>) =
                attrs.drain(..).partition(crate::args::is_checkpoint);
            *attrs = kept;
            if let Some(msg) = msg {
                self.0.extend(taken.into_iter().map(|a| (a, msg)));
            }
        }
    }
    impl VisitMut for Take {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            use syn::Expr::*;
            let (attrs, msg) = match e {
                ForLoop(l) => (Some(&mut l.attrs), None),
                While(l) => (Some(&mut l.attrs), None),
                Loop(l) => (Some(&mut l.attrs), None),
                If(x) => (Some(&mut x.attrs), Some(NOT_A_LOOP)),
                Block(x) => (Some(&mut x.attrs), Some(NOT_A_LOOP)),
                Match(x) => (Some(&mut x.attrs), Some(NOT_A_LOOP)),
                Assign(x) => (Some(&mut x.attrs), Some(NOT_A_LOOP)),
                Binary(x) => (Some(&mut x.attrs), Some(NOT_A_LOOP)),
                Call(x) => (Some(&mut x.attrs), Some(NOT_A_LOOP)),
                MethodCall(x) => (Some(&mut x.attrs), Some(NOT_A_LOOP)),
                Macro(x) => (Some(&mut x.attrs), Some(NOT_A_LOOP)),
                _ => (None, None),
            };
            if let Some(attrs) = attrs {
                self.take(attrs, msg);
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }

        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            let mut stmts = Vec::with_capacity(block.stmts.len());
            for stmt in block.stmts.drain(..) {
                let attrs = match &stmt {
                    syn::Stmt::Expr(syn::Expr::ForLoop(l), _) => Some(&l.attrs),
                    syn::Stmt::Expr(syn::Expr::While(l), _) => Some(&l.attrs),
                    syn::Stmt::Expr(syn::Expr::Loop(l), _) => Some(&l.attrs),
                    _ => None,
                };
                if let Some(attrs) = attrs {
                    let attr = attrs.iter().find(|a| crate::args::is_checkpoint(a));
                    if let Some(Ok((_, value))) = attr.map(crate::args::checkpoint) {
                        stmts.push(syn::parse_quote!(let _ = &#value;));
                    }
                }
                stmts.push(stmt);
            }
            block.stmts = stmts;
            syn::visit_mut::visit_block_mut(self, block);
        }

        fn visit_local_mut(&mut self, l: &mut syn::Local) {
            self.take(&mut l.attrs, Some(NOT_A_LOOP));
            syn::visit_mut::visit_local_mut(self, l);
        }

        fn visit_stmt_macro_mut(&mut self, m: &mut syn::StmtMacro) {
            self.take(&mut m.attrs, Some(NOT_A_LOOP));
            syn::visit_mut::visit_stmt_macro_mut(self, m);
        }
    }
    let mut take = Take(Vec::new());
    take.visit_block_mut(&mut item.block);
    take.0
}

/// Any further `#[grad]` (or `#[autodiff::grad]`) on the function, removed from it.
fn take_repeated_grad(item: &mut ItemFn) -> Vec<syn::Attribute> {
    let is_grad = |a: &syn::Attribute| {
        let segments: Vec<String> = a
            .path()
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        match segments.as_slice() {
            [one] => one == "grad",
            [krate, last] => last == "grad" && (krate == "autodiff" || krate == "autodiff_macros"),
            _ => false,
        }
    };
    let (repeated, kept) = item.attrs.drain(..).partition(is_grad);
    item.attrs = kept;
    repeated
}

/// Reports each distinct identifier of the signature and the body that begins with `__ad_`,
/// once, at its first use: the generated code's names begin so, and a user's could clash with
/// them.
fn reserved_names(item: &ItemFn, cx: &mut Ctxt) {
    fn walk(tokens: TokenStream, seen: &mut Vec<String>, cx: &mut Ctxt) {
        for tree in tokens {
            match tree {
                proc_macro2::TokenTree::Group(g) => walk(g.stream(), seen, cx),
                proc_macro2::TokenTree::Ident(ident) => {
                    let name = ident.to_string();
                    let name = name.strip_prefix("r#").unwrap_or(&name).to_string();
                    if name.starts_with("__ad_") && !seen.contains(&name) {
                        cx.error_spanned(
                            &ident,
                            format!("names beginning with `__ad_` are reserved for the code `#[grad]` generates; rename `{name}`"),
                        );
                        seen.push(name);
                    }
                }
                _ => {}
            }
        }
    }
    let (sig, block) = (&item.sig, &item.block);
    walk(quote!(#sig #block), &mut Vec::new(), cx);
}
