//! Writes a generated crate's sources: `progs.rs` (the functions, plain or with `#[grad]`, and
//! their duals), `main.rs` (one check per function and input case) and `support.rs`. Records
//! which lines belong to which function, so that rustc's errors can be attributed.

use crate::ast::*;
use crate::emit::{Mode, Printer};
use crate::rng::Rng;
use std::fmt::Write as _;

/// The support module, copied into every generated crate.
pub const SUPPORT: &str = include_str!("support.rs");

/// Input cases per function: slices of lengths 0, 1 and more among them.
pub const CASES: usize = 4;

/// A line range `[lo, hi]` of a file and the function it belongs to.
#[derive(Clone, Debug)]
pub struct Span {
    pub file: &'static str,
    pub lo: usize,
    pub hi: usize,
    pub func: usize,
    /// The dual twin (errors there are the generator's).
    pub dual: bool,
}

pub struct Sources {
    pub progs: String,
    pub main: String,
    pub spans: Vec<Span>,
}

/// The sources for `funcs` restricted to `keep`; `grad` puts `#[grad]` on them and emits the
/// checks (without it, only the programs and duals, to check that the generator made valid
/// Rust).
pub fn sources(funcs: &[Func], keep: &[usize], grad: bool, subst: &[usize]) -> Sources {
    let mut spans = Vec::new();
    let mut p = Printer::new(funcs, Mode::Plain { attr: grad });
    p.subst = subst;
    let mut plain = Printer::new(funcs, Mode::Plain { attr: false });
    p.out.push_str(
        "// Included into main.rs, so that the functions stay private as users write them.\n\n",
    );
    let mut d = Printer::new(funcs, Mode::Dual);
    for &i in keep {
        let lo = p.lines() + 1;
        if grad && subst.contains(&i) {
            // A callee that failed with `#[grad]`: plain, with a rule made from its dual, so
            // that its callers are still tested.
            plain.out.clear();
            plain.func(&funcs[i]);
            p.out.push_str(&plain.out);
            p.out.push_str(&rule_from_dual(&funcs[i]));
        } else {
            p.func(&funcs[i]);
        }
        spans.push(Span {
            file: "progs.rs",
            lo,
            hi: p.lines(),
            func: i,
            dual: false,
        });
        p.out.push('\n');
    }
    // The twins with two results that the bodies call, each the callee's.
    let pairs: Vec<usize> = p.pairs.union(&plain.pairs).copied().collect();
    for i in pairs {
        let lo = p.lines() + 1;
        p.pair_twin(&funcs[i], i);
        spans.push(Span {
            file: "progs.rs",
            lo,
            hi: p.lines(),
            func: i,
            dual: false,
        });
    }
    let offset = p.lines();
    for &i in keep {
        let lo = offset + d.lines() + 1;
        d.func(&funcs[i]);
        spans.push(Span {
            file: "progs.rs",
            lo,
            hi: offset + d.lines(),
            func: i,
            dual: true,
        });
        d.out.push('\n');
    }
    for i in std::mem::take(&mut d.pairs) {
        let lo = offset + d.lines() + 1;
        d.pair_twin(&funcs[i], i);
        spans.push(Span {
            file: "progs.rs",
            lo,
            hi: offset + d.lines(),
            func: i,
            dual: true,
        });
    }
    let progs = p.out + &d.out;
    let mut main = String::from(
        "#![allow(warnings, clippy::all)]\nmod support;\nuse autodiff::grad;\nuse support::*;\ninclude!(\"progs.rs\");\n\n",
    );
    if grad {
        let mut calls = String::new();
        for &i in keep {
            if !funcs[i].check || subst.contains(&i) {
                continue;
            }
            let lo = main.matches('\n').count() + 1;
            main.push_str(&check_fn(funcs, i, subst));
            spans.push(Span {
                file: "main.rs",
                lo,
                hi: main.matches('\n').count(),
                func: i,
                dual: false,
            });
            let _ = writeln!(calls, "    check_{}();", funcs[i].name);
        }
        let _ = write!(main, "fn main() {{\n    quiet();\n{calls}}}\n");
    } else {
        main.push_str("fn main() {}\n");
    }
    Sources { progs, main, spans }
}

fn lit(fty: Fty, v: f64) -> String {
    match fty {
        Fty::F64 => format!("{v:?}_f64"),
        Fty::F32 => format!("{:?}_f32", v as f32),
    }
}

/// The statements that make `f`'s dual arguments `q0, q1, …` from its arguments named
/// `names`, the active floats seeded along direction `k` (counted by a local `j`).
fn seeded(f: &Func, names: &[String]) -> String {
    let dty = f.fty.dual();
    let mut seeds = String::new();
    for (i, p) in f.params.iter().enumerate() {
        let act = f.active(i);
        let one = |v: &str| {
            if act {
                format!("{dty}::seed({v}, &mut j, k)")
            } else {
                format!("{dty}::c({v})")
            }
        };
        let a = &names[i];
        let q = match &p.kind {
            PKind::Usize => format!("let q{i} = {a};"),
            PKind::Scalar => format!("let q{i} = {};", one(a)),
            PKind::Array(n) | PKind::ArrayRef(n) => {
                format!("let q{i}: [{dty}; {n}] = {a}.map(|v| {});", one("v"))
            }
            _ => format!(
                "let q{i}: Vec<{dty}> = {a}.iter().map(|&v| {}).collect();",
                one("v")
            ),
        };
        let _ = write!(seeds, "{q} ");
    }
    seeds
}

/// The dual arguments `q0, q1, …` as `f`'s parameters take them.
fn dual_args(f: &Func) -> String {
    f.params
        .iter()
        .enumerate()
        .map(|(i, p)| match p.kind {
            PKind::Scalar | PKind::Array(_) | PKind::Usize => format!("q{i}"),
            PKind::Slice | PKind::VecRef | PKind::ArrayRef(_) => format!("&q{i}"),
            PKind::VecOwned => format!("q{i}.clone()"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A hand-written `NAME_vjp` of the contract's shape, computed from `NAME_dual`, one dual
/// evaluation per input float (an empty slice bar means "not wanted"). As a hand-written rule
/// does, it takes a bar for every float parameter, `wrt` or not: a caller passes one for each.
fn rule_from_dual(f: &Func) -> String {
    let f = &Func {
        wrt: None,
        ..f.clone()
    };
    let ty = f.fty.name();
    let name = &f.name;
    let mut params: Vec<String> = Vec::new();
    let mut call: Vec<String> = Vec::new();
    for p in &f.params {
        params.push(format!("{}: {}", p.name, p.kind.spelled(ty)));
        call.push(match p.kind {
            PKind::VecOwned => format!("{}.clone()", p.name),
            _ => p.name.clone(),
        });
    }
    params.push(format!("seed: {ty}"));
    let mut body = String::new();
    for i in 0..f.params.len() {
        if !f.active(i) {
            continue;
        }
        let p = &f.params[i];
        match &p.kind {
            PKind::Scalar => {
                params.push(format!("bar{i}: &mut {ty}"));
                let _ = writeln!(body, "    *bar{i} += seed * dir(k); k += 1;");
            }
            PKind::Array(n) | PKind::ArrayRef(n) => {
                params.push(format!("bar{i}: &mut [{ty}; {n}]"));
                let _ = writeln!(
                    body,
                    "    for m in 0..{n} {{ bar{i}[m] += seed * dir(k); k += 1; }}"
                );
            }
            _ => {
                params.push(format!("bar{i}: &mut [{ty}]"));
                let _ = writeln!(
                    body,
                    "    for m in 0..{}.len() {{ if !bar{i}.is_empty() {{ bar{i}[m] += seed * dir(k); }} k += 1; }}",
                    p.name
                );
            }
        }
    }
    let names: Vec<String> = f.params.iter().map(|p| p.name.clone()).collect();
    let vjp = format!(
        "fn {name}_vjp({}) -> {ty} {{\n    let dir = |k: usize| -> {ty} {{ let mut j = 0usize; {}{name}_dual({}).d }};\n    let mut k = 0usize;\n{body}    {name}({})\n}}\n",
        params.join(", "),
        seeded(f, &names),
        dual_args(f),
        call.join(", ")
    );
    // `NAME_jvp`: one dual evaluation with the tangents as the duals' parts.
    let dty = f.fty.dual();
    let (mut jparams, mut duals) = (Vec::new(), String::new());
    for (i, p) in f.params.iter().enumerate() {
        let a = &p.name;
        jparams.push(format!("{a}: {}", p.kind.spelled(ty)));
        let q = match &p.kind {
            PKind::Usize => format!("let q{i} = {a};"),
            PKind::Scalar => format!("let q{i} = {dty}::t({a}, t{i});"),
            PKind::Array(n) | PKind::ArrayRef(n) => {
                format!("let q{i}: [{dty}; {n}] = std::array::from_fn(|m| {dty}::t({a}[m], t{i}[m]));")
            }
            // An empty tangent is a zero one, as callers pass for an inactive slice.
            _ => format!("let q{i}: Vec<{dty}> = {a}.iter().enumerate().map(|(m, &v)| {dty}::t(v, t{i}.get(m).copied().unwrap_or(0.0))).collect();"),
        };
        let _ = write!(duals, "{q} ");
    }
    for (i, p) in f.params.iter().enumerate() {
        if p.kind != PKind::Usize {
            jparams.push(format!("t{i}: {}", p.kind.spelled(ty)));
        }
    }
    let jvp = format!(
        "fn {name}_jvp({}) -> ({ty}, {ty}) {{\n    {duals}let r = {name}_dual({});\n    ({name}({}), r.d)\n}}\n",
        jparams.join(", "),
        dual_args(f),
        call.join(", ")
    );
    vjp + &jvp
}

/// `check_NAME()`: every case prints one `RES` line.
fn check_fn(funcs: &[Func], idx: usize, subst: &[usize]) -> String {
    let f = &funcs[idx];
    let (seed, index) = f.origin;
    let mut rng = Rng::new(seed ^ 0x5eed_ca5e, index);
    let ty = f.fty.name();
    let dty = f.fty.dual();
    // A trip through the other width (`as f32`) rounds derivatives there too.
    // In a callee as much as in the function itself (an f64 caller of a function with an
    // `as f32` trip was held to 1e-9 and failed by ~1e-8).
    let mut narrow = false;
    let mut reach = Vec::new();
    crate::emit::collect_callees(funcs, idx, &mut reach);
    for &c in &reach {
        crate::walk::exprs_of_block(&funcs[c].body, &mut |e| {
            narrow |= matches!(e, Expr::Widen(..))
        });
    }
    let tol = match f.fty {
        Fty::F64 if !narrow => "1e-9",
        _ => "2e-3",
    };
    let mut out = format!("fn check_{}() {{\n", f.name);
    let active: Vec<usize> = (0..f.params.len()).filter(|&i| f.active(i)).collect();
    for case in 0..CASES {
        let mut s = String::from("    {\n");
        let len_for = |rng: &mut Rng| match case {
            0 => rng.range(2, 5),
            1 => 0,
            2 => 1,
            _ => rng.range(0, 5),
        };
        for (i, p) in f.params.iter().enumerate() {
            let decl = match &p.kind {
                PKind::Scalar => format!("let a{i}: {ty} = {};", lit(f.fty, rng.float(-1.5, 1.5))),
                PKind::Usize => format!("let a{i}: usize = {};", rng.range(0, 4)),
                PKind::Array(n) | PKind::ArrayRef(n) => {
                    let xs: Vec<String> =
                        (0..*n).map(|_| lit(f.fty, rng.float(-1.5, 1.5))).collect();
                    format!("let a{i}: [{ty}; {n}] = [{}];", xs.join(", "))
                }
                _ => {
                    let n = len_for(&mut rng);
                    let xs: Vec<String> =
                        (0..n).map(|_| lit(f.fty, rng.float(-1.5, 1.5))).collect();
                    format!("let a{i}: Vec<{ty}> = vec![{}];", xs.join(", "))
                }
            };
            let _ = writeln!(s, "        {decl}");
        }
        let args = |pre: &str| -> Vec<String> {
            f.params
                .iter()
                .enumerate()
                .map(|(i, p)| match p.kind {
                    PKind::Scalar | PKind::Array(_) | PKind::Usize => format!("{pre}{i}"),
                    PKind::Slice | PKind::VecRef | PKind::ArrayRef(_) => format!("&{pre}{i}"),
                    PKind::VecOwned => format!("{pre}{i}.clone()"),
                })
                .collect()
        };
        let primal_args = args("a").join(", ");
        let name = &f.name;
        let _ = writeln!(
            s,
            "        let primal = catch(|| ({name}({primal_args})) as f64);"
        );
        // The flattened gradient, in the order of the active parameters.
        let single = active.len() == 1;
        let entry = |t: usize, g: &str| {
            if single {
                g.to_string()
            } else {
                format!("{g}.{t}")
            }
        };
        // Statements pushing the entries of the gradient-shaped `g` onto `fl`.
        let flatten = |g: &str| {
            let mut flat = String::new();
            for (t, &i) in active.iter().enumerate() {
                let e = entry(t, g);
                if f.params[i].kind == PKind::Scalar {
                    let _ = write!(flat, "fl.push(({e}) as f64); ");
                } else {
                    let _ = write!(flat, "fl.extend(wide(&{e}[..])); ");
                }
            }
            flat
        };
        let flat = flatten("g");
        let _ = writeln!(
            s,
            "        let grad = catch(|| {{ let (v, g) = {name}_grad({primal_args}); let mut fl: Vec<f64> = Vec::new(); {flat}(v as f64, fl) }});"
        );
        // The reference: one dual evaluation per active input float.
        let mut nd = String::from("0");
        let mut seeds = String::new();
        for (i, p) in f.params.iter().enumerate() {
            let act = f.active(i);
            let one = |v: &str| {
                if act {
                    format!("{dty}::seed({v}, &mut j, k)")
                } else {
                    format!("{dty}::c({v})")
                }
            };
            let q = match &p.kind {
                PKind::Usize => format!("let q{i} = a{i};"),
                PKind::Scalar => format!("let q{i} = {};", one(&format!("a{i}"))),
                PKind::Array(n) | PKind::ArrayRef(n) => {
                    format!("let q{i}: [{dty}; {n}] = a{i}.map(|v| {});", one("v"))
                }
                _ => format!(
                    "let q{i}: Vec<{dty}> = a{i}.iter().map(|&v| {}).collect();",
                    one("v")
                ),
            };
            let _ = write!(seeds, "{q} ");
            if act {
                match &p.kind {
                    PKind::Scalar => nd.push_str(" + 1"),
                    PKind::Array(n) | PKind::ArrayRef(n) => {
                        let _ = write!(nd, " + {n}");
                    }
                    _ => {
                        let _ = write!(nd, " + a{i}.len()");
                    }
                }
            }
        }
        let dual_args = args("q").join(", ");
        let _ = writeln!(
            s,
            "        let nd = {nd};\n        let reference = catch(|| {{ let mut fl = Vec::new(); let mut val = {name}_dual({}).v as f64; for k in 0..nd {{ let mut j = 0usize; {seeds}let r = {name}_dual({dual_args}); val = r.v as f64; fl.push(r.d as f64); }} (val, fl) }});",
            // The value when there is no direction at all (every slice empty).
            {
                let mut z = String::new();
                for (i, p) in f.params.iter().enumerate() {
                    let _ = write!(
                        z,
                        "{}, ",
                        match &p.kind {
                            PKind::Usize => format!("a{i}"),
                            PKind::Scalar => format!("{dty}::c(a{i})"),
                            PKind::Array(_) => format!("a{i}.map({dty}::c)"),
                            PKind::ArrayRef(_) => format!("&a{i}.map({dty}::c)"),
                            PKind::VecOwned => format!("a{i}.iter().map(|&v| {dty}::c(v)).collect::<Vec<_>>()"),
                            _ => format!("&a{i}.iter().map(|&v| {dty}::c(v)).collect::<Vec<_>>()"),
                        }
                    );
                }
                z
            }
        );
        let seed_v = rng.float(-1.5, 1.5);
        let seed_v = if seed_v == 0.0 { 0.75 } else { seed_v };
        let mut bars = String::new();
        let mut bar_args = Vec::new();
        let mut bflat = String::new();
        for &i in &active {
            let p = &f.params[i];
            let b0 = lit(f.fty, rng.float(0.25, 1.5));
            let b = match &p.kind {
                PKind::Scalar => {
                    bar_args.push(format!("&mut b{i}"));
                    let _ = write!(bflat, "fl.push(b{i} as f64); ");
                    format!("let mut b{i}: {ty} = {b0};")
                }
                PKind::Array(n) | PKind::ArrayRef(n) => {
                    bar_args.push(format!("&mut b{i}"));
                    let _ = write!(bflat, "fl.extend(wide(&b{i}[..])); ");
                    format!("let mut b{i}: [{ty}; {n}] = std::array::from_fn(|m| {b0} + m as {ty} * 0.5);")
                }
                _ => {
                    bar_args.push(format!("&mut b{i}[..]"));
                    let _ = write!(bflat, "fl.extend(wide(&b{i}[..])); ");
                    format!("let mut b{i}: Vec<{ty}> = (0..a{i}.len()).map(|m| {b0} - m as {ty} * 0.25).collect();")
                }
            };
            let _ = write!(bars, "{b} ");
        }
        let seed_lit = lit(f.fty, seed_v);
        let _ = writeln!(
            s,
            "        let seed: {ty} = {seed_lit};\n        let vjp = catch(|| {{ {bars}let before = {{ let mut fl: Vec<f64> = Vec::new(); {bflat}fl }}; let v = {name}_vjp({primal_args}, seed, {}); let after = {{ let mut fl: Vec<f64> = Vec::new(); {bflat}fl }}; (v as f64, before, after) }});",
            bar_args.join(", ")
        );
        // Forward mode along a direction of its own stream, so that the other inputs stay.
        let mut trng = Rng::new(seed ^ 0x7a9e_47e5, index * CASES as u64 + case as u64);
        let (mut tdecls, mut targs, mut tflat) = (String::new(), Vec::new(), String::new());
        for &i in &active {
            let p = &f.params[i];
            let t0 = lit(f.fty, trng.float(-1.5, 1.5));
            let decl = match &p.kind {
                PKind::Scalar => {
                    let _ = write!(tflat, "fl.push(t{i} as f64); ");
                    format!("let t{i}: {ty} = {t0};")
                }
                PKind::Array(n) | PKind::ArrayRef(n) => {
                    let _ = write!(tflat, "fl.extend(wide(&t{i}[..])); ");
                    format!("let t{i}: [{ty}; {n}] = std::array::from_fn(|m| {t0} - m as {ty} * 0.375);")
                }
                _ => {
                    let _ = write!(tflat, "fl.extend(wide(&t{i}[..])); ");
                    format!("let t{i}: Vec<{ty}> = (0..a{i}.len()).map(|m| {t0} + m as {ty} * 0.625).collect();")
                }
            };
            targs.push(match p.kind {
                PKind::Scalar | PKind::Array(_) => format!("t{i}"),
                PKind::VecOwned => format!("t{i}.clone()"),
                _ => format!("&t{i}"),
            });
            let _ = write!(tdecls, "{decl} ");
        }
        let _ = writeln!(
            s,
            "        let jvp = catch(|| {{ {tdecls}let (v, t) = {name}_jvp({primal_args}, {}); let dir = {{ let mut fl: Vec<f64> = Vec::new(); {tflat}fl }}; (v as f64, t as f64, dir) }});",
            targs.join(", ")
        );
        // Second order along the same direction, against differences of `_grad`.
        let hvp = if f.second_order(funcs, subst) {
            let mut shifted = String::new();
            for (i, p) in f.params.iter().enumerate() {
                let _ = write!(
                    shifted,
                    "{} ",
                    match (&p.kind, f.active(i)) {
                        (PKind::Usize, _) | (PKind::Scalar, false) => format!("let s{i} = a{i};"),
                        (_, false) => format!("let s{i} = a{i}.clone();"),
                        (PKind::Scalar, true) => format!("let s{i}: {ty} = a{i} + h * t{i};"),
                        (PKind::Array(n) | PKind::ArrayRef(n), true) => format!(
                            "let s{i}: [{ty}; {n}] = std::array::from_fn(|m| a{i}[m] + h * t{i}[m]);"
                        ),
                        (_, true) => format!(
                            "let s{i}: Vec<{ty}> = a{i}.iter().zip(&t{i}).map(|(a, d)| a + h * d).collect();"
                        ),
                    }
                );
            }
            let hflat = flatten("hv");
            let shifted_args = args("s").join(", ");
            format!(
                "Some(catch(|| {{ {tdecls}let (v, g, hv) = {name}_hvp({primal_args}, {}); let fg = {{ let mut fl: Vec<f64> = Vec::new(); {flat}fl }}; let fh = {{ let mut fl: Vec<f64> = Vec::new(); {hflat}fl }}; let at = |h: f64| -> Vec<f64> {{ {shifted}let (_, g) = {name}_grad({shifted_args}); let mut fl: Vec<f64> = Vec::new(); {flat}fl }}; let fd = |h: f64| -> Vec<f64> {{ at(h).iter().zip(at(-h)).map(|(p, m)| (p - m) / (2.0 * h)).collect() }}; (v as f64, fg, fh, fd(1e-4), fd(1e-5)) }}))",
                targs.join(", ")
            )
        } else {
            "None".to_string()
        };
        let _ = writeln!(
            s,
            "        let hvp = {hvp};\n        println!(\"{{}}\", check(\"{name}\", {case}, primal, grad, reference, seed as f64, vjp, jvp, hvp, {tol}));\n    }}"
        );
        out.push_str(&s);
    }
    out.push_str("}\n\n");
    out
}
