//! IR → Rust tokens: the companion functions `NAME_grad` and `NAME_vjp`. Emit decides no
//! mathematics; it spells each IR entry as one Rust statement, in order, so `cargo expand` shows
//! the forward sweep followed by the reverse sweep.

use crate::ast::{self, ParamKind};
use crate::ir::{
    self, Adapter, Array, ArrayInit, ArrayKind, Block, CallArg, CallBar, CallSeed, Checkpoint,
    FloatTy, Func, Grad, Iter, Len, Local, Op, Pass, Range, Schedule, Snaps, Stack, State, Stmt,
    Ty, Var, Write,
};
use crate::primitives::{Arg, Form, Tangent};
use trace::Sweep;

mod hvp;
mod jvp;
pub mod lookup;
mod trace;
pub use hvp::{hessian_signature, hvp, hvp_signature, jvp_vjp_signature};
pub use jvp::{dot_params, jvp, jvp_signature};

/// `NAME_jvp_trace`, for `#[grad(trace, jvp)]`.
pub fn jvp_trace(func: &ast::Func, tan: &Func) -> TokenStream {
    let attrs = inherited_attrs(func);
    let trace = trace::jvp_trace_fn(func, tan);
    quote!(#(#attrs)* #trace)
}
use crate::maps::{HashMap, HashSet};
use proc_macro2::{Ident, Punct, Spacing, Span, TokenStream};
use quote::{format_ident, quote, ToTokens};
use std::rc::Rc;

/// The names the companions' extra parameters take: `seed` and one `<param>_bar` per active
/// parameter, each made unique against the function's own parameter names.
pub struct Extra {
    pub seed: Ident,
    pub bars: Vec<Ident>,
    /// `NAME_jvp`'s tangents: one `<param>_dot` per active parameter.
    pub dots: Vec<Ident>,
    /// `NAME_jvp_vjp`'s seed of the tangent, and the tangents' bars.
    pub dot_seed: Ident,
    pub dot_bars: Vec<Ident>,
}

impl Extra {
    pub fn new(func: &ast::Func) -> Extra {
        use syn::ext::IdentExt;
        // Unraw: `r#type` gets the bar `type_bar`, and a string with `r#` is no identifier.
        let taken: Vec<String> = func
            .params
            .iter()
            .map(|p| p.ident.unraw().to_string())
            .collect();
        let fresh = |base: String| {
            let mut name = base;
            while taken.contains(&name) {
                name.push('_');
            }
            Ident::new(&name, Span::call_site())
        };
        Extra {
            seed: fresh("seed".into()),
            bars: func
                .active_params()
                .map(|p| fresh(format!("{}_bar", p.ident.unraw())))
                .collect(),
            dots: func
                .active_params()
                .map(|p| fresh(format!("{}_dot", p.ident.unraw())))
                .collect(),
            dot_seed: fresh("tangent_seed".into()),
            dot_bars: func
                .active_params()
                .map(|p| fresh(format!("{}_dot_bar", p.ident.unraw())))
                .collect(),
        }
    }
}

/// The companions of `func`, from its adjoint `adj`: a hidden function that runs both sweeps
/// once, taking the seed, whether the array parameters' adjoints start at zero, and those
/// adjoints as `&mut` slices (so that rustc knows they alias nothing), and returning the scalar
/// gradients; `NAME_grad` and `NAME_vjp` are thin wrappers around it. `NAME_trace` is spelled
/// from `traced`, the adjoint as the transform wrote it, one rule per primitive, before
/// [`crate::optimize`] merged some away.
pub fn companions(
    func: &ast::Func,
    primal: &Func,
    adj: &Func,
    traced: Option<&Func>,
    forward: bool,
) -> TokenStream {
    let extra = Extra::new(func);
    let mut names = Names::new(func, adj, &extra);
    names.inline_single_uses();
    names.lent = true;
    let name = &func.item.sig.ident;
    let core = generated("core", name);
    let r = ret_ty(func);
    let attrs: Vec<_> = inherited_attrs(func).collect();

    // The scalar gradients come back as values, the array ones through the bars.
    let active: Vec<(&ast::Param, &Ident)> = func.active_params().zip(&extra.bars).collect();
    let is_array = |p: &ast::Param| matches!(p.kind, ParamKind::Array { .. });
    let scalar_values_of = |names: &Names, adj: &Func| {
        let values = func
            .active_params()
            .zip(&adj.grads)
            .filter(|(p, _)| !is_array(p));
        let values = values.map(|(_, g)| match g {
            Grad::Scalar(Some(v)) => names.of(*v),
            _ => quote!(0.0),
        });
        tuple_or_single(values.collect())
    };
    let scalar_tys = active
        .iter()
        .filter(|(p, _)| !is_array(p))
        .map(|(p, _)| p.ty.to_token_stream());
    let scalar_tys = tuple_or_single(scalar_tys.collect());
    let array_bars: Vec<&Ident> = active
        .iter()
        .filter(|(p, _)| is_array(p))
        .map(|(_, b)| *b)
        .collect();
    let array_bar_params = active.iter().filter(|(p, _)| is_array(p)).map(|(p, bar)| {
        let ty = ast::bar_ty(&p.ty);
        quote!(#bar: &mut #ty)
    });
    let scalar_names: Vec<Ident> = active
        .iter()
        .filter(|(p, _)| !is_array(p))
        .map(|(_, bar)| format_ident!("__ad_{}", bar))
        .collect();
    let scalar_pattern =
        tuple_or_single(scalar_names.iter().map(|n| n.to_token_stream()).collect());

    let seed = &extra.seed;
    let items = &adj.items;
    let prologue = prologue(func, adj);
    // A bar must match its array; saying so also lets rustc drop the bounds checks on it.
    let lengths = active
        .iter()
        .filter(|(p, _)| is_array(p))
        .map(|(p, bar)| {
            let x = &p.ident;
            let msg = format!("`{bar}` must have the length of `{x}`");
            quote!(::core::assert_eq!(#bar.len(), #x.len(), #msg);)
        })
        .collect::<Vec<_>>();
    let ret = names.result(func, &adj.ret);
    let scalar_values = scalar_values_of(&names, adj);
    let (decls, body) = names.top_block(&adj.body, &quote!(#ret #scalar_values));
    let unused_seed = (!uses_seed(&adj.body)).then(|| quote!(let _ = #seed;));
    let params = plain_params(func);
    let args: Vec<&Ident> = func.params.iter().map(|p| &p.ident).collect();
    // An array taken by value is lent to the core function, not copied into its frame: a
    // `[f64; 100_000]` would be on the stack once more for every frame it passes through.
    let core_params = func.params.iter().map(|p| {
        let (ident, ty) = (&p.ident, &p.ty);
        match lent(p) {
            true => quote!(#ident: &#ty),
            false => quote!(#ident: #ty),
        }
    });
    let core_args: Vec<TokenStream> = func
        .params
        .iter()
        .map(|p| {
            let ident = &p.ident;
            match lent(p) {
                true => quote!(&#ident),
                false => quote!(#ident),
            }
        })
        .collect();

    let grad_sig = grad_signature(func, params.clone());
    let zeros = active
        .iter()
        .filter(|(p, _)| is_array(p))
        .map(|(p, bar)| {
            let x = &p.ident;
            let zeros = ast::fixed_zeros(&p.ty)
                .unwrap_or_else(|| quote!(::autodiff::__private::zeros_like(&#x)));
            quote!(let mut #bar = #zeros;)
        })
        .collect::<Vec<_>>();
    let one = float_lit(1.0, func.ret);
    let grad_entries = active.iter().map(|(p, bar)| {
        if is_array(p) {
            bar.to_token_stream()
        } else {
            format_ident!("__ad_{}", bar).to_token_stream()
        }
    });
    let grad_entries = tuple_or_single(grad_entries.collect());

    let grad_or_jacobian = if func.output.is_vector() {
        // One reverse sweep per float of the result, seeded with that float's unit vector;
        // each fills one row.
        let sig = jacobian_signature(func, params.clone());
        let unit = unit_seed(func, &format_ident!("__ad_k"));
        let row = active.iter().map(|(p, bar)| match p.kind {
            ParamKind::Array { depth, .. } => {
                let flatten = (1..depth).map(|_| quote!(.flatten()));
                quote!(__ad_jacobian.extend(#bar.iter() #(#flatten)* .copied());)
            }
            _ => {
                let g = format_ident!("__ad_{}", bar);
                quote!(__ad_jacobian.push(#g);)
            }
        });
        let outputs = outputs(func);
        let columns = forward.then(|| jvp::forward_columns(func, &extra));
        quote! {
            #sig {
                #columns
                let mut __ad_jacobian = ::std::vec::Vec::new();
                let mut __ad_result = ::core::option::Option::None;
                for __ad_k in 0..#outputs {
                    #(#zeros)*
                    let (__ad_value, #scalar_pattern) = #core(#(#core_args,)* #unit, true, #(&mut #array_bars),*);
                    #(#row)*
                    __ad_result = ::core::option::Option::Some(__ad_value);
                }
                let __ad_value = match __ad_result {
                    ::core::option::Option::Some(value) => value,
                    // A result of no floats: one evaluation for the value.
                    ::core::option::Option::None => #name(#(#args),*),
                };
                (__ad_value, __ad_jacobian)
            }
        }
    } else {
        quote! {
            #grad_sig {
                #(#zeros)*
                let (__ad_value, #scalar_pattern) = #core(#(#core_args,)* #one, true, #(&mut #array_bars),*);
                (__ad_value, #grad_entries)
            }
        }
    };

    // The same sweeps again, recording each rule's contribution.
    let trace = traced.map(|adj| {
        let prologue = self::prologue(func, adj);
        let mut names = Names::new(func, adj, &extra);
        names.trace = Some(Sweep::Reverse);
        let (body, ret) = (names.block(&adj.body), names.result(func, &adj.ret));
        let scalar_values = scalar_values_of(&names, adj);
        let core = quote! {
            let #seed: #r = #one;
            #(#zeros)*
            let (__ad_value, #scalar_pattern) = {
                #(#items)*
                #(#lengths)*
                #prologue
                #body
                (#ret, #scalar_values)
            };
        };
        let trace = trace::trace_fn(func, primal, &core, &active);
        quote!(#(#attrs)* #trace)
    });

    let vjp_sig = vjp_signature(func, &extra, params.clone());
    let accumulate = active.iter().filter(|(p, _)| !is_array(p)).map(|(_, bar)| {
        let g = format_ident!("__ad_{}", bar);
        quote!(*#bar += #g;)
    });

    // An empty bar for a non-empty slice: its adjoint is not wanted, so the sweep runs into a
    // scratch one (what a caller passes for an inactive argument; kernels skip the work).
    let unwanted = active
        .iter()
        .filter(|(p, _)| is_array(p) && !ast::fixed_len(&p.ty))
        .map(|(p, bar)| {
            let (x, ty) = (&p.ident, ast::bar_ty(&p.ty));
            let scratch = format_ident!("__ad_unwanted_{}", x);
            quote! {
                let mut #scratch;
                let #bar: &mut #ty = if #bar.is_empty() && !#x.is_empty() {
                    #scratch = ::autodiff::__private::zeros_like(&#x);
                    &mut #scratch
                } else {
                    #bar
                };
            }
        });

    let adapter =
        lookup::callee_adapter(func, &r, lookup::Mode::Vjp).map(|a| quote!(#(#attrs)* #a));

    quote! {
        // The original counts as used when only its companions are called (named, not as a
        // `fn` pointer: a lifetime with a bound is early-bound and makes no such pointer).
        #(#attrs)*
        const _: () = {
            let _ = #name;
        };

        #(#attrs)*
        #[doc(hidden)]
        // Where optimised, LLVM inlines a small core into `NAME_grad` and `NAME_vjp`, where
        // `__ad_fresh` folds away; a long one it compiles once and calls (`inline(always)`
        // optimised a core of 2,000 statements twice: 5.7 s against 4.3 s to build, while the
        // benchmarks run as fast either way). A debug build calls it from both.
        #[cfg_attr(not(debug_assertions), inline)]
        #[allow(clippy::too_many_arguments, clippy::type_complexity, clippy::needless_late_init, clippy::clone_on_copy, clippy::redundant_closure_call, clippy::assign_op_pattern, clippy::identity_op, unused_mut, unused_assignments)]
        fn #core(#(#core_params,)* #seed: #r, __ad_fresh: bool, #(#array_bar_params),*) -> (#r, #scalar_tys) {
            #(#items)*
            #(#lengths)*
            #prologue
            #decls
            #body
            #unused_seed
            (#ret, #scalar_values)
        }

        #(#attrs)*
        #grad_or_jacobian

        #trace

        #(#attrs)*
        #vjp_sig {
            #(#unwanted)*
            let (__ad_value, #scalar_pattern) = #core(#(#core_args,)* #seed, false, #(#array_bars),*);
            #(#accumulate)*
            __ad_value
        }

        #adapter
    }
}

/// The original's attributes that its companions share: `cfg` (they exist when it does) and
/// lint levels (a user's `#[allow(clippy::ptr_arg)]` covers the companions' signatures too).
pub fn inherited_attrs<'a>(func: &'a ast::Func) -> impl Iterator<Item = &'a syn::Attribute> {
    func.item.attrs.iter().filter(|a| {
        ["cfg", "cfg_attr", "allow", "warn", "deny"]
            .iter()
            .any(|name| a.path().is_ident(name))
    })
}

/// What both companions start with: the parameters the derivative has no need of (`let _ = x;`,
/// so they raise no warning), and the tapes.
fn prologue(func: &ast::Func, adj: &Func) -> TokenStream {
    let mut used = HashSet::default();
    uses(&adj.body, &mut used);
    used.extend(adj.ret.iter().copied());
    used.extend(adj.dots.iter().copied());
    used.extend(adj.values.iter().copied());
    for g in &adj.grads {
        if let Grad::Scalar(Some(v)) = g {
            used.insert(*v);
        }
    }
    let mut unused = TokenStream::new();
    for stmt in &adj.body {
        if let Stmt::Let {
            dsts,
            op: Op::Param(i),
            ..
        } = stmt
        {
            if !dsts.iter().flatten().any(|v| used.contains(v)) {
                let ident = &func.params[*i].ident;
                unused.extend(quote!(let _ = #ident;));
            }
        }
    }
    let tapes = (0..adj.stacks).map(|t| {
        let t = stack_name(Stack(t));
        quote!(let mut #t = ::std::vec::Vec::new();)
    });
    let snaps = (0..adj.snapshots).map(|c| {
        let c = snaps_name(Snaps(c));
        quote!(let mut #c = ::autodiff::__private::Snapshots::new();)
    });
    quote!(#unused #(#tapes)* #(#snaps)*)
}

fn uses(block: &Block, used: &mut HashSet<Var>) {
    for stmt in block {
        used.extend(stmt.uses());
        for b in stmt.blocks() {
            uses(b, used);
        }
    }
}

fn uses_seed(block: &Block) -> bool {
    block.iter().any(|s| {
        matches!(
            s,
            Stmt::Let {
                op: Op::Seed(_),
                ..
            }
        ) || s.blocks().into_iter().any(uses_seed)
    })
}

/// Whether the core function borrows parameter `p`, an array the function takes by value.
fn lent(p: &ast::Param) -> bool {
    matches!(p.kind, ParamKind::Array { .. }) && !matches!(p.ty, syn::Type::Reference(_))
}

/// The parameters as the original declares them, less `mut` (generated code never reassigns).
pub fn plain_params(func: &ast::Func) -> Vec<TokenStream> {
    func.params
        .iter()
        .map(|p| {
            let (ident, ty) = (&p.ident, &p.ty);
            quote!(#ident: #ty)
        })
        .collect()
}

/// `fn NAME_grad(params) -> (R, G)`, with its documentation; `params` are the spelled
/// parameters (named, or `_` in a stub).
pub fn grad_signature(func: &ast::Func, params: Vec<TokenStream>) -> TokenStream {
    let (vis, name) = (&func.item.vis, &func.item.sig.ident);
    let grad = format_ident!("{}_grad", name);
    let r = float_ty(func.ret);
    let g = gradient_ty(func);
    let doc = format!(
        " The value of [`{name}`] and its gradient with respect to {}, generated by `#[grad]`.",
        describe(func)
    );
    quote! {
        #[doc = #doc]
        #[allow(clippy::type_complexity)]
        #vis fn #grad(#(#params),*) -> (#r, #g)
    }
}

/// `G`, the gradient's type: one entry per active parameter, shaped as it is.
fn gradient_ty(func: &ast::Func) -> TokenStream {
    tuple_or_single(func.active_params().map(|p| ast::grad_ty(&p.ty)).collect())
}

/// `fn NAME_jacobian(params) -> (R, Vec<F>)`, with its documentation.
pub fn jacobian_signature(func: &ast::Func, params: Vec<TokenStream>) -> TokenStream {
    let (vis, name) = (&func.item.vis, &func.item.sig.ident);
    let jacobian = format_ident!("{}_jacobian", name);
    let (r, f) = (ret_ty(func), float_ty(func.ret));
    let doc = format!(
        " The value of [`{name}`] and its Jacobian with respect to {}, generated by `#[grad]`: row-major, one row per float of the result, each row the derivatives of that float with respect to every active parameter's floats in parameter order (an array's in its own order).",
        describe(func)
    );
    quote! {
        #[doc = #doc]
        #[allow(clippy::type_complexity)]
        #vis fn #jacobian(#(#params),*) -> (#r, ::std::vec::Vec<#f>)
    }
}

/// The type of the result, as declared.
pub fn ret_ty(func: &ast::Func) -> TokenStream {
    match (&func.output, &func.item.sig.output) {
        (ast::Output::Scalar, _) | (_, syn::ReturnType::Default) => float_ty(func.ret),
        (_, syn::ReturnType::Type(_, ty)) => ty.to_token_stream(),
    }
}

/// How many floats the result holds, as an expression.
fn outputs(func: &ast::Func) -> TokenStream {
    match &func.output {
        ast::Output::Scalar => quote!(1usize),
        ast::Output::Tuple(n) => quote!(#n),
        ast::Output::Array { len, .. } => quote!((#len)),
    }
}

/// A seed of the result's type with 1 at index `k` and 0 elsewhere.
fn unit_seed(func: &ast::Func, k: &Ident) -> TokenStream {
    let (zero, one) = (float_lit(0.0, func.ret), float_lit(1.0, func.ret));
    match &func.output {
        ast::Output::Tuple(n) => {
            let entries = (0..*n).map(|i| quote!(if #k == #i { #one } else { #zero }));
            quote!((#(#entries),*))
        }
        _ => quote!(::core::array::from_fn(|i| if i == #k { #one } else { #zero })),
    }
}

/// `fn NAME_vjp(params, seed: R, bars: &mut ..) -> R`, with its documentation.
pub fn vjp_signature(func: &ast::Func, extra: &Extra, params: Vec<TokenStream>) -> TokenStream {
    let (vis, name) = (&func.item.vis, &func.item.sig.ident);
    let vjp = format_ident!("{}_vjp", name);
    let r = ret_ty(func);
    let seed = &extra.seed;
    let bars = func.active_params().zip(&extra.bars).map(|(p, bar)| {
        let ty = ast::bar_ty(&p.ty);
        quote!(#bar: &mut #ty)
    });
    let doc = format!(
        " The value of [`{name}`]; adds `{seed}` times its derivative with respect to {} into the `_bar` arguments (the vector-Jacobian product). Generated by `#[grad]`.",
        describe(func)
    );
    quote! {
        #[doc = #doc]
        #[allow(clippy::too_many_arguments)]
        #vis fn #vjp(#(#params,)* #seed: #r, #(#bars),*) -> #r
    }
}

fn describe(func: &ast::Func) -> String {
    let names: Vec<String> = func
        .active_params()
        .map(|p| format!("`{}`", p.ident))
        .collect();
    names.join(", ")
}

/// The name of the item `__ad_WHAT_NAME` generated for the function `name`; for a function
/// that is generated itself (`__ad_tuple_f`, see [`crate::tuple_params`]), `__ad_WHAT_tuple_f`,
/// as a name with `__` inside is no snake case.
pub fn generated(what: &str, name: &Ident) -> Ident {
    let text = syn::ext::IdentExt::unraw(name).to_string();
    let base = text.strip_prefix("__ad_").unwrap_or(&text);
    format_ident!("__ad_{}_{}", what, base, span = name.span())
}

/// `T` for one item, `(T, U)` for several.
fn tuple_or_single(items: Vec<TokenStream>) -> TokenStream {
    match &items[..] {
        [one] => one.clone(),
        _ => quote!((#(#items),*)),
    }
}

fn float_ty(f: FloatTy) -> TokenStream {
    match f {
        FloatTy::F64 => quote!(f64),
        FloatTy::F32 => quote!(f32),
    }
}

fn float_lit(x: f64, f: FloatTy) -> TokenStream {
    match f {
        FloatTy::F64 => proc_macro2::Literal::f64_suffixed(x).into_token_stream(),
        FloatTy::F32 => proc_macro2::Literal::f32_suffixed(x as f32).into_token_stream(),
    }
}

fn stack_name(t: Stack) -> Ident {
    format_ident!("__ad_tape{}", t.0)
}

fn snaps_name(c: Snaps) -> Ident {
    format_ident!("__ad_snaps{}", c.0)
}

/// How values, locals and arrays are spelled: parameters by their own names, literals and
/// constants inline, everything else as a `__ad_` local named after its source variable where
/// it has one.
struct Names<'a> {
    func: &'a Func,
    sig: &'a ast::Func<'a>,
    extra: &'a Extra,
    /// The definition of each value that has an expression of its own, by index: the
    /// operation, and which of its outputs the value is where it has several (a rule has one
    /// per float argument, each written out from its own template).
    defs: Vec<Option<(&'a Op, Option<usize>)>>,
    /// Each value's name and each mutable local's, made once rather than at every mention.
    var_names: Vec<Ident>,
    local_names: Vec<Ident>,
    /// The values spelled inside the one expression that uses them rather than bound by a
    /// `let` (see [`Names::inline_single_uses`]), with their definition's span.
    inline: Vec<Option<Span>>,
    /// The tangent templates the rules are written out from, split once per template and
    /// width (see [`Names::template`]).
    templates: Templates,
    /// Set while spelling `NAME_trace`: which sweep records what.
    trace: Option<Sweep>,
    /// Spelling the core function, which borrows the arrays the function takes by value.
    lent: bool,
}

/// How deep inlined expressions nest at most: rustc recurses once per level.
const INLINE_DEPTH: u32 = 8;

/// How many names one deferred declaration `let (a, b, …);` binds.
const DECL_GROUP: usize = 128;

/// About how many statements of a long top-level block make one closure of its own.
const PIECE: usize = 200;

/// A statement of the top-level block as spelled (see [`Names::top_block`]).
struct Piece {
    declared: Vec<Declared>,
    code: TokenStream,
    /// How many statements, nested ones included.
    weight: usize,
}

/// A name a top-level statement binds; `ty` where its `let` is deferred to the declarations.
struct Declared {
    name: Ident,
    mutable: bool,
    ty: Option<TokenStream>,
}

impl Declared {
    fn typed(name: Ident, mutable: bool, ty: TokenStream) -> Self {
        Declared {
            name,
            mutable,
            ty: Some(ty),
        }
    }
}

/// The deferred declarations of `names`, a group at a time: `let (a, mut b, …): (f64, _, …);`.
fn declarations<'d>(names: impl Iterator<Item = &'d Declared>) -> TokenStream {
    let typed: Vec<(TokenStream, &TokenStream)> = names
        .filter_map(|d| {
            let name = &d.name;
            let mutable = d.mutable.then(|| quote!(mut));
            Some((quote!(#mutable #name), d.ty.as_ref()?))
        })
        .collect();
    typed
        .chunks(DECL_GROUP)
        .map(|group| {
            let (names, tys): (Vec<_>, Vec<_>) = group.iter().cloned().unzip();
            quote!(let (#(#names,)*): (#(#tys,)*);)
        })
        .collect()
}

/// Every identifier in `tokens`, in order.
fn idents(tokens: TokenStream, each: &mut impl FnMut(String)) {
    for tree in tokens {
        match tree {
            proc_macro2::TokenTree::Ident(i) => each(i.to_string()),
            proc_macro2::TokenTree::Group(g) => idents(g.stream(), each),
            _ => {}
        }
    }
}

impl<'a> Names<'a> {
    fn new(sig: &'a ast::Func<'a>, func: &'a Func, extra: &'a Extra) -> Self {
        fn collect<'a>(block: &'a Block, defs: &mut Vec<Option<(&'a Op, Option<usize>)>>) {
            for stmt in block {
                match stmt {
                    Stmt::Let {
                        dsts,
                        op: op @ Op::Rule { prim, .. },
                        ..
                    } if dsts.len() > 1 && matches!(prim.tangent, Tangent::Template(_)) => {
                        for (slot, v) in dsts.iter().enumerate() {
                            if let Some(v) = v {
                                defs[v.0 as usize] = Some((op, Some(slot)));
                            }
                        }
                    }
                    Stmt::Let { dsts, op, .. } => {
                        if let [Some(v)] = dsts[..] {
                            defs[v.0 as usize] = Some((op, None));
                        }
                    }
                    _ => {}
                }
                for b in stmt.blocks() {
                    collect(b, defs);
                }
            }
        }
        let mut defs = vec![None; func.vars.len()];
        collect(&func.body, &mut defs);
        let inline = vec![None; func.vars.len()];
        let var_names = (func.vars.iter().enumerate())
            .map(|(v, info)| match &info.name {
                Some(n) => format_ident!("__ad_{}_{}", stem(n), v),
                None => format_ident!("__ad_v{}", v),
            })
            .collect();
        let local_names = (func.locals.iter().enumerate())
            .map(|(l, info)| match &info.name {
                Some(n) => format_ident!("__ad_{}_l{}", stem(n), l),
                None => format_ident!("__ad_l{}", l),
            })
            .collect();
        Names {
            func,
            sig,
            extra,
            defs,
            inline,
            var_names,
            local_names,
            templates: Default::default(),
            trace: None,
            lent: false,
        }
    }

    /// Spells a pure float value that one arithmetic operation, rule or write of the same block
    /// uses, and that one only, at that use (`(a * b).sin()`, `s = s * 0.9;`) instead of binding
    /// it with a `let`. Every `let` opens a scope nested in the previous one, and rustc's time
    /// (and, with debug info, its stack) grows with how many a function has: the mechanical one
    /// `let` per IR value made a function of 2,000 statements overflow it. Loads, calls, tapes
    /// and integer arithmetic, which may panic or read mutable state, keep their own statement,
    /// in order. The values inlined read values, which never change, and locals that nothing
    /// writes between the read and its use, so computing them at their use instead gives the
    /// same result. Not for `NAME_trace`, which records each value.
    fn inline_single_uses(&mut self) {
        let mut uses = vec![0u32; self.func.vars.len()];
        let mut count = |v: Var| uses[v.0 as usize] += 1;
        ir::visit(&self.func.body, &mut |s| {
            s.uses().into_iter().for_each(&mut count)
        });
        self.func.ret.iter().copied().for_each(&mut count);
        self.func.dots.iter().copied().for_each(&mut count);
        self.func.values.iter().copied().for_each(&mut count);
        for g in &self.func.grads {
            if let Grad::Scalar(Some(v)) = g {
                count(*v);
            }
        }
        let mut inline = std::mem::take(&mut self.inline);
        self.mark_inline(&self.func.body, &uses, &mut inline);
        self.inline = inline;
    }

    fn mark_inline(&self, block: &Block, uses: &[u32], inline: &mut [Option<Span>]) {
        // Candidates defined earlier in this block: where, how deep their expression nests, the
        // locals it reads, and its span.
        let mut candidates: HashMap<Var, (usize, u32, Vec<Local>, Span)> = Default::default();
        // The statement of this block that last wrote each local, nested blocks included.
        let mut written: HashMap<Local, usize> = Default::default();
        for (at, stmt) in block.iter().enumerate() {
            for b in stmt.blocks() {
                self.mark_inline(b, uses, inline);
            }
            // The operands that may be inlined here, and the span of an operation that takes them.
            let (operands, span) = match stmt {
                Stmt::Let { dsts, op, span } => (self.inlinable_operands(dsts, op), Some(*span)),
                Stmt::Set { .. } | Stmt::Acc { .. } | Stmt::Decl { .. } | Stmt::Store { .. } => {
                    (stmt.uses(), None)
                }
                _ => (Vec::new(), None),
            };
            let (mut depth, mut reads) = (0, Vec::new());
            for u in operands {
                let Some((def, d, locals, own)) = candidates.get(&u) else {
                    continue;
                };
                let unchanged = (locals.iter()).all(|l| written.get(l).is_none_or(|w| w < def));
                if uses[u.0 as usize] == 1 && *d < INLINE_DEPTH && unchanged {
                    inline[u.0 as usize] = Some(span.unwrap_or(*own));
                    depth = depth.max(d + 1);
                    reads.extend_from_slice(locals);
                }
            }
            ir::visit(std::slice::from_ref(stmt), &mut |s| {
                if !matches!(s, Stmt::Let { op: Op::Get(_), .. }) {
                    written.extend(s.locals().into_iter().map(|l| (l, at)));
                }
            });
            let Stmt::Let { dsts, op, span } = stmt else {
                continue;
            };
            let pure = match op {
                Op::Prim(..) | Op::Cast(..) => true,
                // Of several arguments, one output is spelled from its template.
                Op::Rule { prim, .. } => {
                    dsts.len() == 1 || matches!(prim.tangent, Tangent::Template(_))
                }
                Op::Get(l) => {
                    reads.push(*l);
                    true
                }
                _ => false,
            };
            for &v in dsts.iter().flatten() {
                if pure && self.defs[v.0 as usize].is_some() && self.func.info(v).ty.is_float() {
                    candidates.insert(v, (at, depth, reads.clone(), *span));
                }
            }
        }
    }

    /// The top-level block of the core function, with the names its `let`s bind declared up
    /// front, a group at a time (`let (a, b, …);`), and each bound by an assignment where it
    /// was: one `let` per value nested one scope per value, which rustc walks recursively.
    /// Returns the declarations and the block.
    ///
    /// A long block is cut into pieces of about [`PIECE`] statements, each a block that returns
    /// the names later pieces or `tail` (what the function ends with) mention, and in a debug
    /// build the body of a closure called where it stands. rustc's borrow checker and LLVM cost
    /// more than linearly in the size of one body, and closures are bodies of their own: a
    /// function of 10,000 statements builds 5× faster so. An optimised build would only inline
    /// them back, at a cost, so there the pieces stay plain blocks.
    fn top_block(&self, block: &Block, tail: &TokenStream) -> (TokenStream, TokenStream) {
        let pieces: Vec<Piece> = block.iter().filter_map(|s| self.top_stmt(s)).collect();
        let weight: usize = pieces.iter().map(|p| p.weight).sum();
        // A borrow of part of an array cannot leave the closure that made it.
        let borrows = block.iter().any(|s| {
            matches!(
                s,
                Stmt::DeclArray {
                    init: ArrayInit::Part { .. },
                    ..
                }
            )
        });
        if weight <= 2 * PIECE || borrows {
            let decls = declarations(pieces.iter().flat_map(|p| &p.declared));
            let body = pieces.into_iter().map(|p| p.code).collect();
            return (decls, body);
        }
        let mut chunks: Vec<Vec<Piece>> = vec![Vec::new()];
        let mut filled = 0;
        for piece in pieces {
            if filled >= PIECE {
                chunks.push(Vec::new());
                filled = 0;
            }
            filled += piece.weight;
            chunks.last_mut().expect("one chunk at least").push(piece);
        }
        // The last chunk that mentions each name; `tail` counts as one after the last.
        let mut last: HashMap<String, usize> = HashMap::default();
        for (i, chunk) in chunks.iter().enumerate() {
            for p in chunk {
                idents(p.code.clone(), &mut |name| {
                    last.insert(name, i);
                });
            }
        }
        idents(tail.clone(), &mut |name| {
            last.insert(name, chunks.len());
        });
        let mut body = TokenStream::new();
        for (i, chunk) in chunks.into_iter().enumerate() {
            let declared: Vec<&Declared> = chunk.iter().flat_map(|p| &p.declared).collect();
            let decls = declarations(declared.iter().copied());
            let out: Vec<&Declared> = declared
                .into_iter()
                .filter(|d| last.get(&d.name.to_string()).is_some_and(|&j| j > i))
                .collect();
            let (names, pats): (Vec<_>, Vec<_>) = out
                .iter()
                .map(|d| {
                    let name = &d.name;
                    let mutable = d.mutable.then(|| quote!(mut));
                    (quote!(#name), quote!(#mutable #name))
                })
                .unzip();
            let code: TokenStream = chunk.into_iter().map(|p| p.code).collect();
            let piece = quote!({ #decls #code (#(#names,)*) });
            body.extend(quote! {
                #[cfg(debug_assertions)]
                let (#(#pats,)*) = (|| #piece)();
                #[cfg(not(debug_assertions))]
                let (#(#pats,)*) = #piece;
            });
        }
        (TokenStream::new(), body)
    }

    /// One statement of the top-level block: its code, the names it binds, and its size.
    fn top_stmt(&self, stmt: &Stmt) -> Option<Piece> {
        let mut weight = 0;
        crate::ir::visit(std::slice::from_ref(stmt), &mut |_| weight += 1);
        let mut declared = Vec::new();
        let code = match stmt {
            // A mutable local too: declared with the rest, then assigned its start.
            Stmt::Decl { local, init } => {
                let (l, v) = (self.local(*local), self.operand(*init, false));
                let ty = spelled_ty(self.func.local_info(*local).ty);
                let code = match self.uninit(*init) {
                    true => TokenStream::new(),
                    false => quote!(#l = #v;),
                };
                declared.push(Declared::typed(l, true, ty));
                code
            }
            Stmt::Let { dsts, op, span } => {
                // Spelled where it is used.
                if self.is_inlined(dsts) {
                    return None;
                }
                let mut code = TokenStream::new();
                for (dsts, value) in self.binding(dsts, op, *span)? {
                    let pat: Vec<_> = dsts
                        .iter()
                        .map(|d| match d {
                            Some(v) if self.inline[v.0 as usize].is_none() => {
                                let (name, ty) = (self.var(*v), self.func.info(*v).ty);
                                let pat = name.to_token_stream();
                                declared.push(Declared::typed(name, false, spelled_ty(ty)));
                                pat
                            }
                            _ => quote!(_),
                        })
                        .collect();
                    let pat = tuple_or_single(pat);
                    code.extend(quote!(#pat = #value;));
                }
                code
            }
            Stmt::DeclArray { array, init, .. } => {
                let value = match init {
                    ArrayInit::CallJvp { value, .. } => Some(*value),
                    _ => None,
                };
                for a in value.into_iter().chain([*array]) {
                    if let Ok(name) = syn::parse2::<Ident>(self.array(a)) {
                        declared.push(Declared {
                            name,
                            mutable: true,
                            ty: None,
                        });
                    }
                }
                self.stmt(stmt)
            }
            _ => self.stmt(stmt),
        };
        Some(Piece {
            declared,
            code,
            weight,
        })
    }

    /// Whether the values `dsts` are all spelled where they are used.
    fn is_inlined(&self, dsts: &[Option<Var>]) -> bool {
        dsts.iter().flatten().next().is_some()
            && dsts
                .iter()
                .flatten()
                .all(|v| self.inline[v.0 as usize].is_some())
    }

    /// The result as the function returns it: a float, a tuple or an array.
    fn result(&self, func: &ast::Func, ret: &[Var]) -> TokenStream {
        let values = ret.iter().map(|v| self.of(*v));
        match func.output {
            ast::Output::Scalar => quote!(#(#values)*),
            ast::Output::Tuple(_) => quote!((#(#values),*)),
            ast::Output::Array { .. } => quote!([#(#values),*]),
        }
    }

    fn of(&self, v: Var) -> TokenStream {
        self.operand(v, true)
    }

    /// Whether `v` is a local's missing start, [`Op::Uninit`]: its declaration assigns nothing.
    fn uninit(&self, v: Var) -> bool {
        matches!(self.defs[v.0 as usize], Some((Op::Uninit, _)))
    }

    /// `v` as an operand: its name, or its expression where it is inlined, in parentheses when
    /// `paren` and it is an operator (not where it stands as an argument of a call).
    fn operand(&self, v: Var, paren: bool) -> TokenStream {
        if let (Some(span), Some((op, slot))) = (self.inline[v.0 as usize], self.defs[v.0 as usize])
        {
            let value = match (op, slot) {
                // The one output of a rule of several arguments that its `let` keeps.
                (
                    Op::Rule {
                        prim:
                            crate::primitives::Prim {
                                tangent: Tangent::Template(templates),
                                ..
                            },
                        args,
                        out,
                        bar,
                    },
                    Some(slot),
                ) => self.template(templates[slot], args, *out, *bar),
                _ => (self.value(op, span)).expect("an inlined value has an expression"),
            };
            let operator = match op {
                Op::Prim(p, _) => matches!(p.form, Form::Infix(_) | Form::Neg),
                // Written out from its template (see `Names::template`).
                Op::Rule { prim, .. } => matches!(prim.tangent, Tangent::Template(_)),
                Op::Cast(..) => true,
                _ => false,
            };
            return if paren && operator {
                quote!((#value))
            } else {
                value
            };
        }
        match self.defs[v.0 as usize].map(|(op, _)| op) {
            Some(Op::Lit(lit)) => typed_lit(lit, self.func.info(v).ty),
            Some(Op::Path(path)) => path.to_token_stream(),
            Some(Op::Param(i)) => self.sig.params[*i].ident.to_token_stream(),
            Some(Op::Tangent(i)) => self.param_dot(*i).to_token_stream(),
            _ => self.var(v).to_token_stream(),
        }
    }

    fn var(&self, v: Var) -> Ident {
        self.var_names[v.0 as usize].clone()
    }

    /// `Schedule::every(K)` or `Schedule::binomial(S)`.
    fn schedule(&self, c: &Checkpoint) -> TokenStream {
        let n = self.of(c.n);
        match c.schedule {
            Schedule::Every => quote!(::autodiff::__private::Schedule::every(#n)),
            Schedule::Binomial => quote!(::autodiff::__private::Schedule::binomial(#n)),
        }
    }

    /// A copy of a checkpointed loop's state: its locals, then its buffers.
    fn state(&self, state: &State) -> TokenStream {
        let locals = state.locals.iter().map(|l| self.local(*l));
        let arrays = state.arrays.iter().map(|a| self.array(*a));
        quote!((#(#locals,)* #(#arrays.clone(),)*))
    }

    fn local(&self, l: Local) -> Ident {
        self.local_names[l.0 as usize].clone()
    }

    fn array(&self, a: Array) -> TokenStream {
        let info = self.func.array_info(a);
        match &info.kind {
            ArrayKind::Param(i) => {
                let p = &self.sig.params[*i];
                let ident = &p.ident;
                match self.lent && lent(p) {
                    true => quote!((*#ident)),
                    false => quote!(#ident),
                }
            }
            ArrayKind::Bar(p) => match self.func.array_info(*p).kind {
                ArrayKind::Param(i) => self.param_bar(i).to_token_stream(),
                _ => self.local_array(a).to_token_stream(),
            },
            ArrayKind::Tangent(p) => match self.func.array_info(*p).kind {
                ArrayKind::Param(i) => self.param_dot(i).to_token_stream(),
                _ => self.local_array(a).to_token_stream(),
            },
            ArrayKind::Local | ArrayKind::Part(_) => self.local_array(a).to_token_stream(),
        }
    }

    /// Whether `a` is a parameter's adjoint, which the caller of the core function passes in.
    fn param_bar_array(&self, a: Array) -> bool {
        matches!(self.func.array_info(a).kind, ArrayKind::Bar(p)
            if matches!(self.func.array_info(p).kind, ArrayKind::Param(_)))
    }

    fn local_array(&self, a: Array) -> Ident {
        match &self.func.array_info(a).info.name {
            Some(n) => format_ident!("__ad_{}_a{}", stem(n), a.0),
            None => format_ident!("__ad_a{}", a.0),
        }
    }

    /// The `_vjp` bar of parameter `i`.
    fn param_bar(&self, i: usize) -> Ident {
        let k = self.sig.params[..i].iter().filter(|p| p.active).count();
        self.extra.bars[k].clone()
    }

    /// `path_jvp(args, dots)`, through the lookup that makes a missing rule one error.
    fn jvp_call(&self, path: &syn::Path, args: &[CallArg], dots: &[CallArg]) -> TokenStream {
        let active: Vec<bool> = args.iter().map(|a| self.arg_active(a)).collect();
        let arity = args.len() + dots.len();
        let jvp = lookup::rule(path, lookup::Mode::Jvp, arity, &active, &self.uses());
        let dots = self.dot_args(args, dots);
        let args = self.call_args(args);
        quote!(#jvp(#(#args,)* #(#dots),*))
    }

    /// A call's tangent arguments, each passed as its argument is: a parameter's tangent has
    /// the parameter's type, so it is spelled as the parameter is; a tangent the body owns (a
    /// local buffer's, or zeros) is lent where the argument is a reference (`x` for `x: &[f64]`).
    fn dot_args(&self, args: &[CallArg], dots: &[CallArg]) -> Vec<TokenStream> {
        let mut primal = args.iter().filter_map(|a| match a {
            CallArg::Array { array, by_ref, .. } => Some((*array, *by_ref)),
            CallArg::Value(_) => None,
        });
        let dots: Vec<CallArg> = (dots.iter())
            .map(|d| {
                // Values have no array argument to pair with.
                let CallArg::Array {
                    array,
                    by_ref,
                    range,
                } = d
                else {
                    return d.clone();
                };
                let owned = !self.reference_param(*array);
                let by_ref = match (by_ref, primal.next()) {
                    (Pass::Value, Some((of, Pass::Value))) if owned && self.reference_param(of) => {
                        Pass::Ref
                    }
                    // `*x` copies what `x` points to: an owned tangent is copied as it is.
                    (Pass::Deref, _) if owned => Pass::Value,
                    _ => *by_ref,
                };
                CallArg::Array {
                    array: *array,
                    by_ref,
                    range: *range,
                }
            })
            .collect();
        self.call_args(&dots)
    }

    /// Whether `a` is a parameter of reference type, or the tangent of one (which has its type).
    fn reference_param(&self, a: Array) -> bool {
        let of = match self.func.array_info(a).kind {
            ArrayKind::Tangent(p) => p,
            _ => a,
        };
        matches!(self.func.array_info(of).kind,
            ArrayKind::Param(i) if matches!(self.sig.params[i].ty, syn::Type::Reference(_)))
    }

    fn arg_active(&self, arg: &CallArg) -> bool {
        match arg {
            CallArg::Value(v) => self.func.info(*v).active,
            CallArg::Array { array, .. } => self.func.array_info(*array).info.active,
        }
    }

    /// The `_jvp` tangent of parameter `i`.
    fn param_dot(&self, i: usize) -> Ident {
        let k = self.sig.params[..i].iter().filter(|p| p.active).count();
        self.extra.dots[k].clone()
    }

    fn index(&self, index: &[Var]) -> TokenStream {
        index
            .iter()
            .map(|i| {
                let i = self.of(*i);
                quote!([#i])
            })
            .collect()
    }

    fn block(&self, block: &Block) -> TokenStream {
        if self.trace == Some(Sweep::Tangent) {
            return self.tangent_block(block);
        }
        block.iter().map(|s| self.stmt(s)).collect()
    }

    fn stmt(&self, stmt: &Stmt) -> TokenStream {
        let (run, record) = (self.run(stmt), self.record(stmt));
        quote!(#run #record)
    }

    fn run(&self, stmt: &Stmt) -> TokenStream {
        match stmt {
            Stmt::Let { dsts, op, span } => self.let_stmt(dsts, op, *span),
            Stmt::Decl { local, init } if self.uninit(*init) => {
                let l = self.local(*local);
                quote!(let mut #l;)
            }
            Stmt::Decl { local, init } => {
                let (l, v) = (self.local(*local), self.operand(*init, false));
                quote!(let mut #l = #v;)
            }
            Stmt::Set { local, value } => {
                let (l, v) = (self.local(*local), self.operand(*value, false));
                quote!(#l = #v;)
            }
            Stmt::Acc { local, value } => {
                let (l, v) = (self.local(*local), self.operand(*value, false));
                quote!(#l += #v;)
            }
            Stmt::DeclArray { array, init, .. } => {
                if self.param_bar_array(*array) {
                    return TokenStream::new();
                }
                let name = self.array(*array);
                let value = match init {
                    ArrayInit::Fill { value, dims } => {
                        let mut text = self.of(*value);
                        for (len, vec) in dims.iter().rev() {
                            let len = match len {
                                Len::Const(e) => e.to_token_stream(),
                                Len::Value(v) => self.of(*v),
                            };
                            text = if *vec {
                                quote!(::std::vec![#text; #len])
                            } else {
                                quote!([#text; #len])
                            };
                        }
                        text
                    }
                    ArrayInit::Elems { elems, vec } => {
                        let elems = elems.iter().map(|e| self.of(*e));
                        if *vec {
                            quote!(::std::vec![#(#elems),*])
                        } else {
                            quote!([#(#elems),*])
                        }
                    }
                    ArrayInit::ZerosLike(a) => {
                        let a = self.array(*a);
                        quote!(::autodiff::__private::zeros_like(&#a))
                    }
                    ArrayInit::Popped(t) => {
                        let t = stack_name(*t);
                        quote!(::autodiff::__private::pop(&mut #t))
                    }
                    ArrayInit::UnwantedLike(a) => {
                        let a = self.array(*a);
                        quote!(::autodiff::__private::unwanted_like(&#a))
                    }
                    ArrayInit::Call(path, args) => {
                        let args = self.call_args(args);
                        quote!(#path(#(#args),*))
                    }
                    ArrayInit::CallJvp {
                        path,
                        args,
                        dots,
                        value,
                    } => {
                        let jvp = self.jvp_call(path, args, dots);
                        let value = self.array(*value);
                        return quote!(let (mut #value, mut #name) = #jvp;);
                    }
                    ArrayInit::Part {
                        of,
                        lo,
                        hi,
                        mutable,
                    } => {
                        let (of, lo, hi) = (self.array(*of), self.of(*lo), self.of(*hi));
                        let mutable = mutable.then(|| quote!(mut));
                        quote!(&#mutable #of[#lo..#hi])
                    }
                };
                quote!(let mut #name = #value;)
            }
            Stmt::Store {
                array,
                index,
                value,
                write,
            } => {
                let (a, i, v) = (
                    self.array(*array),
                    self.index(index),
                    self.operand(*value, false),
                );
                match write {
                    Write::Set => quote!(#a #i = #v;),
                    Write::Add => quote!(#a #i += #v;),
                    // A parameter's adjoint starts at zero in `NAME_grad`, not in `NAME_vjp`.
                    Write::First if self.param_bar_array(self.func.whole(*array)) => quote! {
                        if __ad_fresh { #a #i = #v; } else { #a #i += #v; }
                    },
                    Write::First => quote!(#a #i = #v;),
                }
            }
            Stmt::If { cond, then, els } => {
                let (c, then) = (self.of(*cond), self.block(then));
                let label = self.label(*cond);
                let (took_then, took_else) = (
                    self.note(quote!(::std::format!("{} is true: then", #label))),
                    self.note(quote!(::std::format!("{} is false: else", #label))),
                );
                if els.is_empty() && took_else.is_empty() {
                    quote!(if #c { #then })
                } else {
                    let els = self.block(els);
                    quote!(if #c { #took_then #then } else { #took_else #els })
                }
            }
            Stmt::For { var, iter, body } => {
                let (v, iter, body) = (self.var(*var), self.iter(iter), self.block(body));
                let label = self.label(*var);
                let note = self.note(quote!(::std::format!("loop: {} = {}", #label, #v)));
                quote!(for #v in #iter { #note #body })
            }
            Stmt::While { cond, body } => {
                let note = self.note(quote!(::std::string::String::from("loop: next iteration")));
                let body = self.block(body);
                let body = quote!(#note #body);
                match cond {
                    Some((c, v)) => {
                        let (c, v) = (self.block(c), self.of(*v));
                        quote!(loop { #c if !#v { break; } #body })
                    }
                    None => quote!(loop { #body }),
                }
            }
            Stmt::Repeat { count, body } => {
                let (n, body) = (self.of(*count), self.block(body));
                quote!(for _ in 0..#n { #body })
            }
            Stmt::Snapshot {
                snaps,
                checkpoint,
                k,
                state,
                iter,
            } => {
                let (c, k, iter) = (snaps_name(*snaps), self.of(*k), self.iter(iter));
                let (schedule, state) = (self.schedule(checkpoint), self.state(state));
                let bound = quote!(::core::iter::Iterator::size_hint(&#iter).1);
                quote!(#c.offer(#k, #schedule, || #bound, || #state);)
            }
            Stmt::Checkpointed {
                snaps,
                checkpoint,
                count,
                state,
                from,
                len,
                advance,
                record,
                reverse,
            } => {
                let (c, n) = (snaps_name(*snaps), self.of(*count));
                let schedule = self.schedule(checkpoint);
                let (from, len) = (self.var(*from), self.var(*len));
                let action = quote!(::autodiff::__private::Action);
                let note = |text: &str| match self.trace {
                    Some(Sweep::Reverse) => quote! {
                        __ad_trace.recompute(::std::format!(#text, #from, #from + #len));
                    },
                    _ => TokenStream::new(),
                };
                let advance = match advance.is_empty() {
                    true => quote!(#action::Advance { .. } => {}),
                    false => {
                        let note = note(
                            "checkpoint: iterations {}..{} run again to keep the state after them",
                        );
                        let advance = self.block(advance);
                        quote!(#action::Advance { from: #from, len: #len } => { #note #advance })
                    }
                };
                let note =
                    note("checkpoint: iterations {}..{} recomputed from the state kept, reversed");
                let (record, reverse) = (self.block(record), self.block(reverse));
                let record = quote!(#note #record);
                let kept = self.state(state);
                let restores = (state
                    .locals
                    .iter()
                    .map(|l| self.local(*l).to_token_stream()))
                .chain(state.arrays.iter().map(|a| self.array(*a)))
                .enumerate()
                .map(|(i, place)| {
                    let i = syn::Index::from(i);
                    match i.index < state.locals.len() as u32 {
                        true => quote!(#place = __ad_state.#i;),
                        false => quote!(#place.clone_from(&__ad_state.#i);),
                    }
                });
                quote! {
                    for __ad_action in #c.actions(#schedule, #n) {
                        match __ad_action {
                            #advance
                            #action::Save(__ad_slot) => #c.save(__ad_slot, #kept),
                            #action::Restore(__ad_slot) => {
                                let __ad_state = #c.get(__ad_slot);
                                #(#restores)*
                            }
                            #action::Reverse { from: #from, len: #len } => { #record #reverse }
                        }
                    }
                    #c.finish(#n);
                }
            }
            Stmt::ExitIf(c) => {
                let c = self.of(*c);
                quote!(if #c { break; })
            }
            Stmt::Push { stack, value } => {
                let (t, v) = (stack_name(*stack), self.of(*value));
                quote!(#t.push(#v);)
            }
            // `to_owned` copies an array as itself, a `Vec` as a `Vec`, a part as a `Vec`.
            Stmt::PushArray { stack, array } => {
                let (t, a) = (stack_name(*stack), self.array(*array));
                quote!(#t.push(#a.to_owned());)
            }
            Stmt::Reserve { stack, iter } => {
                let (t, iter) = (stack_name(*stack), self.iter(iter));
                quote!(#t.reserve(::core::iter::Iterator::size_hint(&#iter).0);)
            }
            Stmt::CallVjp {
                path,
                args,
                dots,
                seed,
                dot_seed,
                bars,
                active,
            } => {
                let (mode, seeds) = match dot_seed {
                    None => (lookup::Mode::Vjp, vec![seed]),
                    Some(dot) => (lookup::Mode::JvpVjp, vec![seed, dot]),
                };
                let arity = args.len() + dots.len() + seeds.len() + bars.len();
                let vjp = lookup::rule(path, mode, arity, active, &self.uses());
                let dots = self.dot_args(args, dots);
                let args = self.call_args(args);
                let seeds: Vec<TokenStream> = (seeds.into_iter())
                    .map(|seed| match seed {
                        CallSeed::Value(v) => self.of(*v),
                        CallSeed::Array(a) => {
                            let a = self.array(*a);
                            quote!(::autodiff::__private::seed(&#a))
                        }
                        CallSeed::Tuple(vs) => {
                            let vs = vs.iter().map(|v| self.of(*v));
                            quote!((#(#vs,)*))
                        }
                    })
                    .collect();
                // An array passed twice (`dot(&v, &v)`) cannot lend its adjoint twice: the
                // second bar is a scratch one, added into the adjoint after the call.
                let (mut lent, mut scratch, mut add_back) = (HashSet::default(), vec![], vec![]);
                let bars: Vec<TokenStream> = (bars.iter().enumerate())
                    .map(|(k, b)| {
                        let CallBar::Array(a, range) = b else {
                            return self.call_bar(b);
                        };
                        if lent.insert(*a) {
                            return self.call_bar(b);
                        }
                        let name = self.array(*a);
                        let part = match range {
                            Some(range) => {
                                let range = self.range(range);
                                quote!(#name[#range])
                            }
                            None => quote!(#name),
                        };
                        let tmp = format_ident!("__ad_second_bar_{}", k);
                        scratch.push(quote! {
                            let mut #tmp = ::autodiff::__private::zeros_like(&#part);
                        });
                        add_back.push(quote! {
                            for (d, s) in #part.iter_mut().zip(&#tmp) {
                                *d += *s;
                            }
                        });
                        quote!(&mut #tmp)
                    })
                    .collect();
                let call = quote!(let _ = #vjp(#(#args,)* #(#dots,)* #(#seeds,)* #(#bars),*););
                if scratch.is_empty() {
                    call
                } else {
                    quote!({ #(#scratch)* #call #(#add_back)* })
                }
            }
            Stmt::Verbatim {
                tokens,
                bindings,
                arrays,
            } => {
                let lets = bindings.iter().map(|(name, v)| {
                    let v = self.of(*v);
                    quote!(let #name = #v;)
                });
                let refs = arrays.iter().map(|(name, a)| {
                    let a = self.array(*a);
                    quote!(let #name = &#a;)
                });
                quote!({ #(#lets)* #(#refs)* #tokens })
            }
        }
    }

    /// The bar a `_vjp` call adds one argument's derivative into.
    fn call_bar(&self, bar: &CallBar) -> TokenStream {
        match bar {
            CallBar::Scalar(l) => {
                let l = self.local(*l);
                quote!(&mut #l)
            }
            CallBar::Array(a, Some(range)) => {
                let (name, range) = (self.array(*a), self.range(range));
                quote!(&mut #name[#range])
            }
            CallBar::Array(a, None) => {
                let name = self.array(*a);
                // In the core function (which `lent` marks) a parameter's bar is already a
                // `&mut` slice: reborrow it. Elsewhere (`NAME_hvp`) it is a local.
                match self.func.array_info(*a).kind {
                    ArrayKind::Bar(p)
                        if self.lent
                            && matches!(self.func.array_info(p).kind, ArrayKind::Param(_)) =>
                    {
                        quote!(&mut *#name)
                    }
                    _ => quote!(&mut #name),
                }
            }
            CallBar::Unwanted => quote!(&mut []),
        }
    }

    /// The `use` items of the function's body, which a callee's rule may come from.
    fn uses(&self) -> Vec<&syn::ItemUse> {
        (self.func.items.iter())
            .filter_map(|item| match item {
                syn::Item::Use(u) => Some(u),
                _ => None,
            })
            .collect()
    }

    /// A call's arguments as written: values by name, arrays as `x` or `&x`.
    fn call_args(&self, args: &[CallArg]) -> Vec<TokenStream> {
        args.iter()
            .map(|a| match a {
                CallArg::Value(v) => self.of(*v),
                CallArg::Array {
                    array,
                    range: Some(range),
                    ..
                } => {
                    let (name, range) = (self.array(*array), self.range(range));
                    quote!(&#name[#range])
                }
                CallArg::Array { array, by_ref, .. } => {
                    let name = self.array(*array);
                    // An owned array passed by value, as written, is copied: the reverse sweep
                    // passes it again. A reference is passed as it is, and coerces as written.
                    let reference = self.reference_param(*array);
                    match (by_ref, reference) {
                        (Pass::Ref, _) => quote!(&#name),
                        (Pass::Deref, _) => quote!(*#name),
                        (Pass::Value, true) => name,
                        (Pass::Value, false) => quote!(::core::clone::Clone::clone(&#name)),
                    }
                }
            })
            .collect()
    }

    fn range(&self, range: &Range) -> TokenStream {
        let lo = range.lo.map(|v| self.of(v));
        let hi = range.hi.map(|v| self.of(v));
        quote!(#lo..#hi)
    }

    fn iter(&self, iter: &Iter) -> TokenStream {
        let (a, b) = (self.of(iter.start), self.of(iter.end));
        let mut t = if iter.inclusive {
            quote!((#a..=#b))
        } else {
            quote!((#a..#b))
        };
        for adapter in &iter.adapters {
            t = match adapter {
                Adapter::Rev => quote!(#t.rev()),
                Adapter::StepBy(k) => {
                    let k = self.of(*k);
                    quote!(#t.step_by(#k))
                }
                Adapter::Replay(n) => {
                    let n = self.of(*n);
                    quote!(::autodiff::__private::replay(#t, #n))
                }
                Adapter::Segment { from, len } => {
                    let (from, len) = (self.of(*from), self.of(*len));
                    quote!(::autodiff::__private::segment(#t, #from, #len))
                }
            };
        }
        t
    }

    /// `let dsts = op;`, with the primal operation spanned at its source so that rustc's
    /// diagnostics about it point at the user's code.
    fn let_stmt(&self, dsts: &[Option<Var>], op: &Op, span: Span) -> TokenStream {
        if self.is_inlined(dsts) {
            return TokenStream::new();
        }
        let mut code = TokenStream::new();
        for (dsts, value) in self.binding(dsts, op, span).unwrap_or_default() {
            let pats: Vec<TokenStream> = dsts
                .iter()
                .map(|d| match d {
                    Some(v) => self.var(*v).to_token_stream(),
                    None => quote!(_),
                })
                .collect();
            let pat = tuple_or_single(pats);
            code.extend(quote!(let #pat = #value;));
        }
        code
    }

    /// What `dsts = op` binds, and the expression it binds them to; `None` for a value spelled
    /// where it is used. A rule of several float arguments written out from its templates binds
    /// each contribution wanted (and not spelled where it is used) on its own: each reads only
    /// values, so one after another computes the same as a tuple at once, and costs rustc less.
    fn binding(
        &self,
        dsts: &[Option<Var>],
        op: &Op,
        span: Span,
    ) -> Option<Vec<(Vec<Option<Var>>, TokenStream)>> {
        if let Op::Rule {
            prim,
            args,
            out,
            bar,
        } = op
        {
            if let (Tangent::Template(templates), true) = (prim.tangent, dsts.len() > 1) {
                let each = (dsts.iter().zip(templates))
                    .filter(|(d, _)| d.is_some_and(|v| self.inline[v.0 as usize].is_none()))
                    .map(|(d, t)| (vec![*d], self.template(t, args, *out, *bar)))
                    .collect();
                return Some(each);
            }
        }
        // `(a, b, ȧ, ḃ)` of a call with several results, whose `_jvp` gives `((a, b), (ȧ, ḃ))`.
        if let (Op::CallJvp(..), n @ 2..) = (op, dsts.len() / 2) {
            let value = self.value(op, span)?;
            let k: Vec<syn::Index> = (0..n).map(syn::Index::from).collect();
            let flat = quote!({ let (__ad_v, __ad_d) = #value; (#(__ad_v.#k,)* #(__ad_d.#k,)*) });
            return Some(vec![(dsts.to_vec(), flat)]);
        }
        Some(vec![(dsts.to_vec(), self.value(op, span)?)])
    }

    /// The expression that computes `op`; `None` for a value spelled where it is used.
    fn value(&self, op: &Op, span: Span) -> Option<TokenStream> {
        let value = match op {
            // Spelled inline where they are used.
            Op::Lit(_) | Op::Path(_) | Op::Param(_) | Op::Tangent(_) | Op::Uninit => return None,
            Op::Seed(k) => {
                let seed = &self.extra.seed;
                match self.sig.output {
                    ast::Output::Scalar => seed.to_token_stream(),
                    ast::Output::Tuple(_) => {
                        let k = syn::Index::from(*k);
                        quote!(#seed.#k)
                    }
                    ast::Output::Array { .. } => quote!(#seed[#k]),
                }
            }
            Op::Cast(x, ty) => {
                let x = self.of(*x);
                quote!(#x as #ty)
            }
            Op::Prim(prim, args) => {
                let name = Ident::new(prim.name, span);
                // Operators and receivers take an inlined operator in parentheses, arguments
                // as it is.
                let arg = |k: usize, a: &Var| {
                    let paren = match prim.form {
                        Form::Infix(_) | Form::Neg => true,
                        Form::Method => k == 0,
                        _ => false,
                    };
                    self.operand(*a, paren)
                };
                let args: Vec<TokenStream> =
                    args.iter().enumerate().map(|(k, a)| arg(k, a)).collect();
                match (prim.form, &args[..]) {
                    (Form::Infix(c), [a, b]) => {
                        let mut op = Punct::new(c, Spacing::Alone);
                        op.set_span(span);
                        quote!(#a #op #b)
                    }
                    (Form::Neg, [a]) => quote!(-#a),
                    (Form::Method, [recv, rest @ ..]) => quote!(#recv.#name(#(#rest),*)),
                    _ => quote!(::autodiff::__private::#name(#(#args),*)),
                }
            }
            Op::Method(m, args) => {
                let args: Vec<TokenStream> = args.iter().map(|a| self.of(*a)).collect();
                let (recv, rest) = args.split_first()?;
                quote!(#recv.#m(#(#rest),*))
            }
            // By reference: the value (an enum passed by value) may be read again after.
            Op::Opaque { tokens, bindings } => {
                let binds = bindings.iter().map(|(name, v)| {
                    let v = self.of(*v);
                    quote!(let #name = &#v;)
                });
                // A pattern's test binds names it does not read, as written.
                quote!({
                    #(#binds)*
                    #[allow(unused_variables, clippy::redundant_pattern_matching)]
                    let __ad_opaque = #tokens;
                    __ad_opaque
                })
            }
            Op::Call(path, args) => {
                let args = self.call_args(args);
                quote!(#path(#(#args),*))
            }
            Op::CallJvp(path, args, dots) => self.jvp_call(path, args, dots),
            Op::Cmp(c, a, b) => {
                let (a, b) = (self.of(*a), self.of(*b));
                let c: TokenStream = c.symbol().parse().expect("a comparison operator");
                quote!(#a #c #b)
            }
            Op::Not(a) => {
                let a = self.of(*a);
                quote!(!#a)
            }
            Op::Get(l) => self.local(*l).to_token_stream(),
            Op::Load(a, index) => {
                let (a, i) = (self.array(*a), self.index(index));
                quote!(#a #i)
            }
            Op::Len(a, index) => {
                let (a, i) = (self.array(*a), self.index(index));
                quote!(#a #i.len())
            }
            Op::Pop(t) => {
                let t = stack_name(*t);
                quote!(::autodiff::__private::pop(&mut #t))
            }
            // A primitive with one float argument, written out from its template.
            Op::Rule {
                prim:
                    crate::primitives::Prim {
                        tangent: Tangent::Template(&[template]),
                        ..
                    },
                args,
                out,
                bar,
            } => self.template(template, args, *out, *bar),
            Op::Rule { prim, .. } => {
                let name = Ident::new(prim.name, Span::call_site());
                // What the rule reads, in the order its runtime function takes them.
                let operands = op.uses();
                let operands = operands.iter().map(|a| self.operand(*a, false));
                quote!(::autodiff::__private::rules::#name(#(#operands),*))
            }
        };
        Some(value)
    }
}

impl Names<'_> {
    /// A rule's contribution to one argument, written out from the primitive's tangent template
    /// (see [`Tangent::Template`]) with the adjoint `bar` for `d`: the same arithmetic as the
    /// runtime's rule, with no call for rustc to check and inline (a third of a core function's
    /// statements are rules). Literals take the width of the result.
    fn template(&self, text: &'static str, args: &[Var], out: Var, bar: Var) -> TokenStream {
        let operand = |hole: Hole| {
            let v = hole.var(args, out, bar);
            // A method call on a negative literal would bind before its minus.
            let negative = matches!(self.defs[v.0 as usize],
                Some((Op::Lit(syn::Lit::Float(f)), _)) if f.base10_digits().starts_with('-'));
            let t = self.operand(v, true);
            if negative {
                quote!((#t))
            } else {
                t
            }
        };
        let mut tokens = TokenStream::new();
        spell_template(&self.pieces(text, out), &operand, &mut tokens);
        tokens
    }

    /// `text` split into [`TemplatePiece`]s, with literals of the width of `out`: once per
    /// template and width.
    fn pieces(&self, text: &'static str, out: Var) -> Rc<[TemplatePiece]> {
        let width = match self.func.info(out).ty {
            Ty::Float(w) => w,
            _ => None,
        };
        // By address: each template is a constant of the table, and hashing its text byte by
        // byte was a tenth of the macro's spelling time.
        (self
            .templates
            .borrow_mut()
            .entry((text.as_ptr() as usize, width)))
        .or_insert_with(|| {
            let tokens: TokenStream = text.parse().expect("a template of the table tokenizes");
            split_template(tokens, width).into()
        })
        .clone()
    }

    /// The operands of `dsts = op` where an inlined value may stand: those its expression
    /// spells once. A rule written out from its templates spells an operand once per mention
    /// (`d` in each of `mul`'s two), and an inlined value there would be computed once per
    /// mention.
    fn inlinable_operands(&self, dsts: &[Option<Var>], op: &Op) -> Vec<Var> {
        let Op::Rule {
            prim,
            args,
            out,
            bar,
        } = op
        else {
            return operands(op);
        };
        let Tangent::Template(templates) = prim.tangent else {
            return operands(op);
        };
        let mut mentions: HashMap<Var, usize> = HashMap::default();
        for (_, text) in dsts.iter().zip(templates).filter(|(d, _)| d.is_some()) {
            holes(&self.pieces(text, *out), &mut |h| {
                *mentions.entry(h.var(args, *out, *bar)).or_default() += 1;
            });
        }
        let mut once: Vec<Var> = (mentions.into_iter())
            .filter(|(_, n)| *n == 1)
            .map(|(v, _)| v)
            .collect();
        once.sort();
        once
    }
}

/// The split templates by their text and width.
type Templates = std::cell::RefCell<HashMap<(usize, Option<FloatTy>), Rc<[TemplatePiece]>>>;

/// A name of a template that stands for an operand of the rule.
#[derive(Clone, Copy)]
enum Hole {
    /// `d`, the adjoint.
    D,
    /// `y`, the result.
    Y,
    /// `a0`, `a1`, …, an argument.
    Arg(usize),
}

impl Hole {
    /// The operand of the rule `args -> out`, with adjoint `bar`, that the hole stands for.
    fn var(self, args: &[Var], out: Var, bar: Var) -> Var {
        match self {
            Hole::D => bar,
            Hole::Y => out,
            Hole::Arg(k) => args[k],
        }
    }
}

/// A template split into tokens as spelled and the holes its operands go into.
enum TemplatePiece {
    Tokens(TokenStream),
    Hole(Hole),
    Group(proc_macro2::Delimiter, Vec<TemplatePiece>),
}

/// `tokens` of a template as [`TemplatePiece`]s: `d`, `y`, `a0`, … holes, `LN_2` and `LN_10` constants of
/// `width`, a call one of the runtime's (the table's internal primitives), a float literal
/// suffixed with `width`.
fn split_template(tokens: TokenStream, width: Option<FloatTy>) -> Vec<TemplatePiece> {
    use proc_macro2::{Delimiter, TokenTree};
    let mut pieces = Vec::new();
    let mut after_dot = false;
    let mut trees = tokens.into_iter().peekable();
    while let Some(tree) = trees.next() {
        let dot = matches!(&tree, TokenTree::Punct(p) if p.as_char() == '.');
        let piece = match tree {
            // A method's name is not one of the template's names.
            TokenTree::Ident(i) if !after_dot => {
                let name = i.to_string();
                let called = matches!(trees.peek(),
                    Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
                let arg = (name.strip_prefix('a')).and_then(|k| k.parse::<usize>().ok());
                match (name.as_str(), arg) {
                    ("d", _) => TemplatePiece::Hole(Hole::D),
                    ("y", _) => TemplatePiece::Hole(Hole::Y),
                    (_, Some(k)) => TemplatePiece::Hole(Hole::Arg(k)),
                    _ if called => TemplatePiece::Tokens(quote!(::autodiff::__private::#i)),
                    _ if name.starts_with("LN_") => {
                        let w = float_ty(width.unwrap_or(FloatTy::F64));
                        TemplatePiece::Tokens(quote!(::core::#w::consts::#i))
                    }
                    _ => TemplatePiece::Tokens(i.into_token_stream()),
                }
            }
            TokenTree::Group(g) => {
                TemplatePiece::Group(g.delimiter(), split_template(g.stream(), width))
            }
            TokenTree::Literal(l) => {
                let text = l.to_string();
                match (width, text.parse::<f64>()) {
                    (Some(w), Ok(x)) if text.contains('.') => {
                        TemplatePiece::Tokens(float_lit(x, w))
                    }
                    _ => TemplatePiece::Tokens(TokenTree::Literal(l).into()),
                }
            }
            tree => TemplatePiece::Tokens(tree.into()),
        };
        pieces.push(piece);
        after_dot = dot;
    }
    pieces
}

/// A split template with `operand` in its holes, into `out`.
fn spell_template(
    pieces: &[TemplatePiece],
    operand: &dyn Fn(Hole) -> TokenStream,
    out: &mut TokenStream,
) {
    for piece in pieces {
        match piece {
            TemplatePiece::Tokens(t) => out.extend(t.clone()),
            TemplatePiece::Hole(h) => out.extend(operand(*h)),
            TemplatePiece::Group(delimiter, inner) => {
                let mut stream = TokenStream::new();
                spell_template(inner, operand, &mut stream);
                let group = proc_macro2::Group::new(*delimiter, stream);
                out.extend([proc_macro2::TokenTree::Group(group)]);
            }
        }
    }
}

/// Every hole of a split template, in order.
fn holes(pieces: &[TemplatePiece], each: &mut dyn FnMut(Hole)) {
    for piece in pieces {
        match piece {
            TemplatePiece::Hole(h) => each(*h),
            TemplatePiece::Group(_, inner) => holes(inner, each),
            TemplatePiece::Tokens(_) => {}
        }
    }
}

/// The operands of `op` that its expression spells, where an inlined value may stand: those of
/// arithmetic, of casts and of rules (a rule spells only the operands it reads).
fn operands(op: &Op) -> Vec<Var> {
    match op {
        Op::Prim(..) | Op::Cast(..) | Op::Rule { .. } => op.uses(),
        _ => Vec::new(),
    }
}

/// A type as far as the IR knows it, `_` where only rustc does.
fn spelled_ty(ty: Ty) -> TokenStream {
    match ty {
        Ty::Float(Some(f)) => float_ty(f),
        Ty::Bool => quote!(bool),
        _ => quote!(_),
    }
}

/// A float literal spelled with the width inference gave it (`1.25_f64`), so that a method
/// called on it is not ambiguous; other literals as written.
fn typed_lit(lit: &syn::Lit, ty: Ty) -> TokenStream {
    let spelled = match (lit, ty) {
        (syn::Lit::Float(f), Ty::Float(Some(w))) if f.suffix().is_empty() => match w {
            FloatTy::F64 => (f.base10_parse::<f64>().ok())
                .filter(|x| x.is_finite())
                .map(proc_macro2::Literal::f64_suffixed),
            FloatTy::F32 => (f.base10_parse::<f32>().ok())
                .filter(|x| x.is_finite())
                .map(proc_macro2::Literal::f32_suffixed),
        },
        _ => None,
    };
    match spelled {
        Some(mut l) => {
            l.set_span(lit.span());
            l.into_token_stream()
        }
        None => lit.to_token_stream(),
    }
}

/// A source name as part of a generated one: lowercase, and without a raw identifier's `r#`,
/// which no longer identifier can hold.
fn stem(name: &str) -> String {
    name.trim_start_matches("r#").to_lowercase()
}
