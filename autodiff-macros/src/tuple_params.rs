//! Tuple parameters, `target: (f64, f64)`: sugar over their floats. The function is
//! differentiated as its flat twin, `__ad_tuple_NAME(__ad_target_0: f64, __ad_target_1: f64,
//! ..)`, whose body first binds `let target = (__ad_target_0, __ad_target_1);` and then is the
//! function's own; the companions a user calls take and give the tuples and call the twin's. A
//! `#[grad]` caller that passes a tuple calls the twin's companions itself (see
//! [`twin_path`]), so nothing else in the pipeline ever meets a tuple parameter.

use crate::args::Args;
use crate::ast::{self, Param, ParamKind};
use crate::emit::{self, Extra};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};
use syn::{FnArg, Ident, ItemFn, Pat, Type};

/// Where a parameter's floats go among the twin's parameters.
enum Shape {
    /// The twin's parameter of this index.
    Leaf(usize),
    Tuple(Vec<Shape>),
}

/// The twin of a function with tuple parameters, and how its parameters make the function's.
pub struct Twin {
    pub item: ItemFn,
    pub args: Args,
    /// Each parameter of the function, by name, and where it goes in the twin's.
    shapes: Vec<(Ident, Shape)>,
}

/// The name of the twin of the function `name`.
fn twin_name(name: &Ident) -> Ident {
    format_ident!("__ad_tuple_{}", name)
}

/// The path of the twin of the function `path` names: what a caller passing a tuple calls.
pub fn twin_path(path: &syn::Path) -> syn::Path {
    let mut path = path.clone();
    if let Some(last) = path.segments.last_mut() {
        last.ident = twin_name(&last.ident);
    }
    path
}

/// Whether `ty` is a tuple of numbers and `bool`s (nested at will), which a parameter may be:
/// its floats are differentiated, the rest passed through.
fn float_tuple(ty: &Type) -> bool {
    let scalar = |e: &Type| {
        matches!(ast::param_kind(e), ParamKind::Float(_) | ParamKind::Int)
            || matches!(e, Type::Path(p) if p.path.is_ident("bool"))
    };
    match ty {
        Type::Tuple(t) => {
            !t.elems.is_empty() && t.elems.iter().all(|e| scalar(e) || float_tuple(e))
        }
        Type::Paren(p) => float_tuple(&p.elem),
        _ => false,
    }
}

impl Twin {
    /// The twin of `item`, if a parameter of it is a tuple of floats.
    pub fn new(item: &ItemFn, args: &Args) -> Option<Twin> {
        let tuples = item.sig.inputs.iter().any(
            |a| matches!(a, FnArg::Typed(t) if float_tuple(&t.ty) && matches!(&*t.pat, Pat::Ident(_))),
        );
        if !tuples {
            return None;
        }
        let mut inputs = Vec::new();
        let mut prologue: Vec<syn::Stmt> = Vec::new();
        let mut shapes = Vec::new();
        let mut renamed: Vec<(String, Vec<Ident>)> = Vec::new();
        for arg in &item.sig.inputs {
            let FnArg::Typed(t) = arg else {
                inputs.push(arg.clone());
                continue;
            };
            let Pat::Ident(p) = &*t.pat else {
                inputs.push(arg.clone());
                continue;
            };
            if !float_tuple(&t.ty) {
                shapes.push((p.ident.clone(), Shape::Leaf(inputs.len())));
                inputs.push(arg.clone());
                continue;
            }
            let mut leaves = Vec::new();
            let shape = leaves_of(&t.ty, &p.ident.to_string(), &mut inputs, &mut leaves);
            let (name, value) = (&p.ident, tuple_value(&shape, &inputs));
            prologue.push(syn::parse_quote!(let #name = #value;));
            renamed.push((name.to_string(), leaves));
            shapes.push((p.ident.clone(), shape));
        }
        let mut twin = item.clone();
        twin.sig.ident = twin_name(&item.sig.ident);
        twin.sig.inputs = inputs.into_iter().collect();
        prologue.append(&mut twin.block.stmts);
        twin.block.stmts = prologue;
        twin.attrs.push(syn::parse_quote!(#[doc(hidden)]));
        twin.attrs
            .push(syn::parse_quote!(#[allow(dead_code, clippy::too_many_arguments)]));
        // `wrt(target)` is every float of it.
        let wrt = args.wrt.as_ref().map(|names| {
            let mut out = Vec::new();
            for n in names {
                match renamed.iter().find(|(r, _)| n == r) {
                    Some((_, leaves)) => out.extend(leaves.iter().cloned()),
                    None => out.push(n.clone()),
                }
            }
            out
        });
        let args = Args {
            wrt,
            trace: args.trace,
            jvp: args.jvp,
            hvp: args.hvp,
        };
        Some(Twin {
            item: twin,
            args,
            shapes,
        })
    }

    /// The companions a user calls, over the twin's: `NAME_grad`, `NAME_vjp` and, as the
    /// attribute asks, `NAME_jvp`, `NAME_hvp` and `NAME_hessian` (or `NAME_jacobian`).
    pub fn companions(&self, item: &ItemFn, args: &Args) -> TokenStream {
        let mut cx = crate::ctxt::Ctxt::default();
        let flat = ast::Func::from_syn(&self.item, &self.args, &mut cx);
        // The twin's own run reports a signature it cannot take; its companions are missing.
        if cx.finish().is_err() {
            return TokenStream::new();
        }
        let surface = self.surface(item, &flat);
        let extra = Extra::new(&surface);
        let twin = twin_name(&item.sig.ident);
        let params = emit::plain_params(&surface);
        let attrs: Vec<_> = emit::inherited_attrs(&surface).collect();
        let name = &item.sig.ident;
        // The twin's arguments: each float of a tuple by its field, `target.0`.
        let flat_args: Vec<TokenStream> = self.fields();
        let active: Vec<bool> = flat.params.iter().map(|p| p.active).collect();
        // One per active float or parameter of the twin, from those of the function (`bars`:
        // `&mut target_bar.0`), in the twin's order.
        let per_active = |names: &[Ident], wrap: &dyn Fn(TokenStream) -> TokenStream| {
            let mut k = 0;
            let mut out = Vec::new();
            for (_, shape) in &self.shapes {
                if !shape_active(shape, &active) {
                    continue;
                }
                let base = &names[k];
                k += 1;
                match shape {
                    // A parameter of its own passes its bar or tangent on as it is.
                    Shape::Leaf(_) => out.push(quote!(#base)),
                    Shape::Tuple(_) => out.extend(
                        (fields(shape, quote!(#base)).into_iter())
                            .filter(|(i, _)| active[*i])
                            .map(|(_, path)| wrap(path)),
                    ),
                }
            }
            out
        };
        let regroup = |g: TokenStream| self.regroup(g, &active);
        let mut out = quote! {
            #(#attrs)*
            const _: () = {
                let _ = #name;
            };
        };
        if flat.output.is_vector() {
            let sig = emit::jacobian_signature(&surface, params.clone());
            let call = format_ident!("{}_jacobian", twin);
            out.extend(quote! {
                #(#attrs)*
                #sig {
                    #call(#(#flat_args),*)
                }
            });
        } else {
            let sig = emit::grad_signature(&surface, params.clone());
            let call = format_ident!("{}_grad", twin);
            let g = regroup(quote!(__ad_g));
            out.extend(quote! {
                #(#attrs)*
                #sig {
                    let (__ad_value, __ad_g) = #call(#(#flat_args),*);
                    (__ad_value, #g)
                }
            });
        }
        let sig = emit::vjp_signature(&surface, &extra, params.clone());
        let call = format_ident!("{}_vjp", twin);
        let seed = &extra.seed;
        let bars = per_active(&extra.bars, &|path| quote!(&mut #path));
        out.extend(quote! {
            #(#attrs)*
            #sig {
                #call(#(#flat_args,)* #seed, #(#bars),*)
            }
        });
        let dots = per_active(&extra.dots, &|path| path);
        if args.jvp {
            let sig = emit::jvp_signature(&surface, &extra, params.clone());
            let call = format_ident!("{}_jvp", twin);
            out.extend(quote! {
                #(#attrs)*
                #sig {
                    #call(#(#flat_args,)* #(#dots),*)
                }
            });
        }
        let vis = &item.vis;
        if args.trace && !flat.output.is_vector() {
            let (trace, call) = (
                format_ident!("{}_trace", name),
                format_ident!("{}_trace", twin),
            );
            out.extend(quote! {
                #(#attrs)*
                #[doc = " Traces the value and gradient as `#[grad(trace)]` does (see its twin)."]
                #vis fn #trace(#(#params),*) -> ::autodiff::Trace {
                    #call(#(#flat_args),*)
                }
            });
        }
        if args.trace && args.jvp {
            let (trace, call) = (
                format_ident!("{}_jvp_trace", name),
                format_ident!("{}_jvp_trace", twin),
            );
            let dot_params = emit::dot_params(&surface, &extra);
            out.extend(quote! {
                #(#attrs)*
                #[doc = " Traces forward mode as `#[grad(trace, jvp)]` does (see its twin)."]
                #[allow(clippy::too_many_arguments)]
                #vis fn #trace(#(#params,)* #(#dot_params),*) -> ::autodiff::Trace {
                    #call(#(#flat_args,)* #(#dots),*)
                }
            });
        }
        if args.hvp.is_some() && !flat.output.is_vector() {
            let sig = emit::hvp_signature(&surface, &extra, params.clone());
            let call = format_ident!("{}_hvp", twin);
            let (g, h) = (regroup(quote!(__ad_g)), regroup(quote!(__ad_h)));
            out.extend(quote! {
                #(#attrs)*
                #sig {
                    let (__ad_value, __ad_g, __ad_h) = #call(#(#flat_args,)* #(#dots),*);
                    (__ad_value, #g, #h)
                }
            });
            let sig = emit::hessian_signature(&surface, params);
            let call = format_ident!("{}_hessian", twin);
            out.extend(quote! {
                #(#attrs)*
                #sig {
                    let (__ad_value, __ad_g, __ad_h) = #call(#(#flat_args),*);
                    (__ad_value, #g, __ad_h)
                }
            });
        }
        out
    }

    /// The function's signature as the companions show it: the twin's, each tuple's floats
    /// one parameter again, active where they are.
    fn surface<'a>(&self, item: &'a ItemFn, flat: &ast::Func) -> ast::Func<'a> {
        let typed: Vec<&syn::PatType> = (item.sig.inputs.iter())
            .filter_map(|a| match a {
                FnArg::Typed(t) => Some(t),
                FnArg::Receiver(_) => None,
            })
            .collect();
        let params = (self.shapes.iter().zip(typed))
            .map(|((ident, shape), t)| match shape {
                Shape::Leaf(i) => flat.params[*i].clone(),
                Shape::Tuple(_) => Param {
                    ident: ident.clone(),
                    ty: (*t.ty).clone(),
                    kind: ParamKind::Other,
                    active: leaves(shape).iter().any(|i| flat.params[*i].active),
                },
            })
            .collect();
        ast::Func {
            item,
            params,
            ret: flat.ret,
            output: flat.output.clone(),
        }
    }

    /// Each of the twin's parameters as an expression of the function's: `target.0`.
    fn fields(&self) -> Vec<TokenStream> {
        let mut out = Vec::new();
        for (ident, shape) in &self.shapes {
            out.extend(fields(shape, quote!(#ident)).into_iter().map(|(_, f)| f));
        }
        out
    }

    /// The gradient `g` of the twin (one entry per active parameter, a single one bare) as the
    /// function's: a tuple parameter's entries gathered into its tuple, with what is not a
    /// float copied from the argument, as a struct's gradient copies such fields.
    fn regroup(&self, g: TokenStream, active: &[bool]) -> TokenStream {
        let flat_active: Vec<usize> = (0..active.len()).filter(|i| active[*i]).collect();
        let entry = |i: usize, field: &TokenStream| -> TokenStream {
            let Some(k) = flat_active.iter().position(|j| *j == i) else {
                return field.clone();
            };
            match flat_active.len() {
                1 => g.clone(),
                _ => {
                    let k = syn::Index::from(k);
                    quote!(#g.#k)
                }
            }
        };
        let entries: Vec<TokenStream> = (self.shapes.iter())
            .filter(|(_, s)| shape_active(s, active))
            .map(|(ident, s)| gathered(s, quote!(#ident), &entry))
            .collect();
        match entries.len() {
            1 => entries[0].clone(),
            _ => quote!((#(#entries),*)),
        }
    }
}

/// The twin's parameters for the floats of a tuple type, named after `base` and their fields,
/// pushed onto `inputs`; their names onto `leaves`.
fn leaves_of(ty: &Type, base: &str, inputs: &mut Vec<FnArg>, leaves: &mut Vec<Ident>) -> Shape {
    match ty {
        Type::Tuple(t) => Shape::Tuple(
            (t.elems.iter().enumerate())
                .map(|(k, e)| leaves_of(e, &format!("{base}_{k}"), inputs, leaves))
                .collect(),
        ),
        Type::Paren(p) => leaves_of(&p.elem, base, inputs, leaves),
        float => {
            let name = format_ident!("__ad_{}", base);
            leaves.push(name.clone());
            inputs.push(syn::parse_quote!(#name: #float));
            Shape::Leaf(inputs.len() - 1)
        }
    }
}

/// The tuple of the twin's parameters `shape` gathers: `(__ad_t_0, __ad_t_1)`.
fn tuple_value(shape: &Shape, inputs: &[FnArg]) -> TokenStream {
    match shape {
        Shape::Leaf(i) => match &inputs[*i] {
            FnArg::Typed(t) => t.pat.to_token_stream(),
            FnArg::Receiver(r) => r.to_token_stream(),
        },
        Shape::Tuple(items) => {
            let items = items.iter().map(|s| tuple_value(s, inputs));
            quote!((#(#items,)*))
        }
    }
}

/// The twin's parameter indices under `shape`, in order.
fn leaves(shape: &Shape) -> Vec<usize> {
    match shape {
        Shape::Leaf(i) => vec![*i],
        Shape::Tuple(items) => items.iter().flat_map(leaves).collect(),
    }
}

fn shape_active(shape: &Shape, active: &[bool]) -> bool {
    leaves(shape).iter().any(|i| active[*i])
}

/// The field expressions of `base` that reach each leaf under `shape`, `base.0.1`, with the
/// twin's parameter each is.
fn fields(shape: &Shape, base: TokenStream) -> Vec<(usize, TokenStream)> {
    match shape {
        Shape::Leaf(i) => vec![(*i, base)],
        Shape::Tuple(items) => (items.iter().enumerate())
            .flat_map(|(k, s)| {
                let k = syn::Index::from(k);
                fields(s, quote!(#base.#k))
            })
            .collect(),
    }
}

/// The value shaped as `shape` (the argument `base`'s) whose leaves are `entry` of their
/// twin's parameter and field.
fn gathered(
    shape: &Shape,
    base: TokenStream,
    entry: &dyn Fn(usize, &TokenStream) -> TokenStream,
) -> TokenStream {
    match shape {
        Shape::Leaf(i) => entry(*i, &base),
        Shape::Tuple(items) => {
            let items = items.iter().enumerate().map(|(k, s)| {
                let k = syn::Index::from(k);
                gathered(s, quote!(#base.#k), entry)
            });
            quote!((#(#items,)*))
        }
    }
}
