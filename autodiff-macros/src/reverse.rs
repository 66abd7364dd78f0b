//! The reverse transform, IR → IR: the forward sweep (the primal, plus what it must record),
//! then the reverse sweep (each statement's adjoint, in reverse order, each block reversed
//! structurally: a branch replays the path taken, a loop runs its iterations backwards).
//!
//! What the reverse sweep reads, it finds in one of three ways:
//! - values of the function's top level are still in scope;
//! - cheap values (arithmetic, comparisons, loads from arrays nothing writes) are recomputed at
//!   the start of the reversed block that defined them;
//! - anything else (a `tanh` result, a value read from a mutable local) is pushed on a tape of
//!   its own by the forward sweep and popped there.
//!
//! Adjoints of values used only in their own block stay single-assignment: a value's first
//! contribution *is* its adjoint, a further one is added into a new value. A value used inside a
//! nested block (a loop) gets a mutable adjoint instead, as do mutable locals and arrays.

use crate::ir::{
    Adapter, Array, ArrayInit, ArrayKind, Block, Func, Info, Iter, Local, Op, Stack, Stmt, Ty, Var,
};
use crate::primitives::{self, Arg, Form};
use proc_macro2::Span;
use std::collections::{HashMap, HashSet};

/// The adjoint of `primal`: forward sweep, reverse sweep, and one gradient per active parameter.
pub fn reverse(primal: &Func) -> Func {
    let mut rev = Reverse::new(primal);
    rev.analyse(&primal.body, TOP);
    rev.decide();
    let mut fwd = Vec::new();
    for (a, bar) in rev.param_bars() {
        fwd.push(Stmt::DeclArray {
            array: bar,
            init: ArrayInit::ZerosLike(a),
            span: Span::call_site(),
        });
    }
    fwd.extend(rev.forward(&primal.body));
    let mut body = fwd;
    body.extend(rev.reverse_top());
    rev.out.body = body;
    rev.out
}

type BlockId = usize;
const TOP: BlockId = 0;

/// How the reverse sweep gets a value it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// Recomputed at the start of its reversed block.
    Recompute,
    /// Pushed by the forward sweep, popped at the start of its reversed block.
    Tape(Stack),
}

/// A loop whose trip count the reverse sweep needs: the counter, and its value after the loop.
#[derive(Clone, Copy)]
struct Count {
    counter: Local,
    value: Var,
}

struct Reverse<'a> {
    primal: &'a Func,
    out: Func,
    /// The block that defines each value (a `for` variable: the loop's body).
    def_block: HashMap<Var, BlockId>,
    /// The definition of each value defined by a single-value `Let`.
    defs: HashMap<Var, &'a Op>,
    /// `for` variables: always at hand in their reversed loop.
    loop_vars: HashSet<Var>,
    /// The block each mutable local is declared in.
    local_block: HashMap<Local, BlockId>,
    /// Active values used in a block other than their own: they get mutable adjoints.
    nested_use: HashSet<Var>,
    /// Arrays something writes into: their elements cannot be reloaded later.
    written: HashSet<Array>,
    /// The values the reverse sweep reads.
    needed: Vec<Var>,
    sources: HashMap<Var, Source>,
    /// Loops keyed by their statement's address.
    counts: HashMap<*const Stmt, Count>,
    /// Values to materialise at the start of each reversed block, in definition order.
    prologue: HashMap<BlockId, Vec<Var>>,
    /// Mutable adjoints of values, locals and arrays.
    value_bars: HashMap<Var, Local>,
    local_bars: HashMap<Local, Local>,
    array_bars: HashMap<Array, Array>,
    /// Counts blocks in the order `analyse` and the sweeps visit them.
    next_block: BlockId,
}

impl<'a> Reverse<'a> {
    fn new(primal: &'a Func) -> Self {
        let mut out = primal.clone();
        out.body = Vec::new();
        Reverse {
            primal,
            out,
            def_block: HashMap::new(),
            defs: HashMap::new(),
            loop_vars: HashSet::new(),
            local_block: HashMap::new(),
            nested_use: HashSet::new(),
            written: HashSet::new(),
            needed: Vec::new(),
            sources: HashMap::new(),
            counts: HashMap::new(),
            prologue: HashMap::new(),
            value_bars: HashMap::new(),
            local_bars: HashMap::new(),
            array_bars: HashMap::new(),
            next_block: TOP + 1,
        }
    }

    fn active(&self, v: Var) -> bool {
        self.primal.info(v).active
    }

    fn active_local(&self, l: Local) -> bool {
        self.primal.local_info(l).active
    }

    fn active_array(&self, a: Array) -> bool {
        self.primal.array_info(a).info.active
    }

    fn need(&mut self, v: Var) {
        self.needed.push(v);
    }

    // ---- analysis -------------------------------------------------------------------------

    /// Records definitions, uses across blocks, writes, and what the reverse of each
    /// statement will read. Returns whether the block has any adjoint code.
    fn analyse(&mut self, block: &'a Block, id: BlockId) -> bool {
        let mut any = false;
        let mut uses: Vec<Var> = Vec::new();
        for stmt in block {
            uses.extend(stmt.uses());
            match stmt {
                Stmt::Let { dsts, op, .. } => {
                    for v in dsts.iter().flatten() {
                        self.def_block.insert(*v, id);
                    }
                    let [Some(v)] = dsts[..] else { continue };
                    self.defs.insert(v, op);
                    if !self.active(v) {
                        continue;
                    }
                    any = true;
                    match op {
                        Op::Prim(p, args) => {
                            if p.uses.args {
                                args.iter().for_each(|a| self.need(*a));
                            }
                            if p.uses.out {
                                self.need(v);
                            }
                        }
                        Op::Load(_, index) => index.iter().for_each(|i| self.need(*i)),
                        _ => {}
                    }
                }
                Stmt::Decl { local, init } => {
                    self.local_block.insert(*local, id);
                    any |= self.active_local(*local) || self.active(*init);
                }
                Stmt::Set { local, .. } | Stmt::Acc { local, .. } => {
                    any |= self.active_local(*local);
                }
                Stmt::Store { array, index, .. } => {
                    self.written.insert(*array);
                    if self.active_array(*array) {
                        any = true;
                        index.iter().for_each(|i| self.need(*i));
                    }
                }
                Stmt::DeclArray { array, .. } => any |= self.active_array(*array),
                Stmt::If { cond, then, els } => {
                    let (a, b) = (self.nested(then), self.nested(els));
                    if a || b {
                        any = true;
                        self.need(*cond);
                    }
                }
                Stmt::For { var, iter, body } => {
                    let body_id = self.next_block;
                    self.def_block.insert(*var, body_id);
                    self.loop_vars.insert(*var);
                    if self.nested(body) {
                        any = true;
                        iter.uses().into_iter().for_each(|v| self.need(v));
                        if body.iter().any(|s| matches!(s, Stmt::ExitIf(_))) {
                            self.count(stmt, id);
                        }
                    }
                }
                Stmt::While { cond, body } => {
                    if let Some((c, _)) = cond {
                        self.nested(c);
                    }
                    if self.nested(body) {
                        any = true;
                        self.count(stmt, id);
                    }
                }
                Stmt::Repeat { .. }
                | Stmt::ExitIf(_)
                | Stmt::Push { .. }
                | Stmt::Verbatim { .. } => {}
            }
        }
        for v in uses {
            if self.active(v) && self.def_block.get(&v) != Some(&id) {
                self.nested_use.insert(v);
            }
        }
        any
    }

    fn nested(&mut self, block: &'a Block) -> bool {
        let id = self.next_block;
        self.next_block += 1;
        let any = self.analyse(block, id);
        // Uses inside the nested block of values defined outside it were recorded there.
        any
    }

    /// A loop whose trip count the reverse needs: counted by the forward sweep.
    fn count(&mut self, stmt: &Stmt, block: BlockId) {
        let counter = self.out.local(Ty::Int, false, Some("count".into()));
        let value = self.out.var(Ty::Int, false, Some("count".into()));
        self.def_block.insert(value, block);
        self.need(value);
        self.counts.insert(stmt, Count { counter, value });
    }

    /// Decides, for every needed value, where the reverse sweep gets it.
    fn decide(&mut self) {
        while let Some(v) = self.needed.pop() {
            if self.sources.contains_key(&v) || self.at_hand(v) {
                continue;
            }
            let source = match self.defs.get(&v).copied() {
                Some(op) if self.recomputable(op) => {
                    self.needed.extend(op.uses());
                    Source::Recompute
                }
                _ => Source::Tape(self.out.stack()),
            };
            self.sources.insert(v, source);
            let block = self.def_block[&v];
            self.prologue.entry(block).or_default().push(v);
        }
        for list in self.prologue.values_mut() {
            list.sort();
        }
    }

    /// Values the reverse sweep can name directly.
    fn at_hand(&self, v: Var) -> bool {
        self.loop_vars.contains(&v)
            || self.def_block.get(&v) == Some(&TOP)
            || matches!(
                self.defs.get(&v),
                Some(Op::Lit(_) | Op::Path(_) | Op::Param(_))
            )
    }

    fn recomputable(&self, op: &Op) -> bool {
        match op {
            Op::Cast(..) | Op::Cmp(..) | Op::Not(_) | Op::Len(..) => true,
            Op::Prim(p, _) => cheap(p),
            Op::Load(a, _) => !self.written.contains(a),
            _ => false,
        }
    }

    // ---- the forward sweep ------------------------------------------------------------------

    /// Mutable adjoints of the active array parameters, zeroed before the forward sweep.
    fn param_bars(&mut self) -> Vec<(Array, Array)> {
        let params: Vec<Array> = (0..self.primal.arrays.len() as u32)
            .map(Array)
            .filter(|a| {
                self.active_array(*a)
                    && matches!(self.primal.array_info(*a).kind, ArrayKind::Param(_))
            })
            .collect();
        params.into_iter().map(|a| (a, self.array_bar(a))).collect()
    }

    fn array_bar(&mut self, a: Array) -> Array {
        if let Some(bar) = self.array_bars.get(&a) {
            return *bar;
        }
        let info = &self.primal.array_info(a).info;
        let info = Info {
            ty: info.ty,
            active: true,
            name: info.name.as_ref().map(|n| format!("{n}_bar")),
        };
        let bar = self.out.array(info, ArrayKind::Bar(a));
        self.array_bars.insert(a, bar);
        bar
    }

    /// The primal block, recording what the reverse sweep will pop and counting loops.
    fn forward(&mut self, block: &'a Block) -> Block {
        let mut out = Vec::new();
        for stmt in block {
            let count = self.counts.get(&(stmt as *const Stmt)).copied();
            if let Some(c) = count {
                let zero = self.lit("0", Ty::Int, &mut out);
                out.push(Stmt::Decl {
                    local: c.counter,
                    init: zero,
                });
            }
            match stmt {
                Stmt::If { cond, then, els } => out.push(Stmt::If {
                    cond: *cond,
                    then: self.forward(then),
                    els: self.forward(els),
                }),
                Stmt::For { var, iter, body } => {
                    let mut body = self.forward(body);
                    if let Some(c) = count {
                        body.splice(0..0, self.tick(c.counter));
                    }
                    out.push(Stmt::For {
                        var: *var,
                        iter: iter.clone(),
                        body,
                    });
                }
                Stmt::While { cond, body } => {
                    let cond = cond.as_ref().map(|(c, v)| (self.forward(c), *v));
                    let mut body = self.forward(body);
                    if let Some(c) = count {
                        body.splice(0..0, self.tick(c.counter));
                    }
                    out.push(Stmt::While { cond, body });
                }
                Stmt::DeclArray { array, .. } => {
                    out.push(stmt.clone());
                    if self.active_array(*array) {
                        let bar = self.array_bar(*array);
                        out.push(Stmt::DeclArray {
                            array: bar,
                            init: ArrayInit::ZerosLike(*array),
                            span: Span::call_site(),
                        });
                    }
                }
                other => out.push(other.clone()),
            }
            if let Stmt::Let { dsts, .. } = stmt {
                for v in dsts.iter().flatten() {
                    self.record(*v, &mut out);
                }
            }
            if let Some(c) = count {
                out.push(Stmt::Let {
                    dsts: vec![Some(c.value)],
                    op: Op::Get(c.counter),
                    span: Span::call_site(),
                });
                self.record(c.value, &mut out);
            }
        }
        out
    }

    /// Pushes `v` if the reverse sweep pops it.
    fn record(&self, v: Var, out: &mut Block) {
        if let Some(Source::Tape(stack)) = self.sources.get(&v) {
            out.push(Stmt::Push {
                stack: *stack,
                value: v,
            });
        }
    }

    /// `counter += 1`.
    fn tick(&mut self, counter: Local) -> Block {
        let mut out = Vec::new();
        let one = self.lit("1", Ty::Int, &mut out);
        out.push(Stmt::Acc {
            local: counter,
            value: one,
        });
        out
    }

    /// A literal, defined in `out`.
    fn lit(&mut self, text: &str, ty: Ty, out: &mut Block) -> Var {
        let v = self.out.var(ty, false, None);
        out.push(Stmt::Let {
            dsts: vec![Some(v)],
            op: Op::Lit(syn::parse_str(text).expect("a literal")),
            span: Span::call_site(),
        });
        v
    }

    // ---- the reverse sweep ------------------------------------------------------------------

    /// The reverse of the whole body: the seed, the adjoints, the gradient.
    fn reverse_top(&mut self) -> Block {
        self.next_block = TOP + 1;
        let primal = self.primal;
        let mut out = Vec::new();
        let mut adj = HashMap::new();
        self.declare_bars(&primal.body, TOP, &mut out);
        let ret = primal.ret.expect("a function without errors has a result");
        if self.active(ret) {
            let seed = self
                .out
                .var(self.primal.info(ret).ty, false, Some("seed".into()));
            out.push(Stmt::Let {
                dsts: vec![Some(seed)],
                op: Op::Seed,
                span: Span::call_site(),
            });
            self.accumulate(ret, seed, &mut adj, &mut out);
        }
        self.reverse_stmts(&primal.body, &mut adj, &mut out);
        self.out.grads = self.grads(&adj, &mut out);
        out
    }

    /// One gradient entry per active parameter.
    fn grads(&mut self, adj: &HashMap<Var, Var>, out: &mut Block) -> Vec<crate::ir::Grad> {
        use crate::ir::Grad;
        let mut scalars: HashMap<usize, Var> = HashMap::new();
        let primal = self.primal;
        for stmt in &primal.body {
            if let Stmt::Let {
                dsts,
                op: Op::Param(i),
                ..
            } = stmt
            {
                if let [Some(v)] = dsts[..] {
                    scalars.insert(*i, v);
                }
            }
        }
        let mut grads = Vec::new();
        let mut entries: Vec<(usize, Grad)> = Vec::new();
        for (i, v) in scalars {
            if !self.active(v) {
                continue;
            }
            let g = match self.value_bars.get(&v) {
                Some(bar) => Some(self.get(*bar, out)),
                None => adj.get(&v).copied(),
            };
            entries.push((i, Grad::Scalar(g)));
        }
        for (a, bar) in self.array_bars.clone() {
            if let ArrayKind::Param(i) = self.primal.array_info(a).kind {
                entries.push((i, Grad::Array(bar)));
            }
        }
        entries.sort_by_key(|(i, _)| *i);
        grads.extend(entries.into_iter().map(|(_, g)| g));
        grads
    }

    /// The reverse of a nested block: its mutable adjoints, the values it needs, then its
    /// statements' adjoints in reverse.
    fn reverse_block(&mut self, block: &'a Block) -> Block {
        let id = self.next_block;
        self.next_block += 1;
        let mut out = Vec::new();
        let mut adj = HashMap::new();
        self.declare_bars(block, id, &mut out);
        for v in self.prologue.get(&id).cloned().unwrap_or_default() {
            let op = match self.sources[&v] {
                Source::Recompute => self.defs[&v].clone(),
                Source::Tape(stack) => Op::Pop(stack),
            };
            out.push(Stmt::Let {
                dsts: vec![Some(v)],
                op,
                span: Span::call_site(),
            });
        }
        self.reverse_stmts(block, &mut adj, &mut out);
        out
    }

    /// Zeroed mutable adjoints for this block's values used in nested blocks and its locals.
    fn declare_bars(&mut self, block: &'a Block, _id: BlockId, out: &mut Block) {
        for stmt in block {
            let (value, local) = match stmt {
                Stmt::Let { dsts, .. } => match dsts[..] {
                    [Some(v)] if self.nested_use.contains(&v) => (Some(v), None),
                    _ => (None, None),
                },
                Stmt::Decl { local, .. } if self.active_local(*local) => (None, Some(*local)),
                _ => (None, None),
            };
            let zero = match (value, local) {
                (None, None) => continue,
                _ => self.lit("0.0", Ty::Float(None), out),
            };
            let name = |info: &Info| info.name.as_ref().map(|n| format!("{n}_bar"));
            if let Some(v) = value {
                let info = self.primal.info(v).clone();
                let bar = self.out.local(info.ty, true, name(&info));
                out.push(Stmt::Decl {
                    local: bar,
                    init: zero,
                });
                self.value_bars.insert(v, bar);
            }
            if let Some(l) = local {
                let info = self.primal.local_info(l).clone();
                let bar = self.out.local(info.ty, true, name(&info));
                out.push(Stmt::Decl {
                    local: bar,
                    init: zero,
                });
                self.local_bars.insert(l, bar);
            }
        }
    }

    fn reverse_stmts(&mut self, block: &'a Block, adj: &mut HashMap<Var, Var>, out: &mut Block) {
        // Nested blocks are numbered in forward order, as `analyse` numbered them.
        let mut nested: Vec<Option<Vec<Block>>> = Vec::new();
        for stmt in block {
            let blocks = match stmt {
                Stmt::If { then, els, .. } => {
                    Some(vec![self.reverse_block(then), self.reverse_block(els)])
                }
                Stmt::For { body, .. } => Some(vec![self.reverse_block(body)]),
                Stmt::While { cond, body } => {
                    if let Some((c, _)) = cond {
                        self.skip_block(c);
                    }
                    Some(vec![self.reverse_block(body)])
                }
                _ => None,
            };
            nested.push(blocks);
        }
        for (stmt, blocks) in block.iter().zip(nested).rev() {
            self.reverse_stmt(stmt, blocks, adj, out);
        }
    }

    /// Numbers the blocks inside `block` without reversing it (a `while` condition).
    fn skip_block(&mut self, block: &'a Block) {
        self.next_block += 1;
        for stmt in block {
            for b in stmt.blocks() {
                self.skip_block(b);
            }
        }
    }

    fn reverse_stmt(
        &mut self,
        stmt: &'a Stmt,
        blocks: Option<Vec<Block>>,
        adj: &mut HashMap<Var, Var>,
        out: &mut Block,
    ) {
        match stmt {
            Stmt::Let { dsts, op, span } => {
                let [Some(v)] = dsts[..] else { return };
                if !self.active(v) {
                    return;
                }
                let Some(bar) = self.bar_of(v, adj, out) else {
                    return;
                };
                match op {
                    Op::Prim(prim, args) => {
                        let contribs: Vec<Option<Var>> = prim
                            .args
                            .iter()
                            .zip(args)
                            .filter(|(k, _)| **k == Arg::Float)
                            .map(|(_, &a)| {
                                let info = self.primal.info(a);
                                info.active.then(|| {
                                    let name = info.name.as_ref().map(|n| format!("{n}_bar"));
                                    self.out.var(info.ty, true, name)
                                })
                            })
                            .collect();
                        out.push(Stmt::Let {
                            dsts: contribs.clone(),
                            op: Op::Rule {
                                prim,
                                args: args.clone(),
                                out: v,
                                bar,
                            },
                            span: *span,
                        });
                        let floats = prim
                            .args
                            .iter()
                            .zip(args)
                            .filter(|(k, _)| **k == Arg::Float);
                        for ((_, &a), c) in floats.zip(contribs) {
                            if let Some(c) = c {
                                self.accumulate(a, c, adj, out);
                            }
                        }
                    }
                    Op::Cast(x, _) => {
                        let info = self.primal.info(*x).clone();
                        if let (true, Ty::Float(Some(src))) = (info.active, info.ty) {
                            let c = self.out.var(info.ty, true, None);
                            let ty: syn::Type = match src {
                                crate::ir::FloatTy::F64 => syn::parse_quote!(f64),
                                crate::ir::FloatTy::F32 => syn::parse_quote!(f32),
                            };
                            out.push(Stmt::Let {
                                dsts: vec![Some(c)],
                                op: Op::Cast(bar, Box::new(ty)),
                                span: *span,
                            });
                            self.accumulate(*x, c, adj, out);
                        }
                    }
                    Op::Get(l) => {
                        if let Some(lbar) = self.local_bars.get(l).copied() {
                            out.push(Stmt::Acc {
                                local: lbar,
                                value: bar,
                            });
                        }
                    }
                    Op::Load(a, index) => {
                        let abar = self.array_bar(*a);
                        out.push(Stmt::Store {
                            array: abar,
                            index: index.clone(),
                            value: bar,
                            acc: true,
                        });
                    }
                    _ => {}
                }
            }
            Stmt::Decl { local, init: value } | Stmt::Set { local, value } => {
                let Some(lbar) = self.local_bars.get(local).copied() else {
                    return;
                };
                let b = self.get(lbar, out);
                if let Stmt::Set { .. } = stmt {
                    let zero = self.lit("0.0", Ty::Float(None), out);
                    out.push(Stmt::Set {
                        local: lbar,
                        value: zero,
                    });
                }
                self.accumulate(*value, b, adj, out);
            }
            Stmt::Store {
                array,
                index,
                value,
                ..
            } if self.active_array(*array) => {
                let abar = self.array_bar(*array);
                let b = self
                    .out
                    .var(self.primal.array_info(*array).info.ty, true, None);
                out.push(Stmt::Let {
                    dsts: vec![Some(b)],
                    op: Op::Load(abar, index.clone()),
                    span: Span::call_site(),
                });
                let zero = self.lit("0.0", Ty::Float(None), out);
                out.push(Stmt::Store {
                    array: abar,
                    index: index.clone(),
                    value: zero,
                    acc: false,
                });
                self.accumulate(*value, b, adj, out);
            }
            Stmt::DeclArray {
                array,
                init: ArrayInit::Elems { elems, .. },
                ..
            } if self.active_array(*array) => {
                let abar = self.array_bar(*array);
                for (k, e) in elems.iter().enumerate() {
                    if !self.active(*e) {
                        continue;
                    }
                    let index = self.lit(&k.to_string(), Ty::Int, out);
                    let b = self.out.var(self.primal.info(*e).ty, true, None);
                    out.push(Stmt::Let {
                        dsts: vec![Some(b)],
                        op: Op::Load(abar, vec![index]),
                        span: Span::call_site(),
                    });
                    self.accumulate(*e, b, adj, out);
                }
            }
            Stmt::If { cond, .. } => {
                let mut blocks = blocks.unwrap_or_default();
                let els = blocks.pop().unwrap_or_default();
                let then = blocks.pop().unwrap_or_default();
                if !then.is_empty() || !els.is_empty() {
                    out.push(Stmt::If {
                        cond: *cond,
                        then,
                        els,
                    });
                }
            }
            Stmt::For { var, iter, .. } => {
                let body = blocks.and_then(|mut b| b.pop()).unwrap_or_default();
                if body.is_empty() {
                    return;
                }
                let mut iter: Iter = iter.clone();
                if let Some(c) = self.counts.get(&(stmt as *const Stmt)) {
                    iter.adapters.push(Adapter::Take(c.value));
                }
                iter.adapters.push(Adapter::Rev);
                out.push(Stmt::For {
                    var: *var,
                    iter,
                    body,
                });
            }
            Stmt::While { .. } => {
                let body = blocks.and_then(|mut b| b.pop()).unwrap_or_default();
                if let (false, Some(c)) = (body.is_empty(), self.counts.get(&(stmt as *const Stmt)))
                {
                    out.push(Stmt::Repeat {
                        count: c.value,
                        body,
                    });
                }
            }
            _ => {}
        }
    }

    /// The adjoint of `v` collected so far; `None` if nothing reached it.
    fn bar_of(&mut self, v: Var, adj: &HashMap<Var, Var>, out: &mut Block) -> Option<Var> {
        match self.value_bars.get(&v).copied() {
            Some(bar) => Some(self.get(bar, out)),
            None => adj.get(&v).copied(),
        }
    }

    fn get(&mut self, local: Local, out: &mut Block) -> Var {
        let info = self.out.local_info(local).clone();
        let v = self.out.var(info.ty, true, info.name);
        out.push(Stmt::Let {
            dsts: vec![Some(v)],
            op: Op::Get(local),
            span: Span::call_site(),
        });
        v
    }

    /// `v̄ += c`: into its mutable adjoint, or in single assignment.
    fn accumulate(&mut self, v: Var, c: Var, adj: &mut HashMap<Var, Var>, out: &mut Block) {
        if !self.active(v) {
            return;
        }
        if let Some(bar) = self.value_bars.get(&v) {
            out.push(Stmt::Acc {
                local: *bar,
                value: c,
            });
            return;
        }
        let sum = match adj.get(&v) {
            None => c,
            Some(&prev) => {
                let info = self.out.info(c).clone();
                let sum = self.out.var(info.ty, true, info.name);
                out.push(Stmt::Let {
                    dsts: vec![Some(sum)],
                    op: Op::Prim(
                        primitives::infix('+').expect("the table has +"),
                        vec![prev, c],
                    ),
                    span: Span::call_site(),
                });
                sum
            }
        };
        adj.insert(v, sum);
    }
}

/// Primitives cheap enough to recompute rather than record.
fn cheap(p: &primitives::Prim) -> bool {
    matches!(p.form, Form::Infix(_) | Form::Neg)
        || matches!(
            p.name,
            "abs"
                | "max"
                | "min"
                | "clamp"
                | "signum"
                | "floor"
                | "ceil"
                | "round"
                | "trunc"
                | "mul_add"
                | "recip"
                | "to_radians"
                | "to_degrees"
                | "relu"
        )
}
