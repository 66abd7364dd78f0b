//! Prints the AST twice from one walk: as ordinary Rust (with or without `#[grad]`) and as
//! `NAME_dual`, the same statements over dual numbers, the independent reference. Only types,
//! literals and calls differ between the two, so the reference cannot drift from the program.

use crate::ast::*;
use std::fmt::Write as _;

/// How to print: the plain program or its dual twin.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Ordinary Rust; `attr` puts `#[grad]` on it.
    Plain {
        attr: bool,
    },
    Dual,
}

pub struct Printer<'a> {
    pub out: String,
    funcs: &'a [Func],
    /// The functions whose rule is made from their dual (see `harness::sources`).
    pub subst: &'a [usize],
    mode: Mode,
    fty: Fty,
    indent: usize,
    /// The function's origin, mixed: which of its loops get `#[checkpoint(..)]`.
    salt: u64,
    /// Loops printed so far in the function.
    loops: u64,
    /// The functions whose twin with two results is called (see [`Printer::pair_twin`]).
    pub pairs: std::collections::BTreeSet<usize>,
}

impl<'a> Printer<'a> {
    pub fn new(funcs: &'a [Func], mode: Mode) -> Printer<'a> {
        Printer {
            out: String::new(),
            funcs,
            subst: &[],
            mode,
            fty: Fty::F64,
            indent: 0,
            salt: 0,
            loops: 0,
            pairs: Default::default(),
        }
    }

    fn dual(&self) -> bool {
        self.mode == Mode::Dual
    }

    fn ty(&self) -> &'static str {
        if self.dual() {
            self.fty.dual()
        } else {
            self.fty.name()
        }
    }

    fn line(&mut self, s: &str) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.out.push_str(s);
        self.out.push('\n');
    }

    /// Before a loop of a `#[grad]` program: for half of them, a `#[checkpoint(..)]` that must
    /// change nothing but memory (each choice a function of the function's origin and the
    /// loop's place, so a reproducer gets the same).
    fn checkpoint(&mut self) {
        if self.mode != (Mode::Plain { attr: true }) {
            return;
        }
        let mut h = self
            .salt
            .wrapping_add(self.loops.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        self.loops += 1;
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^= h >> 31;
        let n = 1 + (h >> 8) % 3;
        match h % 4 {
            2 => self.line(&format!("#[checkpoint(every = {n})]")),
            3 => self.line(&format!("#[checkpoint(snapshots = {n})]")),
            _ => {}
        }
    }

    /// The line count so far (the next line printed is this + 1).
    pub fn lines(&self) -> usize {
        self.out.matches('\n').count()
    }

    pub fn func(&mut self, f: &Func) {
        self.fty = f.fty;
        (self.salt, self.loops) = (f.origin.0 ^ f.origin.1.rotate_left(32), 0);
        let ty = self.ty();
        let params: Vec<String> = f
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, p.kind.spelled(ty)))
            .collect();
        match self.mode {
            Mode::Plain { attr: true } => {
                let mut args = Vec::new();
                if let Some(w) = &f.wrt {
                    let names: Vec<&str> = w.iter().map(|&i| f.params[i].name.as_str()).collect();
                    args.push(format!("wrt({})", names.join(", ")));
                }
                args.push("jvp".into());
                if f.second_order(self.funcs, self.subst) {
                    args.push("hvp".into());
                }
                self.line(&format!("#[grad({})]", args.join(", ")));
            }
            Mode::Plain { attr: false } => {}
            Mode::Dual => {}
        }
        let name = if self.dual() {
            format!("{}_dual", f.name)
        } else {
            f.name.clone()
        };
        self.line(&format!("fn {name}({}) -> {ty} {{", params.join(", ")));
        self.indent += 1;
        self.block_body(&f.body);
        self.indent -= 1;
        self.line("}");
    }

    fn block_body(&mut self, b: &Block) {
        for s in &b.stmts {
            self.stmt(s);
        }
        if let Some(t) = &b.tail {
            let t = self.expr(t);
            self.line(&t);
        }
    }

    fn braced(&mut self, head: &str, b: &Block, tail: &str) {
        self.line(&format!("{head}{{"));
        self.indent += 1;
        self.block_body(b);
        self.indent -= 1;
        self.line(&format!("}}{tail}"));
    }

    /// `head { then } else { els }`.
    fn if_else(&mut self, head: &str, then: &Block, els: Option<&Block>) {
        self.line(&format!("{head} {{"));
        self.indent += 1;
        self.block_body(then);
        self.indent -= 1;
        if let Some(e) = els {
            self.line("} else {");
            self.indent += 1;
            self.block_body(e);
            self.indent -= 1;
        }
        self.line("}");
    }

    fn stmt(&mut self, s: &Stmt) {
        let ty = self.ty();
        match s {
            Stmt::Let {
                name,
                mutable,
                typed,
                init,
            } => {
                let m = if *mutable { "mut " } else { "" };
                let t = if *typed {
                    format!(": {ty}")
                } else {
                    String::new()
                };
                let e = self.expr(init);
                self.line(&format!("let {m}{name}{t} = {e};"));
            }
            Stmt::LetCallPair { names, call } => {
                let Expr::Call(i, args) = call else {
                    unreachable!("a pair is taken from a call")
                };
                self.pairs.insert(*i);
                let call = self.call(*i, "_pair", args);
                self.line(&format!("let ({}, {}) = {call};", names[0], names[1]));
            }
            Stmt::LetPair {
                names,
                typed,
                inits,
                branch,
            } => {
                let t = if *typed {
                    format!(": ({ty}, {ty})")
                } else {
                    String::new()
                };
                let a = self.expr(&inits[0]);
                let b = self.expr(&inits[1]);
                let value = match branch {
                    None => format!("({a}, {b})"),
                    Some((c, els)) => {
                        let c = self.cond(c);
                        let (x, y) = (self.expr(&els[0]), self.expr(&els[1]));
                        format!("if {c} {{ ({a}, {b}) }} else {{ ({x}, {y}) }}")
                    }
                };
                self.line(&format!("let ({}, {}){t} = {value};", names[0], names[1]));
            }
            Stmt::LetUnder(e) => {
                let e = self.expr(e);
                self.line(&format!("let _ = {e};"));
            }
            Stmt::LetBuf {
                name,
                mutable,
                typed,
                buf,
            } => {
                let m = if *mutable { "mut " } else { "" };
                let zero = self.lit(0.0, LitStyle::Plain);
                let (t, e) = match buf {
                    Buf::VecZeros(len) => (
                        format!("Vec<{ty}>"),
                        format!("vec![{zero}; {}]", len_text(len)),
                    ),
                    Buf::ArrZeros(n) => (format!("[{ty}; {n}]"), format!("[{zero}; {n}]")),
                    Buf::VecList(xs) => {
                        let xs: Vec<String> = xs.iter().map(|e| self.expr(e)).collect();
                        (format!("Vec<{ty}>"), format!("vec![{}]", xs.join(", ")))
                    }
                    Buf::ArrList(xs) => {
                        let n = xs.len();
                        let xs: Vec<String> = xs.iter().map(|e| self.expr(e)).collect();
                        (format!("[{ty}; {n}]"), format!("[{}]", xs.join(", ")))
                    }
                    Buf::Collect(c) => {
                        (format!("Vec<{ty}>"), format!("{}.collect()", self.items(c)))
                    }
                    Buf::Copy { src, clone, fixed } => {
                        let t = match fixed {
                            Some(n) => format!("[{ty}; {n}]"),
                            None => format!("Vec<{ty}>"),
                        };
                        let how = if *clone { "clone" } else { "to_vec" };
                        (t, format!("{src}.{how}()"))
                    }
                };
                let t = if *typed {
                    format!(": {t}")
                } else {
                    String::new()
                };
                self.line(&format!("let {m}{name}{t} = {e};"));
            }
            Stmt::LetInt {
                name,
                mutable,
                init,
            } => {
                let m = if *mutable { "mut " } else { "" };
                self.line(&format!("let {m}{name} = {};", iexpr(init)));
            }
            Stmt::Assign { name, op, value } => {
                let e = self.expr(value);
                self.line(&format!("{name} {} {e};", op.text()));
            }
            Stmt::LetClosure { name, params, body } => {
                let ty = self.ty();
                let params: Vec<String> = params.iter().map(|p| format!("{p}: {ty}")).collect();
                let body = self.expr(body);
                self.line(&format!(
                    "let {name} = move |{}| {body};",
                    params.join(", ")
                ));
            }
            Stmt::AssignPair { names, values } => {
                let (a, b) = (self.expr(&values[0]), self.expr(&values[1]));
                self.line(&format!("({}, {}) = ({a}, {b});", names[0], names[1]));
            }
            Stmt::IntAdd { name, value } => {
                self.line(&format!("{name} += {};", iexpr(value)));
            }
            Stmt::SwapElems { arr, i, j } => {
                let (i, j) = (iexpr(i), iexpr(j));
                self.line(&format!("{{ let (i, j) = ({i}, {j}); {arr}.swap(i, j); }}"));
            }
            Stmt::SwapFloats([a, b]) => {
                self.line(&format!("std::mem::swap(&mut {a}, &mut {b});"));
            }
            Stmt::SetIndex {
                arr,
                index,
                op,
                value,
            } => {
                let e = self.expr(value);
                let i = iexpr(index);
                let op = op.text();
                // Indexing a `Vec` in an assigned place borrows it mutably before the index is
                // computed, so an index that reads the buffer's own length (`b[j % b.len()]`)
                // does not compile there (E0502), over `f64` as over the duals: the index first.
                let own_len = reads_len(index, arr);
                if self.dual() {
                    // An overloaded `a[i] op= …a[j]…` (`IndexMut` then `*AddAssign`) borrows
                    // `a` mutably before the right-hand side is evaluated, which cannot read
                    // it (E0506/E0502) where the primitive `f64` form can: the value first,
                    // for `=` and every compound form alike.
                    if own_len {
                        self.line(&format!("{{ let v = {e}; let k = {i}; {arr}[k] {op} v; }}"));
                    } else {
                        self.line(&format!("{{ let v = {e}; {arr}[{i}] {op} v; }}"));
                    }
                } else if own_len {
                    self.line(&format!("{{ let k = {i}; {arr}[k] {op} {e}; }}"));
                } else {
                    self.line(&format!("{arr}[{i}] {op} {e};"));
                }
            }
            Stmt::If { cond, then, els } => {
                let c = self.cond(cond);
                self.if_else(&format!("if {c}"), then, els.as_ref());
            }
            Stmt::For { var, range, body } => {
                self.checkpoint();
                let v = var.clone().unwrap_or_else(|| "_".into());
                let r = match range {
                    Range::Half(a, b) => format!("{}..{}", iexpr(a), iexpr(b)),
                    Range::Incl(a, b) => format!("{}..={}", iexpr(a), iexpr(b)),
                    Range::Rev(a, b) => format!("({}..{}).rev()", iexpr(a), iexpr(b)),
                    Range::Step(a, b, k) => format!("({}..{}).step_by({k})", iexpr(a), iexpr(b)),
                };
                self.braced(&format!("for {v} in {r} "), body, "");
            }
            Stmt::ForIter {
                var,
                index,
                arr,
                body,
            } => {
                self.checkpoint();
                let head = match index {
                    None => format!("for &{var} in {arr}.iter() "),
                    Some(i) => format!("for ({i}, &{var}) in {arr}.iter().enumerate() "),
                };
                self.braced(&head, body, "");
            }
            Stmt::While {
                counter,
                bound,
                cond,
                body,
            } => {
                self.line(&format!("let mut {counter} = 0usize;"));
                let c = self.cond(cond);
                self.checkpoint();
                self.line(&format!("while {counter} < {bound} && {c} {{"));
                self.indent += 1;
                self.line(&format!("{counter} += 1;"));
                self.block_body(body);
                self.indent -= 1;
                self.line("}");
            }
            Stmt::Loop {
                counter,
                bound,
                body,
            } => {
                self.line(&format!("let mut {counter} = 0usize;"));
                self.checkpoint();
                self.line("loop {");
                self.indent += 1;
                self.line(&format!("{counter} += 1;"));
                self.line(&format!("if {counter} > {bound} {{"));
                self.line("    break;");
                self.line("}");
                self.block_body(body);
                self.indent -= 1;
                self.line("}");
            }
            Stmt::Break => self.line("break;"),
            Stmt::Continue => self.line("continue;"),
            Stmt::Return(e) => {
                let e = self.expr(e);
                self.line(&format!("return {e};"));
            }
            Stmt::Match {
                scrut,
                arms,
                bound,
                default,
            } => {
                self.line(&format!("match {} {{", iexpr(scrut)));
                self.indent += 1;
                for (p, guard, b) in arms {
                    let guard = match guard {
                        Some(c) => format!(" if {}", self.cond(c)),
                        None => String::new(),
                    };
                    self.braced(&format!("{}{guard} => ", pat(p)), b, "");
                }
                let last = bound.as_deref().unwrap_or("_");
                self.braced(&format!("{last} => "), default, "");
                self.indent -= 1;
                self.line("}");
            }
            Stmt::IfLet {
                name,
                cond,
                value,
                then,
                els,
            } => {
                let (c, v) = (self.cond(cond), iexpr(value));
                self.line(&format!(
                    "let {name}_o = if {c} {{ Some({v}) }} else {{ None }};"
                ));
                let head = format!("if let Some({name}) = {name}_o");
                self.if_else(&head, then, els.as_ref());
            }
            Stmt::Block(b) => self.braced("", b, ""),
            Stmt::Const { name, value } => {
                let f = self.fty.name();
                self.line(&format!("const {name}: {f} = {value:?};"));
            }
            Stmt::UsePi => {
                let f = self.fty.name();
                self.line(&format!("use std::{f}::consts::PI;"));
            }
            Stmt::Assert { kind, a, b } => {
                let (a, b) = (iexpr(a), iexpr(b));
                let s = match kind {
                    0 => format!("assert!({a} < {b});"),
                    1 => format!("debug_assert!({a} < {b});"),
                    2 => format!("assert_ne!({a}, {b});"),
                    3 => format!("debug_assert_ne!({a}, {b});"),
                    4 => format!("assert_eq!({a}, {a});"),
                    _ => format!("debug_assert_eq!({a}, {a});"),
                };
                self.line(&s);
            }
        }
    }

    fn lit(&self, v: f64, style: LitStyle) -> String {
        let f = self.fty.name();
        let text = match style {
            LitStyle::Plain => format!("{v:?}"),
            LitStyle::Suffix if f == "f64" => format!("{v:?}_f64"),
            LitStyle::Suffix => format!("{v:?}f32"),
            LitStyle::Dot => format!("{}.", v as i64),
            LitStyle::Exp => format!("{:?}e-1", v * 10.0),
        };
        let text = if v < 0.0 { format!("({text})") } else { text };
        if self.dual() {
            format!("{}::c({text})", self.fty.dual())
        } else {
            text
        }
    }

    /// A chain up to its end: the sources zipped (or windowed), the adapters, the `map`, and
    /// the `filter` on what it maps to.
    fn items(&mut self, c: &Chain) -> String {
        let (mut text, mut pat) = match c.windows {
            Some(k) => (format!("{}.windows({k})", c.srcs[0]), "w".to_string()),
            None => (format!("{}.iter()", c.srcs[0]), format!("&{}", c.params[0])),
        };
        for (s, p) in c.srcs.iter().zip(&c.params).skip(1) {
            text += &format!(".zip({s}.iter())");
            pat = format!("({pat}, &{p})");
        }
        text += &adapters(&c.adapters);
        let body = self.expr(&c.body);
        let body = match c.windows {
            Some(k) => format!(
                "{{ let {} = w[0]; let {} = w[{}]; {body} }}",
                c.params[0],
                c.params[1],
                k - 1
            ),
            None => body,
        };
        text += &format!(".map(|{pat}| {body})");
        if let Some((v, op, lit)) = &c.filter {
            let cond = self.cond(&Cond::F(*op, Expr::Var(v.clone()), lit.clone()));
            text += &format!(".filter(|&{v}| {cond})");
        }
        text + &adapters(&c.after)
    }

    fn cond(&mut self, c: &Cond) -> String {
        match c {
            Cond::F(op, a, b) => format!("({} {} {})", self.expr(a), op.text(), self.expr(b)),
            Cond::I(op, a, b) => format!("({} {} {})", iexpr(a), op.text(), iexpr(b)),
            Cond::And(a, b) => format!("({} && {})", self.cond(a), self.cond(b)),
            Cond::Or(a, b) => format!("({} || {})", self.cond(a), self.cond(b)),
            Cond::Not(a) => format!("!{}", self.cond(a)),
        }
    }

    /// `e` as a method receiver.
    fn recv(&mut self, e: &Expr) -> String {
        let s = self.expr(e);
        match e {
            Expr::Var(_) | Expr::Index(..) | Expr::Call(..) => s,
            _ if s.starts_with('(') && s.ends_with(')') && !matches!(e, Expr::Lit(..)) => s,
            _ => format!("({s})"),
        }
    }

    /// `f{suffix}(args)` of function `i` (its `_dual` in the dual twin).
    fn call(&mut self, i: usize, suffix: &str, args: &[Arg]) -> String {
        let dual = if self.dual() { "_dual" } else { "" };
        let name = format!("{}{suffix}{dual}", self.funcs[i].name);
        let args: Vec<String> = args
            .iter()
            .map(|a| match a {
                Arg::F(e) => self.expr(e),
                Arg::Arr(n, pre) => format!("{pre}{n}"),
                Arg::Tail(n, lo) => format!("&{n}[{lo}..]"),
                Arg::I(i) => iexpr(i),
            })
            .collect();
        format!("{name}({})", args.join(", "))
    }

    /// `f_pair`, `f`'s twin with two results, `(r, sin(r / 2))` of `r = f(..)`: what
    /// `let (a, b) = f_pair(..);` calls, with `f`'s `wrt` and `jvp`.
    pub fn pair_twin(&mut self, f: &Func, i: usize) {
        self.fty = f.fty;
        let ty = self.ty();
        if self.mode == (Mode::Plain { attr: true }) {
            let mut args = Vec::new();
            if let Some(w) = &f.wrt {
                let names: Vec<&str> = w.iter().map(|&i| f.params[i].name.as_str()).collect();
                args.push(format!("wrt({})", names.join(", ")));
            }
            args.push("jvp".into());
            self.line(&format!("#[grad({})]", args.join(", ")));
        }
        let dual = if self.dual() { "_dual" } else { "" };
        let params: Vec<String> = (f.params.iter())
            .map(|p| format!("{}: {}", p.name, p.kind.spelled(ty)))
            .collect();
        let args: Vec<Arg> = (f.params.iter())
            .map(|p| match p.kind {
                PKind::Scalar => Arg::F(Expr::Var(p.name.clone())),
                PKind::Usize => Arg::I(IExpr::Var(p.name.clone())),
                _ => Arg::Arr(p.name.clone(), ""),
            })
            .collect();
        let call = self.call(i, "", &args);
        let half = Expr::Bin(
            BinOp::Mul,
            Box::new(Expr::Var("r".into())),
            Box::new(Expr::Lit(0.5, LitStyle::Plain)),
        );
        let second = self.expr(&Expr::Un("sin", Box::new(half), false));
        let name = &f.name;
        self.line(&format!(
            "fn {name}_pair{dual}({}) -> ({ty}, {ty}) {{",
            params.join(", ")
        ));
        self.line(&format!("    let r = {call};"));
        self.line(&format!("    (r, {second})"));
        self.line("}");
    }

    pub fn expr(&mut self, e: &Expr) -> String {
        let d = self.fty.dual();
        let f = self.fty.name();
        let dual = self.dual();
        match e {
            Expr::Lit(v, s) => self.lit(*v, *s),
            Expr::Var(n) => n.clone(),
            Expr::Const(n) if dual => format!("{d}::c({n})"),
            Expr::Const(n) => n.clone(),
            Expr::PiPath if dual => format!("{d}::c(std::{f}::consts::PI)"),
            Expr::PiPath => format!("std::{f}::consts::PI"),
            Expr::Index(a, i) => format!("{a}[{}]", iexpr(i)),
            Expr::IntCast(i) if dual => format!("{d}::c(({}) as {f})", iexpr(i)),
            Expr::IntCast(i) => format!("(({}) as {f})", iexpr(i)),
            Expr::Bin(op, a, b) => format!("({} {} {})", self.expr(a), op.text(), self.expr(b)),
            Expr::Neg(a) => format!("(-{})", self.expr(a)),
            Expr::Un("clamp", a, path) => {
                let lo = self.lit(-0.5, LitStyle::Plain);
                let hi = self.lit(0.75, LitStyle::Plain);
                if *path {
                    format!("{}::clamp({}, {lo}, {hi})", self.ty(), self.expr(a))
                } else {
                    format!("{}.clamp({lo}, {hi})", self.recv(a))
                }
            }
            Expr::Un(m, a, true) => format!("{}::{m}({})", self.ty(), self.expr(a)),
            Expr::Un(m, a, false) => format!("{}.{m}()", self.recv(a)),
            Expr::Bin2(m, a, b, true) => {
                format!("{}::{m}({}, {})", self.ty(), self.expr(a), self.expr(b))
            }
            Expr::Bin2(m, a, b, false) => format!("{}.{m}({})", self.recv(a), self.expr(b)),
            Expr::Powi(a, k) => format!("{}.powi({k})", self.recv(a)),
            Expr::MulAdd(a, b, c) => {
                format!(
                    "{}.mul_add({}, {})",
                    self.recv(a),
                    self.expr(b),
                    self.expr(c)
                )
            }
            Expr::Runtime(r, a) if dual => format!("{d}::{r}({})", self.expr(a)),
            Expr::Runtime(r, a) => format!("autodiff::{r}({})", self.expr(a)),
            Expr::Fold(a, prod) if dual => {
                let m = if *prod { "product" } else { "sum" };
                format!("{d}::{m}(&{a}[..])")
            }
            Expr::Fold(a, prod) => {
                let m = if *prod { "product" } else { "sum" };
                format!("{a}.iter().{m}::<{f}>()")
            }
            Expr::CallClosure(name, args) => {
                let args: Vec<String> = args.iter().map(|a| self.expr(a)).collect();
                format!("{name}({})", args.join(", "))
            }
            Expr::Chain(c) => {
                let mut text = self.items(c);
                // `std` sums from −0.0, as the `#[grad]` side does.
                text += &match (dual, c.prod) {
                    (true, false) => format!(".fold({d}::c(-0.0), |s, v| s + v)"),
                    (true, true) => format!(".fold({d}::c(1.0), |s, v| s * v)"),
                    (false, false) => format!(".sum::<{f}>()"),
                    (false, true) => format!(".product::<{f}>()"),
                };
                format!("({text})")
            }
            Expr::Dot(a, pa, b, pb) if dual => format!("{d}::dot({pa}{a}, {pb}{b})"),
            Expr::Dot(a, pa, b, pb) => format!("autodiff::kernels::dot({pa}{a}, {pb}{b})"),
            Expr::Call(i, args) => self.call(*i, "", args),
            Expr::If(c, a, b) => format!(
                "(if {} {{ {} }} else {{ {} }})",
                self.cond(c),
                self.expr(a),
                self.expr(b)
            ),
            Expr::Match(s, arms, default) => {
                let mut out = format!("(match {} {{ ", iexpr(s));
                for (p, e) in arms {
                    let e = self.expr(e);
                    let _ = write!(out, "{} => {e}, ", pat(p));
                }
                let e = self.expr(default);
                let _ = write!(out, "_ => {e} }})");
                out
            }
            Expr::Widen(a, m) => {
                let m = m.map(|m| format!(".{m}()")).unwrap_or_default();
                if dual {
                    format!("({}.cast(){m}.cast())", self.recv(a))
                } else {
                    let g = self.fty.other().name();
                    format!("(({} as {g}){m} as {f})", self.recv(a))
                }
            }
        }
    }
}

pub fn len_text(l: &Len) -> String {
    let base = match &l.base {
        LenBase::Zero => return l.plus.to_string(),
        LenBase::Of(a) => format!("{a}.len()"),
        LenBase::Param(n) => n.clone(),
    };
    if l.plus == 0 {
        base
    } else {
        format!("{base} + {}", l.plus)
    }
}

/// Whether `e` reads `arr.len()`.
fn reads_len(e: &IExpr, arr: &str) -> bool {
    match e {
        IExpr::Len(a) => a == arr,
        IExpr::Lit(_) | IExpr::Var(_) => false,
        IExpr::Add(a, b) | IExpr::Mul(a, b) | IExpr::Rem(a, b) => {
            reads_len(a, arr) || reads_len(b, arr)
        }
    }
}

pub fn iexpr(e: &IExpr) -> String {
    match e {
        IExpr::Lit(n) => n.to_string(),
        IExpr::Var(v) => v.clone(),
        IExpr::Len(a) => format!("{a}.len()"),
        IExpr::Add(a, b) => format!("({} + {})", iexpr(a), iexpr(b)),
        IExpr::Mul(a, b) => format!("({} * {})", iexpr(a), iexpr(b)),
        IExpr::Rem(a, b) => format!("({} % {})", iexpr(a), iexpr(b)),
    }
}

fn pat(p: &Pat) -> String {
    match p {
        Pat::Lit(n) => n.to_string(),
        Pat::Or(ns) => ns
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" | "),
        Pat::Range(a, b) => format!("{a}..={b}"),
    }
}

/// The function as a `#[grad]` program, with the `#[grad]` calls' callees first: a reproducer.
pub fn source(funcs: &[Func], idx: usize) -> String {
    let mut order = Vec::new();
    collect_callees(funcs, idx, &mut order);
    let mut p = Printer::new(funcs, Mode::Plain { attr: true });
    for i in order {
        p.func(&funcs[i]);
    }
    p.out
}

/// `idx` and everything it calls, callees first.
pub fn collect_callees(funcs: &[Func], idx: usize, out: &mut Vec<usize>) {
    if out.contains(&idx) {
        return;
    }
    for c in callees(&funcs[idx]) {
        collect_callees(funcs, c, out);
    }
    out.push(idx);
}

/// The functions `f` calls directly.
pub fn callees(f: &Func) -> Vec<usize> {
    let mut out = Vec::new();
    crate::walk::exprs_of_block(&f.body, &mut |e| {
        if let Expr::Call(i, _) = e {
            if !out.contains(i) {
                out.push(*i);
            }
        }
    });
    out
}

/// `.skip(k).rev()…` as written.
fn adapters(list: &[Adapt]) -> String {
    (list.iter())
        .map(|a| match a {
            Adapt::Skip(k) => format!(".skip({k})"),
            Adapt::Take(k) => format!(".take({k})"),
            Adapt::Rev => ".rev()".to_string(),
            Adapt::StepBy(k) => format!(".step_by({k})"),
        })
        .collect()
}
