//! Facts read off the source, and the messages about it: what a construct assigns, whether a
//! loop may leave early, operator tables, literal suffixes.

use crate::ast::{self, ParamKind};
use crate::ir::{Cmp, FloatTy, Ty};
use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit::Visit;
use syn::{BinOp, Expr, Ident, Lit, Pat, UnOp};

pub(super) fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        Expr::Group(g) => strip_parens(&g.expr),
        other => other,
    }
}

/// `vec![...]`'s body as an array expression: `[v; n]` or `[a, b, c]`.
pub(super) fn parse_vec_body(input: syn::parse::ParseStream) -> syn::Result<Expr> {
    let content: TokenStream = input.parse()?;
    syn::parse2(quote::quote!([#content]))
}

/// Whether the body has a `return` that is not its last statement at the top level.
pub(super) fn returns_early(block: &syn::Block) -> bool {
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
pub(super) fn leaves(body: &syn::Block) -> bool {
    exits(body, true)
}

/// Whether a loop ever ends: a `break` of this loop, or any `return`.
pub(super) fn ends(body: &syn::Block) -> bool {
    exits(body, false)
}

fn exits(body: &syn::Block, continues: bool) -> bool {
    struct Finder {
        found: bool,
        depth: usize,
        continues: bool,
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.found = true;
        }
        fn visit_expr_break(&mut self, _: &'ast syn::ExprBreak) {
            self.found |= self.depth == 0;
        }
        fn visit_expr_continue(&mut self, _: &'ast syn::ExprContinue) {
            self.found |= self.continues && self.depth == 0;
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
        continues,
    };
    finder.visit_block(body);
    finder.found
}

/// The names a construct assigns to (`x = ..`, `x += ..`): candidates for mutable locals.
pub(super) fn assigned_names(tokens: &impl ToTokens) -> Vec<Ident> {
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
                // `(a, b) = (b, a + b)`.
                Expr::Tuple(t) => t.elems.iter().for_each(|e| self.target(e)),
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
        // What `&mut a` lends may be written through it (`std::mem::swap(&mut a, &mut b)`).
        fn visit_expr_reference(&mut self, e: &'ast syn::ExprReference) {
            if e.mutability.is_some() {
                self.target(&e.expr);
            }
            syn::visit::visit_expr_reference(self, e);
        }
        // A closure's assignments count: an adaptor's closure runs where it stands
        // (`for_each(|v| s += v)`), and a closure bound with `let` may assign nothing it captures.
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
pub(super) fn join(acc: Option<Ty>, t: Ty) -> Ty {
    match (acc, t) {
        (None, t) => t,
        (Some(Ty::Float(Some(f))), _) | (_, Ty::Float(Some(f))) => Ty::Float(Some(f)),
        (Some(Ty::Float(None)), _) | (_, Ty::Float(None)) => Ty::Float(None),
        (Some(Ty::Int), _) | (_, Ty::Int) => Ty::Int,
        (Some(Ty::Bool), _) | (_, Ty::Bool) => Ty::Bool,
        _ => Ty::Other,
    }
}

pub(super) fn float_suffix(s: &str) -> Option<FloatTy> {
    match s {
        "f64" => Some(FloatTy::F64),
        "f32" => Some(FloatTy::F32),
        _ => None,
    }
}

/// `let x: T = 1.0;` keeps its type once the literal is moved into generated code: the literal
/// gets `T` as its suffix (also under parentheses and a minus).
pub(super) fn suffixed(e: &Expr, ty: &syn::Type) -> Option<Expr> {
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
pub(super) fn infix_char(op: &BinOp) -> Option<char> {
    match op {
        BinOp::Add(_) => Some('+'),
        BinOp::Sub(_) => Some('-'),
        BinOp::Mul(_) => Some('*'),
        BinOp::Div(_) => Some('/'),
        BinOp::Rem(_) => Some('%'),
        _ => None,
    }
}

/// An operator of integers (and of `bool`s) that no derivative goes through: the function of
/// the runtime's `ops` it calls, and whether it assigns (`<<=`).
pub(super) fn bitwise(op: &BinOp) -> Option<(&'static str, bool)> {
    Some(match op {
        BinOp::BitAnd(_) => ("bitand", false),
        BinOp::BitOr(_) => ("bitor", false),
        BinOp::BitXor(_) => ("bitxor", false),
        BinOp::Shl(_) => ("shl", false),
        BinOp::Shr(_) => ("shr", false),
        BinOp::BitAndAssign(_) => ("bitand", true),
        BinOp::BitOrAssign(_) => ("bitor", true),
        BinOp::BitXorAssign(_) => ("bitxor", true),
        BinOp::ShlAssign(_) => ("shl", true),
        BinOp::ShrAssign(_) => ("shr", true),
        _ => return None,
    })
}

pub(super) fn comparison(op: &BinOp) -> Option<Cmp> {
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
pub(super) fn compound(op: &BinOp) -> Option<char> {
    match op {
        BinOp::AddAssign(_) => Some('+'),
        BinOp::SubAssign(_) => Some('-'),
        BinOp::MulAssign(_) => Some('*'),
        BinOp::DivAssign(_) => Some('/'),
        BinOp::RemAssign(_) => Some('%'),
        _ => None,
    }
}

pub(super) fn unsupported_binop(op: &BinOp) -> String {
    let op = op.to_token_stream().to_string();
    format!("#[grad] does not support the operator `{op}`; use `+`, `-`, `*`, `/`, `%`, comparisons, `&&`, `||` and float methods")
}

pub(super) fn unsupported_expr(e: &Expr) -> &'static str {
    match e {
        Expr::Closure(_) => "#[grad] supports a closure bound with `let` and called, `let f = |x: f64| x * x; f(y)`, or passed to an iterator adaptor; write this one so, or as a function",
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
pub(super) fn mentioned_names(tokens: TokenStream) -> Vec<Ident> {
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

/// The names of a path's segments: `std::f64::consts::PI` → `["std", "f64", "consts", "PI"]`.
pub(super) fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// `e` without parentheses and one leading `&`.
pub(super) fn strip_ref(e: &Expr) -> &Expr {
    match strip_parens(e) {
        Expr::Reference(r) => strip_parens(&r.expr),
        e => e,
    }
}

/// The methods that only an array takes, among those `#[grad]` lowers.
const ARRAY_METHODS: &[&str] = &[
    "iter",
    "iter_mut",
    "len",
    "windows",
    "chunks",
    "chunks_exact",
    "to_vec",
    "swap",
    "copy_from_slice",
];

/// The functions `f` of statements `let name = f(..);` (no type written) whose `name` is
/// later indexed, iterated or measured as an array (`r[0]`, `r.iter()`, `for v in r`): `f`
/// returns an array, which a macro cannot see from a call alone. By the callee's path as
/// written, not by statement: lowering writes some statements out again (a `for` over a chain).
pub(super) fn array_functions(body: &syn::Block) -> crate::maps::HashSet<String> {
    #[derive(Default)]
    struct Finder {
        /// Each open block's names, with the callee of the `let` of a call that binds one.
        scopes: Vec<Vec<(String, Option<String>)>>,
        marked: crate::maps::HashSet<String>,
    }
    impl Finder {
        fn used_as_array(&mut self, e: &Expr) {
            let e = match strip_parens(e) {
                Expr::Reference(r) => strip_parens(&r.expr),
                e => e,
            };
            let Expr::Path(p) = e else { return };
            let Some(name) = p.path.get_ident().map(|i| i.to_string()) else {
                return;
            };
            let mut innermost_first = self.scopes.iter().rev().flat_map(|s| s.iter().rev());
            let found = innermost_first.find(|(n, _)| *n == name);
            if let Some((_, Some(callee))) = found {
                self.marked.insert(callee.clone());
            }
        }
        fn binds(&mut self, pat: &Pat, callee: Option<String>) {
            if let Some(scope) = self.scopes.last_mut() {
                for name in mentioned_names(pat.to_token_stream()) {
                    scope.push((name.to_string(), callee.clone()));
                }
            }
        }
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_block(&mut self, b: &'ast syn::Block) {
            self.scopes.push(Vec::new());
            syn::visit::visit_block(self, b);
            self.scopes.pop();
        }
        fn visit_local(&mut self, l: &'ast syn::Local) {
            if let Some(init) = &l.init {
                self.visit_expr(&init.expr);
            }
            let callee = match (&l.pat, l.init.as_ref().map(|i| strip_parens(&i.expr))) {
                (Pat::Ident(_), Some(Expr::Call(c))) => match strip_parens(&c.func) {
                    Expr::Path(f) => Some(callee_key(&f.path)),
                    _ => None,
                },
                _ => None,
            };
            self.binds(&l.pat, callee);
        }
        fn visit_expr_index(&mut self, e: &'ast syn::ExprIndex) {
            self.used_as_array(&e.expr);
            syn::visit::visit_expr_index(self, e);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if ARRAY_METHODS.contains(&&*m.method.to_string()) {
                self.used_as_array(&m.receiver);
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
            self.used_as_array(&f.expr);
            self.visit_expr(&f.expr);
            self.scopes.push(Vec::new());
            self.binds(&f.pat, None);
            self.visit_block(&f.body);
            self.scopes.pop();
        }
        fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
            self.scopes.push(Vec::new());
            for p in &c.inputs {
                self.binds(p, None);
            }
            self.visit_expr(&c.body);
            self.scopes.pop();
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder::default();
    finder.visit_block(body);
    finder.marked
}

/// A callee's path as [`array_functions`] names it.
pub(super) fn callee_key(path: &syn::Path) -> String {
    path.to_token_stream().to_string()
}
