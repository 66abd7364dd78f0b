//! Golden tests: the Wengert lists the macro builds for seed functions, as text. A change here
//! is a change in what the transform produces; read the new list before updating.

use crate::args::Args;
use crate::ctxt::Ctxt;
use crate::ir::Func;
use crate::primitives::{self, Form};
use crate::verify::verify;
use crate::{activity, ast, lower, optimize, reverse, types};

/// The primal and adjoint IR of `src`.
fn funcs(src: &str) -> (Func, Func) {
    funcs_with(src, &Args::default())
}

/// The primal and adjoint IR of `src` under the attribute's arguments `args`.
fn funcs_with(src: &str, args: &Args) -> (Func, Func) {
    let item: syn::ItemFn = syn::parse_str(src).expect("test input parses");
    let mut cx = Ctxt::default();
    let func = ast::Func::from_syn(&item, args, &mut cx);
    let mut primal = lower::lower(&func, &mut cx);
    activity::analyse(&mut primal, &mut cx);
    types::infer(&mut primal, func.ret);
    assert!(cx.finish().is_ok(), "test input has no errors");
    verify(&primal, "lower").unwrap();
    let adjoint = reverse::reverse(&primal);
    verify(&adjoint, "reverse").unwrap();
    (primal, adjoint)
}

/// The primal and adjoint IR of `src`, printed.
fn ir(src: &str) -> (String, String) {
    let (primal, adjoint) = funcs(src);
    (primal.to_string(), adjoint.to_string())
}

/// The adjoint IR of `src` after [`optimize`], printed.
fn lean(src: &str) -> String {
    optimize::optimize(funcs(src).1).unwrap().to_string()
}

/// Seed `003`: `y = (x1 − x2)² + cos(x1 + x2)`.
#[test]
fn walkthrough() {
    let (primal, adjoint) = ir("fn f(x1: f64, x2: f64) -> f64 {
        let t1 = x1 - x2;
        let t2 = t1.powi(2);
        t2 + (x1 + x2).cos()
    }");
    let forward = "\
v0 = param 0
v1 = param 1
v2 = v0 - v1
v3 = 2
v4 = powi(v2, v3)
v5 = v0 + v1
v6 = cos(v5)
v7 = v4 + v6
";
    assert_eq!(primal, format!("{forward}return v7\n"));
    let reverse = "\
v8 = seed
(v9, v10) = add'(v4, v6 | v7, v8)
v11 = cos'(v5 | v6, v10)
(v12, v13) = add'(v0, v1 | v5, v11)
v14 = powi'(v2, v3 | v4, v9)
(v15, v16) = sub'(v0, v1 | v2, v14)
v17 = v12 + v15
v18 = v13 + v16
return v7, grad (v17, v18)
";
    assert_eq!(adjoint, format!("{forward}{reverse}"));
}

/// Seed case 2: `u = x²` feeds two uses, so its adjoint is the sum of two contributions
/// (`v6 = v4 + v5`), and `x` appears twice in one product (`v7 + v8`).
#[test]
fn shared_intermediate() {
    let (_, adjoint) = ir("fn f(x: f64) -> f64 { let u = x * x; u + u.sin() }");
    assert_eq!(
        adjoint,
        "\
v0 = param 0
v1 = v0 * v0
v2 = sin(v1)
v3 = v1 + v2
v4 = seed
(v5, v6) = add'(v1, v2 | v3, v4)
v7 = sin'(v1 | v2, v6)
v8 = v5 + v7
(v9, v10) = mul'(v0, v0 | v1, v8)
v11 = v9 + v10
return v3, grad (v11)
"
    );
}

/// Inactive values get no adjoint code: the constant's and the integer's branches vanish.
#[test]
fn inactive_values_get_no_adjoint() {
    let (_, adjoint) = ir("fn f(x: f64, n: i32, c: f64) -> f64 {
        let k = n as f64 * 2.0;
        x * k + c
    }");
    let adjoint_part = adjoint.split("seed\n").nth(1).expect("has a reverse sweep");
    assert_eq!(
        adjoint_part,
        "\
(v9, v10) = add'(v6, v2 | v7, v8)
(v11, _) = mul'(v0, v5 | v6, v9)
return v7, grad (v11, v10)
"
    );
}

/// Seed case 8: the state `h` is overwritten every step, so the forward sweep records `h` as
/// each step reads it (room reserved up front: the trip count is known). The reverse loop runs
/// backwards: the step's `tanh` result is what `h` holds when the step's reverse begins, and
/// the step leaves `h` set back to the popped value, for the step before it. `a` is read in
/// every step: its adjoint is a mutable local (`l1`), as is `h`'s (`l2`), which the seed enters
/// before the forward sweep.
#[test]
fn recurrence_records_and_replays() {
    let (_, adjoint) = ir("fn rnn(a: f64, h0: f64, steps: usize) -> f64 {
        let mut h = h0;
        for _ in 0..steps { h = (a * h).tanh(); }
        h
    }");
    assert_eq!(
        adjoint,
        "\
v9 = 0.0
let l1 = v9
v10 = 0.0
let l2 = v10
v11 = seed
l2 += v11
v0 = param 0
v1 = param 1
v2 = param 2
v3 = 0
let l0 = v1
reserve t0 for v3..v2
for v4 in v3..v2
    v5 = l0
    push t0 v5
    v6 = v0 * v5
    v7 = tanh(v6)
    l0 = v7
v8 = l0
for v4 in v3..v2 rev
    v5 = pop t0
    v7 = l0
    l0 = v5
    v12 = l2
    v13 = 0.0
    l2 = v13
    v14 = tanh'(v6 | v7, v12)
    (v15, v16) = mul'(v0, v5 | v6, v14)
    l1 += v15
    l2 += v16
v17 = l2
v18 = l1
return v8, grad (v18, v17)
"
    );
}

/// A sum over a slice is fused: each iteration's reverse follows its forward, nothing is taped,
/// and the two contributions to `x̄[i]` are added before one update.
#[test]
fn accumulating_loop_is_fused() {
    let (_, adjoint) = ir("fn sq(x: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() { s += x[i] * x[i]; }
        s
    }");
    let fused = adjoint
        .split("for v3 in v1..v2\n")
        .nth(1)
        .expect("one loop");
    assert_eq!(
        fused,
        "    v4 = a0[v3]
    v5 = a0[v3]
    v6 = v4 * v5
    v7 = l0
    v8 = v7 + v6
    l0 = v8
    v12 = l1
    (v13, v14) = mul'(v4, v5 | v6, v12)
    v15 = v14 + v13
    a1[v3] += v15
v9 = l0
return v9, grad (a1)
"
    );
}

/// Not a test: prints the IR and the expansion of the function in `AD_SRC`, for looking at what
/// the macro makes of something (`AD_SRC='fn f(..) -> f64 {..}' cargo test -p autodiff-macros
/// print_expansion -- --ignored --nocapture`; `AD_ARGS='wrt(x), jvp'` for the attribute's).
#[test]
#[ignore]
fn print_expansion() {
    let src = std::env::var("AD_SRC").unwrap_or_default();
    let item: syn::ItemFn = syn::parse_str(&src).expect("parses");
    let attr: proc_macro2::TokenStream = std::env::var("AD_ARGS")
        .unwrap_or_default()
        .parse()
        .expect("AD_ARGS tokenizes");
    let args = Args::parse(attr.clone()).expect("AD_ARGS parses");
    // The IR is printed before it is checked: what to look at when the check fails.
    let mut cx = Ctxt::default();
    let func = ast::Func::from_syn(&item, &args, &mut cx);
    let mut p = lower::lower(&func, &mut cx);
    activity::analyse(&mut p, &mut cx);
    types::infer(&mut p, func.ret);
    let a = reverse::reverse(&p);
    if let Err(e) = verify(&a, "reverse") {
        println!("{p}\n{a}\n{e}");
        return;
    }
    let lean = optimize::optimize(a.clone()).unwrap();
    println!("{p}\n{a}\n{lean}");
    println!("{}", crate::tangent::tangent(&p));
    if args.hvp.is_some() {
        let hv = crate::second::hessian_vector(&p, &mut crate::ctxt::Ctxt::default());
        let rev = crate::reverse::reverse(&hv);
        println!("{hv}\n{rev}");
        println!(
            "{:?}",
            crate::verify::verify(&rev, "reverse of the tangent")
        );
        match optimize::optimize(rev) {
            Ok(lean) => println!("{lean}"),
            Err(e) => println!("{e}"),
        }
    }
    println!("{}", crate::expand::grad(attr, item, None));
}

/// Every primitive names one partial derivative per float argument, for `NAME_trace`.
#[test]
fn one_partial_per_float_argument() {
    for p in crate::primitives::PRIMITIVES {
        let floats = p
            .args
            .iter()
            .filter(|a| **a == crate::primitives::Arg::Float)
            .count();
        assert_eq!(p.partials.len(), floats, "{}", p.name);
    }
}

/// Every primitive a user can write has second order: its tangent is a template the reverse
/// sweep differentiates again, or the rule of a piecewise-constant partial. Only the internal
/// rows the templates are written with are first-order only (their tangents are never taken).
#[test]
fn every_written_primitive_has_second_order() {
    use crate::primitives::{Form, Tangent, PRIMITIVES};
    for p in PRIMITIVES {
        let first_only = p.tangent == Tangent::FirstOrder;
        assert_eq!(first_only, p.form == Form::Internal, "{}", p.name);
    }
}

/// The minus of `−` and of `a − b` is carried through the rules and sums instead of negating
/// an adjoint that is then multiplied: `sub'` and `neg'` disappear, `y`'s adjoint comes out
/// positive (two minuses), and `x`'s is negated once, at the end.
#[test]
fn signs_folded() {
    let lean = lean("fn f(x: f64, y: f64) -> f64 { -(x - y * y).sin() }");
    let expected = "\
v0 = param 0
v1 = param 1
v2 = v1 * v1
v3 = v0 - v2
v4 = sin(v3)
v5 = neg(v4)
v6 = seed
v8 = sin'(v3 | v4, v6)
(v11, v12) = mul'(v1, v1 | v2, v8)
v13 = v11 + v12
v14 = neg(v8)
return v5, grad (v14, v13)
";
    assert_eq!(lean, expected);
}

/// An adjoint accumulator starts at its first contribution when that comes first in its
/// block (`s̄`, from the seed), and at zero when it comes in a loop (`c̄`); the loop's one write
/// per element of `x̄` is a first write (`+=₀`), a store in `NAME_grad`.
#[test]
fn accumulators_and_first_writes() {
    let lean = lean(
        "fn f(x: &[f64], c: f64) -> f64 { let mut s = 0.0; for i in 0..x.len() { s += c * x[i]; } s }",
    );
    let expected = "\
let a1 = zeros like a0
v10 = 0.0
let l1 = v10
v11 = 0.0
v12 = seed
let l2 = v12
v0 = param 1
v1 = 0.0
v2 = 0
v3 = a0.len()
let l0 = v1
for v4 in v2..v3
    v5 = a0[v4]
    v6 = v0 * v5
    v7 = l0
    v8 = v7 + v6
    l0 = v8
    v13 = l2
    (v14, v15) = mul'(v0, v5 | v6, v13)
    l1 += v14
    a1[v4] +=₀ v15
v9 = l0
v16 = l1
return v9, grad (a1, v16)
";
    assert_eq!(lean, expected);
}

/// The reverse sweep's inner loop indexes `W`, `W̄` and `ȳ` through parts taken once before it
/// (`&a1[k n..k n + n]`), its base `k n` hoisted out; the forward sweep keeps its indexing.
#[test]
fn rows_of_reverse_loops() {
    let lean = lean(
        "fn f(x: &[f64], w: &[f64], m: usize, n: usize) -> f64 {
            let mut y = vec![0.0; n];
            for k in 0..m { for j in 0..n { y[j] += x[j] * w[k * n + j]; } }
            y[0]
        }",
    );
    let reverse = "\
for v4 in v3..v0 rev
    v23 = v5 < v1
    if v23
        v8 = v4 * v1
        let a6 = &a0[v5..v1]
        v19 = v8 + v5
        v20 = v8 + v1
        let a7 = &a1[v19..v20]
        let a8 = &mut a3[v5..v1]
        v21 = v8 + v5
        v22 = v8 + v1
        let a9 = &mut a4[v21..v22]
        let a10 = &a5[v5..v1]
        for v6 in v5..v1 rev
            v18 = v6 - v5
            v7 = a6[v18]
            v9 = v8 + v6
            v10 = a7[v18]
            v15 = a10[v18]
            (v16, v17) = mul'(v7, v10 | v11, v15)
            a9[v18] += v17
            a8[v18] += v16
return v13, grad (a3, a4)
";
    assert!(lean.contains("        a2[v6] += v11\n"), "{lean}");
    assert!(lean.ends_with(reverse), "{lean}");
}

/// A reverse loop that adds into `ā` in every iteration adds in eight lanes, eight iterations at
/// a time, and sums the lanes after the loop, the upper half onto the lower. The sweep runs
/// `(0..n).rev()` forward again (`rev rev`), so the iterations that do not fill a chunk, the
/// first ones, run before the chunks: every iteration keeps its place in the order.
#[test]
fn lanes_of_reverse_sums() {
    let lean = lean(
        "fn f(x: &[f64], w: &[f64], n: usize) -> f64 {
            let a = x[0] * x[1];
            let mut y = vec![0.0; n];
            for j in (0..n).rev() { y[j] += a * w[j]; }
            y[0]
        }",
    );
    let reverse = "\
v58 = v7 < v0
if v58
    let a6 = &a1[v7..v0]
    let a7 = &mut a4[v7..v0]
    let a8 = &a5[v7..v0]
    v22 = 0.0
    let a9 = [v22; 8]
    v23 = 0
    v24 = 8
    v25 = v0 - v7
    v26 = v25 / v24
    v27 = v25 % v24
    v28 = v7 + v27
    for v8 in v7..v28 rev rev
        v21 = v8 - v7
        v9 = a6[v21]
        v15 = a8[v21]
        (v16, v17) = mul'(v5, v9 | v10, v15)
        l0 += v16
        a7[v21] +=₀ v17
    for v29 in v23..v26 rev rev
        v30 = v29 * v24
        v31 = v27 + v30
        v32 = v31 + v24
        v33 = v7 + v31
        let a10 = &a6[v31..v32]
        let a11 = &mut a7[v31..v32]
        let a12 = &a8[v31..v32]
        for v34 in v23..v24 rev rev
            v8 = v33 + v34
            v21 = v8 - v7
            v9 = a10[v34]
            v15 = a12[v34]
            (v16, v17) = mul'(v5, v9 | v10, v15)
            a9[v34] += v16
            a11[v34] +=₀ v17
    v35 = 0
    v36 = a9[v35]
    v37 = 1
    v38 = a9[v37]
    v39 = 2
    v40 = a9[v39]
    v41 = 3
    v42 = a9[v41]
    v43 = 4
    v44 = a9[v43]
    v45 = 5
    v46 = a9[v45]
    v47 = 6
    v48 = a9[v47]
    v49 = 7
    v50 = a9[v49]
    v51 = v36 + v44
    v52 = v38 + v46
    v53 = v40 + v48
    v54 = v42 + v50
    v55 = v51 + v53
    v56 = v52 + v54
    v57 = v55 + v56
    l0 += v57
v18 = l0
(v19, v20) = mul'(v2, v4 | v5, v18)
a3[v3] += v20
a3[v1] += v19
return v12, grad (a3, a4)
";
    assert!(lean.ends_with(reverse), "{lean}");
}

/// A loop that may leave early counts its iterations in a `usize` (an `i32` counter wrapped past
/// 2³¹ iterations), reserves no tape for its bound (`0..usize::MAX`), and its reverse replays the
/// first `count` values of its range, which `0..=n` and `u64` ranges allow (`take(..).rev()`
/// needs an `ExactSizeIterator`).
#[test]
fn early_exits_count_and_replay() {
    let (_, adjoint) = ir("fn f(x: f64, n: u64) -> f64 {
        let mut y = x;
        for _ in 0..=n {
            y = y.sin();
            if y < 0.1 { break; }
        }
        let mut k = 0;
        while y > 0.5 {
            y = y.cos();
            k += 1;
        }
        y * (k as f64)
    }");
    for line in [
        "v29 = 0usize\nlet l4 = v29\nfor v3 in v2..=v1\n    v30 = 1usize\n    l4 += v30\n",
        "v31 = 0usize\nlet l5 = v31\nwhile\n",
        "    v32 = 1usize\n    l5 += v32\n",
        "repeat v27\n    v17 = pop t0\n",
        "for v3 in v2..=v1 replay v26\n    v6 = pop t1\n",
    ] {
        assert!(adjoint.contains(line), "{line} in\n{adjoint}");
    }
    assert!(!adjoint.contains("reserve"), "{adjoint}");
}

/// The statements of `benches/compile_time.sh`'s function of `n` statements, in Rust.
fn long_function(n: usize) -> String {
    let mut body =
        String::from("let mut s = 0.5 * y;\nlet mut buf = [0.0; 16];\nlet v0 = x[0] * y;\n");
    let mut last = 0;
    for k in 1..n.saturating_sub(4) {
        let line = if k % 100 == 99 {
            format!("for j in 0..4 {{ s += x[j] * v{last} * 0.001; }}")
        } else if k % 50 == 49 {
            format!("if v{last} > 0.0 {{ s += v{last} * 0.01; }} else {{ s -= v{last} * 0.02; }}")
        } else {
            let (line, defines) = match k % 10 {
                0 | 5 => (
                    format!(
                        "let v{k} = v{last} * 0.999 + (x[{}] - y).sin() * 0.001;",
                        k % 8
                    ),
                    true,
                ),
                1 => (format!("s = s * 0.9 + v{last} * 0.1;"), false),
                2 => (format!("s += v{last}.tanh() * 0.01;"), false),
                3 => (
                    format!("let v{k} = v{last}.mul_add(0.5, s * 0.001).cos();"),
                    true,
                ),
                4 => (
                    format!("buf[{}] = v{last} * 0.5 + buf[{}];", k % 16, (k + 3) % 16),
                    false,
                ),
                6 => (
                    format!(
                        "let v{k} = (v{last} * v{last} + 1.0).sqrt() - buf[{}] * 0.01;",
                        k % 16
                    ),
                    true,
                ),
                7 => ("s *= 0.99;".to_owned(), false),
                8 => (
                    format!("let v{k} = v{last}.exp().ln_1p() * 0.5 + s * 1e-6;"),
                    true,
                ),
                _ => (
                    format!("let v{k} = v{last} / (1.0 + s.abs()) - y * 0.001;"),
                    true,
                ),
            };
            if defines {
                last = k;
            }
            line
        };
        body.push_str(&line);
        body.push('\n');
    }
    format!("fn f(x: &[f64], y: f64) -> f64 {{\n{body}s += buf[3] * 0.5;\nlet w = v{last} + s;\nw * 0.5 + buf[0]\n}}")
}

/// How long each pass of the macro takes on a function of 10,000 statements (run with
/// `cargo test -p autodiff-macros --release -- --ignored --nocapture expansion_time`).
#[test]
#[ignore]
fn expansion_time() {
    use std::time::Instant;
    for n in [2_000, 10_000] {
        let src = long_function(n);
        let t = Instant::now();
        let item: syn::ItemFn = syn::parse_str(&src).expect("test input parses");
        let parse = t.elapsed();
        let mut cx = Ctxt::default();
        let t = Instant::now();
        let func = ast::Func::from_syn(&item, &Args::default(), &mut cx);
        let mut primal = lower::lower(&func, &mut cx);
        let lower = t.elapsed();
        let t = Instant::now();
        activity::analyse(&mut primal, &mut cx);
        types::infer(&mut primal, func.ret);
        assert!(cx.finish().is_ok(), "test input has no errors");
        let activity = t.elapsed();
        let t = Instant::now();
        let adjoint = reverse::reverse(&primal);
        let reverse = t.elapsed();
        let t = Instant::now();
        let adjoint = optimize::optimize(adjoint).expect("the passes keep the IR valid");
        let optimize = t.elapsed();
        let t = Instant::now();
        let tokens = crate::emit::companions(&func, &primal, &adjoint, None, false);
        let emit = t.elapsed();
        let t = Instant::now();
        let text = tokens.to_string();
        let print = t.elapsed();
        println!(
            "n = {n}: parse {parse:?}, lower {lower:?}, activity {activity:?}, reverse {reverse:?}, optimize {optimize:?}, emit {emit:?}, to_string {print:?}; {} bytes, {} lets",
            text.len(),
            text.matches("let ").count()
        );
    }
}

#[test]
fn blocks_around_a_function() {
    use crate::place::{block_around, Block};
    let at = |before: &str| block_around(before);
    assert_eq!(at("impl S {\n    "), Some(Block::Impl));
    assert_eq!(
        at("pub(crate) unsafe impl<'a, T: Tr> X<'a> for Y<T> where T: Z {"),
        Some(Block::Impl)
    );
    assert_eq!(
        at("#[cfg(test)]\npub trait Energy: Sized {"),
        Some(Block::Trait)
    );
    assert_eq!(at("impl S { fn a(&self) { "), None);
    assert_eq!(
        at("impl S { fn a(&self) { call(|| { 1 }); } "),
        Some(Block::Impl)
    );
    assert_eq!(at("mod m { impl S {} "), None);
    assert_eq!(at("fn main() { let c = '{'; let s = \"impl X {\"; "), None);
    assert_eq!(
        at("fn main() { let s = r#\"trait \"T\" {\"#; /* impl /* nested */ { */ // impl {\n"),
        None
    );
    assert_eq!(at("fn main() { let q = '\\''; let b = b'{'; "), None);
    assert_eq!(at(""), None);
}

/// Not a test: prints how long each pass takes on the first function of the file `AD_FILE`,
/// for compile-time work (`AD_FILE=f.rs cargo test -p autodiff-macros time_passes -- --ignored
/// --nocapture`; a debug build, as cargo builds a proc macro for a debug build by default).
#[test]
#[ignore]
fn time_passes() {
    let src = std::fs::read_to_string(std::env::var("AD_FILE").expect("AD_FILE")).expect("read");
    let file: syn::File = syn::parse_str(&src).expect("parses");
    let Some(syn::Item::Fn(mut item)) = file
        .items
        .into_iter()
        .find(|i| matches!(i, syn::Item::Fn(_)))
    else {
        panic!("no function in AD_FILE");
    };
    item.attrs.clear();
    let start = std::time::Instant::now();
    let lap = |pass: &str| eprintln!("{pass:>10} done at {:?}", start.elapsed());
    let mut cx = Ctxt::default();
    let func = ast::Func::from_syn(&item, &Args::default(), &mut cx);
    let mut primal = lower::lower(&func, &mut cx);
    lap("lower");
    activity::analyse(&mut primal, &mut cx);
    types::infer(&mut primal, func.ret);
    types::guard_calls(&mut primal);
    lap("types");
    verify(&primal, "lower").expect("verifies");
    lap("verify");
    let adjoint = reverse::reverse(&primal);
    lap("reverse");
    let adjoint = optimize::optimize(adjoint).expect("verifies");
    lap("optimize");
    let tokens = crate::emit::companions(&func, &primal, &adjoint, None, false);
    lap("emit");
    eprintln!("{} bytes of code", tokens.to_string().len());
}

/// Every tangent template of the table lowers: it parses, names only `d`, `y` and arguments the
/// primitive has, and calls only primitives of the table (the tangent transform relies on it).
#[test]
fn templates_are_well_formed() {
    use crate::primitives::{Tangent, PRIMITIVES};
    for p in PRIMITIVES {
        let Tangent::Template(templates) = p.tangent else {
            continue;
        };
        let floats = p
            .args
            .iter()
            .filter(|a| **a == crate::primitives::Arg::Float);
        assert_eq!(
            templates.len(),
            floats.count(),
            "{}: one template per float",
            p.name
        );
        let names: Vec<String> = (0..p.args.len()).map(|k| format!("a{k}")).collect();
        for t in templates {
            let e: syn::Expr = syn::parse_str(t).expect("parses");
            check(&e, &names, p.name);
            // The reverse sweep spells the rule from its template, with what the rule reads.
            let words: Vec<String> = t
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .map(str::to_owned)
                .collect();
            let reads_args = words.iter().any(|w| names.contains(w));
            assert!(!reads_args || p.uses.args, "{}: reads an argument", p.name);
            let reads_y = words.iter().any(|w| w == "y");
            assert!(!reads_y || p.uses.out, "{}: reads the result", p.name);
        }
        // The primitive applied in a function, through the tangent transform.
        let params = (p.args.iter().zip(&names)).map(|(k, n)| match k {
            crate::primitives::Arg::Float => format!("{n}: f64"),
            crate::primitives::Arg::Int => format!("{n}: i32"),
        });
        let params = params.collect::<Vec<_>>().join(", ");
        let body = match (p.form, &names[..]) {
            (Form::Infix(c), [a, b]) => format!("{a} {c} {b}"),
            (Form::Neg, [a]) => format!("-{a}"),
            (Form::Method, [recv, rest @ ..]) => format!("{recv}.{}({})", p.name, rest.join(", ")),
            (Form::Runtime, _) => format!("autodiff::{}({})", p.name, names.join(", ")),
            _ => continue,
        };
        let tangent =
            crate::tangent::tangent(&funcs(&format!("fn f({params}) -> f64 {{ {body} }}")).0);
        verify(&tangent, "tangent").unwrap();
    }
    fn check(e: &syn::Expr, names: &[String], prim: &str) {
        use syn::Expr;
        match e {
            Expr::Paren(x) => check(&x.expr, names, prim),
            Expr::Unary(u) => check(&u.expr, names, prim),
            Expr::Binary(b) => {
                check(&b.left, names, prim);
                check(&b.right, names, prim);
            }
            Expr::Path(x) => {
                let n = x.path.get_ident().expect("a name").to_string();
                let known = ["d", "y", "LN_2", "LN_10"].contains(&n.as_str());
                assert!(known || names.contains(&n), "{prim}: `{n}`");
            }
            Expr::Lit(_) => {}
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                assert!(
                    primitives::lookup(Form::Method, &name).is_some(),
                    "{prim}: {name}"
                );
                check(&m.receiver, names, prim);
                m.args.iter().for_each(|a| check(a, names, prim));
            }
            Expr::Call(c) => {
                let Expr::Path(f) = &*c.func else {
                    panic!("{prim}: a call of a name")
                };
                let name = f.path.get_ident().expect("a name").to_string();
                assert!(
                    primitives::lookup(Form::Internal, &name).is_some(),
                    "{prim}: {name}"
                );
                c.args.iter().for_each(|a| check(a, names, prim));
            }
            _ => panic!("{prim}: unexpected template syntax"),
        }
    }
}
