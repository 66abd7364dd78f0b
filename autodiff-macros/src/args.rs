//! The attribute's arguments: `#[grad]` or `#[grad(wrt(a, b))]`.

use proc_macro2::TokenStream;
use syn::Ident;

#[derive(Default)]
pub struct Args {
    /// The parameters named in `wrt(...)`, if given; otherwise every float parameter is active.
    pub wrt: Option<Vec<Ident>>,
}

impl Args {
    pub fn parse(tokens: TokenStream) -> syn::Result<Args> {
        let mut args = Args::default();
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("wrt") {
                if args.wrt.is_some() {
                    return Err(
                        meta.error("`wrt` is given twice; name every parameter in one `wrt(...)`")
                    );
                }
                let mut names = Vec::new();
                meta.parse_nested_meta(|inner| match inner.path.get_ident() {
                    Some(ident) => {
                        names.push(ident.clone());
                        Ok(())
                    }
                    None => Err(inner.error("expected a parameter name, as in `wrt(x, y)`")),
                })?;
                args.wrt = Some(names);
                Ok(())
            } else {
                Err(meta.error(
                    "unknown argument to #[grad]; the arguments are `wrt(param, ...)`, which names the parameters to differentiate",
                ))
            }
        });
        syn::parse::Parser::parse2(parser, tokens)?;
        Ok(args)
    }
}
