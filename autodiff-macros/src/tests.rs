//! Golden tests: the Wengert list the macro builds for seed functions, as text.

use crate::args::Args;
use crate::ctxt::Ctxt;
use crate::{ast, lower, reverse};

/// The primal and adjoint IR of `src`, printed.
fn ir(src: &str) -> (String, String) {
    let item: syn::ItemFn = syn::parse_str(src).expect("test input parses");
    let mut cx = Ctxt::default();
    let func = ast::Func::from_syn(&item, &Args::default(), &mut cx);
    let primal = lower::lower(&func, &mut cx);
    assert!(cx.finish().is_ok(), "test input has no errors");
    let adjoint = reverse::reverse(&primal, func.ret);
    (primal.to_string(), adjoint.to_string())
}

/// The generated companions of `src`, as Rust source.
fn expansion(src: &str) -> String {
    let item: syn::ItemFn = syn::parse_str(src).expect("test input parses");
    crate::expand::grad(Default::default(), item).to_string()
}

#[test]
fn print_expansion() {
    println!("{}", expansion("fn f(x1: f64, x2: f64) -> f64 { let t1 = x1 - x2; let t2 = t1.powi(2); t2 + (x1 + x2).cos() }"));
    let (p, a) = ir("fn f(x1: f64, x2: f64) -> f64 { let t1 = x1 - x2; let t2 = t1.powi(2); t2 + (x1 + x2).cos() }");
    println!("{p}\n{a}");
}
