//! The reverse transform, IR → IR: the forward sweep (the primal, plus what it must record),
//! then the reverse sweep (each statement's adjoint, in reverse order, each block reversed
//! structurally: a branch replays the path taken, a loop runs its iterations backwards).
//!
//! What the reverse sweep reads, it finds in one of three ways:
//! - values of a block still in scope: the function's top level, and the body of a fused loop;
//! - cheap values (arithmetic, comparisons, loads from arrays nothing writes) are recomputed at
//!   the start of the reversed block that defined them;
//! - anything else (a `tanh` result, a value read from a mutable local) is pushed on a tape of
//!   its own by the forward sweep and popped there.
//!
//! A loop whose only loop-carried adjoints are accumulators (`s += term`), whose adjoints are
//! therefore the same in every iteration and known before the loop runs, is *fused*: each
//! iteration runs its reverse right after its forward, with every value still in scope, as a
//! hand-written Rosenbrock or linear-layer gradient does. No tape, one pass.
//!
//! Adjoints of values used only in their own block stay single-assignment: a value's first
//! contribution *is* its adjoint, a further one is added into a new value. A value used inside a
//! nested block gets a mutable adjoint instead, as do mutable locals and arrays.

use crate::ir::{
    Adapter, Array, ArrayInit, ArrayKind, Block, Cmp, FloatTy, Func, Grad, Info, Iter, Local, Op,
    Stack, Stmt, Ty, Var,
};
use crate::primitives::{self, Arg, Form};
use proc_macro2::Span;
use std::collections::{HashMap, HashSet};

/// The adjoint of `primal`: forward sweep, reverse sweep, and one gradient per active parameter.
pub fn reverse(primal: &Func) -> Func {
    let mut rev = Reverse::new(primal);
    let top = &primal.body;
    rev.analyse(top);
    rev.plan(top);
    rev.decide();
    let mut body = rev.prologue();
    body.extend(rev.forward(top));
    body.extend(rev.reverse_top());
    rev.out.body = body;
    rev.out
}

/// A block, by its address in the primal.
type BlockId = *const Block;

fn id(block: &Block) -> BlockId {
    block
}

/// How the reverse sweep gets a value it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// Recomputed at the start of its reversed block.
    Recompute,
    /// Pushed by the forward sweep, popped at the start of its reversed block.
    Tape(Stack),
    /// The value a loop body leaves in a mutable local, read back from the local: the reverse
    /// sweep restores the local to its value at the start of each iteration as it goes.
    Carried(Local),
}

/// A loop whose trip count the reverse sweep needs: the counter, and its value after the loop.
#[derive(Clone, Copy)]
struct Count {
    counter: Local,
    value: Var,
}

/// `l = g ± t` where `g` is `l`'s value just before: `l`'s adjoint passes through unchanged and
/// `t` receives `±` it.
#[derive(Clone, Copy)]
struct Accumulation {
    term: Var,
    minus: bool,
}

struct Reverse<'a> {
    primal: &'a Func,
    out: Func,
    top: BlockId,
    /// The block that defines each value (a `for` variable: the loop's body).
    def_block: HashMap<Var, BlockId>,
    /// The definition of each value defined by a single-value `Let`.
    defs: HashMap<Var, &'a Op>,
    /// How many times each value is read.
    reads: HashMap<Var, usize>,
    /// `for` variables: always at hand in their reversed loop.
    loop_vars: HashSet<Var>,
    /// Active values used in a block other than their own: they get mutable adjoints.
    nested_use: HashSet<Var>,
    /// Arrays something writes into: their elements cannot be reloaded later.
    written: HashSet<Array>,
    /// `Set`s of the accumulation pattern, by address.
    accumulations: HashMap<*const Stmt, Accumulation>,
    /// Every `Get` and `Set` of each local: (the value read or written, whether it belongs to an
    /// accumulation).
    local_uses: HashMap<Local, Vec<(Var, bool)>>,
    /// Loops whose trip count is needed unless they are fused, with their enclosing block.
    counted: Vec<(&'a Stmt, BlockId)>,
    /// Bodies of fused loops.
    fused: HashSet<BlockId>,
    /// Every block, and which are loop bodies.
    blocks: HashMap<BlockId, &'a Block>,
    loop_bodies: HashSet<BlockId>,
    /// The block each local is declared in.
    decl_block: HashMap<Local, BlockId>,
    /// Per reversed loop body: locals to set back to their value at the start of the iteration
    /// (a carried local and the value read from it there).
    restores: HashMap<BlockId, Vec<(Local, Var)>>,
    /// The values the reverse sweep reads.
    needed: Vec<Var>,
    sources: HashMap<Var, Source>,
    counts: HashMap<*const Stmt, Count>,
    /// Values to materialise at the start of each reversed block, in definition order.
    materialise: HashMap<BlockId, Vec<Var>>,
    /// Mutable adjoints of values, locals and arrays.
    value_bars: HashMap<Var, Local>,
    local_bars: HashMap<Local, Local>,
    array_bars: HashMap<Array, Array>,
    /// The result's adjoint went into its local's adjoint before the forward sweep.
    seed_hoisted: bool,
    /// Contributions to array adjoints not yet added, by element: several contributions to the
    /// same element in a block become one `ā[i] += c₁ + c₂`, without a round trip through
    /// memory for each.
    pending: Vec<(Array, Vec<Var>, Var)>,
}

impl<'a> Reverse<'a> {
    fn new(primal: &'a Func) -> Self {
        let mut out = primal.clone();
        out.body = Vec::new();
        Reverse {
            primal,
            out,
            top: id(&primal.body),
            def_block: HashMap::new(),
            defs: HashMap::new(),
            reads: HashMap::new(),
            loop_vars: HashSet::new(),
            nested_use: HashSet::new(),
            written: HashSet::new(),
            accumulations: HashMap::new(),
            local_uses: HashMap::new(),
            counted: Vec::new(),
            fused: HashSet::new(),
            blocks: HashMap::new(),
            loop_bodies: HashSet::new(),
            decl_block: HashMap::new(),
            restores: HashMap::new(),
            needed: Vec::new(),
            sources: HashMap::new(),
            counts: HashMap::new(),
            materialise: HashMap::new(),
            value_bars: HashMap::new(),
            local_bars: HashMap::new(),
            array_bars: HashMap::new(),
            seed_hoisted: false,
            pending: Vec::new(),
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

    /// Records definitions, reads, uses across blocks, writes, and what the reverse of each
    /// statement will read. Returns whether the block has any adjoint code.
    fn analyse(&mut self, block: &'a Block) -> bool {
        let here = id(block);
        self.blocks.insert(here, block);
        let mut any = false;
        let mut uses: Vec<Var> = Vec::new();
        for stmt in block {
            uses.extend(stmt.uses());
            match stmt {
                Stmt::Let { dsts, op, .. } => {
                    for v in dsts.iter().flatten() {
                        self.def_block.insert(*v, here);
                    }
                    let [Some(v)] = dsts[..] else { continue };
                    self.defs.insert(v, op);
                    if let Op::Get(l) = op {
                        self.local_uses.entry(*l).or_default().push((v, false));
                    }
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
                    self.decl_block.insert(*local, here);
                    any |= self.active_local(*local) || self.active(*init);
                }
                Stmt::Set { local, value } => {
                    any |= self.active_local(*local);
                    self.local_uses
                        .entry(*local)
                        .or_default()
                        .push((*value, false));
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
                    let (a, b) = (self.analyse(then), self.analyse(els));
                    if a || b {
                        any = true;
                        self.need(*cond);
                    }
                }
                Stmt::For { var, iter, body } => {
                    self.def_block.insert(*var, id(body));
                    self.loop_vars.insert(*var);
                    self.loop_bodies.insert(id(body));
                    if self.analyse(body) {
                        any = true;
                        iter.uses().into_iter().for_each(|v| self.need(v));
                        if body.iter().any(|s| matches!(s, Stmt::ExitIf(_))) {
                            self.counted.push((stmt, here));
                        }
                    }
                }
                Stmt::While { cond, body } => {
                    self.loop_bodies.insert(id(body));
                    if let Some((c, _)) = cond {
                        self.analyse(c);
                    }
                    if self.analyse(body) {
                        any = true;
                        self.counted.push((stmt, here));
                    }
                }
                Stmt::Acc { .. }
                | Stmt::Repeat { .. }
                | Stmt::ExitIf(_)
                | Stmt::Push { .. }
                | Stmt::Reserve { .. }
                | Stmt::Verbatim { .. } => {}
            }
        }
        for v in uses {
            *self.reads.entry(v).or_default() += 1;
            if self.active(v) && self.def_block.get(&v) != Some(&here) {
                self.nested_use.insert(v);
            }
        }
        any
    }

    /// Finds the accumulations, then the loops to fuse.
    fn plan(&mut self, top: &'a Block) {
        self.find_accumulations(top);
        self.fuse_in(top);
        for (stmt, block) in std::mem::take(&mut self.counted) {
            let (Stmt::For { body, .. } | Stmt::While { body, .. }) = stmt else {
                continue;
            };
            if self.fused.contains(&id(body)) {
                continue;
            }
            let counter = self.out.local(Ty::Int, false, Some("count".into()));
            let value = self.out.var(Ty::Int, false, Some("count".into()));
            self.def_block.insert(value, block);
            self.need(value);
            self.counts
                .insert(stmt as *const Stmt, Count { counter, value });
        }
    }

    fn find_accumulations(&mut self, block: &'a Block) {
        for stmt in block {
            if let Stmt::Set { local, value } = stmt {
                if let Some(acc) = self.accumulation(*local, *value) {
                    self.accumulations.insert(stmt, acc);
                    let get = match self.defs[value] {
                        Op::Prim(_, args) => args[0],
                        _ => continue,
                    };
                    for uses in self.local_uses.get_mut(local).into_iter() {
                        for (v, is_acc) in uses.iter_mut() {
                            if *v == get || *v == *value {
                                *is_acc = true;
                            }
                        }
                    }
                }
            }
            for b in stmt.blocks() {
                self.find_accumulations(b);
            }
        }
    }

    /// Whether `local = value` is `local = local ± term`, its read used nowhere else.
    fn accumulation(&self, local: Local, value: Var) -> Option<Accumulation> {
        let Op::Prim(p, args) = self.defs.get(&value)? else {
            return None;
        };
        let minus = match p.infix()? {
            '+' => false,
            '-' => true,
            _ => return None,
        };
        let (get, term) = (args[0], args[1]);
        let reads_local = matches!(self.defs.get(&get), Some(Op::Get(l)) if *l == local);
        let once = |v: Var| self.reads.get(&v).copied().unwrap_or(0) == 1;
        (reads_local && once(get) && once(value) && get != term)
            .then_some(Accumulation { term, minus })
    }

    /// A local whose every read and write is part of an accumulation (or is the result).
    fn is_accumulator(&self, l: Local) -> bool {
        let ret = self.primal.ret;
        self.local_uses
            .get(&l)
            .is_none_or(|uses| uses.iter().all(|(v, acc)| *acc || Some(*v) == ret))
    }

    /// Marks the loops of a forward-scoped block that can be fused, and recurses into them.
    fn fuse_in(&mut self, block: &'a Block) {
        for stmt in block {
            let Stmt::For { body, .. } = stmt else {
                continue;
            };
            if self.fusable(body) {
                self.fused.insert(id(body));
                self.fuse_in(body);
            }
        }
    }

    /// A loop body can run its reverse right after its forward when it writes no active array
    /// and every active local it writes that outlives an iteration is an accumulator.
    fn fusable(&self, body: &Block) -> bool {
        let mut declared = HashSet::new();
        let mut ok = true;
        visit(body, &mut |stmt| match stmt {
            Stmt::Decl { local, .. } => {
                declared.insert(*local);
            }
            Stmt::Set { local, .. } => {
                ok &= !self.active_local(*local)
                    || declared.contains(local)
                    || self.is_accumulator(*local);
            }
            Stmt::Store { array, .. } => ok &= !self.active_array(*array),
            _ => {}
        });
        ok
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
                _ => match self.carried(v) {
                    Some((local, start)) => {
                        self.need(start);
                        let body = self.def_block[&v];
                        self.restores.entry(body).or_default().push((local, start));
                        Source::Carried(local)
                    }
                    None => Source::Tape(self.out.stack()),
                },
            };
            self.sources.insert(v, source);
            let block = self.def_block[&v];
            self.materialise.entry(block).or_default().push(v);
        }
        for list in self.materialise.values_mut() {
            list.sort();
        }
    }

    /// Whether `v` is what a loop body leaves in a local `l` that it reads first (`g = l; …;
    /// l = v`) and that nothing else writes: then in the reverse of an iteration `v` is `l`'s
    /// value, provided the reverse sets `l` back to `g` as it leaves the iteration. Returns the
    /// local and `g`. (The recurrence `h = tanh(a·h + b)` then tapes `h` once per step, not
    /// `h` and `tanh`.)
    fn carried(&self, v: Var) -> Option<(Local, Var)> {
        let body_id = *self.def_block.get(&v)?;
        if !self.loop_bodies.contains(&body_id) {
            return None;
        }
        let body = self.blocks[&body_id];
        // The body's last top-level statement touching the local sets it to `v`.
        let (local, k) = body.iter().enumerate().rev().find_map(|(k, s)| match s {
            Stmt::Set { local, value } if *value == v => Some((*local, k)),
            _ => None,
        })?;
        let decl = self.decl_block.get(&local)?;
        if *decl != self.top && !self.fused.contains(decl) {
            return None;
        }
        // Nothing but this one `Set` writes the local, anywhere.
        let sets = self
            .local_uses
            .get(&local)?
            .iter()
            .filter(|(x, _)| !matches!(self.defs.get(x), Some(Op::Get(_))));
        if sets.count() != 1 {
            return None;
        }
        // It is read at the top of the body, before anything nested, and not after the `Set`.
        let touches = |s: &Stmt| {
            let mut found = false;
            visit(std::slice::from_ref(s), &mut |t| {
                found |= matches!(t, Stmt::Let { op: Op::Get(l), .. } | Stmt::Set { local: l, .. } if *l == local);
            });
            found
        };
        if body[k + 1..].iter().any(touches) {
            return None;
        }
        let first = body.iter().find(|s| touches(s))?;
        match first {
            Stmt::Let {
                dsts,
                op: Op::Get(l),
                ..
            } if *l == local => dsts[0].map(|g| (local, g)),
            _ => None,
        }
    }

    /// Values the reverse sweep can name directly.
    fn at_hand(&self, v: Var) -> bool {
        let block = self.def_block.get(&v);
        self.loop_vars.contains(&v)
            || block == Some(&self.top)
            || block.is_some_and(|b| self.fused.contains(b))
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

    /// Before the forward sweep: the array parameters' adjoints, the top level's mutable
    /// adjoints, and the seed when it goes straight into the result's local.
    fn prologue(&mut self) -> Block {
        let mut out = Vec::new();
        let params: Vec<Array> = (0..self.primal.arrays.len() as u32)
            .map(Array)
            .filter(|a| {
                self.active_array(*a)
                    && matches!(self.primal.array_info(*a).kind, ArrayKind::Param(_))
            })
            .collect();
        for a in params {
            let bar = self.array_bar(a);
            out.push(Stmt::DeclArray {
                array: bar,
                init: ArrayInit::ZerosLike(a),
                span: Span::call_site(),
            });
        }
        let primal = self.primal;
        self.declare_bars(&primal.body, &mut out);
        let ret = primal.ret.expect("a function without errors has a result");
        if let Some(Op::Get(l)) = self.defs.get(&ret).copied() {
            if let Some(lbar) = self.local_bars.get(l).copied() {
                let seed = self.seed(&mut out);
                out.push(Stmt::Acc {
                    local: lbar,
                    value: seed,
                });
                self.seed_hoisted = true;
            }
        }
        out
    }

    fn seed(&mut self, out: &mut Block) -> Var {
        let ret = self
            .primal
            .ret
            .expect("a function without errors has a result");
        let seed = self
            .out
            .var(self.primal.info(ret).ty, false, Some("seed".into()));
        out.push(Stmt::Let {
            dsts: vec![Some(seed)],
            op: Op::Seed,
            span: Span::call_site(),
        });
        seed
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

    /// The primal block, recording what the reverse sweep will pop and counting loops; a fused
    /// loop's body also runs its reverse.
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
                    let mut fwd = Vec::new();
                    let mut after = Vec::new();
                    if self.fused.contains(&id(body)) {
                        self.declare_bars(body, &mut fwd);
                        fwd.extend(self.forward(body));
                        let mut adj = HashMap::new();
                        self.reverse_stmts(body, &mut adj, &mut fwd);
                        self.carry_neighbours(*var, iter, &mut fwd, &mut out, &mut after);
                    } else {
                        if let Some(c) = count {
                            fwd.extend(self.tick(c.counter));
                        }
                        fwd.extend(self.forward(body));
                        // One push per iteration: room for all of them at once.
                        for stack in self.pushed(body) {
                            out.push(Stmt::Reserve {
                                stack,
                                iter: iter.clone(),
                            });
                        }
                    }
                    out.push(Stmt::For {
                        var: *var,
                        iter: iter.clone(),
                        body: fwd,
                    });
                    out.extend(after);
                }
                Stmt::While { cond, body } => {
                    let cond = cond.as_ref().map(|(c, v)| (self.forward(c), *v));
                    let mut fwd = Vec::new();
                    if let Some(c) = count {
                        fwd.extend(self.tick(c.counter));
                    }
                    fwd.extend(self.forward(body));
                    out.push(Stmt::While { cond, body: fwd });
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

    /// In a fused loop over an ascending range, the contributions to `ā[i + 1]` are carried to
    /// the next iteration in a local and added together with those to `ā[i]`: one update per
    /// element instead of a read-modify-write that the next iteration reads back at once. This
    /// is the carry of a hand-written stencil adjoint (Rosenbrock's).
    fn carry_neighbours(
        &mut self,
        var: Var,
        iter: &Iter,
        body: &mut Block,
        before: &mut Block,
        after: &mut Block,
    ) {
        if !iter.adapters.is_empty() || iter.inclusive {
            return;
        }
        let next_index = |v: Var, defs: &HashMap<Var, &Op>| match defs.get(&v) {
            Some(Op::Prim(p, args)) if p.infix() == Some('+') && args[0] == var => {
                matches!(defs.get(&args[1]), Some(Op::Lit(syn::Lit::Int(one))) if one.base10_digits() == "1")
            }
            _ => false,
        };
        // The arrays whose every update in the body is `ā[i] += ..` or `ā[i + 1] += ..`.
        let mut arrays: Vec<Array> = Vec::new();
        let mut mixed: HashSet<Array> = HashSet::new();
        visit(body, &mut |stmt| {
            if let Stmt::Store { array, .. } = stmt {
                if !arrays.contains(array) {
                    arrays.push(*array);
                }
            }
        });
        for stmt in body.iter() {
            for b in stmt.blocks() {
                visit(b, &mut |s| {
                    if let Stmt::Store { array, .. } = s {
                        mixed.insert(*array);
                    }
                });
            }
            if let Stmt::Store {
                array, index, acc, ..
            } = stmt
            {
                let neighbour = matches!(index[..], [i] if i == var || next_index(i, &self.defs));
                if !acc || !neighbour {
                    mixed.insert(*array);
                }
            }
        }
        for array in arrays {
            let carries = body.iter().any(|s| {
                matches!(s, Stmt::Store { array: a, index, .. } if *a == array && next_index(index[0], &self.defs))
            });
            if mixed.contains(&array) || !carries {
                continue;
            }
            let ty = self.out.array_info(array).info.ty;
            let carry = self.out.local(ty, true, Some("carry".into()));
            let next = self.out.local(ty, true, Some("next".into()));
            let zero = self.lit("0.0", ty, before);
            before.push(Stmt::Decl {
                local: carry,
                init: zero,
            });
            let mut rewritten = Vec::new();
            let zero = self.lit("0.0", ty, &mut rewritten);
            rewritten.push(Stmt::Decl {
                local: next,
                init: zero,
            });
            let mut added = false;
            for stmt in body.drain(..) {
                match stmt {
                    Stmt::Store {
                        array: a,
                        index,
                        value,
                        ..
                    } if a == array && index[0] != var => {
                        rewritten.push(Stmt::Acc { local: next, value });
                    }
                    Stmt::Store {
                        array: a,
                        index,
                        value,
                        ..
                    } if a == array && !added => {
                        let c = self.get(carry, &mut rewritten);
                        let sum = self.out.var(ty, true, None);
                        rewritten.push(Stmt::Let {
                            dsts: vec![Some(sum)],
                            op: Op::Prim(
                                primitives::infix('+').expect("the table has +"),
                                vec![value, c],
                            ),
                            span: Span::call_site(),
                        });
                        rewritten.push(Stmt::Store {
                            array,
                            index,
                            value: sum,
                            acc: true,
                        });
                        added = true;
                    }
                    other => rewritten.push(other),
                }
            }
            if !added {
                let c = self.get(carry, &mut rewritten);
                rewritten.push(Stmt::Store {
                    array,
                    index: vec![var],
                    value: c,
                    acc: true,
                });
            }
            let n = self.get(next, &mut rewritten);
            rewritten.push(Stmt::Set {
                local: carry,
                value: n,
            });
            *body = rewritten;
            // After the last iteration, what it carried belongs to `ā[end]`.
            let ran = self.out.var(Ty::Bool, false, None);
            after.push(Stmt::Let {
                dsts: vec![Some(ran)],
                op: Op::Cmp(Cmp::Lt, iter.start, iter.end),
                span: Span::call_site(),
            });
            let mut last = Vec::new();
            let c = self.get(carry, &mut last);
            last.push(Stmt::Store {
                array,
                index: vec![iter.end],
                value: c,
                acc: true,
            });
            after.push(Stmt::If {
                cond: ran,
                then: last,
                els: Vec::new(),
            });
        }
    }

    /// The tapes the body of a loop pushes on directly (nested loops reserve their own).
    fn pushed(&self, body: &Block) -> Vec<Stack> {
        let mut stacks = Vec::new();
        for stmt in body {
            let value = match stmt {
                Stmt::Let { dsts, .. } => dsts.first().copied().flatten(),
                _ => None,
            };
            if let Some(Source::Tape(t)) = value.and_then(|v| self.sources.get(&v)) {
                stacks.push(*t);
            }
            if let Stmt::If { then, els, .. } = stmt {
                stacks.extend(self.pushed(then));
                stacks.extend(self.pushed(els));
            }
        }
        stacks
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
        let primal = self.primal;
        let mut out = Vec::new();
        let mut adj = HashMap::new();
        let ret = primal.ret.expect("a function without errors has a result");
        if self.active(ret) && !self.seed_hoisted {
            let seed = self.seed(&mut out);
            self.accumulate(ret, seed, &mut adj, &mut out);
        }
        self.reverse_stmts(&primal.body, &mut adj, &mut out);
        self.out.grads = self.grads(&adj, &mut out);
        out
    }

    /// One gradient entry per active parameter, in parameter order.
    fn grads(&mut self, adj: &HashMap<Var, Var>, out: &mut Block) -> Vec<Grad> {
        let primal = self.primal;
        let mut entries: Vec<(usize, Grad)> = Vec::new();
        for stmt in &primal.body {
            let Stmt::Let {
                dsts,
                op: Op::Param(i),
                ..
            } = stmt
            else {
                continue;
            };
            let [Some(v)] = dsts[..] else { continue };
            if !self.active(v) {
                continue;
            }
            let g = match self.value_bars.get(&v) {
                Some(bar) => Some(self.get(*bar, out)),
                None => adj.get(&v).copied(),
            };
            entries.push((*i, Grad::Scalar(g)));
        }
        for (a, bar) in &self.array_bars {
            if let ArrayKind::Param(i) = self.primal.array_info(*a).kind {
                entries.push((i, Grad::Array(*bar)));
            }
        }
        entries.sort_by_key(|(i, _)| *i);
        entries.into_iter().map(|(_, g)| g).collect()
    }

    /// The reverse of a block that is not in scope any more: its mutable adjoints, the values
    /// it needs, then its statements' adjoints in reverse.
    fn reverse_block(&mut self, block: &'a Block) -> Block {
        let mut out = Vec::new();
        let mut adj = HashMap::new();
        self.declare_bars(block, &mut out);
        for v in self
            .materialise
            .get(&id(block))
            .cloned()
            .unwrap_or_default()
        {
            let op = match self.sources[&v] {
                Source::Recompute => self.defs[&v].clone(),
                Source::Tape(stack) => Op::Pop(stack),
                Source::Carried(local) => Op::Get(local),
            };
            out.push(Stmt::Let {
                dsts: vec![Some(v)],
                op,
                span: Span::call_site(),
            });
        }
        // Back to the start of this iteration, for the one before it.
        for (local, start) in self.restores.get(&id(block)).cloned().unwrap_or_default() {
            out.push(Stmt::Set {
                local,
                value: start,
            });
        }
        self.reverse_stmts(block, &mut adj, &mut out);
        out
    }

    /// Zeroed mutable adjoints for this block's values used in nested blocks and its locals.
    fn declare_bars(&mut self, block: &'a Block, out: &mut Block) {
        for stmt in block {
            let (info, bars) = match stmt {
                Stmt::Let { dsts, .. } => match dsts[..] {
                    [Some(v)]
                        if self.nested_use.contains(&v) && !self.value_bars.contains_key(&v) =>
                    {
                        let info = self.primal.info(v).clone();
                        let bar = self.out.local(info.ty, true, bar_name(&info));
                        self.value_bars.insert(v, bar);
                        (info, bar)
                    }
                    _ => continue,
                },
                Stmt::Decl { local, .. }
                    if self.active_local(*local) && !self.local_bars.contains_key(local) =>
                {
                    let info = self.primal.local_info(*local).clone();
                    let bar = self.out.local(info.ty, true, bar_name(&info));
                    self.local_bars.insert(*local, bar);
                    (info, bar)
                }
                _ => continue,
            };
            let zero = self.lit("0.0", info.ty, out);
            out.push(Stmt::Decl {
                local: bars,
                init: zero,
            });
        }
    }

    fn reverse_stmts(&mut self, block: &'a Block, adj: &mut HashMap<Var, Var>, out: &mut Block) {
        let outer = std::mem::take(&mut self.pending);
        for stmt in block.iter().rev() {
            if stmt_reads_bars(stmt) {
                self.flush(out);
            }
            self.reverse_stmt(stmt, adj, out);
        }
        self.flush(out);
        self.pending = outer;
    }

    /// Adds the pending contributions into their array adjoints.
    fn flush(&mut self, out: &mut Block) {
        for (array, index, value) in std::mem::take(&mut self.pending) {
            out.push(Stmt::Store {
                array,
                index,
                value,
                acc: true,
            });
        }
    }

    fn reverse_stmt(&mut self, stmt: &'a Stmt, adj: &mut HashMap<Var, Var>, out: &mut Block) {
        match stmt {
            Stmt::Let { dsts, op, span } => {
                let [Some(v)] = dsts[..] else { return };
                // A parameter's adjoint is read once, for the gradient.
                if !self.active(v) || matches!(op, Op::Param(_)) {
                    return;
                }
                let Some(bar) = self.bar_of(v, adj, out) else {
                    return;
                };
                self.reverse_op(v, op, bar, *span, adj, out);
            }
            Stmt::Set { local, .. } if self.accumulations.contains_key(&(stmt as *const Stmt)) => {
                // `l = l ± t`: `l̄` passes through, `t̄ ±= l̄`.
                let acc = self.accumulations[&(stmt as *const Stmt)];
                let Some(lbar) = self.local_bars.get(local).copied() else {
                    return;
                };
                let b = self.get(lbar, out);
                let c = if acc.minus {
                    let c = self.out.var(self.out.info(b).ty, true, None);
                    out.push(Stmt::Let {
                        dsts: vec![Some(c)],
                        op: Op::Rule {
                            prim: primitives::neg(),
                            args: vec![acc.term],
                            out: acc.term,
                            bar: b,
                        },
                        span: Span::call_site(),
                    });
                    c
                } else {
                    b
                };
                self.accumulate(acc.term, c, adj, out);
            }
            Stmt::Decl { local, init: value } | Stmt::Set { local, value } => {
                let Some(lbar) = self.local_bars.get(local).copied() else {
                    return;
                };
                // A declaration from an inactive value ends the local's adjoint: nothing to do.
                if matches!(stmt, Stmt::Decl { .. }) && !self.active(*value) {
                    return;
                }
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
            Stmt::If { cond, then, els } => {
                let (then, els) = (self.reverse_block(then), self.reverse_block(els));
                if !then.is_empty() || !els.is_empty() {
                    out.push(Stmt::If {
                        cond: *cond,
                        then,
                        els,
                    });
                }
            }
            // A fused loop ran its reverse already.
            Stmt::For { body, .. } if self.fused.contains(&id(body)) => {}
            Stmt::For { var, iter, body } => {
                let body = self.reverse_block(body);
                if body.is_empty() {
                    return;
                }
                let mut iter = iter.clone();
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
            Stmt::While { body, .. } => {
                let body = self.reverse_block(body);
                let count = self.counts.get(&(stmt as *const Stmt));
                if let (false, Some(c)) = (body.is_empty(), count) {
                    out.push(Stmt::Repeat {
                        count: c.value,
                        body,
                    });
                }
            }
            _ => {}
        }
    }

    /// The adjoint of `v = op`, given `v̄ = bar`.
    fn reverse_op(
        &mut self,
        v: Var,
        op: &Op,
        bar: Var,
        span: Span,
        adj: &mut HashMap<Var, Var>,
        out: &mut Block,
    ) {
        match op {
            Op::Prim(prim, args) => {
                let contribs: Vec<Option<Var>> = prim
                    .args
                    .iter()
                    .zip(args)
                    .filter(|(k, _)| **k == Arg::Float)
                    .map(|(_, &a)| {
                        let info = self.primal.info(a);
                        info.active
                            .then(|| self.out.var(info.ty, true, bar_name(info)))
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
                    span,
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
                        FloatTy::F64 => syn::parse_quote!(f64),
                        FloatTy::F32 => syn::parse_quote!(f32),
                    };
                    out.push(Stmt::Let {
                        dsts: vec![Some(c)],
                        op: Op::Cast(bar, Box::new(ty)),
                        span,
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
                let slot = self
                    .pending
                    .iter()
                    .position(|(p, i, _)| *p == abar && i == index);
                match slot {
                    Some(k) => {
                        let prev = self.pending[k].2;
                        let sum = self.out.var(self.out.info(bar).ty, true, None);
                        out.push(Stmt::Let {
                            dsts: vec![Some(sum)],
                            op: Op::Prim(
                                primitives::infix('+').expect("the table has +"),
                                vec![prev, bar],
                            ),
                            span,
                        });
                        self.pending[k].2 = sum;
                    }
                    None => self.pending.push((abar, index.clone(), bar)),
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

fn bar_name(info: &Info) -> Option<String> {
    info.name.as_ref().map(|n| format!("{n}_bar"))
}

/// Whether the reverse of `stmt` reads array adjoints (or contains code that may).
fn stmt_reads_bars(stmt: &Stmt) -> bool {
    matches!(
        stmt,
        Stmt::Store { .. }
            | Stmt::DeclArray { .. }
            | Stmt::If { .. }
            | Stmt::For { .. }
            | Stmt::While { .. }
    )
}

/// Calls `f` on every statement of `block` and of its nested blocks, in order.
fn visit(block: &[Stmt], f: &mut impl FnMut(&Stmt)) {
    for stmt in block {
        f(stmt);
        for b in stmt.blocks() {
            visit(b, f);
        }
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
