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
    Array, ArrayKind, Block, FloatTy, Func, Info, Local, Op, Stmt, Ty, Var, Write, Wrt,
};
use crate::maps::HashMap;
use crate::primitives::{self, Form};
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Ident, Lit, Pat, UnOp};

mod arrays;
mod closures;
mod copies;
mod flow;
mod iters;
mod source;
mod tuples;

use source::*;

/// Lowers the body of `func`; errors go to `cx`.
pub fn lower(func: &ast::Func, cx: &mut Ctxt) -> Func {
    let mut lower = Lower {
        cx,
        func: Func::default(),
        blocks: vec![Block::default()],
        scopes: vec![HashMap::default()],
        loops: Vec::new(),
        ret: None,
        exits: 0,
        returns: 0,
        poisoned: Vec::new(),
        constants: HashMap::default(),
        fresh: 0,
        closures: Vec::new(),
        int_arrays: Vec::new(),
        views: Vec::new(),
        depths: HashMap::default(),
        tuples: Vec::new(),
        inner_arrays: Vec::new(),
        array_functions: array_functions(&func.item.block),
    };
    for (i, p) in func.params.iter().enumerate() {
        let name = Some(p.ident.to_string());
        let binding = match p.kind {
            ParamKind::Array { elem, depth } => {
                let info = Info {
                    ty: Ty::Float(Some(elem)),
                    active: p.active,
                    name,
                };
                let a = lower.func.array(info, ArrayKind::Param(i));
                lower.depths.insert(a, depth);
                if p.active {
                    lower.func.wrt.push(Wrt::Array(a));
                }
                Binding::Array(a)
            }
            ParamKind::Unsupported => Binding::Value(lower.placeholder()),
            kind => {
                let ty = match kind {
                    ParamKind::Float(f) => Ty::Float(Some(f)),
                    ParamKind::Int => Ty::Int,
                    _ => Ty::Other,
                };
                let v = lower.def(Op::Param(i), ty, p.ident.span());
                if ast::int_elements(&p.ty) {
                    lower.int_arrays.push(v);
                }
                lower.func.vars[v.0 as usize].active = p.active;
                if p.active {
                    lower.func.wrt.push(Wrt::Scalar(v));
                }
                Binding::Value(v)
            }
        };
        lower.bind(&p.ident, binding);
    }
    let block = &func.item.block;
    if func.output.is_vector() {
        lower.func.ret = lower.vector_result(func);
        lower.func.body = lower.blocks.pop().unwrap_or_default();
        lower.func.number_blocks();
        return lower.func;
    }
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
            let last_loop = match block.stmts.last() {
                Some(syn::Stmt::Expr(Expr::Loop(l), _)) => Some(l),
                _ => None,
            };
            if let Some(l) = last_loop.filter(|l| !ends(&l.body)) {
                lower.cx.error_spanned(
                    l.loop_token,
                    "#[grad] needs the function to return a value, and this `loop` never ends: nothing `break`s out of it or `return`s; end it with `break` and return the result after it",
                );
            } else if matches!(func.item.sig.output, syn::ReturnType::Type(..))
                // A `loop` whose `break value` was reported already.
                && (last_loop.is_none() || lower.cx.len() == 0)
            {
                lower.cx.error_at(
                    block.brace_token.span.close(),
                    "#[grad] needs the function to end in its result: a final expression without `;`, or `return value;`",
                );
            }
            None
        }
    };
    lower.func.ret = ret.into_iter().collect();
    lower.func.body = lower.blocks.pop().unwrap_or_default();
    lower.func.number_blocks();
    lower.func
}

/// The constants of `std::f64::consts` and `std::f32::consts`, which a glob import brings.
const FLOAT_CONSTS: &[&str] = &[
    "PI",
    "TAU",
    "E",
    "SQRT_2",
    "LN_2",
    "LN_10",
    "LOG2_E",
    "LOG2_10",
    "LOG10_E",
    "LOG10_2",
    "FRAC_PI_2",
    "FRAC_PI_3",
    "FRAC_PI_4",
    "FRAC_PI_6",
    "FRAC_PI_8",
    "FRAC_1_PI",
    "FRAC_2_PI",
    "FRAC_2_SQRT_PI",
    "FRAC_1_SQRT_2",
];

/// The float constants a `use` tree imports from `{std,core}::{f64,f32}::consts`, by the name
/// they take; `path` holds the segments above `tree`.
fn float_consts(tree: &syn::UseTree, path: &mut Vec<String>, found: &mut HashMap<String, FloatTy>) {
    let width = || match &path[..] {
        [.., w, c] if c == "consts" => float_suffix(w),
        _ => None,
    };
    match tree {
        syn::UseTree::Path(p) => {
            path.push(p.ident.to_string());
            float_consts(&p.tree, path, found);
            path.pop();
        }
        syn::UseTree::Name(n) => {
            if let Some(w) = width() {
                found.insert(n.ident.to_string(), w);
            }
        }
        syn::UseTree::Rename(r) => {
            if let Some(w) = width() {
                found.insert(r.rename.to_string(), w);
            }
        }
        syn::UseTree::Glob(_) => {
            if let Some(w) = width() {
                found.extend(FLOAT_CONSTS.iter().map(|c| (c.to_string(), w)));
            }
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                float_consts(t, path, found);
            }
        }
    }
}

/// What a source name stands for.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Binding {
    Value(Var),
    Local(Local),
    Array(Array),
    /// A closure bound with `let`, by its place in [`Lower::closures`].
    Closure(u32),
    /// A part of an array (`&x[a..b]`, a row `m[i]`), by its place in [`Lower::views`].
    View(u32),
    /// A tuple, by its place in [`Lower::tuples`].
    Tuple(u32),
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
    /// Source names in scope, innermost scope last; an inner scope shadows an outer one. Keyed
    /// by the name's text: under rustc, comparing two `Ident`s asks the compiler for both texts,
    /// and a scan of every name in scope per use made lowering quadratic.
    scopes: Vec<HashMap<String, Binding>>,
    /// The enclosing loops, innermost last; `None` for a loop that never leaves early.
    loops: Vec<Option<LoopFlags>>,
    ret: Option<Return>,
    /// How many `break`, `continue` and `return` have been lowered: when a statement raises it,
    /// the rest of its block is guarded.
    exits: usize,
    /// How many of them are a `return` from inside a loop or a branch.
    returns: usize,
    /// Placeholders for values whose definition was reported: uses of them report nothing more.
    poisoned: Vec<Var>,
    /// The float constants the body declares (`const C: f64`) or imports
    /// (`use std::f32::consts::PI;`), with their widths.
    constants: HashMap<String, FloatTy>,
    /// How many names iterator chains have made (see [`iters`]).
    fresh: u32,
    /// The closures bound with `let`, with what the names they mention stood for there.
    closures: Vec<(syn::ExprClosure, HashMap<String, Binding>)>,
    /// The parameters that are arrays of integers (`labels: &[usize]`), indexed as data.
    int_arrays: Vec<Var>,
    /// The parts of arrays that names stand for (see [`arrays::View`]).
    views: Vec<arrays::View>,
    /// How many indices reach a float in each array of more than one (`&[Vec<f64>]`: 2).
    depths: HashMap<Array, usize>,
    /// What each tuple bound in the body holds, element by element.
    tuples: Vec<Vec<Binding>>,
    /// The buffers declared where they are written below the top level (a `vec!` in a loop):
    /// a copy of one cannot live longer than it.
    inner_arrays: Vec<Array>,
    /// The functions whose results are used as arrays (see [`source::array_functions`]).
    array_functions: crate::maps::HashSet<String>,
}

/// The methods of a float that say something of it (`x.is_finite()`): conditions, whatever the
/// float's derivative.
const PREDICATES: &[&str] = &[
    "is_finite",
    "is_infinite",
    "is_nan",
    "is_normal",
    "is_subnormal",
    "is_sign_negative",
    "is_sign_positive",
];

/// Whether a loop has `#[checkpoint(..)]`.
fn checkpointed(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(crate::args::is_checkpoint)
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
    /// A name for something the lowering writes out as Rust (a chain's loop, a copy's), that
    /// no source name can be.
    fn fresh(&mut self, what: &str) -> Ident {
        self.fresh += 1;
        quote::format_ident!("__ad_{}{}", what, self.fresh)
    }

    /// `f` with what it pushes going to the end of the function's top-level block, before the
    /// loop or branch being lowered: where every buffer the derivative reverses through lives.
    fn at_top<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let inner = self.blocks.split_off(1);
        let out = f(self);
        self.blocks.extend(inner);
        out
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self)) -> Block {
        self.blocks.push(Block::default());
        self.scopes.push(HashMap::default());
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
            Binding::Value(v) => Some(&mut self.func.vars[v.0 as usize]),
            Binding::Array(a) => Some(&mut self.func.arrays[a.0 as usize].info),
            Binding::Local(l) => Some(&mut self.func.locals[l.0 as usize]),
            Binding::Closure(_) | Binding::View(_) | Binding::Tuple(_) => None,
        };
        // A name the lowering made up (`__ad_`) is no name to show in code or errors.
        let made_up = name.to_string().starts_with("__ad_");
        if let Some(info) = info.filter(|i| i.name.is_none() && !made_up) {
            info.name = Some(name.to_string());
        }
        self.scopes
            .last_mut()
            .expect("a scope is always open")
            .insert(name.to_string(), b);
    }

    fn lookup(&self, name: &Ident) -> Option<Binding> {
        let name = name.to_string();
        self.scopes.iter().rev().find_map(|s| s.get(&name).copied())
    }

    /// The innermost binding of `name` now stands for `b`.
    fn rebind(&mut self, name: &Ident, b: Binding) {
        let text = name.to_string();
        let slot = (self.scopes.iter_mut().rev()).find_map(|s| s.get_mut(&text));
        if let Some(slot) = slot {
            *slot = b;
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
                // The rest runs in a block of its own: what it assigns must outlive it.
                self.make_mutable(&quote::quote!({ #(#rest)* }));
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
                    els: Block::default(),
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
            // An empty statement, `;`.
            syn::Stmt::Expr(Expr::Verbatim(t), Some(_)) if t.is_empty() => None,
            syn::Stmt::Expr(e, semi) => {
                let value = self.effect(e)?;
                semi.is_none().then_some(value)
            }
        }
    }

    /// An expression in statement position, where assignments, loops and jumps may stand.
    fn effect(&mut self, e: &Expr) -> Option<Var> {
        match e {
            Expr::Assign(a) if matches!(strip_parens(&a.left), Expr::Tuple(_)) => {
                if let Expr::Tuple(places) = strip_parens(&a.left) {
                    self.assign_tuple(places, &a.right);
                }
                None
            }
            Expr::Assign(a) if self.assign_copy(&a.left, &a.right) => None,
            Expr::MethodCall(m) if self.swap_elements(m) || self.copy_from_slice(m) => None,
            Expr::Call(c) if self.swap_whole(c) => None,
            Expr::Assign(a) => {
                let v = self.expr(&a.right);
                self.assign(&a.left, v);
                None
            }
            Expr::Binary(b) if compound(&b.op).is_some() => {
                let op = compound(&b.op).expect("matched above");
                let rhs = self.expr(&b.right);
                if matches!(op, '+' | '-')
                    && matches!(source::strip_parens(&b.left), Expr::Index(_))
                {
                    // `a[i] += e` adds in place: its adjoint only reads `ā[i]`, where a store
                    // must take `ā[i]` and zero it. `a[i] -= e` is `a[i] += -e` exactly.
                    if let Some((array, index)) = self.element(&b.left) {
                        let value = match op {
                            '-' => self.prim(primitives::neg(), vec![rhs], b.op.span()),
                            _ => rhs,
                        };
                        self.push(Stmt::Store {
                            array,
                            index,
                            value,
                            write: Write::Add,
                        });
                    }
                    return None;
                }
                let lhs = self.expr(&b.left);
                let v = self.binary(op, lhs, rhs, b.op.span());
                self.assign(&b.left, v);
                None
            }
            Expr::Binary(b) if bitwise(&b.op).is_some_and(|(_, assigns)| assigns) => {
                let (l, r) = (self.expr(&b.left), self.expr(&b.right));
                let v = self.bitwise(&b.op, l, r);
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
            // A checkpointed `while c { body }` or `loop { body }` is the `for` loop
            // `for _ in 0..usize::MAX { if !c { break; } body }`, whose trip count its schedule
            // learns when it ends.
            Expr::While(w) if w.label.is_none() && checkpointed(&w.attrs) => {
                let (attrs, cond, body) = (&w.attrs, &w.cond, &w.body);
                let span = w.while_token.span;
                let f: syn::ExprForLoop = syn::parse_quote_spanned! {span=>
                    #(#attrs)* for _ in 0..usize::MAX { if !(#cond) { break; } #body }
                };
                self.for_loop(&f);
                None
            }
            Expr::Loop(l) if l.label.is_none() && checkpointed(&l.attrs) => {
                let (attrs, body, span) = (&l.attrs, &l.body, l.loop_token.span);
                let f: syn::ExprForLoop = syn::parse_quote_spanned! {span=>
                    #(#attrs)* for _ in 0..usize::MAX #body
                };
                self.for_loop(&f);
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
            Expr::MethodCall(m) if m.method == "for_each" => self.consume(m),
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

    fn assign(&mut self, place: &Expr, v: Var) {
        match place {
            Expr::Unary(u) if matches!(u.op, UnOp::Deref(_)) => {
                if let Some((array, index)) = self.element_of_view(&u.expr) {
                    self.push(Stmt::Store {
                        array,
                        index,
                        value: v,
                        write: Write::Set,
                    });
                }
            }
            Expr::Path(p) if p.qself.is_none() => {
                match p.path.get_ident().map(|i| (i, self.lookup(i))) {
                    Some((name, Some(Binding::Value(old)))) => {
                        self.func.same_type.push((old, v));
                        self.rebind(name, Binding::Value(v));
                    }
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
                        write: Write::Set,
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
        if let (Pat::Ident(p), Expr::Closure(c)) = (pat, strip_parens(init)) {
            if p.by_ref.is_none() && p.subpat.is_none() {
                return self.closure(&p.ident, c);
            }
        }
        if let Some(view) = self.view_of(init) {
            return self.bind_local(pat, Binding::View(view));
        }
        if self.collect(pat, ty, init) || self.let_elements(pat, init) || self.let_copy(pat, init) {
            return;
        }
        if self.let_tuple(pat, ty, init) {
            return;
        }
        let array_result = match strip_parens(init) {
            Expr::Call(c) => match strip_parens(&c.func) {
                Expr::Path(f) => self.array_functions.contains(&callee_key(&f.path)),
                _ => false,
            },
            _ => false,
        };
        if let Some(array) =
            (self.array_init(init)).or_else(|| self.array_call(init, ty, array_result))
        {
            // `let b: [f64; 3] = [0.0; 3];` gives the elements their width.
            if let Some(ParamKind::Array { elem, .. }) = ty.and_then(ast::array_shape) {
                let info = &mut self.func.arrays[array.0 as usize].info;
                if info.ty == Ty::Float(None) {
                    info.ty = Ty::Float(Some(elem));
                }
            }
            return self.bind_local(pat, Binding::Array(array));
        }
        let typed_lit = ty.and_then(|t| suffixed(init, t));
        let v = self.expr(typed_lit.as_ref().unwrap_or(init));
        self.give_width(v, ty);
        self.bind_local(pat, Binding::Value(v));
    }

    /// A value whose type is left to rustc (a float of no width yet, a call's result) takes
    /// the float type it is bound with: `let t: f64 = f(x);`.
    fn give_width(&mut self, v: Var, ty: Option<&syn::Type>) {
        if let Some(ast::ParamKind::Float(f)) = ty.map(ast::param_kind) {
            let info = &mut self.func.vars[v.0 as usize];
            if matches!(info.ty, Ty::Float(None) | Ty::Other) {
                info.ty = Ty::Float(Some(f));
            }
        }
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

    fn item(&mut self, item: &syn::Item) {
        match item {
            syn::Item::Const(c) => {
                if let ParamKind::Float(f) = ast::param_kind(&c.ty) {
                    self.constants.insert(c.ident.to_string(), f);
                }
                self.func.items.push(item.clone());
            }
            // Repeated where the reverse sweep names rules (`emit::lookup`), so this copy may
            // go unused; the same `use` in two blocks is one import there.
            syn::Item::Use(u) => {
                float_consts(&u.tree, &mut Vec::new(), &mut self.constants);
                let mut u = u.clone();
                u.attrs.push(syn::parse_quote!(#[allow(unused_imports)]));
                let item = syn::Item::Use(u);
                let text = item.to_token_stream().to_string();
                if !(self.func.items.iter()).any(|i| i.to_token_stream().to_string() == text) {
                    self.func.items.push(item);
                }
            }
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
        let (mut bindings, mut arrays) = (Vec::new(), Vec::new());
        for name in mentioned_names(mac.tokens.clone()) {
            let v = match self.lookup(&name) {
                Some(Binding::Value(v)) => v,
                Some(Binding::Local(l)) => self.get(l),
                Some(Binding::Array(a)) => {
                    if !arrays.iter().any(|(n, _)| *n == name) {
                        arrays.push((name, a));
                    }
                    continue;
                }
                Some(Binding::Closure(_) | Binding::View(_) | Binding::Tuple(_)) => {
                    self.unsupported(&name, "#[grad] keeps an assertion as written, where this name, a closure or a part of an array, does not exist; assert on a value computed before it");
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
        self.push(Stmt::Verbatim {
            tokens,
            bindings,
            arrays,
        });
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
                _ if bitwise(&b.op).is_some_and(|(_, assigns)| !assigns) => {
                    let l = self.expr(&b.left);
                    let r = self.expr(&b.right);
                    self.bitwise(&b.op, l, r)
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
                // `*v` of an element `iter_mut` yields.
                UnOp::Deref(_) if self.view_binding(&u.expr).is_some() => {
                    match self.element_of_view(&u.expr) {
                        Some((array, index)) => {
                            let ty = self.func.array_info(array).info.ty;
                            self.def(Op::Load(array, index), ty, e.span())
                        }
                        None => self.placeholder(),
                    }
                }
                // A reference to a number (`for v in xs.iter()`, `n: &usize`) is the number.
                _ => self.expr(&u.expr),
            },
            Expr::Index(ix) if self.int_array(&ix.expr).is_some() => {
                let xs = self.int_array(&ix.expr).expect("matched above");
                let i = self.expr(&ix.index);
                let at: syn::Path = syn::parse_quote!(::autodiff::__private::ops::at);
                let args = vec![crate::ir::CallArg::Value(xs), crate::ir::CallArg::Value(i)];
                self.def(Op::Call(Box::new(at), args), Ty::Int, e.span())
            }
            Expr::Index(_) => match self.element(e) {
                Some((array, index)) => {
                    let ty = self.func.array_info(array).info.ty;
                    self.def(Op::Load(array, index), ty, e.span())
                }
                None => self.placeholder(),
            },
            Expr::MethodCall(m) => self.method_call(m),
            Expr::Field(f) => self.field(f),
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
            Some(Binding::Closure(_)) => return self.unsupported(
                p,
                "#[grad] calls a closure bound with `let`, as in `f(x)`, or passes it to an iterator adaptor; it cannot store it or pass it on",
            ),
            Some(Binding::View(_)) => return self.unsupported(
                p,
                "#[grad] uses a part of an array by indexing it, `w[i]`, with `len()` or by iterating it; pass `&x[lo..hi]` to a call instead",
            ),
            Some(Binding::Tuple(_)) => return self.unsupported(
                p,
                "#[grad] uses a tuple by its elements, `p.0`, or destructured, `let (a, b) = p;`",
            ),
            None => {}
        }
        // A named constant: `PI`, `std::f64::consts::E`, a `const` item.
        let segs = segments(&p.path);
        let ty = match segs.iter().rev().nth(2).map(String::as_str) {
            Some("f64") if segs[segs.len() - 2] == "consts" => Ty::Float(Some(FloatTy::F64)),
            Some("f32") if segs[segs.len() - 2] == "consts" => Ty::Float(Some(FloatTy::F32)),
            // A `const` of the body, or a float constant it imports.
            _ => match p
                .path
                .get_ident()
                .and_then(|i| self.constants.get(&i.to_string()))
            {
                Some(f) => Ty::Float(Some(*f)),
                None => Ty::Other,
            },
        };
        if p.qself.is_some() {
            return self.unsupported(p, "#[grad] does not support qualified paths `<T as Trait>::X`; bind the value to a `const` outside the function and use its name");
        }
        self.def(Op::Path(Box::new(p.path.clone())), ty, p.span())
    }

    /// The parameter `e` names, if it is an array of integers.
    pub(super) fn int_array(&self, e: &Expr) -> Option<Var> {
        let Expr::Path(p) = strip_parens(e) else {
            return None;
        };
        match self.lookup(p.path.get_ident()?) {
            Some(Binding::Value(v)) if self.int_arrays.contains(&v) => Some(v),
            _ => None,
        }
    }

    /// `l & r`, `l << r` and the like, on integers or `bool`s: a call of the runtime's `ops`,
    /// which the derivative passes by as any call of inactive values.
    fn bitwise(&mut self, op: &BinOp, l: Var, r: Var) -> Var {
        let (f, _) = bitwise(op).expect("a bitwise operator");
        if [l, r].iter().any(|v| self.ty(*v).is_float()) {
            return self.unsupported(
                op,
                format!(
                    "`{}` is an operator of integers, not of floats",
                    op.to_token_stream()
                ),
            );
        }
        let path: syn::Path =
            syn::parse_str(&format!("::autodiff::__private::ops::{f}")).expect("a path");
        let ty = match (self.ty(l), self.ty(r)) {
            (Ty::Bool, Ty::Bool) => Ty::Bool,
            (Ty::Int, _) => Ty::Int,
            _ => Ty::Other,
        };
        let args = vec![crate::ir::CallArg::Value(l), crate::ir::CallArg::Value(r)];
        self.def(Op::Call(Box::new(path), args), ty, op.span())
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
        // A method of floats only (`sin`) gives a float, whatever rustc knows of its receiver.
        let ty = match ty {
            None | Some(Ty::Other) if !prim.ints => Ty::Float(None),
            ty => ty.unwrap_or(Ty::Other),
        };
        self.def(Op::Prim(prim, args), ty, span)
    }

    fn method_call(&mut self, m: &syn::ExprMethodCall) -> Var {
        if m.method == "unwrap" && m.args.is_empty() {
            if let Expr::MethodCall(inner) = strip_parens(&m.receiver) {
                if iters::OPTIONAL.contains(&&*inner.method.to_string()) {
                    return self.consume(inner).unwrap_or_else(|| self.placeholder());
                }
            }
        }
        if iters::OPTIONAL.contains(&&*m.method.to_string()) {
            return self.unsupported(
                &m.method,
                format!(
                    "`{}` gives an `Option`; #[grad] takes it unwrapped, `.{}(..).unwrap()`",
                    m.method, m.method
                ),
            );
        }
        if m.method == "for_each" {
            return self.unsupported(&m.method, "`for_each` has no value; call it as a statement of its own, `xs.iter().for_each(|x| ...);`");
        }
        if iters::CONSUMERS.contains(&&*m.method.to_string()) {
            return self.consume(m).unwrap_or_else(|| self.placeholder());
        }
        if let Some(t) = &m.turbofish {
            return self.unsupported(t, "#[grad] does not support turbofish `::<>` on methods; write the call without it, or compute the value outside and pass it in");
        }
        if m.method == "len" && m.args.is_empty() {
            if let Some(len) = self.view_len(&m.receiver) {
                return len;
            }
            if let Ok((array, index)) = self.row(&m.receiver) {
                return self.def(Op::Len(array, index), Ty::Int, m.span());
            }
        }
        let mut args = vec![self.expr(&m.receiver)];
        args.extend(m.args.iter().map(|a| self.expr(a)));
        let name = m.method.to_string();
        // An ordering of floats, through which no derivative goes: by value, as the body holds
        // the `&f64` a comparator takes (`|a, b| a.total_cmp(b)`).
        if matches!(&*name, "total_cmp" | "partial_cmp") && args.len() == 2 {
            let path: syn::Path =
                syn::parse_str(&format!("::autodiff::__private::ops::{name}")).expect("a path");
            let args = args.into_iter().map(crate::ir::CallArg::Value).collect();
            return self.def(Op::Call(Box::new(path), args), Ty::Other, m.method.span());
        }
        match primitives::lookup(Form::Method, &name) {
            Some(p) if p.args.len() == args.len() => self.prim(p, args, m.method.span()),
            Some(p) => self.unsupported(
                &m.method,
                format!("`{name}` takes {} argument(s) here", p.args.len() - 1),
            ),
            // A float's predicate is a condition, as a comparison is: no derivative to carry.
            None if PREDICATES.contains(&&*name) && args.len() == 1 => self.def(
                Op::Method(m.method.clone(), args),
                Ty::Bool,
                m.method.span(),
            ),
            // Without a rule, only inactive arguments are allowed: checked with activity.
            None => self.def(
                Op::Method(m.method.clone(), args),
                Ty::Other,
                m.method.span(),
            ),
        }
    }

    fn call(&mut self, c: &syn::ExprCall) -> Var {
        if let Expr::Closure(_) = strip_parens(&c.func) {
            return self.unsupported(
                &c.func,
                "#[grad] calls a closure by the name a `let` binds it to: `let f = |x: f64| ...; f(y)`",
            );
        }
        let Expr::Path(func) = &*c.func else {
            return self.unsupported(
                &c.func,
                "#[grad] can call only functions named by a path, as in `f64::sin(x)`",
            );
        };
        match func.path.get_ident().and_then(|i| self.lookup(i)) {
            Some(Binding::Closure(k)) => return self.call_closure(k, c),
            // Calling a local that stands for a closure already reported.
            Some(Binding::Value(v)) if self.poisoned.contains(&v) => return self.placeholder(),
            _ => {}
        }
        let segs = segments(&func.path);
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let prim = match segs[..] {
            ["f64" | "f32", name] => primitives::lookup(Form::Method, name),
            ["autodiff", name] => primitives::lookup(Form::Runtime, name),
            _ => None,
        };
        if let Some(p) = prim {
            let args: Vec<Var> = c.args.iter().map(|a| self.expr(a)).collect();
            if p.args.len() != args.len() {
                let msg = format!("`{}` takes {} argument(s)", segs.join("::"), p.args.len());
                return self.unsupported(c, msg);
            }
            let v = self.prim(p, args, func.span());
            // `f64::abs(-1.1)` fixes the width of its float arguments, as the receiver's type.
            if let (["f64" | "f32", _], Ty::Float(None)) = (&segs[..], self.ty(v)) {
                let w = float_suffix(segs[0]);
                self.func.vars[v.0 as usize].ty = Ty::Float(w);
            }
            return v;
        }
        let ty = match segs[..] {
            [f @ ("f64" | "f32"), "from"] => Ty::Float(float_suffix(f)),
            _ => Ty::Other,
        };
        let op = self.call_op(func, c);
        self.def(op, ty, func.span())
    }

    /// `let (a, b) = f(x);`: a call of a function (not a closure) with `n` results.
    pub(super) fn call_results(&mut self, c: &syn::ExprCall, n: usize) -> Vec<Var> {
        let func = match strip_parens(&c.func) {
            // A closure (called with the wrong arity) or a local: reported as a value.
            Expr::Path(f) if f.path.get_ident().and_then(|i| self.lookup(i)).is_none() => f,
            _ => {
                let v = self.call(c);
                return vec![v; n];
            }
        };
        let op = self.call_op(func, c);
        let dsts: Vec<Var> = (0..n)
            .map(|_| self.func.var(Ty::Other, false, None))
            .collect();
        self.push(Stmt::Let {
            dsts: dsts.iter().copied().map(Some).collect(),
            op,
            span: func.span(),
        });
        dsts
    }

    /// A call of any function but a primitive: arrays are passed as themselves; activity
    /// decides whether it is differentiated (through `path_vjp`). A tuple passes its floats to
    /// the callee's flat twin (see `tuple_params`).
    fn call_op(&mut self, func: &syn::ExprPath, c: &syn::ExprCall) -> Op {
        let mut path = func.path.clone();
        let mut args = Vec::new();
        for a in &c.args {
            match self.tuple_of(a) {
                Some(elems) => {
                    path = crate::tuple_params::twin_path(&func.path);
                    self.flat_values(&elems, a, &mut args);
                }
                None => args.extend(self.call_args([a])),
            }
        }
        Op::Call(Box::new(path), args)
    }

    /// The body of a function returning `[F; M]` or a tuple: statements, then the result as
    /// its last expression (or `return`): `(a, b)`, `[a, b]` or the name of an array of `M`.
    fn vector_result(&mut self, func: &ast::Func) -> Vec<Var> {
        let block = &func.item.block;
        let hint = "#[grad] needs a function with several results to end in them: `(a, b)`, `[a, b]` or the name of a local array";
        if returns_early(block) {
            self.cx.error_spanned(
                &func.item.sig.ident,
                format!("{hint}; it does not support an early `return` there yet"),
            );
            return Vec::new();
        }
        let Some((last, rest)) = block.stmts.split_last() else {
            self.cx.error_at(block.brace_token.span.close(), hint);
            return Vec::new();
        };
        self.stmts(rest, false);
        let e = match last {
            syn::Stmt::Expr(Expr::Return(syn::ExprReturn { expr: Some(e), .. }), _) => &**e,
            syn::Stmt::Expr(e, None) => e,
            other => {
                self.stmt(other);
                self.cx.error_at(block.brace_token.span.close(), hint);
                return Vec::new();
            }
        };
        let count = match &func.output {
            ast::Output::Tuple(n) => Some(*n),
            ast::Output::Array { count, .. } => *count,
            ast::Output::Scalar => None,
        };
        let elems = match strip_parens(e) {
            Expr::Tuple(t) if matches!(func.output, ast::Output::Tuple(_)) => Some(&t.elems),
            Expr::Array(a) if matches!(func.output, ast::Output::Array { .. }) => Some(&a.elems),
            _ => None,
        };
        if let Some(elems) = elems {
            if count.is_some_and(|n| n != elems.len()) {
                self.cx.error_spanned(
                    e,
                    format!(
                        "the function returns {} floats, but this has {}",
                        count.unwrap_or(0),
                        elems.len()
                    ),
                );
            }
            return elems.iter().map(|x| self.expr(x)).collect();
        }
        match (self.array_of(e), count) {
            (Some(array), Some(n)) if matches!(func.output, ast::Output::Array { .. }) => (0..n)
                .map(|k| {
                    let index = self.lit(&syn::parse_quote!(#k));
                    let ty = self.func.array_info(array).info.ty;
                    self.def(Op::Load(array, vec![index]), ty, e.span())
                })
                .collect(),
            _ => {
                self.cx.error_spanned(e, hint);
                Vec::new()
            }
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
