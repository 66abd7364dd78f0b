//! syn body → IR.
//!
//! Straight-line code becomes single assignments: a `let`, a reassignment or a compound
//! assignment binds the source name to a fresh [`Var`]. A variable that a loop or a branch
//! reassigns becomes a mutable [`Local`] just before that construct; arrays are [`Array`]s read
//! with `Load` and written with `Store`. `break`, `continue` and `return` inside loops and
//! branches become flags: the rest of the block runs under `if !flag`, and a loop leaves after an
//! iteration that set its stop flag, so the IR's control flow is structured and reverses
//! structurally.
//!
//! Every construct the IR cannot express is reported with its span, and lowering goes on with a
//! placeholder so that one compile lists every problem. Activity is not decided here but by
//! [`crate::activity`], once every assignment is known.

use crate::ast::{self, ParamKind};
use crate::ctxt::Ctxt;
use crate::ir::{
    Adapter, Array, ArrayInit, ArrayKind, Block, Callee, Cmp, FloatTy, Func, Info, Iter, Len,
    Local, Op, Stmt, Ty, Var,
};
use crate::primitives::{self, Form};
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{BinOp, Expr, Ident, Lit, Pat, UnOp};

/// Lowers the body of `func`; errors go to `cx`.
pub fn lower(func: &ast::Func, cx: &mut Ctxt) -> Func {
    let mut lower = Lower {
        cx,
        func: Func::default(),
        blocks: vec![Vec::new()],
        scopes: vec![Vec::new()],
        loops: Vec::new(),
        ret: None,
        exits: 0,
        poisoned: Vec::new(),
    };
    for (i, p) in func.params.iter().enumerate() {
        let name = Some(p.ident.to_string());
        let binding = match p.kind {
            ParamKind::Array { elem, .. } => {
                let info = Info {
                    ty: Ty::Float(Some(elem)),
                    active: p.active,
                    name,
                };
                Binding::Array(lower.func.array(info, ArrayKind::Param(i)))
            }
            ParamKind::Unsupported => Binding::Value(lower.placeholder()),
            kind => {
                let ty = match kind {
                    ParamKind::Float(f) => Ty::Float(Some(f)),
                    ParamKind::Int => Ty::Int,
                    _ => Ty::Other,
                };
                let v = lower.def(Op::Param(i), ty, p.ident.span());
                lower.func.vars[v.0 as usize].active = p.active;
                Binding::Value(v)
            }
        };
        lower.bind(&p.ident, binding);
    }
    let block = &func.item.block;
    if returns_early(block) {
        let zero = lower.lit(&syn::parse_quote!(0.0));
        let ret = lower.declare(zero, Some(Ty::Float(Some(func.ret))), "ret");
        let no = lower.lit(&syn::parse_quote!(false));
        let returned = lower.declare(no, Some(Ty::Bool), "returned");
        lower.ret = Some(Return::Flags { ret, returned });
    }
    let tail = lower.stmts(&block.stmts, true);
    let ret = match (lower.ret.take(), tail) {
        (Some(Return::Flags { ret, .. }), _) => {
            if let Some(v) = tail {
                lower.push(Stmt::Set {
                    local: ret,
                    value: v,
                });
            }
            Some(lower.def(Op::Get(ret), Ty::Float(Some(func.ret)), Span::call_site()))
        }
        (Some(Return::Value(v)), _) => Some(v),
        (None, Some(v)) => Some(v),
        (None, None) => {
            // Without a return type, or ending in a `loop` whose `break value` was reported,
            // that is the error already reported.
            let ends_in_loop =
                matches!(block.stmts.last(), Some(syn::Stmt::Expr(Expr::Loop(_), _)));
            if let (syn::ReturnType::Type(..), false) = (&func.item.sig.output, ends_in_loop) {
                lower.cx.error_at(
                    block.brace_token.span.close(),
                    "#[grad] needs the function to end in its result: a final expression without `;`, or `return value;`",
                );
            }
            None
        }
    };
    lower.func.ret = ret;
    lower.func.body = lower.blocks.pop().unwrap_or_default();
    lower.func
}

/// What a source name stands for.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Binding {
    Value(Var),
    Local(Local),
    Array(Array),
}

/// How the function returns.
enum Return {
    /// A `return` in straight-line code: the rest of the body is unreachable.
    Value(Var),
    /// `return` inside loops or branches: it stores the result and raises a flag.
    Flags { ret: Local, returned: Local },
}

/// The flags of a loop whose body may `break`, `continue` or `return`.
struct LoopFlags {
    /// The rest of this iteration is skipped.
    skip: Local,
    /// No further iteration runs.
    stop: Local,
}

struct Lower<'a> {
    cx: &'a mut Ctxt,
    func: Func,
    /// The blocks being filled, innermost last.
    blocks: Vec<Block>,
    /// Source names in scope, innermost scope last; a later entry shadows an earlier one.
    scopes: Vec<Vec<(Ident, Binding)>>,
    /// The enclosing loops, innermost last; `None` for a loop that never leaves early.
    loops: Vec<Option<LoopFlags>>,
    ret: Option<Return>,
    /// How many `break`, `continue` and `return` have been lowered: when a statement raises it,
    /// the rest of its block is guarded.
    exits: usize,
    /// Placeholders for values whose definition was reported: uses of them report nothing more.
    poisoned: Vec<Var>,
}

/// The macros a `#[grad]` body may contain; they are kept as written.
const ASSERTS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
];

impl Lower<'_> {
    fn push(&mut self, stmt: Stmt) {
        self.blocks
            .last_mut()
            .expect("a block is always open")
            .push(stmt);
    }

    /// Lowers statements into a new block and returns it.
    fn nested(&mut self, f: impl FnOnce(&mut Self)) -> Block {
        self.blocks.push(Vec::new());
        self.scopes.push(Vec::new());
        f(self);
        self.scopes.pop();
        self.blocks.pop().unwrap_or_default()
    }

    fn def(&mut self, op: Op, ty: Ty, span: Span) -> Var {
        let v = self.func.var(ty, false, None);
        self.push(Stmt::Let {
            dsts: vec![Some(v)],
            op,
            span,
        });
        v
    }

    /// `let mut name = init;`
    fn declare(&mut self, init: Var, ty: Option<Ty>, name: &str) -> Local {
        let ty = ty.unwrap_or(self.ty(init));
        let local = self.func.local(ty, false, Some(name.to_owned()));
        self.push(Stmt::Decl { local, init });
        local
    }

    fn set(&mut self, local: Local, value: Var) {
        self.push(Stmt::Set { local, value });
    }

    fn get(&mut self, local: Local) -> Var {
        let ty = self.func.local_info(local).ty;
        self.def(Op::Get(local), ty, Span::call_site())
    }

    fn bool_lit(&mut self, b: bool) -> Var {
        self.lit(&Lit::Bool(syn::LitBool::new(b, Span::call_site())))
    }

    /// Stands in for a value that could not be lowered; it reports nothing more.
    fn placeholder(&mut self) -> Var {
        let lit: Lit = syn::parse_quote!(0.0);
        let v = self.def(Op::Lit(lit), Ty::Float(None), Span::call_site());
        self.poisoned.push(v);
        v
    }

    /// Reports `tokens` as unsupported, unless they mention a value whose definition was
    /// already reported (one error per problem, not one per use).
    fn unsupported(&mut self, tokens: impl ToTokens, msg: impl std::fmt::Display) -> Var {
        let tokens = tokens.into_token_stream();
        let follows_error = mentioned_names(tokens.clone()).iter().any(
            |n| matches!(self.lookup(n), Some(Binding::Value(v)) if self.poisoned.contains(&v)),
        );
        if !follows_error {
            self.cx.error_spanned(tokens, msg);
        }
        self.placeholder()
    }

    fn bind(&mut self, name: &Ident, b: Binding) {
        let info = match b {
            Binding::Value(v) => &mut self.func.vars[v.0 as usize],
            Binding::Array(a) => &mut self.func.arrays[a.0 as usize].info,
            Binding::Local(l) => &mut self.func.locals[l.0 as usize],
        };
        if info.name.is_none() {
            info.name = Some(name.to_string());
        }
        self.scopes
            .last_mut()
            .expect("a scope is always open")
            .push((name.clone(), b));
    }

    fn lookup(&self, name: &Ident) -> Option<Binding> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|(n, _)| n == name)
            .map(|&(_, b)| b)
    }

    /// The innermost binding of `name` now stands for `b`.
    fn rebind(&mut self, name: &Ident, b: Binding) {
        let slot = self
            .scopes
            .iter_mut()
            .rev()
            .flat_map(|s| s.iter_mut().rev())
            .find(|(n, _)| n == name);
        if let Some(slot) = slot {
            slot.1 = b;
        }
        if let Binding::Value(v) = b {
            let info = &mut self.func.vars[v.0 as usize];
            if info.name.is_none() {
                info.name = Some(name.to_string());
            }
        }
    }

    fn ty(&self, v: Var) -> Ty {
        self.func.info(v).ty
    }

    /// Before a loop or a branch: every value-bound variable it assigns becomes a mutable
    /// local, so that each iteration and each path sees the latest value.
    fn make_mutable(&mut self, tokens: &impl ToTokens) {
        for name in assigned_names(tokens) {
            if let Some(Binding::Value(v)) = self.lookup(&name) {
                let local = self.declare(v, None, &name.to_string());
                self.rebind(&name, Binding::Local(local));
            }
        }
    }

    /// Lowers statements in the current block; returns the value of a tail expression, which
    /// is an `if` or `match` with a value when `value_wanted`. When a statement may leave
    /// (`break`, `continue`, `return`), the statements after it run only if it did not.
    fn stmts(&mut self, stmts: &[syn::Stmt], value_wanted: bool) -> Option<Var> {
        let mut value = None;
        for (k, stmt) in stmts.iter().enumerate() {
            if matches!(self.ret, Some(Return::Value(_))) {
                break;
            }
            let exits = self.exits;
            value = match stmt {
                syn::Stmt::Expr(e @ (Expr::If(_) | Expr::Match(_)), None)
                    if value_wanted && k + 1 == stmts.len() =>
                {
                    Some(self.expr(e))
                }
                _ => self.stmt(stmt),
            };
            let rest = &stmts[k + 1..];
            if self.exits != exits && !rest.is_empty() {
                let flag = match (self.loops.last(), &self.ret) {
                    (Some(Some(flags)), _) => flags.skip,
                    (_, Some(Return::Flags { returned, .. })) => *returned,
                    _ => return self.stmts(rest, value_wanted),
                };
                let left = self.get(flag);
                let go = self.def(Op::Not(left), Ty::Bool, Span::call_site());
                let mut tail = None;
                let mut then = self.nested(|l| tail = l.stmts(rest, value_wanted));
                if let (Some(v), true, Some(Return::Flags { ret, .. })) =
                    (tail, self.loops.is_empty(), &self.ret)
                {
                    then.push(Stmt::Set {
                        local: *ret,
                        value: v,
                    });
                } else if tail.is_some() {
                    self.cx.error_spanned(
                        &stmts[stmts.len() - 1],
                        "#[grad] cannot give a block a value after an early `break`, `continue` or `return`; assign the value to a variable",
                    );
                }
                self.push(Stmt::If {
                    cond: go,
                    then,
                    els: Vec::new(),
                });
                return None;
            }
        }
        value
    }

    /// Lowers one statement; returns its value if it is a tail expression.
    fn stmt(&mut self, stmt: &syn::Stmt) -> Option<Var> {
        match stmt {
            syn::Stmt::Local(local) => {
                self.local(local);
                None
            }
            syn::Stmt::Item(item) => {
                self.item(item);
                None
            }
            syn::Stmt::Macro(m) => {
                self.mac(&m.mac, m.to_token_stream());
                None
            }
            syn::Stmt::Expr(e, semi) => {
                let value = self.effect(e)?;
                semi.is_none().then_some(value)
            }
        }
    }

    /// An expression in statement position, where assignments, loops and jumps may stand.
    fn effect(&mut self, e: &Expr) -> Option<Var> {
        match e {
            Expr::Assign(a) => {
                let v = self.expr(&a.right);
                self.assign(&a.left, v);
                None
            }
            Expr::Binary(b) if compound(&b.op).is_some() => {
                let op = compound(&b.op).expect("matched above");
                let rhs = self.expr(&b.right);
                let lhs = self.expr(&b.left);
                let v = self.binary(op, lhs, rhs, b.op.span());
                self.assign(&b.left, v);
                None
            }
            Expr::Return(r) => {
                let v = match &r.expr {
                    Some(e) => self.expr(e),
                    None => self
                        .unsupported(r, "#[grad] functions return a float; write `return value;`"),
                };
                self.ret_from(v);
                None
            }
            Expr::Break(b) => {
                if b.label.is_some() || b.expr.is_some() {
                    self.unsupported(
                        b,
                        "#[grad] supports a plain `break;` only, without a label or a value; set a variable before breaking",
                    );
                } else {
                    self.leave(true, b);
                }
                None
            }
            Expr::Continue(c) => {
                if c.label.is_some() {
                    self.unsupported(
                        c,
                        "#[grad] does not support labelled `continue`; restructure with a flag",
                    );
                } else {
                    self.leave(false, c);
                }
                None
            }
            Expr::ForLoop(f) => {
                self.for_loop(f);
                None
            }
            Expr::While(w) => {
                self.while_loop(w);
                None
            }
            Expr::Loop(l) if l.label.is_none() => {
                self.make_mutable(&l.body);
                let body = &l.body;
                self.looped(body, |lower| {
                    let body = lower.loop_body(body);
                    lower.push(Stmt::While { cond: None, body });
                });
                None
            }
            Expr::If(i) => {
                self.if_stmt(i, false);
                None
            }
            Expr::Match(m) => {
                self.match_expr(m, false);
                None
            }
            Expr::Macro(m) => {
                self.mac(&m.mac, m.to_token_stream());
                None
            }
            Expr::Block(b) if b.label.is_none() => {
                let mut value = None;
                let block = self.nested(|l| value = l.stmts(&b.block.stmts, false));
                // A plain block shares its parent's control flow: splice it in.
                self.blocks
                    .last_mut()
                    .expect("a block is always open")
                    .extend(block);
                value
            }
            _ => Some(self.expr(e)),
        }
    }

    /// `return v`: in straight-line code the end of lowering; inside loops and branches the
    /// result and the flags.
    fn ret_from(&mut self, v: Var) {
        match self.ret {
            Some(Return::Flags { ret, returned }) => {
                self.set(ret, v);
                let yes = self.bool_lit(true);
                self.set(returned, yes);
                let flags: Vec<(Local, Local)> = self
                    .loops
                    .iter()
                    .flatten()
                    .map(|f| (f.skip, f.stop))
                    .collect();
                for (skip, stop) in flags {
                    self.set(skip, yes);
                    self.set(stop, yes);
                }
                self.exits += 1;
            }
            _ => self.ret = Some(Return::Value(v)),
        }
    }

    /// `break` (`stop`) or `continue`.
    fn leave(&mut self, stop: bool, at: &impl ToTokens) {
        let Some(Some(flags)) = self.loops.last() else {
            self.unsupported(at, "`break` and `continue` belong inside a loop");
            return;
        };
        let (skip, stop_flag) = (flags.skip, flags.stop);
        let yes = self.bool_lit(true);
        self.set(skip, yes);
        if stop {
            self.set(stop_flag, yes);
        }
        self.exits += 1;
    }

    /// Runs `f` with a loop context for `body`: flags when it may leave early.
    fn looped(&mut self, body: &syn::Block, f: impl FnOnce(&mut Self)) {
        let flags = leaves(body).then(|| {
            let no = self.bool_lit(false);
            LoopFlags {
                skip: self.declare(no, Some(Ty::Bool), "skip"),
                stop: self.declare(no, Some(Ty::Bool), "stop"),
            }
        });
        self.loops.push(flags);
        f(self);
        self.loops.pop();
    }

    /// A loop body: the flags are reset at its start and tested at its end.
    fn loop_body(&mut self, body: &syn::Block) -> Block {
        self.nested(|l| {
            let flags = l
                .loops
                .last()
                .and_then(|f| f.as_ref())
                .map(|f| (f.skip, f.stop));
            if let Some((skip, _)) = flags {
                let no = l.bool_lit(false);
                l.set(skip, no);
            }
            if l.stmts(&body.stmts, false).is_some() {
                l.cx.error_spanned(
                    body,
                    "a loop body has no value; end its last statement with `;`",
                );
            }
            if let Some((_, stop)) = flags {
                let c = l.get(stop);
                l.push(Stmt::ExitIf(c));
            }
        })
    }

    fn for_loop(&mut self, f: &syn::ExprForLoop) {
        if let Some(label) = &f.label {
            self.unsupported(
                label,
                "#[grad] does not support loop labels; restructure with a flag",
            );
            return;
        }
        let Some((iter, elem)) = self.iteration(&f.expr) else {
            return;
        };
        self.make_mutable(&f.body);
        let var = self.func.var(Ty::Int, false, None);
        self.looped(&f.body, |l| {
            let body = l.nested(|l| {
                l.bind_pattern(&f.pat, var, elem);
                let body = l.loop_body(&f.body);
                l.blocks
                    .last_mut()
                    .expect("a block is always open")
                    .extend(body);
            });
            l.push(Stmt::For { var, iter, body });
        });
    }

    /// Binds a `for` pattern: the index, or the element of an array iterated over (with the
    /// index too for `enumerate`).
    fn bind_pattern(&mut self, pat: &Pat, index: Var, elem: Option<(Array, bool)>) {
        let load = |l: &mut Self, array: Array| {
            let ty = l.func.array_info(array).info.ty;
            l.def(Op::Load(array, vec![index]), ty, pat.span())
        };
        match (pat, elem) {
            (_, None) => self.bind_value(pat, index),
            (Pat::Tuple(t), Some((array, true))) if t.elems.len() == 2 => {
                self.bind_value(&t.elems[0], index);
                let v = load(self, array);
                self.bind_value(&t.elems[1], v);
            }
            (_, Some((array, false))) => {
                let v = load(self, array);
                self.bind_value(pat, v);
            }
            (other, _) => {
                self.unsupported(
                    other,
                    "#[grad] supports `for i in ..`, `for &v in xs.iter()` and `for (i, &v) in xs.iter().enumerate()` here",
                );
            }
        }
    }

    /// Binds `v`, `&v` or `_` to a value.
    fn bind_value(&mut self, pat: &Pat, v: Var) {
        match pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                self.bind(&p.ident, Binding::Value(v))
            }
            Pat::Reference(r) => self.bind_value(&r.pat, v),
            Pat::Wild(_) => {}
            other => {
                self.unsupported(
                    other,
                    "#[grad] binds loop variables to plain names, `&name` or `_`",
                );
            }
        }
    }

    /// What a `for` loop iterates: a range with adapters, or an array's elements (with
    /// `enumerate`: the flag).
    fn iteration(&mut self, e: &Expr) -> Option<(Iter, Option<(Array, bool)>)> {
        match e {
            Expr::Paren(p) => self.iteration(&p.expr),
            Expr::Group(g) => self.iteration(&g.expr),
            Expr::Range(r) => {
                let (Some(from), Some(to)) = (&r.start, &r.end) else {
                    self.unsupported(r, "#[grad] needs both ends of a loop range, as in `0..n`");
                    return None;
                };
                let start = self.expr(from);
                let end = self.expr(to);
                let inclusive = matches!(r.limits, syn::RangeLimits::Closed(_));
                let iter = Iter {
                    start,
                    end,
                    inclusive,
                    adapters: Vec::new(),
                };
                Some((iter, None))
            }
            Expr::Reference(r) if r.mutability.is_none() => self.array_iteration(&r.expr, e),
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                match (&*name, m.args.len()) {
                    ("iter", 0) => self.array_iteration(&m.receiver, e),
                    ("rev", 0) | ("step_by", 1) | ("enumerate", 0) => {
                        let (mut iter, elem) = self.iteration(&m.receiver)?;
                        match &*name {
                            "rev" => iter.adapters.push(Adapter::Rev),
                            "step_by" => {
                                let k = self.expr(&m.args[0]);
                                iter.adapters.push(Adapter::StepBy(k));
                            }
                            _ => {
                                match elem {
                                    Some((a, false)) if iter.adapters.is_empty() => {
                                        return Some((iter, Some((a, true))))
                                    }
                                    _ => {
                                        self.unsupported(&m.method, "#[grad] supports `enumerate()` directly on `xs.iter()`");
                                        return None;
                                    }
                                }
                            }
                        }
                        Some((iter, elem))
                    }
                    _ => {
                        self.unsupported(
                            &m.method,
                            format!("#[grad] does not support the iterator adaptor `{name}`; loop over indices, `xs.iter()`, `.enumerate()`, `.rev()` or `.step_by(k)`"),
                        );
                        None
                    }
                }
            }
            other => {
                self.unsupported(
                    other,
                    "#[grad] loops over ranges (`a..b`, `a..=b`) and arrays (`xs.iter()`); iterate over indices instead",
                );
                None
            }
        }
    }

    fn array_iteration(&mut self, e: &Expr, whole: &Expr) -> Option<(Iter, Option<(Array, bool)>)> {
        let Some(array) = self.array_of(e) else {
            self.unsupported(
                whole,
                "#[grad] iterates only over arrays and slices of floats here",
            );
            return None;
        };
        let zero = self.lit(&syn::parse_quote!(0));
        let end = self.def(Op::Len(array, Vec::new()), Ty::Int, e.span());
        let iter = Iter {
            start: zero,
            end,
            inclusive: false,
            adapters: Vec::new(),
        };
        Some((iter, Some((array, false))))
    }

    /// The array a plain name stands for.
    fn array_of(&self, e: &Expr) -> Option<Array> {
        match e {
            Expr::Path(p) => match self.lookup(p.path.get_ident()?) {
                Some(Binding::Array(a)) => Some(a),
                _ => None,
            },
            Expr::Paren(p) => self.array_of(&p.expr),
            Expr::Reference(r) => self.array_of(&r.expr),
            _ => None,
        }
    }

    fn while_loop(&mut self, w: &syn::ExprWhile) {
        if let Some(label) = &w.label {
            self.unsupported(
                label,
                "#[grad] does not support loop labels; restructure with a flag",
            );
            return;
        }
        if let Expr::Let(l) = &*w.cond {
            self.unsupported(l, "#[grad] does not support `while let`; loop with `while` over a condition or over indices");
            return;
        }
        self.make_mutable(&w.body);
        self.looped(&w.body, |l| {
            let mut c = None;
            let cond = l.nested(|l| c = Some(l.expr(&w.cond)));
            let c = c.expect("set by the closure");
            let body = l.loop_body(&w.body);
            l.push(Stmt::While {
                cond: Some((cond, c)),
                body,
            });
        });
    }

    /// `if` as a statement (`value` false) or as an expression whose value it returns.
    fn if_stmt(&mut self, i: &syn::ExprIf, value: bool) -> Option<Var> {
        if let Expr::Let(l) = &*i.cond {
            return Some(self.unsupported(
                l,
                "#[grad] does not support `if let`; compare values with `==`, `<`, ...",
            ));
        }
        self.make_mutable(i);
        let cond = self.expr(&i.cond);
        let mut then_value = None;
        let then = self.nested(|l| then_value = l.stmts(&i.then_branch.stmts, value));
        let mut else_value = None;
        let els = match &i.else_branch {
            Some((_, e)) => self.nested(|l| else_value = l.branch(e, value)),
            None => Vec::new(),
        };
        if !value {
            self.push(Stmt::If { cond, then, els });
            return None;
        }
        let (Some(a), Some(b)) = (then_value, else_value) else {
            self.cx.error_spanned(
                i,
                "#[grad] needs both branches of an `if` used as a value to end in a value, and an `else`",
            );
            return Some(self.placeholder());
        };
        Some(self.merge(cond, then, a, els, b))
    }

    /// The value of an `if` or `match`: a local both branches assign.
    fn merge(&mut self, cond: Var, mut then: Block, a: Var, mut els: Block, b: Var) -> Var {
        let ty = join(Some(self.ty(a)), self.ty(b));
        let init = match ty {
            Ty::Bool => self.bool_lit(false),
            Ty::Int => self.lit(&syn::parse_quote!(0)),
            _ => self.lit(&syn::parse_quote!(0.0)),
        };
        let local = self.declare(init, Some(ty), "branch");
        then.push(Stmt::Set { local, value: a });
        els.push(Stmt::Set { local, value: b });
        self.push(Stmt::If { cond, then, els });
        self.get(local)
    }

    /// An `else` branch: a block or another `if`.
    fn branch(&mut self, e: &Expr, value: bool) -> Option<Var> {
        match e {
            Expr::Block(b) => self.stmts(&b.block.stmts, value),
            Expr::If(i) => self.if_stmt(i, value),
            other => Some(self.expr(other)),
        }
    }

    /// `match` on integers or booleans, as a chain of `if`s; `value` when its value is used.
    fn match_expr(&mut self, m: &syn::ExprMatch, value: bool) -> Option<Var> {
        self.make_mutable(m);
        let scrutinee = self.expr(&m.expr);
        self.arms(scrutinee, &m.arms, m, value)
    }

    fn arms(
        &mut self,
        s: Var,
        arms: &[syn::Arm],
        whole: &syn::ExprMatch,
        value: bool,
    ) -> Option<Var> {
        let Some((arm, rest)) = arms.split_first() else {
            return Some(self.unsupported(whole, "#[grad] needs a `match` with at least one arm"));
        };
        if let Some((if_token, _)) = &arm.guard {
            return Some(self.unsupported(
                if_token,
                "#[grad] does not support match guards; use `if` inside the arm",
            ));
        }
        let body = |l: &mut Self| {
            if value {
                Some(l.expr(&arm.body))
            } else {
                l.effect(&arm.body)
            }
        };
        // Rust checks that the arms are exhaustive: the last one runs when no other matched.
        if rest.is_empty() {
            return body(self);
        }
        let Some(cond) = self.pattern(s, &arm.pat) else {
            return Some(self.unsupported(
                &arm.pat,
                "this arm matches everything; the arms after it never run",
            ));
        };
        let mut a = None;
        let then = self.nested(|l| a = body(l));
        let mut b = None;
        let els = self.nested(|l| b = l.arms(s, rest, whole, value));
        match (value, a, b) {
            (true, Some(a), Some(b)) => Some(self.merge(cond, then, a, els, b)),
            _ => {
                self.push(Stmt::If { cond, then, els });
                None
            }
        }
    }

    /// The condition under which `pat` matches `s`; `None` for a pattern that always matches.
    fn pattern(&mut self, s: Var, pat: &Pat) -> Option<Var> {
        match pat {
            Pat::Wild(_) => None,
            Pat::Lit(l) => {
                let v = self.lit(&l.lit);
                Some(self.def(Op::Cmp(Cmp::Eq, s, v), Ty::Bool, l.span()))
            }
            Pat::Paren(p) => self.pattern(s, &p.pat),
            Pat::Or(o) => {
                let mut conds = Vec::new();
                for case in &o.cases {
                    conds.push(self.pattern(s, case)?);
                }
                conds.into_iter().reduce(|a, b| self.or(a, b))
            }
            Pat::Range(r) => {
                let mut cond = None;
                if let Some(lo) = &r.start {
                    let lo = self.expr(lo);
                    cond = Some(self.def(Op::Cmp(Cmp::Ge, s, lo), Ty::Bool, r.span()));
                }
                if let Some(hi) = &r.end {
                    let hi = self.expr(hi);
                    let op = match r.limits {
                        syn::RangeLimits::Closed(_) => Cmp::Le,
                        syn::RangeLimits::HalfOpen(_) => Cmp::Lt,
                    };
                    let c = self.def(Op::Cmp(op, s, hi), Ty::Bool, r.span());
                    cond = Some(match cond {
                        Some(lo) => self.and(lo, c),
                        None => c,
                    });
                }
                cond
            }
            other => Some(self.unsupported(
                other,
                "#[grad] matches integers and booleans against literals, `a | b`, ranges and `_`",
            )),
        }
    }

    /// `a || b` of two already-computed conditions.
    fn or(&mut self, a: Var, b: Var) -> Var {
        let yes = self.bool_lit(true);
        self.merge(a, Vec::new(), yes, Vec::new(), b)
    }

    /// `a && b` of two already-computed conditions.
    fn and(&mut self, a: Var, b: Var) -> Var {
        let no = self.bool_lit(false);
        self.merge(a, Vec::new(), b, Vec::new(), no)
    }

    /// `a && b` or `a || b`, evaluating `b` only when needed, as Rust does.
    fn short_circuit(&mut self, b: &syn::ExprBinary, and: bool) -> Var {
        let lhs = self.expr(&b.left);
        let mut rhs = None;
        let eval = self.nested(|l| rhs = Some(l.expr(&b.right)));
        let rhs = rhs.expect("set above");
        let fixed = self.bool_lit(!and);
        if and {
            self.merge(lhs, eval, rhs, Vec::new(), fixed)
        } else {
            self.merge(lhs, Vec::new(), fixed, eval, rhs)
        }
    }

    fn assign(&mut self, place: &Expr, v: Var) {
        match place {
            Expr::Path(p) if p.qself.is_none() => {
                match p.path.get_ident().map(|i| (i, self.lookup(i))) {
                    Some((name, Some(Binding::Value(_)))) => self.rebind(name, Binding::Value(v)),
                    Some((_, Some(Binding::Local(l)))) => self.set(l, v),
                    _ => {
                        self.unsupported(
                        place,
                        "#[grad] can assign only to local variables and parameters; bind the value with `let` instead",
                    );
                    }
                }
            }
            Expr::Paren(p) => self.assign(&p.expr, v),
            Expr::Index(_) => {
                if let Some((array, index)) = self.element(place) {
                    self.push(Stmt::Store {
                        array,
                        index,
                        value: v,
                        acc: false,
                    });
                }
            }
            _ => {
                self.unsupported(
                    place,
                    "#[grad] can assign only to a variable or an array element here; write `name = value` or `a[i] = value`",
                );
            }
        }
    }

    /// The array and the indices of `a[i][j]`.
    fn element(&mut self, e: &Expr) -> Option<(Array, Vec<Var>)> {
        match e {
            Expr::Index(ix) => {
                let (array, mut index) = self.element(&ix.expr)?;
                index.push(self.expr(&ix.index));
                Some((array, index))
            }
            Expr::Paren(p) => self.element(&p.expr),
            base => match self.array_of(base) {
                Some(a) => Some((a, Vec::new())),
                None => {
                    self.unsupported(
                        base,
                        "#[grad] indexes only arrays and slices of floats; this is not one",
                    );
                    None
                }
            },
        }
    }

    fn local(&mut self, local: &syn::Local) {
        let (pat, ty) = match &local.pat {
            Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
            p => (p, None),
        };
        let init = match &local.init {
            None => {
                let v = self.unsupported(
                    local,
                    "#[grad] needs every `let` to have a value; write `let name = value;`",
                );
                return self.bind_local(pat, Binding::Value(v));
            }
            Some(init) if init.diverge.is_some() => {
                let (else_token, _) = init.diverge.as_ref().expect("matched above");
                self.cx.error_spanned(
                    else_token,
                    "#[grad] does not support `let ... else`; bind the value with `let name = value;`",
                );
                return;
            }
            Some(init) => &init.expr,
        };
        if let Some(array) = self.array_init(init) {
            return self.bind_local(pat, Binding::Array(array));
        }
        // `let (a, b) = (x, y);`: one binding per element.
        if let (Pat::Tuple(names), Expr::Tuple(values)) = (pat, strip_parens(init)) {
            if names.elems.len() == values.elems.len() {
                let values: Vec<Var> = values.elems.iter().map(|e| self.expr(e)).collect();
                for (name, v) in names.elems.iter().zip(values) {
                    self.bind_local(name, Binding::Value(v));
                }
                return;
            }
        }
        let typed_lit = ty.and_then(|t| suffixed(init, t));
        let v = self.expr(typed_lit.as_ref().unwrap_or(init));
        if let Some(ast::ParamKind::Float(f)) = ty.map(ast::param_kind) {
            let info = &mut self.func.vars[v.0 as usize];
            if info.ty == Ty::Float(None) {
                info.ty = Ty::Float(Some(f));
            }
        }
        self.bind_local(pat, Binding::Value(v));
    }

    fn bind_local(&mut self, pat: &Pat, b: Binding) {
        match pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => self.bind(&p.ident, b),
            Pat::Wild(_) => {}
            other => {
                let placeholder = self.unsupported(
                    other,
                    "#[grad] supports `let name = ...`, `let (a, b) = (x, y)` and `let _ = ...`; bind each value to its own name",
                );
                // The names still exist, so their uses report nothing more.
                for name in mentioned_names(other.to_token_stream()) {
                    self.bind(&name, Binding::Value(placeholder));
                }
            }
        }
    }

    /// A local buffer: `[v; N]`, `vec![v; n]`, `[a, b]`, `vec![a, b]`, nested fills.
    fn array_init(&mut self, e: &Expr) -> Option<Array> {
        let init = match e {
            Expr::Repeat(_) | Expr::Array(_) => self.array_literal(e, false)?,
            Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                let inner: Expr = match m.mac.parse_body_with(parse_vec_body) {
                    Ok(inner) => inner,
                    Err(err) => {
                        self.cx.push(err);
                        return None;
                    }
                };
                self.array_literal(&inner, true)?
            }
            _ => return None,
        };
        let info = Info {
            ty: Ty::Float(None),
            active: false,
            name: None,
        };
        let array = self.func.array(info, ArrayKind::Local);
        self.push(Stmt::DeclArray {
            array,
            init,
            span: e.span(),
        });
        Some(array)
    }

    /// The contents of an array literal (`vec` for `vec![...]`'s).
    fn array_literal(&mut self, e: &Expr, vec: bool) -> Option<ArrayInit> {
        match e {
            Expr::Repeat(r) => {
                let len = if vec {
                    Len::Value(self.expr(&r.len))
                } else {
                    Len::Const(r.len.clone())
                };
                let (value, mut dims) = match &*r.expr {
                    Expr::Repeat(_) => match self.array_literal(&r.expr, false)? {
                        ArrayInit::Fill { value, dims } => (value, dims),
                        _ => return None,
                    },
                    Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                        let inner: Expr = m.mac.parse_body_with(parse_vec_body).ok()?;
                        match self.array_literal(&inner, true)? {
                            ArrayInit::Fill { value, dims } => (value, dims),
                            _ => return None,
                        }
                    }
                    scalar => (self.expr(scalar), Vec::new()),
                };
                dims.insert(0, (len, vec));
                Some(ArrayInit::Fill { value, dims })
            }
            Expr::Array(a) => {
                let elems = a.elems.iter().map(|x| self.expr(x)).collect();
                Some(ArrayInit::Elems { elems, vec })
            }
            other => {
                self.unsupported(other, "#[grad] supports buffers written `[v; N]`, `vec![v; n]`, `[a, b, c]` or `vec![a, b, c]`");
                None
            }
        }
    }

    fn item(&mut self, item: &syn::Item) {
        match item {
            syn::Item::Const(_) | syn::Item::Use(_) => self.func.items.push(item.clone()),
            syn::Item::Static(s) if matches!(s.mutability, syn::StaticMutability::Mut(_)) => {
                self.cx.error_spanned(
                    s,
                    "#[grad] functions cannot use a `static mut`: the gradient cannot see its changes; pass the value as a parameter",
                )
            }
            other => self.cx.error_spanned(
                other,
                "#[grad] functions may declare only `const` items and `use` inside; move this item outside the function",
            ),
        }
    }

    /// Reports a macro other than the `assert!`-like ones; true if it is one of them.
    fn check_macro(&mut self, mac: &syn::Macro) -> bool {
        let name = mac.path.segments.last().map(|s| s.ident.to_string());
        let ok = name.as_deref().is_some_and(|n| ASSERTS.contains(&n));
        if !ok {
            self.cx.error_spanned(
                mac,
                format!(
                    "#[grad] does not support the macro `{}!`; only `assert!`, `assert_eq!`, `assert_ne!` and their `debug_` forms may appear: write the computation in plain code",
                    mac.path.to_token_stream().to_string().replace(' ', "")
                ),
            );
        }
        ok
    }

    /// `assert!`-like macros are kept verbatim; any other macro is an error.
    fn mac(&mut self, mac: &syn::Macro, tokens: TokenStream) {
        if !self.check_macro(mac) {
            return;
        }
        let mut bindings = Vec::new();
        for name in mentioned_names(mac.tokens.clone()) {
            let v = match self.lookup(&name) {
                Some(Binding::Value(v)) => v,
                Some(Binding::Local(l)) => self.get(l),
                Some(Binding::Array(_)) => {
                    self.unsupported(&name, "#[grad] does not support arrays inside `assert!`; assert on their elements");
                    continue;
                }
                None => continue,
            };
            let is_param_itself = matches!(self.op_of(v), Some(Op::Param(_)))
                && self.func.info(v).name.as_deref() == Some(&*name.to_string());
            if !is_param_itself && !bindings.iter().any(|(n, _)| *n == name) {
                bindings.push((name, v));
            }
        }
        self.push(Stmt::Verbatim { tokens, bindings });
    }

    fn op_of(&self, v: Var) -> Option<&Op> {
        fn find(block: &Block, v: Var) -> Option<&Op> {
            block.iter().find_map(|s| match s {
                Stmt::Let { dsts, op, .. } if dsts.contains(&Some(v)) => Some(op),
                other => other.blocks().into_iter().find_map(|b| find(b, v)),
            })
        }
        self.blocks.iter().find_map(|b| find(b, v))
    }

    fn expr(&mut self, e: &Expr) -> Var {
        match e {
            Expr::Lit(l) => self.lit(&l.lit),
            Expr::Path(p) => self.path(p),
            Expr::Paren(p) => self.expr(&p.expr),
            Expr::Group(g) => self.expr(&g.expr),
            Expr::Binary(b) => match (&b.op, infix_char(&b.op), comparison(&b.op)) {
                (BinOp::And(_), ..) => self.short_circuit(b, true),
                (BinOp::Or(_), ..) => self.short_circuit(b, false),
                (_, Some(c), _) => {
                    let l = self.expr(&b.left);
                    let r = self.expr(&b.right);
                    self.binary(c, l, r, b.op.span())
                }
                (_, _, Some(cmp)) => {
                    let l = self.expr(&b.left);
                    let r = self.expr(&b.right);
                    self.def(Op::Cmp(cmp, l, r), Ty::Bool, b.op.span())
                }
                _ => self.unsupported(b.op, unsupported_binop(&b.op)),
            },
            Expr::Unary(u) => match u.op {
                UnOp::Neg(_) => {
                    let x = self.expr(&u.expr);
                    self.prim(primitives::neg(), vec![x], u.span())
                }
                UnOp::Not(_) => {
                    let x = self.expr(&u.expr);
                    let ty = self.ty(x);
                    self.def(Op::Not(x), ty, u.span())
                }
                // A reference to a number (`for v in xs.iter()`, `n: &usize`) is the number.
                _ => self.expr(&u.expr),
            },
            Expr::Index(_) => match self.element(e) {
                Some((array, index)) => {
                    let ty = self.func.array_info(array).info.ty;
                    self.def(Op::Load(array, index), ty, e.span())
                }
                None => self.placeholder(),
            },
            Expr::MethodCall(m) => self.method_call(m),
            Expr::Call(c) => self.call(c),
            Expr::Cast(c) => self.cast(c),
            Expr::If(i) => self.if_stmt(i, true).unwrap_or_else(|| self.placeholder()),
            Expr::Match(m) => self
                .match_expr(m, true)
                .unwrap_or_else(|| self.placeholder()),
            Expr::Block(b) if b.label.is_none() => {
                let mut value = None;
                let block = self.nested(|l| value = l.stmts(&b.block.stmts, true));
                self.blocks
                    .last_mut()
                    .expect("a block is always open")
                    .extend(block);
                match value {
                    Some(v) => v,
                    None => self.unsupported(
                        b,
                        "#[grad] needs this block to have a value; end it with an expression without `;`",
                    ),
                }
            }
            Expr::Macro(m) if !self.check_macro(&m.mac) => self.placeholder(),
            Expr::ForLoop(x) => self.unsupported(x.for_token, unsupported_expr(e)),
            Expr::While(x) => self.unsupported(x.while_token, unsupported_expr(e)),
            Expr::Loop(x) => self.unsupported(x.loop_token, unsupported_expr(e)),
            _ => {
                let msg = unsupported_expr(e);
                self.unsupported(e, msg)
            }
        }
    }

    fn lit(&mut self, lit: &Lit) -> Var {
        let ty = match lit {
            Lit::Float(f) => Ty::Float(float_suffix(f.suffix())),
            Lit::Int(i) if matches!(i.suffix(), "f32" | "f64") => {
                Ty::Float(float_suffix(i.suffix()))
            }
            Lit::Int(_) => Ty::Int,
            Lit::Bool(_) => Ty::Bool,
            _ => Ty::Other,
        };
        self.def(Op::Lit(lit.clone()), ty, lit.span())
    }

    fn path(&mut self, p: &syn::ExprPath) -> Var {
        match p.path.get_ident().and_then(|i| self.lookup(i)) {
            Some(Binding::Value(v)) => return v,
            Some(Binding::Local(l)) => return self.get(l),
            Some(Binding::Array(_)) => return self.unsupported(
                p,
                "#[grad] uses arrays only by indexing them, `a[i]`, or with `len()` and `iter()`",
            ),
            None => {}
        }
        // A named constant: `PI`, `std::f64::consts::E`, a `const` item.
        let segs: Vec<String> = p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let ty = match segs.iter().rev().nth(2).map(String::as_str) {
            Some("f64") if segs[segs.len() - 2] == "consts" => Ty::Float(Some(FloatTy::F64)),
            Some("f32") if segs[segs.len() - 2] == "consts" => Ty::Float(Some(FloatTy::F32)),
            _ => Ty::Other,
        };
        if p.qself.is_some() {
            return self.unsupported(p, "#[grad] does not support qualified paths `<T as Trait>::X`; bind the value to a `const` outside the function and use its name");
        }
        self.def(Op::Path(Box::new(p.path.clone())), ty, p.span())
    }

    fn binary(&mut self, op: char, l: Var, r: Var, span: Span) -> Var {
        let prim = primitives::infix(op).expect("infix_char returns only table operators");
        self.prim(prim, vec![l, r], span)
    }

    /// A primitive applied to lowered arguments. Its type is that of its float arguments (an
    /// integer receiver keeps integer methods such as `n.max(m)` integral).
    fn prim(&mut self, prim: &'static primitives::Prim, args: Vec<Var>, span: Span) -> Var {
        let ty = prim
            .args
            .iter()
            .zip(&args)
            .filter(|(k, _)| **k == primitives::Arg::Float)
            .map(|(_, v)| self.ty(*v))
            .fold(None, |acc, t| Some(join(acc, t)));
        self.def(Op::Prim(prim, args), ty.unwrap_or(Ty::Other), span)
    }

    fn method_call(&mut self, m: &syn::ExprMethodCall) -> Var {
        if matches!(&*m.method.to_string(), "sum" | "product") && m.args.is_empty() {
            return match self.reduction(m) {
                Some(v) => v,
                None => self.unsupported(
                    &m.method,
                    "#[grad] supports `xs.iter().sum::<f64>()` and `.product::<f64>()` directly on an array; otherwise write the loop, as in `for &v in xs.iter() { s += v * v; }`",
                ),
            };
        }
        if let Some(t) = &m.turbofish {
            return self.unsupported(t, "#[grad] does not support turbofish `::<>` on methods; write the call without it, or compute the value outside and pass it in");
        }
        if m.method == "len" && m.args.is_empty() {
            if let Ok((array, index)) = self.row(&m.receiver) {
                return self.def(Op::Len(array, index), Ty::Int, m.span());
            }
        }
        let mut args = vec![self.expr(&m.receiver)];
        args.extend(m.args.iter().map(|a| self.expr(a)));
        let name = m.method.to_string();
        match primitives::lookup(Form::Method, &name) {
            Some(p) if p.args.len() == args.len() => self.prim(p, args, m.method.span()),
            Some(p) => self.unsupported(
                &m.method,
                format!("`{name}` takes {} argument(s) here", p.args.len() - 1),
            ),
            // Without a rule, only inactive arguments are allowed: checked with activity.
            None => self.def(
                Op::Opaque(Callee::Method(m.method.clone()), args),
                Ty::Other,
                m.method.span(),
            ),
        }
    }

    /// `a[i]` as a row of a nested array, or the array itself.
    fn row(&mut self, e: &Expr) -> Result<(Array, Vec<Var>), ()> {
        match e {
            Expr::Index(_) => self.element(e).ok_or(()),
            other => self.array_of(other).map(|a| (a, Vec::new())).ok_or(()),
        }
    }

    /// `xs.iter().sum::<f64>()` and `.product::<f64>()`, as a loop.
    fn reduction(&mut self, m: &syn::ExprMethodCall) -> Option<Var> {
        let name = m.method.to_string();
        let unit = match &*name {
            "sum" => "0.0",
            "product" => "1.0",
            _ => return None,
        };
        let Expr::MethodCall(inner) = &*m.receiver else {
            return None;
        };
        if inner.method != "iter" || !m.args.is_empty() {
            return None;
        }
        let array = self.array_of(&inner.receiver)?;
        let ty = self.func.array_info(array).info.ty;
        let init = self.lit(&syn::parse_str(unit).expect("a float literal"));
        let acc = self.declare(init, Some(ty), &name);
        let zero = self.lit(&syn::parse_quote!(0));
        let end = self.def(Op::Len(array, Vec::new()), Ty::Int, m.span());
        let var = self.func.var(Ty::Int, false, None);
        let op = if name == "sum" { '+' } else { '*' };
        let body = self.nested(|l| {
            let x = l.def(Op::Load(array, vec![var]), ty, m.span());
            let a = l.get(acc);
            let v = l.binary(op, a, x, m.method.span());
            l.set(acc, v);
        });
        let iter = Iter {
            start: zero,
            end,
            inclusive: false,
            adapters: Vec::new(),
        };
        self.push(Stmt::For { var, iter, body });
        Some(self.get(acc))
    }

    fn call(&mut self, c: &syn::ExprCall) -> Var {
        let Expr::Path(func) = &*c.func else {
            return self.unsupported(
                &c.func,
                "#[grad] can call only functions named by a path, as in `f64::sin(x)`",
            );
        };
        if let Some(Binding::Value(v)) = func.path.get_ident().and_then(|i| self.lookup(i)) {
            // Calling a local: a closure, already reported.
            if self.poisoned.contains(&v) {
                return self.placeholder();
            }
        }
        let args: Vec<Var> = c.args.iter().map(|a| self.expr(a)).collect();
        let segs: Vec<String> = func
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let prim = match segs[..] {
            ["f64" | "f32", name] => primitives::lookup(Form::Method, name),
            ["autodiff", name] => primitives::lookup(Form::Runtime, name),
            _ => None,
        };
        match prim {
            Some(p) if p.args.len() == args.len() => self.prim(p, args, func.span()),
            Some(p) => self.unsupported(
                c,
                format!("`{}` takes {} argument(s)", segs.join("::"), p.args.len()),
            ),
            None => self.def(
                Op::Opaque(Callee::Path(Box::new(func.path.clone())), args),
                Ty::Other,
                func.span(),
            ),
        }
    }

    fn cast(&mut self, c: &syn::ExprCast) -> Var {
        let x = self.expr(&c.expr);
        let ty = match ast::param_kind(&c.ty) {
            ParamKind::Float(f) => Ty::Float(Some(f)),
            ParamKind::Int => Ty::Int,
            _ => {
                return self.unsupported(&c.ty, "#[grad] supports `as` casts to number types only")
            }
        };
        self.def(Op::Cast(x, c.ty.clone()), ty, c.span())
    }
}

fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        Expr::Group(g) => strip_parens(&g.expr),
        other => other,
    }
}

/// `vec![...]`'s body as an array expression: `[v; n]` or `[a, b, c]`.
fn parse_vec_body(input: syn::parse::ParseStream) -> syn::Result<Expr> {
    let content: TokenStream = input.parse()?;
    syn::parse2(quote::quote!([#content]))
}

/// Whether the body has a `return` that is not its last statement at the top level.
fn returns_early(block: &syn::Block) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder(false);
    for (k, stmt) in block.stmts.iter().enumerate() {
        let top_level_return = matches!(stmt, syn::Stmt::Expr(Expr::Return(_), _));
        if top_level_return && k + 1 == block.stmts.len() {
            continue;
        }
        if top_level_return {
            // `return` in straight-line code ends lowering; only nested ones need flags.
            break;
        }
        finder.visit_stmt(stmt);
    }
    finder.0
}

/// Whether a loop body may leave early: a `break` or `continue` of this loop, or any `return`.
fn leaves(body: &syn::Block) -> bool {
    struct Finder {
        found: bool,
        depth: usize,
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.found = true;
        }
        fn visit_expr_break(&mut self, _: &'ast syn::ExprBreak) {
            self.found |= self.depth == 0;
        }
        fn visit_expr_continue(&mut self, _: &'ast syn::ExprContinue) {
            self.found |= self.depth == 0;
        }
        fn visit_expr_for_loop(&mut self, e: &'ast syn::ExprForLoop) {
            self.depth += 1;
            syn::visit::visit_expr_for_loop(self, e);
            self.depth -= 1;
        }
        fn visit_expr_while(&mut self, e: &'ast syn::ExprWhile) {
            self.depth += 1;
            syn::visit::visit_expr_while(self, e);
            self.depth -= 1;
        }
        fn visit_expr_loop(&mut self, e: &'ast syn::ExprLoop) {
            self.depth += 1;
            syn::visit::visit_expr_loop(self, e);
            self.depth -= 1;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder {
        found: false,
        depth: 0,
    };
    finder.visit_block(body);
    finder.found
}

/// The names a construct assigns to (`x = ..`, `x += ..`): candidates for mutable locals.
fn assigned_names(tokens: &impl ToTokens) -> Vec<Ident> {
    struct Finder(Vec<Ident>);
    impl Finder {
        fn target(&mut self, e: &Expr) {
            match e {
                Expr::Path(p) => {
                    if let Some(i) = p.path.get_ident() {
                        if !self.0.contains(i) {
                            self.0.push(i.clone());
                        }
                    }
                }
                Expr::Paren(p) => self.target(&p.expr),
                _ => {}
            }
        }
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_assign(&mut self, e: &'ast syn::ExprAssign) {
            self.target(&e.left);
            syn::visit::visit_expr_assign(self, e);
        }
        fn visit_expr_binary(&mut self, e: &'ast syn::ExprBinary) {
            if compound(&e.op).is_some() {
                self.target(&e.left);
            }
            syn::visit::visit_expr_binary(self, e);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder(Vec::new());
    if let Ok(expr) = syn::parse2::<Expr>(tokens.to_token_stream()) {
        finder.visit_expr(&expr);
    } else if let Ok(block) = syn::parse2::<syn::Block>(tokens.to_token_stream()) {
        finder.visit_block(&block);
    }
    finder.0
}

/// The type of an operation on values of types `acc` and `t`: a known float width wins.
fn join(acc: Option<Ty>, t: Ty) -> Ty {
    match (acc, t) {
        (None, t) => t,
        (Some(Ty::Float(Some(f))), _) | (_, Ty::Float(Some(f))) => Ty::Float(Some(f)),
        (Some(Ty::Float(None)), _) | (_, Ty::Float(None)) => Ty::Float(None),
        (Some(Ty::Int), _) | (_, Ty::Int) => Ty::Int,
        (Some(Ty::Bool), _) | (_, Ty::Bool) => Ty::Bool,
        _ => Ty::Other,
    }
}

fn float_suffix(s: &str) -> Option<FloatTy> {
    match s {
        "f64" => Some(FloatTy::F64),
        "f32" => Some(FloatTy::F32),
        _ => None,
    }
}

/// `let x: T = 1.0;` keeps its type once the literal is moved into generated code: the literal
/// gets `T` as its suffix (also under parentheses and a minus).
fn suffixed(e: &Expr, ty: &syn::Type) -> Option<Expr> {
    let name = ty.to_token_stream().to_string();
    let numeric = matches!(ast::param_kind(ty), ParamKind::Float(_) | ParamKind::Int);
    match e {
        _ if !numeric => None,
        Expr::Lit(l) => {
            let (digits, span) = match &l.lit {
                Lit::Float(f) if f.suffix().is_empty() => (f.base10_digits().to_owned(), f.span()),
                Lit::Int(i) if i.suffix().is_empty() => (i.base10_digits().to_owned(), i.span()),
                _ => return None,
            };
            let text = if name.starts_with('f') && !digits.contains(['.', 'e', 'E']) {
                format!("{digits}.0{name}")
            } else {
                format!("{digits}{name}")
            };
            let lit: Lit = syn::parse_str(&text).ok()?;
            let mut l = l.clone();
            l.lit = lit;
            l.lit.set_span(span);
            Some(Expr::Lit(l))
        }
        Expr::Paren(p) => suffixed(&p.expr, ty),
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => {
            let mut u = u.clone();
            *u.expr = suffixed(&u.expr, ty)?;
            Some(Expr::Unary(u))
        }
        _ => None,
    }
}

/// The table operator of an arithmetic `BinOp`.
fn infix_char(op: &BinOp) -> Option<char> {
    match op {
        BinOp::Add(_) => Some('+'),
        BinOp::Sub(_) => Some('-'),
        BinOp::Mul(_) => Some('*'),
        BinOp::Div(_) => Some('/'),
        BinOp::Rem(_) => Some('%'),
        _ => None,
    }
}

fn comparison(op: &BinOp) -> Option<Cmp> {
    match op {
        BinOp::Lt(_) => Some(Cmp::Lt),
        BinOp::Le(_) => Some(Cmp::Le),
        BinOp::Gt(_) => Some(Cmp::Gt),
        BinOp::Ge(_) => Some(Cmp::Ge),
        BinOp::Eq(_) => Some(Cmp::Eq),
        BinOp::Ne(_) => Some(Cmp::Ne),
        _ => None,
    }
}

/// The operator of a compound assignment `x op= e`.
fn compound(op: &BinOp) -> Option<char> {
    match op {
        BinOp::AddAssign(_) => Some('+'),
        BinOp::SubAssign(_) => Some('-'),
        BinOp::MulAssign(_) => Some('*'),
        BinOp::DivAssign(_) => Some('/'),
        BinOp::RemAssign(_) => Some('%'),
        _ => None,
    }
}

fn unsupported_binop(op: &BinOp) -> String {
    let op = op.to_token_stream().to_string();
    format!("#[grad] does not support the operator `{op}`; use `+`, `-`, `*`, `/`, `%`, comparisons, `&&`, `||` and float methods")
}

fn unsupported_expr(e: &Expr) -> &'static str {
    match e {
        Expr::Closure(_) => "#[grad] does not support closures; write the computation inline, or as a separate function",
        Expr::Unsafe(_) => "#[grad] does not support `unsafe` blocks (they could read a `static mut`, whose changes a gradient cannot see); pass the value in as a parameter",
        Expr::Async(_) | Expr::Await(_) => "#[grad] does not support `async` code; differentiate a plain function",
        Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => {
            "#[grad] supports loops as statements only; assign what the loop computes to a variable"
        }
        Expr::Break(_) | Expr::Continue(_) => "#[grad] supports `break` and `continue` as statements only",
        Expr::Array(_) | Expr::Repeat(_) => {
            "#[grad] supports array literals only as the value of a `let`, as in `let mut buf = [0.0; 4];`"
        }
        Expr::Return(_) => "#[grad] supports `return` only as a statement, as in `return value;`",
        Expr::Macro(_) => "#[grad] supports `assert!`-like macros only as statements",
        Expr::Assign(_) => "#[grad] supports assignment only as a statement, as in `x = value;`",
        Expr::Reference(_) => "#[grad] does not support references here; use the value itself",
        Expr::Field(_) | Expr::Struct(_) | Expr::Tuple(_) => {
            "#[grad] does not support structs or tuples yet; pass and bind each float separately"
        }
        Expr::Range(_) => "#[grad] supports ranges only as what a `for` loop iterates",
        _ => "#[grad] does not support this expression; use float arithmetic, float methods, `let`, `as` casts, `if`, `match` and loops",
    }
}

/// The source names a macro's tokens mention: its identifiers, and `{name}` captures in its
/// format strings.
fn mentioned_names(tokens: TokenStream) -> Vec<Ident> {
    let mut names = Vec::new();
    for tt in tokens {
        match tt {
            TokenTree::Ident(i) => names.push(i),
            TokenTree::Group(g) => names.extend(mentioned_names(g.stream())),
            TokenTree::Literal(l) => {
                let text = l.to_string();
                if text.starts_with('"') {
                    for part in text.split('{').skip(1) {
                        let word: String = part
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        if syn::parse_str::<Ident>(&word).is_ok() {
                            names.push(Ident::new(&word, l.span()));
                        }
                    }
                }
            }
            TokenTree::Punct(_) => {}
        }
    }
    names
}
