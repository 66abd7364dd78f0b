//! Float widths: every float value, local and array gets the width rustc gives it, so that the
//! generated code can spell it. In the source, `let t: f64 = 1.25 - 0.5;` types the literals
//! through the `let`; once that expression is split into single assignments, nothing would tie
//! `1.25` to `f64`, and `t.sin()` would be ambiguous to rustc. Widths flow through every
//! operation whose operands share a type (arithmetic, float methods, comparisons, assignments,
//! element reads and writes) from what fixes one (a parameter, a suffix, a cast, a typed `let`,
//! `f64::sin(..)`, the result type). A width nothing fixes stays unspelled, as in the source.
//!
//! A call's result and a named constant have a type only rustc knows; they are floats when they
//! meet one (`h(x) * 2.0`), and calls of one function, like mentions of one constant, share a
//! type. A caller needs that to pass a bar for each float argument of a differentiated call.

use crate::ir::{visit, Array, ArrayInit, Block, CallArg, FloatTy, Func, Local, Op, Stmt, Ty, Var};
use crate::maps::HashMap;
use crate::primitives::Arg;
use proc_macro2::Span;
use quote::ToTokens;

/// Before each differentiated call, a compile-time check of every value argument whose type
/// only rustc knows (a constant of the module, a call's result that meets no float): the caller
/// passes the callee's rule a bar for each argument it knows to be a float and none for these,
/// so it has rustc check that each is indeed not a float (an integer, a `bool`), and say what to
/// write where one is, instead of reporting a wrong number of arguments in generated code.
pub fn guard_calls(func: &mut Func) {
    let spans = value_spans(&func.body);
    let mut body = std::mem::take(&mut func.body);
    guard_block(func, &spans, &mut body);
    func.body = body;
}

fn value_spans(body: &Block) -> HashMap<Var, Span> {
    let mut spans = HashMap::default();
    visit(body, &mut |s| {
        if let Stmt::Let { dsts, span, .. } = s {
            for v in dsts.iter().flatten() {
                spans.insert(*v, *span);
            }
        }
    });
    spans
}

fn guard_block(func: &Func, spans: &HashMap<Var, Span>, block: &mut Vec<Stmt>) {
    let mut out = Vec::with_capacity(block.len());
    for mut stmt in std::mem::take(block) {
        for b in stmt.blocks_mut() {
            guard_block(func, spans, b);
        }
        let args = match &stmt {
            Stmt::Let {
                op: Op::Call(_, args),
                dsts,
                ..
            } if dsts.iter().flatten().any(|v| func.info(*v).active) => Some(args),
            Stmt::DeclArray {
                array,
                init: ArrayInit::Call(_, args),
                ..
            } if func.array_info(*array).info.active => Some(args),
            _ => None,
        };
        for a in args.into_iter().flatten() {
            let CallArg::Value(v) = a else { continue };
            if func.info(*v).ty != Ty::Other {
                continue;
            }
            let span = spans.get(v).copied().unwrap_or_else(Span::call_site);
            // At the argument, where rustc's error then points.
            let arg = syn::Ident::new("__ad_arg", span);
            out.push(Stmt::Verbatim {
                tokens: quote::quote_spanned! {span=>
                    #[allow(unused_imports)]
                    use ::autodiff::__private::{FloatArg as _, OtherArg as _};
                    ::autodiff::__private::no_bar((&::autodiff::__private::Arg(&#arg)).kind());
                },
                bindings: vec![(arg, *v)],
                arrays: Vec::new(),
            });
        }
        out.push(stmt);
    }
    *block = out;
}

/// Gives every float whose width the function fixes that width.
pub fn infer(func: &mut Func, ret: FloatTy) {
    let mut sets = Sets::new(func);
    for v in func.ret.clone() {
        sets.fix(Slot::Var(v), ret);
    }
    sets.block(&func.body);
    for &(a, b) in &func.same_type {
        sets.same(Slot::Var(a), Slot::Var(b));
    }
    for i in 0..func.vars.len() {
        let slot = Slot::Var(Var(i as u32));
        if sets.is_float(slot) && func.vars[i].ty == Ty::Other {
            func.vars[i].ty = Ty::Float(None);
        }
        let w = sets.width(slot);
        settle(&mut func.vars[i].ty, w);
    }
    for i in 0..func.locals.len() {
        let w = sets.width(Slot::Local(Local(i as u32)));
        settle(&mut func.locals[i].ty, w);
    }
    for i in 0..func.arrays.len() {
        let w = sets.width(Slot::Array(Array(i as u32)));
        settle(&mut func.arrays[i].info.ty, w);
    }
}

fn settle(ty: &mut Ty, width: Option<FloatTy>) {
    if let (Ty::Float(None), Some(w)) = (*ty, width) {
        *ty = Ty::Float(Some(w));
    }
}

#[derive(Clone, Copy)]
enum Slot {
    Var(Var),
    Local(Local),
    Array(Array),
}

/// Union-find over the slots that are or may be floats; each class knows whether it holds a
/// float and the width something fixed.
struct Sets {
    parent: Vec<usize>,
    width: Vec<Option<FloatTy>>,
    /// Per slot: may take part. Per class root: holds a float.
    may: Vec<bool>,
    float: Vec<bool>,
    /// The first call of each path and mention of each constant, by its spelling.
    named: HashMap<String, Var>,
    locals: usize,
    vars: usize,
}

impl Sets {
    fn new(func: &Func) -> Sets {
        let mut opaque = vec![false; func.vars.len()];
        visit(&func.body, &mut |s| {
            if let Stmt::Let {
                dsts,
                op: Op::Call(..) | Op::Path(_),
                ..
            } = s
            {
                for v in dsts.iter().flatten() {
                    opaque[v.0 as usize] = func.info(*v).ty == Ty::Other;
                }
            }
        });
        let tys = func
            .vars
            .iter()
            .chain(&func.locals)
            .chain(func.arrays.iter().map(|a| &a.info))
            .map(|i| i.ty);
        let (mut width, mut may, mut float) = (Vec::new(), Vec::new(), Vec::new());
        for (i, ty) in tys.enumerate() {
            width.push(match ty {
                Ty::Float(w) => w,
                _ => None,
            });
            may.push(ty.is_float() || opaque.get(i).copied().unwrap_or(false));
            float.push(ty.is_float());
        }
        Sets {
            parent: (0..width.len()).collect(),
            width,
            may,
            float,
            named: HashMap::default(),
            vars: func.vars.len(),
            locals: func.locals.len(),
        }
    }

    fn is_float(&mut self, s: Slot) -> bool {
        let i = self.index(s);
        let root = self.find(i);
        self.float[root]
    }

    fn index(&self, s: Slot) -> usize {
        match s {
            Slot::Var(v) => v.0 as usize,
            Slot::Local(l) => self.vars + l.0 as usize,
            Slot::Array(a) => self.vars + self.locals + a.0 as usize,
        }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn width(&mut self, s: Slot) -> Option<FloatTy> {
        let i = self.index(s);
        let root = self.find(i);
        self.width[root]
    }

    fn fix(&mut self, s: Slot, w: FloatTy) {
        let i = self.index(s);
        if self.may[i] {
            let root = self.find(i);
            self.width[root].get_or_insert(w);
        }
    }

    /// `a` and `b` have one type, if both are floats.
    fn same(&mut self, a: Slot, b: Slot) {
        let (i, j) = (self.index(a), self.index(b));
        if !(self.may[i] && self.may[j]) {
            return;
        }
        let (ri, rj) = (self.find(i), self.find(j));
        if ri != rj {
            self.parent[ri] = rj;
            self.float[rj] |= self.float[ri];
            if self.width[rj].is_none() {
                self.width[rj] = self.width[ri];
            }
        }
    }

    /// Calls of one path, and mentions of one constant, have one type.
    fn name(&mut self, path: &syn::Path, v: Var) {
        let key = path.to_token_stream().to_string();
        match self.named.get(&key) {
            Some(first) => self.same(Slot::Var(*first), Slot::Var(v)),
            None => {
                self.named.insert(key, v);
            }
        }
    }

    fn block(&mut self, block: &Block) {
        for stmt in block {
            self.stmt(stmt);
            for b in stmt.blocks() {
                self.block(b);
            }
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        use Slot::{Array as A, Local as L, Var as V};
        match stmt {
            Stmt::Let { dsts, op, .. } => {
                let [Some(v)] = dsts[..] else { return };
                match op {
                    Op::Prim(p, args) => {
                        let floats = p.args.iter().zip(args).filter(|(k, _)| **k == Arg::Float);
                        for (_, a) in floats {
                            self.same(V(v), V(*a));
                        }
                    }
                    Op::Cmp(_, a, b) => self.same(V(*a), V(*b)),
                    Op::Get(l) => self.same(V(v), L(*l)),
                    Op::Load(a, _) => self.same(V(v), A(*a)),
                    Op::Call(path, _) => self.name(path, v),
                    Op::Path(path) => self.name(path, v),
                    _ => {}
                }
            }
            Stmt::Decl { local, init: value }
            | Stmt::Set { local, value }
            | Stmt::Acc { local, value } => self.same(L(*local), V(*value)),
            Stmt::Store { array, value, .. } => self.same(A(*array), V(*value)),
            Stmt::DeclArray { array, init, .. } => match init {
                ArrayInit::Fill { value, .. } => self.same(A(*array), V(*value)),
                ArrayInit::Elems { elems, .. } => {
                    for e in elems {
                        self.same(A(*array), V(*e));
                    }
                }
                ArrayInit::ZerosLike(of)
                | ArrayInit::UnwantedLike(of)
                | ArrayInit::Part { of, .. } => self.same(A(*array), A(*of)),
                ArrayInit::Call(..) | ArrayInit::CallJvp { .. } | ArrayInit::Popped(_) => {}
            },
            Stmt::If { .. }
            | Stmt::For { .. }
            | Stmt::While { .. }
            | Stmt::Repeat { .. }
            | Stmt::ExitIf(_)
            | Stmt::Push { .. }
            | Stmt::PushArray { .. }
            | Stmt::CallVjp { .. }
            | Stmt::Reserve { .. }
            | Stmt::Snapshot { .. }
            | Stmt::Checkpointed { .. }
            | Stmt::Verbatim { .. } => {}
        }
    }
}
