//! The attribute's arguments: `#[grad]`, or any of `#[grad(wrt(a, b), jvp, hvp, trace)]`; and
//! those of `#[checkpoint(every = K)]` on a loop of its body.

use proc_macro2::TokenStream;
use syn::punctuated::Punctuated;
use syn::{Ident, Token};

#[derive(Default)]
pub struct Args {
    /// The parameters named in `wrt(...)`, if given; otherwise every float parameter is active.
    pub wrt: Option<Vec<Ident>>,
    /// `trace`: also generate `NAME_trace`.
    pub trace: bool,
    /// `jvp`: also generate `NAME_jvp`, by forward mode.
    pub jvp: bool,
    /// `hvp`: also generate `NAME_hvp` and `NAME_hessian`; where it was written, for errors.
    pub hvp: Option<proc_macro2::Span>,
}

impl Args {
    pub fn parse(tokens: TokenStream) -> syn::Result<Args> {
        let mut args = Args::default();
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("trace") {
                args.trace = true;
                Ok(())
            } else if meta.path.is_ident("jvp") {
                args.jvp = true;
                Ok(())
            } else if meta.path.is_ident("hvp") {
                args.hvp = Some(syn::spanned::Spanned::span(&meta.path));
                Ok(())
            } else if meta.path.is_ident("wrt") {
                if args.wrt.is_some() {
                    return Err(
                        meta.error("`wrt` is given twice; name every parameter in one `wrt(...)`")
                    );
                }
                let content;
                syn::parenthesized!(content in meta.input);
                let names =
                    Punctuated::<Ident, Token![,]>::parse_terminated(&content).map_err(|e| {
                        syn::Error::new(e.span(), "expected parameter names, as in `wrt(x, y)`")
                    })?;
                if names.is_empty() {
                    return Err(meta.error(
                        "`wrt()` names no parameter; name at least one, as in `wrt(x)`, or drop `wrt` to differentiate every float parameter",
                    ));
                }
                args.wrt = Some(names.into_iter().collect());
                Ok(())
            } else {
                Err(meta.error(
                    "unknown argument to #[grad]; the arguments are `wrt(param, ...)`, which names the parameters to differentiate, `jvp`, which also generates `NAME_jvp` (forward mode), `hvp`, which also generates `NAME_hvp` and `NAME_hessian` (second order), and `trace`, which also generates `NAME_trace`",
                ))
            }
        });
        syn::parse::Parser::parse2(parser, tokens)?;
        // The Hessian-vector product is built on forward mode, and a caller's reaches a callee
        // through both: `hvp` brings `NAME_jvp`.
        args.jvp |= args.hvp.is_some();
        Ok(args)
    }
}

/// What `#[checkpoint(..)]` takes, for errors.
pub const CHECKPOINT_USAGE: &str = "write `#[checkpoint(every = K)]` (a state kept every K iterations) or `#[checkpoint(snapshots = S)]` (at most S states, binomial schedule), with K or S a positive integer";

/// Whether `attr` is `#[checkpoint(..)]`.
pub fn is_checkpoint(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("checkpoint")
}

/// `#[checkpoint(key = value)]`: the key and the value, as written.
pub fn checkpoint(attr: &syn::Attribute) -> syn::Result<(Ident, syn::Expr)> {
    attr.parse_args_with(|input: syn::parse::ParseStream| {
        let key: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let value: syn::Expr = input.parse()?;
        if !input.is_empty() {
            return Err(input.error("one key only"));
        }
        Ok((key, value))
    })
    .map_err(|e| syn::Error::new(e.span(), format!("{e}; {CHECKPOINT_USAGE}")))
}
