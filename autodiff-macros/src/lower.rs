//! syn body → IR. Straight-line code becomes single assignments: a `let`, a reassignment or a
//! compound assignment binds the source name to a fresh [`Var`], so mutation needs no places.
//! Every construct the IR cannot express is reported with its span, and lowering goes on with a
//! placeholder so that one compile lists every problem.

use crate::ast::{self, ParamKind};
use crate::ctxt::Ctxt;
use crate::ir::{Callee, FloatTy, Func, Op, Stmt, Ty, Var};
use crate::primitives::{self, Arg, Form};
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Ident, Lit, Pat, UnOp};

/// Lowers the body of `func`; errors go to `cx`.
pub fn lower(func: &ast::Func, cx: &mut Ctxt) -> Func {
    let mut lower = Lower {
        cx,
        func: Func {
            vars: Vec::new(),
            body: Vec::new(),
            items: Vec::new(),
            ret: Var(0),
            grads: Vec::new(),
        },
        scopes: vec![Vec::new()],
        ret: None,
        poisoned: Vec::new(),
    };
    for (i, p) in func.params.iter().enumerate() {
        let ty = match p.kind {
            ParamKind::Float(f) => Ty::Float(Some(f)),
            ParamKind::Int => Ty::Int,
            ParamKind::Other | ParamKind::Unsupported => Ty::Other,
        };
        let v = if p.kind == ParamKind::Unsupported {
            lower.placeholder()
        } else {
            lower.def(Op::Param(i), ty, p.active, p.ident.span())
        };
        lower.bind(&p.ident, v);
    }
    let block = &func.item.block;
    let tail = lower.block(block);
    let ret = lower.ret.or(tail).unwrap_or_else(|| {
        // Without a return type, that is the error already reported.
        if let syn::ReturnType::Type(..) = func.item.sig.output {
            lower.cx.error_at(
                block.brace_token.span.close(),
                "#[grad] needs the function to end in its result: a final expression without `;`, or `return value;`",
            );
        }
        lower.placeholder()
    });
    lower.func.ret = ret;
    lower.func
}

struct Lower<'a> {
    cx: &'a mut Ctxt,
    func: Func,
    /// Source names in scope, innermost scope last; a later entry shadows an earlier one.
    scopes: Vec<Vec<(Ident, Var)>>,
    /// Set by `return`: the rest of the body is unreachable.
    ret: Option<Var>,
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
    fn def(&mut self, op: Op, ty: Ty, active: bool, span: Span) -> Var {
        let v = self.func.var(ty, active, None);
        self.func.body.push(Stmt::Let {
            dsts: vec![Some(v)],
            op,
            span,
        });
        v
    }

    /// Stands in for a value that could not be lowered; inactive, so it adds no errors.
    fn placeholder(&mut self) -> Var {
        let lit: Lit = syn::parse_quote!(0.0);
        let v = self.def(Op::Lit(lit), Ty::Float(None), false, Span::call_site());
        self.poisoned.push(v);
        v
    }

    /// Reports `tokens` as unsupported, unless they mention a value whose definition was
    /// already reported (one error per problem, not one per use).
    fn unsupported(&mut self, tokens: impl ToTokens, msg: impl std::fmt::Display) -> Var {
        let tokens = tokens.into_token_stream();
        let follows_error = mentioned_names(tokens.clone())
            .iter()
            .any(|n| self.lookup(n).is_some_and(|v| self.poisoned.contains(&v)));
        if !follows_error {
            self.cx.error_spanned(tokens, msg);
        }
        self.placeholder()
    }

    fn bind(&mut self, name: &Ident, v: Var) {
        let info = &mut self.func.vars[v.0 as usize];
        if info.name.is_none() {
            info.name = Some(name.to_string());
        }
        self.scopes
            .last_mut()
            .expect("a scope is always open")
            .push((name.clone(), v));
    }

    fn lookup(&self, name: &Ident) -> Option<Var> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|(n, _)| n == name)
            .map(|&(_, v)| v)
    }

    /// `name = v`: the innermost binding of `name` now holds `v`.
    fn rebind(&mut self, name: &Ident, v: Var) {
        let slot = self
            .scopes
            .iter_mut()
            .rev()
            .flat_map(|s| s.iter_mut().rev())
            .find(|(n, _)| n == name);
        if let Some(slot) = slot {
            slot.1 = v;
        }
        let info = &mut self.func.vars[v.0 as usize];
        if info.name.is_none() {
            info.name = Some(name.to_string());
        }
    }

    fn is_active(&self, v: Var) -> bool {
        self.func.info(v).active
    }

    fn ty(&self, v: Var) -> Ty {
        self.func.info(v).ty
    }

    /// Lowers a block in its own scope; its value is the tail expression, if any.
    fn block(&mut self, block: &syn::Block) -> Option<Var> {
        self.scopes.push(Vec::new());
        let mut value = None;
        for stmt in &block.stmts {
            if self.ret.is_some() {
                break;
            }
            value = self.stmt(stmt);
        }
        self.scopes.pop();
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

    /// An expression in statement position, where assignments and `return` may stand.
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
                self.ret = Some(v);
                None
            }
            Expr::Macro(m) => {
                self.mac(&m.mac, m.to_token_stream());
                None
            }
            Expr::Block(b) if b.label.is_none() => self.block(&b.block),
            _ => Some(self.expr(e)),
        }
    }

    fn assign(&mut self, place: &Expr, v: Var) {
        match place {
            Expr::Path(p) if p.qself.is_none() => match p.path.get_ident() {
                Some(name) if self.lookup(name).is_some() => self.rebind(name, v),
                _ => self.cx.error_spanned(
                    place,
                    "#[grad] can assign only to local variables and parameters; bind the value with `let` instead",
                ),
            },
            Expr::Paren(p) => self.assign(&p.expr, v),
            _ => self.cx.error_spanned(
                place,
                "#[grad] can assign only to a plain variable name here; write `name = value`",
            ),
        }
    }

    fn local(&mut self, local: &syn::Local) {
        let (pat, ty) = match &local.pat {
            Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
            p => (p, None),
        };
        let v = match &local.init {
            None => self.unsupported(
                local,
                "#[grad] needs every `let` to have a value; write `let name = value;`",
            ),
            Some(init) if init.diverge.is_some() => {
                let (else_token, _) = init.diverge.as_ref().expect("matched above");
                return self.cx.error_spanned(
                    else_token,
                    "#[grad] does not support `let ... else`; bind the value with `let name = value;`",
                );
            }
            Some(init) => {
                let typed_lit = ty.and_then(|t| suffixed(&init.expr, t));
                self.expr(typed_lit.as_ref().unwrap_or(&init.expr))
            }
        };
        if let Some(ast::ParamKind::Float(f)) = ty.map(ast::param_kind) {
            let info = &mut self.func.vars[v.0 as usize];
            if info.ty == Ty::Float(None) {
                info.ty = Ty::Float(Some(f));
            }
        }
        match pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => self.bind(&p.ident, v),
            Pat::Wild(_) => {}
            other => self.cx.error_spanned(
                other,
                "#[grad] supports `let name = ...` and `let _ = ...` only; bind each value to its own name",
            ),
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
            let Some(v) = self.lookup(&name) else {
                continue;
            };
            let is_param_itself = matches!(self.op_of(v), Some(Op::Param(_)))
                && self.func.info(v).name.as_deref() == Some(&*name.to_string());
            if !is_param_itself && !bindings.iter().any(|(n, _)| *n == name) {
                bindings.push((name, v));
            }
        }
        self.func.body.push(Stmt::Verbatim { tokens, bindings });
    }

    fn op_of(&self, v: Var) -> Option<&Op> {
        self.func.body.iter().find_map(|s| match s {
            Stmt::Let { dsts, op, .. } if dsts.contains(&Some(v)) => Some(op),
            _ => None,
        })
    }

    fn expr(&mut self, e: &Expr) -> Var {
        match e {
            Expr::Lit(l) => self.lit(&l.lit),
            Expr::Path(p) => self.path(p),
            Expr::Paren(p) => self.expr(&p.expr),
            Expr::Group(g) => self.expr(&g.expr),
            Expr::Binary(b) => match infix_char(&b.op) {
                Some(c) => {
                    let l = self.expr(&b.left);
                    let r = self.expr(&b.right);
                    self.binary(c, l, r, b.op.span())
                }
                None => self.unsupported(b.op, unsupported_binop(&b.op)),
            },
            Expr::Unary(u) => match u.op {
                UnOp::Neg(_) => {
                    let x = self.expr(&u.expr);
                    self.prim(primitives::neg(), vec![x], u.span())
                }
                UnOp::Deref(_) => self.unsupported(
                    u.op,
                    "#[grad] does not support `*` here; take parameters by value, as in `x: f64`",
                ),
                _ => self.unsupported(
                    u.op,
                    "#[grad] does not support `!` yet: booleans need branches, which are not supported yet",
                ),
            },
            Expr::MethodCall(m) => self.method_call(m),
            Expr::Call(c) => self.call(c),
            Expr::Cast(c) => self.cast(c),
            Expr::Block(b) if b.label.is_none() => match self.block(&b.block) {
                Some(v) => v,
                None => self.unsupported(
                    b,
                    "#[grad] needs this block to have a value; end it with an expression without `;`",
                ),
            },
            Expr::Macro(m) if !self.check_macro(&m.mac) => self.placeholder(),
            // Control flow is reported at its keyword, not over its whole body.
            Expr::If(x) => self.unsupported(x.if_token, unsupported_expr(e)),
            Expr::Match(x) => self.unsupported(x.match_token, unsupported_expr(e)),
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
            _ => Ty::Other,
        };
        self.def(Op::Lit(lit.clone()), ty, false, lit.span())
    }

    fn path(&mut self, p: &syn::ExprPath) -> Var {
        if let Some(v) = p.path.get_ident().and_then(|i| self.lookup(i)) {
            return v;
        }
        // A named constant: `PI`, `std::f64::consts::E`, a `const` item.
        let segs: Vec<String> = p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let ty = match segs.iter().rev().nth(2).map(String::as_str) {
            Some("f64") if segs.len() >= 3 && segs[segs.len() - 2] == "consts" => {
                Ty::Float(Some(FloatTy::F64))
            }
            Some("f32") if segs.len() >= 3 && segs[segs.len() - 2] == "consts" => {
                Ty::Float(Some(FloatTy::F32))
            }
            _ => Ty::Other,
        };
        if p.qself.is_some() {
            return self.unsupported(
                p,
                "#[grad] does not support qualified paths `<T as Trait>::X`; bind the value to a `const` outside the function and use its name",
            );
        }
        self.def(Op::Path(Box::new(p.path.clone())), ty, false, p.span())
    }

    fn binary(&mut self, op: char, l: Var, r: Var, span: Span) -> Var {
        let prim = primitives::infix(op).expect("infix_char returns only table operators");
        self.prim(prim, vec![l, r], span)
    }

    /// A primitive applied to lowered arguments. Its type is that of its float arguments (an
    /// integer receiver keeps integer methods such as `n.max(m)` integral).
    fn prim(&mut self, prim: &'static primitives::Prim, args: Vec<Var>, span: Span) -> Var {
        let floats = || {
            prim.args
                .iter()
                .zip(&args)
                .filter(|(k, _)| **k == Arg::Float)
        };
        let active = floats().any(|(_, v)| self.is_active(*v));
        let ty = floats()
            .map(|(_, v)| self.ty(*v))
            .fold(None, |acc, t| Some(join(acc, t)));
        self.def(Op::Prim(prim, args), ty.unwrap_or(Ty::Other), active, span)
    }

    fn method_call(&mut self, m: &syn::ExprMethodCall) -> Var {
        if let Some(t) = &m.turbofish {
            return self.unsupported(
                t,
                "#[grad] does not support turbofish `::<>` on methods; write the call without it, or compute the value outside and pass it in",
            );
        }
        let mut args = vec![self.expr(&m.receiver)];
        args.extend(m.args.iter().map(|a| self.expr(a)));
        let name = m.method.to_string();
        match primitives::lookup(Form::Method, &name) {
            Some(p) if p.args.len() == args.len() => self.prim(p, args, m.method.span()),
            _ if args.iter().all(|a| !self.is_active(*a)) => self.def(
                Op::Opaque(Callee::Method(m.method.clone()), args),
                Ty::Other,
                false,
                m.span(),
            ),
            Some(p) => self.unsupported(
                &m.method,
                format!("`{name}` takes {} argument(s) here", p.args.len() - 1),
            ),
            None => self.unsupported(
                &m.method,
                format!(
                    "#[grad] has no derivative rule for the method `{name}`; the float methods it differentiates are: {}",
                    primitives::method_names().join(", ")
                ),
            ),
        }
    }

    fn call(&mut self, c: &syn::ExprCall) -> Var {
        let Expr::Path(func) = &*c.func else {
            return self.unsupported(
                &c.func,
                "#[grad] can call only functions named by a path, as in `f64::sin(x)`",
            );
        };
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
            Some(p) if p.args.len() == args.len() => return self.prim(p, args, func.span()),
            Some(p) => {
                return self.unsupported(
                    c,
                    format!("`{}` takes {} argument(s)", segs.join("::"), p.args.len()),
                )
            }
            None => {}
        }
        if args.iter().all(|a| !self.is_active(*a)) {
            return self.def(
                Op::Opaque(Callee::Path(Box::new(func.path.clone())), args),
                Ty::Other,
                false,
                c.span(),
            );
        }
        let hint = match segs[..] {
            ["relu" | "sigmoid"] => format!(
                "write `autodiff::{}(..)`, whose rule #[grad] knows",
                segs[0]
            ),
            _ => "write the computation with float operators and methods".to_owned(),
        };
        self.unsupported(
            &c.func,
            format!(
                "#[grad] has no derivative rule for `{}`, which is called with a differentiated argument; {hint}",
                segs.join("::")
            ),
        )
    }

    fn cast(&mut self, c: &syn::ExprCast) -> Var {
        let x = self.expr(&c.expr);
        let ty = match ast::param_kind(&c.ty) {
            ParamKind::Float(f) => Ty::Float(Some(f)),
            ParamKind::Int => Ty::Int,
            ParamKind::Other | ParamKind::Unsupported => {
                return self.unsupported(&c.ty, "#[grad] supports `as` casts to number types only")
            }
        };
        let active = self.is_active(x) && matches!(ty, Ty::Float(_));
        self.def(Op::Cast(x, c.ty.clone()), ty, active, c.span())
    }
}

/// The type of an operation on values of types `acc` and `t`: a known float width wins.
fn join(acc: Option<Ty>, t: Ty) -> Ty {
    match (acc, t) {
        (None, t) => t,
        (Some(Ty::Float(Some(f))), _) | (_, Ty::Float(Some(f))) => Ty::Float(Some(f)),
        (Some(Ty::Float(None)), _) | (_, Ty::Float(None)) => Ty::Float(None),
        (Some(Ty::Int), _) | (_, Ty::Int) => Ty::Int,
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
    match &*op {
        "==" | "!=" | "<" | "<=" | ">" | ">=" | "&&" | "||" => format!(
            "#[grad] does not support `{op}` yet: comparisons need branches, which are not supported yet; use `max`, `min`, `clamp` or `abs` instead"
        ),
        _ => format!("#[grad] does not support the operator `{op}`; use `+`, `-`, `*`, `/`, `%` and float methods"),
    }
}

fn unsupported_expr(e: &Expr) -> &'static str {
    match e {
        Expr::Closure(_) => "#[grad] does not support closures; write the computation inline, or as a separate function",
        Expr::Unsafe(_) => "#[grad] does not support `unsafe` blocks (they could read a `static mut`, whose changes a gradient cannot see); pass the value in as a parameter",
        Expr::Async(_) | Expr::Await(_) => "#[grad] does not support `async` code; differentiate a plain function",
        Expr::If(_) | Expr::Match(_) => "#[grad] does not support branches yet; for now use `max`, `min`, `clamp`, `abs` or `signum` to select values",
        Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) | Expr::Break(_) | Expr::Continue(_) => {
            "#[grad] does not support loops yet; write the steps out"
        }
        Expr::Index(_) | Expr::Array(_) | Expr::Repeat(_) => {
            "#[grad] does not support arrays yet; use separate `f64` values"
        }
        Expr::Return(_) => "#[grad] supports `return` only as a statement, as in `return value;`",
        Expr::Macro(_) => "#[grad] supports `assert!`-like macros only as statements",
        Expr::Assign(_) => "#[grad] supports assignment only as a statement, as in `x = value;`",
        Expr::Reference(_) => "#[grad] does not support references here; use the value itself",
        Expr::Field(_) | Expr::Struct(_) | Expr::Tuple(_) => {
            "#[grad] does not support structs or tuples yet; pass and bind each float separately"
        }
        _ => "#[grad] does not support this expression; use float arithmetic, float methods, `let` and `as` casts",
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
