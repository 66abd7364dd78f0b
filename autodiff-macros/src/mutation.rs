//! Mutation test of the macro: valid `#[grad]` programs with tokens deleted, duplicated,
//! swapped, replaced, groups truncated, or unsupported-but-valid constructs inserted (closures,
//! structs, `&mut`, labelled breaks, unknown methods, …), expanded directly (no rustc, so
//! thousands run in a second). The macro must never panic, whatever it is given; what it
//! emits must parse as items; and every `compile_error!` it emits must point into the input,
//! not at the call site. `AUTODIFF_MUTATION_COUNT` runs more cases.

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use std::str::FromStr;

/// Valid programs from the tests and the README, over the supported syntax.
const CORPUS: &[&str] = &[
    "fn f(x1: f64, x2: f64) -> f64 { let t = x1 - x2; t * t + (x1 + x2).cos() }",
    "fn horner(c: &[f64], x: f64) -> f64 { let mut acc = 0.0; for i in (0..c.len()).rev() { acc = acc * x + c[i]; } acc }",
    "fn geometric(x: f64, n: usize) -> f64 { let mut term = 1.0; let mut sum = 0.0; for _ in 0..=n { sum += term; term *= x; } sum }",
    "fn a(x: f64, y: f64) -> f64 { let mut s = 0.0; for k in 0..6 { if k == 4 { s += x * y; break; } s += x + y; } s }",
    "fn carry(x: &[f64]) -> f64 { let n = x.len(); let mut c = vec![0.0; n + 1]; let mut s = 0.0; for i in 0..n { s += x[i] * c[i]; c[i] += 1.0; c[i + 1] += 1.0; } s }",
    "fn dead(x: f64) -> f64 { let mut t = x; for _ in 0..8 { t = t * t * t; } x }",
    "fn w(x: f64) -> f64 { let mut s = x; let mut k = 0; while k < 5 && s < 3.0 { s = s * 1.5 + 0.1; k += 1; } s }",
    "fn l(x: f64) -> f64 { let mut s = x; loop { s = s.sin() + 1.0; if s > 1.5 { break; } } s }",
    "fn m(x: f64, k: usize) -> f64 { match k { 0 => x.sin(), 1 | 2 => x * x, 3..=5 => x.exp(), _ => 1.0 } }",
    "fn arr(x: [f64; 3], y: &[f64; 2]) -> f64 { let mut b = [0.0; 3]; for i in 0..3 { b[i] = x[i] * y[i % 2]; } b.iter().sum::<f64>() }",
    "fn it(xs: &[f64]) -> f64 { let mut s = 0.0; for (i, &v) in xs.iter().enumerate() { if i % 2 == 0 { continue; } s += v * (i as f64); } s }",
    "fn e(x: f64, y: f64) -> f64 { if x > 0.0 { return x.ln_1p() * y; } let (p, q) = (x, y); f64::max(p, q).tanh() }",
    "fn c(x: f32) -> f32 { const K: f32 = 2.0; use std::f32::consts::PI; (x * K + PI).sin() as f32 }",
    "fn r(x: f64) -> f64 { autodiff::relu(x) + autodiff::sigmoid(x) * autodiff::detach(x) + x.powi(3) + x.powf(1.5).abs() }",
    "fn call(x: f64, b: &[f64]) -> f64 { let mut s = 0.0; for i in 0..b.len() { s += h(b[i], h(x, 0.9)); } s + kernels::dot(&b[1..], &b[..1]) }",
    "fn v(x: &Vec<f64>, y: Vec<f64>) -> f64 { let t: f64 = x.iter().product::<f64>(); assert!(y.len() < 100); t * y[0].mul_add(2.0, 1.0).clamp(-1.0, 1.0) }",
];

/// Constructs outside the supported syntax, valid Rust, inserted as statements.
const SNIPPETS: &[&str] = &[
    "let c = |a: f64| a * 2.0;",
    "struct S { a: f64 }",
    "let s = S { a: 1.0 };",
    "let r = &mut t;",
    "'outer: loop { break 'outer; }",
    "'o: for i in 0..3 { if i > 1 { continue 'o; } }",
    "let q = t.frobnicate();",
    "if let Some(v) = None::<f64> { t = v; }",
    "while let Some(_) = None::<f64> {}",
    "let tu = (t, t); let z = tu.0;",
    "unsafe { }",
    "let v: Vec<f64> = xs.iter().map(|v| v * 2.0).collect();",
    "macro_rules! mm { () => {} }",
    "let y = t?;",
    "let _ = [t; 3];",
    "let t = t as i32 as f64;",
    "fn inner(a: f64) -> f64 { a }",
    "impl S { fn g(&self) {} }",
    "let p: *const f64 = &t;",
    "let t = { let u = t; u };",
    "let t = if t > 0.0 { t } else { return t; };",
    "let arr = [[0.0; 2]; 2]; let t = arr[0][1];",
    "let t = std::mem::replace(&mut t, 1.0);",
    "let t = t.max(t).min(t).hypot(t).atan2(t);",
    "let _x: &dyn Fn() = &|| ();",
    "let s = \"str\";",
    "let t = 1.0e400;",
    "let t = 0x10 as f64;",
    "let t = -(-(-t));",
    "let b = t > 0.0 && !(t < 1.0) || false;",
];

const IDENTS: &[&str] = &[
    "x", "t", "for", "mut", "let", "f64", "f32", "usize", "return", "break", "continue", "loop",
    "while", "self", "match", "struct", "impl", "async", "unsafe", "move", "dyn", "_", "in", "if",
    "else", "as", "fn", "ref", "Self", "i32", "vec", "sin", "len", "iter",
];
const LITERALS: &[&str] = &[
    "0", "1.5", "\"s\"", "'c'", "1e400", "0u8", "1_f32", "2.", "-0.0", "true", "b'x'",
];
const PUNCTS: &[char] = &[
    '+', '-', '*', '/', '%', '=', ';', ',', ':', '.', '&', '|', '!', '<', '>', '?', '#', '@', '^',
];
const ATTRS: &[&str] = &[
    "",
    "",
    "",
    "wrt(x)",
    "wrt(zz)",
    "trace",
    "wrt()",
    "bogus",
    "wrt(x, x)",
    "wrt(x",
    "jvp",
    "= 3",
];

/// SplitMix64, as the difftest crate's.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn tokens(src: &str) -> Vec<TokenTree> {
    // A leading newline: no input token starts at offset 0, where call-site spans are.
    TokenStream::from_str(&format!("\n{src}"))
        .expect("corpus lexes")
        .into_iter()
        .collect()
}

/// The token lists of every group in `tts`, depth first, as paths of indices.
fn groups(tts: &[TokenTree], path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(path.clone());
    for (i, tt) in tts.iter().enumerate() {
        if let TokenTree::Group(g) = tt {
            let inner: Vec<TokenTree> = g.stream().into_iter().collect();
            path.push(i);
            groups(&inner, path, out);
            path.pop();
        }
    }
}

/// Applies `f` to the token list at `path`.
fn edit(tts: &mut Vec<TokenTree>, path: &[usize], f: &mut dyn FnMut(&mut Vec<TokenTree>)) {
    match path.split_first() {
        None => f(tts),
        Some((&i, rest)) => {
            if let Some(TokenTree::Group(g)) = tts.get(i) {
                let mut inner: Vec<TokenTree> = g.stream().into_iter().collect();
                edit(&mut inner, rest, f);
                let mut ng = Group::new(g.delimiter(), inner.into_iter().collect());
                ng.set_span(g.span());
                tts[i] = TokenTree::Group(ng);
            }
        }
    }
}

fn replacement(rng: &mut Rng, span: Span) -> TokenTree {
    let mut tt: TokenTree = match rng.below(3) {
        0 => {
            let s = IDENTS[rng.below(IDENTS.len())];
            // `_` is an ident to proc_macro2.
            Ident::new(s, span).into()
        }
        1 => {
            let s = LITERALS[rng.below(LITERALS.len())];
            TokenStream::from_str(s)
                .ok()
                .and_then(|t| t.into_iter().next())
                .unwrap_or_else(|| Literal::u8_unsuffixed(0).into())
        }
        _ => Punct::new(PUNCTS[rng.below(PUNCTS.len())], Spacing::Alone).into(),
    };
    tt.set_span(span);
    tt
}

fn mutate(rng: &mut Rng, tts: &mut Vec<TokenTree>) {
    let mut all = Vec::new();
    groups(tts, &mut Vec::new(), &mut all);
    let path = all[rng.below(all.len())].clone();
    let op = rng.below(7);
    let snippet = SNIPPETS[rng.below(SNIPPETS.len())];
    let r1 = rng.next();
    edit(tts, &path, &mut |list| {
        let mut rng = Rng(r1);
        let n = list.len();
        if n == 0 {
            return;
        }
        let i = rng.below(n);
        match op {
            0 => {
                list.remove(i);
            }
            1 => {
                let t = list[i].clone();
                list.insert(i, t);
            }
            2 if n > 1 => list.swap(i, (i + 1) % n),
            3 | 4 => {
                let span = list[i].span();
                list[i] = replacement(&mut rng, span);
            }
            5 => list.truncate(i),
            _ => {
                // After a `;` (or at the start), where a statement may go.
                let at = (0..n)
                    .filter(|&k| matches!(&list[k], TokenTree::Punct(p) if p.as_char() == ';'))
                    .map(|k| k + 1)
                    .chain([0])
                    .nth(rng.below(3))
                    .unwrap_or(0);
                let ins = tokens(snippet);
                list.splice(at..at, ins);
            }
        }
    });
}

/// The body's brace group, so that most mutations land in the body.
fn body_path(tts: &[TokenTree]) -> Vec<usize> {
    tts.iter()
        .rposition(|t| matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace))
        .map(|i| vec![i])
        .unwrap_or_default()
}

/// What the `#[grad]` entry point does, on `proc_macro2` tokens.
fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    match syn::parse2::<syn::Item>(item) {
        Ok(syn::Item::Fn(item)) => crate::expand::grad(attr, item, None),
        Ok(other) => {
            syn::Error::new_spanned(&other, "#[grad] applies to a `fn` only").to_compile_error()
        }
        Err(err) => err.to_compile_error(),
    }
}

/// The spans of the `compile_error` invocations in `ts`.
fn error_spans(ts: TokenStream, out: &mut Vec<(Span, String)>) {
    let tts: Vec<TokenTree> = ts.into_iter().collect();
    for (i, tt) in tts.iter().enumerate() {
        match tt {
            TokenTree::Ident(id) if id == "compile_error" => {
                let msg = tts.get(i + 2).map(|t| t.to_string()).unwrap_or_default();
                out.push((id.span(), msg));
            }
            TokenTree::Group(g) => error_spans(g.stream(), out),
            _ => {}
        }
    }
}

#[test]
fn mutated_programs_never_panic_the_macro_and_errors_are_spanned() {
    let count: usize = std::env::var("AUTODIFF_MUTATION_COUNT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let mut rng = Rng(0x6d75_7461_7465);
    // (class, example): one class per message, so that the report lists distinct problems.
    let mut problems: Vec<(String, String)> = Vec::new();
    let (mut parsed, mut rejected, mut accepted) = (0, 0, 0);
    for case in 0..count {
        let src = CORPUS[rng.below(CORPUS.len())];
        let mut tts = tokens(src);
        for _ in 0..1 + rng.below(3) {
            let body = body_path(&tts);
            if rng.below(4) == 0 {
                mutate(&mut rng, &mut tts);
            } else {
                edit(&mut tts, &body, &mut |list| {
                    let mut inner = std::mem::take(list);
                    mutate(&mut rng, &mut inner);
                    *list = inner;
                });
            }
        }
        let item: TokenStream = tts.into_iter().collect();
        let attr = TokenStream::from_str(&format!("\n{}", ATTRS[rng.below(ATTRS.len())]))
            .unwrap_or_default();
        let shown = format!("#[grad({attr})] {item}");
        // rustc hands an attribute only an item that parses: what does not is no input.
        if syn::parse2::<syn::ItemFn>(item.clone()).is_err() {
            continue;
        }
        parsed += 1;
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let result = std::panic::catch_unwind(|| expand(attr, item));
        std::panic::set_hook(hook);
        let out = match result {
            Ok(out) => out,
            Err(e) => {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                problems.push((
                    format!("the macro panicked: {msg}"),
                    format!("case {case}: {shown}"),
                ));
                continue;
            }
        };
        if let Err(e) = syn::parse2::<syn::File>(out.clone()) {
            problems.push((
                format!("the expansion does not parse: {e}"),
                format!("case {case}: {shown}"),
            ));
        }
        let mut errs = Vec::new();
        error_spans(out, &mut errs);
        if errs.is_empty() {
            accepted += 1;
        } else {
            rejected += 1;
        }
        for (span, msg) in errs {
            if span.byte_range() == (0..0) {
                problems.push((
                    format!("an error at the call site: {msg}"),
                    format!("case {case}: {shown}"),
                ));
            }
        }
    }
    eprintln!(
        "{count} mutated programs: {parsed} still parse as a fn, {accepted} expanded, {rejected} rejected, {} problems",
        problems.len()
    );
    let mut classes: std::collections::BTreeMap<&str, (usize, &str)> = Default::default();
    for (class, example) in &problems {
        classes.entry(class).or_insert((0, example)).0 += 1;
    }
    for (class, (n, example)) in &classes {
        eprintln!("{n} × {class}\n    e.g. {example}");
    }
    assert!(
        problems.is_empty(),
        "{} problems in {} classes",
        problems.len(),
        classes.len()
    );
}
