//! Before any code is written: what each statement's reverse reads, which loops are fused,
//! and where the reverse sweep gets each value it needs.

use super::*;

/// The argument lists of the call a statement makes: its arguments and, under second order,
/// their tangents. Empty for any other statement.
pub(super) fn call_lists(stmt: &Stmt) -> Vec<&[CallArg]> {
    match stmt {
        Stmt::Let {
            op: Op::Call(_, args),
            ..
        }
        | Stmt::DeclArray {
            init: ArrayInit::Call(_, args),
            ..
        } => vec![args],
        Stmt::Let {
            op: Op::CallJvp(_, args, dots),
            ..
        }
        | Stmt::DeclArray {
            init: ArrayInit::CallJvp { args, dots, .. },
            ..
        } => vec![args, dots],
        _ => Vec::new(),
    }
}

impl<'a> Reverse<'a> {
    /// The arrays each differentiated call reads that something writes after it, or in a loop
    /// around it: the call's reverse needs them as they were at the call, so the forward sweep
    /// records a copy of each there and the reverse sweep passes the copy to the callee's rule
    /// (a `Vec` refilled each time round a loop and passed to a `#[grad]` function).
    pub(super) fn find_snapshots(&mut self, top: &'a Block) {
        /// (array, position, enclosing loops) of each write; (array as passed, its whole,
        /// position, loops, the list's address) of each array a differentiated call reads.
        #[derive(Default)]
        struct Walk {
            position: usize,
            loops: Vec<usize>,
            next_loop: usize,
            writes: Vec<(Array, usize, Vec<usize>)>,
            reads: Vec<(Array, Array, usize, Vec<usize>, usize)>,
            /// Arrays declared below the top level, gone when the reverse runs: always copied.
            nested: Vec<Array>,
        }
        fn walk(rev: &Reverse, block: &Block, w: &mut Walk, top: bool) {
            for stmt in block {
                w.position += 1;
                if let (Stmt::DeclArray { array, init, .. }, false) = (stmt, top) {
                    w.nested.push(*array);
                    if let ArrayInit::CallJvp { value, .. } = init {
                        w.nested.push(*value);
                    }
                }
                let lists = call_lists(stmt);
                let active = lists.iter().flat_map(|l| l.iter()).any(|a| match a {
                    CallArg::Value(v) => rev.active(*v),
                    CallArg::Array { array, .. } => rev.active_array(*array),
                });
                for list in lists.into_iter().filter(|_| active) {
                    for arg in list {
                        if let CallArg::Array { array, .. } = arg {
                            let whole = rev.primal.whole(*array);
                            let at = list.as_ptr() as usize;
                            w.reads
                                .push((*array, whole, w.position, w.loops.clone(), at));
                        }
                    }
                }
                if let Stmt::Store { array, .. } = stmt {
                    let whole = rev.primal.whole(*array);
                    w.writes.push((whole, w.position, w.loops.clone()));
                }
                let is_loop = matches!(stmt, Stmt::For { .. } | Stmt::While { .. });
                if is_loop {
                    w.loops.push(w.next_loop);
                    w.next_loop += 1;
                }
                for b in stmt.blocks() {
                    walk(rev, b, w, false);
                }
                if is_loop {
                    w.loops.pop();
                }
            }
        }
        let mut w = Walk::default();
        walk(self, top, &mut w, true);
        for (array, whole, at, loops, list) in w.reads {
            let clobbered = w.nested.contains(&whole)
                || (w.writes.iter()).any(|(a, p, wl)| {
                    *a == whole && (*p > at || loops.iter().any(|l| wl.contains(l)))
                });
            let copies = self.snapshots.entry(list).or_default();
            if clobbered && !copies.iter().any(|(a, _)| *a == array) {
                let stack = self.out.stack();
                copies.push((array, stack));
            }
        }
    }

    /// Records definitions, reads, uses across blocks, writes, and what the reverse of each
    /// statement will read. Returns whether the block has any adjoint code.
    pub(super) fn analyse(&mut self, block: &'a Block) -> bool {
        let here = block.id;
        self.blocks.insert(here, block);
        let mut any = false;
        let mut uses: Vec<Var> = Vec::new();
        for stmt in block {
            uses.extend(stmt.uses());
            match stmt {
                Stmt::Let { dsts, op, .. } => {
                    for v in dsts.iter().flatten() {
                        self.def_block.insert(*v, here);
                        self.def_order.insert(*v, self.def_order.len());
                    }
                    // A kink's rule in a tangent (second order): its reverse applies the rule
                    // again, reading what the rule reads.
                    if let Op::Rule {
                        prim,
                        args,
                        out,
                        bar,
                    } = op
                    {
                        if dsts.iter().flatten().any(|v| self.active(*v)) && self.active(*bar) {
                            any = true;
                            if prim.uses.args {
                                args.iter().for_each(|a| self.need(*a));
                            }
                            if prim.uses.out {
                                self.need(*out);
                            }
                        }
                    }
                    // A call's value and tangent (second order): the callee's `_jvp_vjp`
                    // runs from the arguments and their tangents.
                    if let Op::CallJvp(_, args, dots) = op {
                        if dsts.iter().flatten().any(|v| self.active(*v)) {
                            any = true;
                            values(args).into_iter().for_each(|a| self.need(a));
                            values(dots).into_iter().for_each(|a| self.need(a));
                        }
                    }
                    // A call with several results, `let (a, b) = f(x);`, as one with one.
                    if let (Op::Call(_, args), true) = (op, dsts.len() > 1) {
                        if dsts.iter().flatten().any(|v| self.active(*v)) {
                            any = true;
                            values(args).into_iter().for_each(|a| self.need(a));
                        }
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
                        // The reverse of a cast from a width only rustc knows reads the value.
                        Op::Cast(x, _) if self.primal.info(*x).ty == Ty::Float(None) => {
                            self.need(*x)
                        }
                        // The callee's `_vjp` runs its forward again from the arguments.
                        Op::Call(_, args) => values(args).into_iter().for_each(|a| self.need(a)),
                        _ => {}
                    }
                }
                Stmt::Decl { local, init } => {
                    self.decl_block.insert(*local, here);
                    self.decl_init.insert(*local, *init);
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
                Stmt::DeclArray { array, init, .. } => {
                    self.array_block.insert(*array, here);
                    self.array_decls.insert(*array, stmt);
                    let active = match init {
                        ArrayInit::CallJvp { value, .. } => {
                            self.array_block.insert(*value, here);
                            self.active_array(*array) || self.active_array(*value)
                        }
                        _ => self.active_array(*array),
                    };
                    match (init, active) {
                        (ArrayInit::Call(_, args), true) => {
                            values(args).into_iter().for_each(|a| self.need(a));
                        }
                        (ArrayInit::CallJvp { args, dots, .. }, true) => {
                            values(args).into_iter().for_each(|a| self.need(a));
                            values(dots).into_iter().for_each(|a| self.need(a));
                        }
                        _ => {}
                    }
                    any |= active;
                }
                Stmt::If { cond, then, els } => {
                    let (a, b) = (self.analyse(then), self.analyse(els));
                    if a || b {
                        any = true;
                        self.need(*cond);
                    }
                }
                Stmt::For { var, iter, body } => {
                    self.def_block.insert(*var, body.id);
                    self.loop_vars.insert(*var);
                    self.loop_bodies.insert(body.id);
                    if self.analyse(body) {
                        any = true;
                        self.plans.insert(body.id, Plan::Reversed(None));
                        iter.uses().into_iter().for_each(|v| self.need(v));
                        let exits = body.iter().any(|s| matches!(s, Stmt::ExitIf(_)));
                        let steps = iter
                            .adapters
                            .iter()
                            .any(|a| matches!(a, Adapter::StepBy(_)));
                        if exits || steps {
                            self.counted.push((stmt, here));
                        }
                    }
                }
                Stmt::While { cond, body } => {
                    self.loop_bodies.insert(body.id);
                    if let Some((c, _)) = cond {
                        self.analyse(c);
                    }
                    if self.analyse(body) {
                        any = true;
                        self.plans.insert(body.id, Plan::Reversed(None));
                        self.counted.push((stmt, here));
                    }
                }
                Stmt::Acc { .. }
                | Stmt::Repeat { .. }
                | Stmt::ExitIf(_)
                | Stmt::Push { .. }
                | Stmt::PushArray { .. }
                | Stmt::Reserve { .. }
                | Stmt::CallVjp { .. }
                | Stmt::Snapshot { .. }
                | Stmt::Checkpointed { .. }
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
    pub(super) fn plan(&mut self, top: &'a Block) {
        self.find_final_reads(top);
        self.find_accumulations(top);
        self.fuse_in(top);
        // A checkpointed loop counts its iterations itself.
        self.checkpoint(top);
        for (stmt, block) in std::mem::take(&mut self.counted) {
            let (Stmt::For { body, .. } | Stmt::While { body, .. }) = stmt else {
                continue;
            };
            if !matches!(self.plans.get(&body.id), Some(Plan::Reversed(_))) {
                continue;
            }
            let counter = self.out.local(Ty::Int, false, Some("count".into()));
            let value = self.out.var(Ty::Int, false, Some("count".into()));
            self.def_block.insert(value, block);
            self.need(value);
            let count = Count { counter, value };
            self.plans.insert(body.id, Plan::Reversed(Some(count)));
        }
    }

    /// Checkpointed loops that the reverse sweep reverses: counted, their states kept, and what
    /// their segments read from outside them needed where they are reversed. (A fused loop
    /// records nothing; checkpointing it would change nothing.)
    fn checkpoint(&mut self, block: &'a Block) {
        for stmt in block {
            for b in stmt.blocks() {
                self.checkpoint(b);
            }
            let Stmt::For { var, body, .. } = stmt else {
                continue;
            };
            let Some(checkpoint) = self.primal.checkpoint(*var) else {
                continue;
            };
            if !matches!(self.plans.get(&body.id), Some(Plan::Reversed(_))) {
                continue;
            }
            let counter = self.out.local(Ty::Int, false, Some("k".into()));
            let value = self.out.var(Ty::Int, false, Some("count".into()));
            self.def_block.insert(value, block.id);
            self.need(value);
            self.need(checkpoint.n);
            // What its segments read from outside is needed where it is reversed, and so are
            // the starts of what is declared there again.
            let mut inside = HashSet::default();
            visit(body, &mut |s| match s {
                Stmt::Let { dsts, .. } => inside.extend(dsts.iter().flatten().copied()),
                Stmt::For { var, .. } => {
                    inside.insert(*var);
                }
                _ => {}
            });
            let (state, declared) = self.state(body);
            let mut redeclare = Vec::new();
            let mut uses = Vec::new();
            visit(body, &mut |s| {
                for a in s.arrays().into_iter().filter(|a| !declared.contains(a)) {
                    self.out_of_reach(a, &mut redeclare);
                }
                uses.extend(s.uses().into_iter().filter(|v| !inside.contains(v)));
            });
            uses.extend(redeclare.iter().flat_map(|a| self.array_decls[a].uses()));
            uses.extend(
                (state.locals.iter())
                    .filter(|l| !self.local_in_reach(**l))
                    .map(|l| self.decl_init[l]),
            );
            self.needed.extend(uses);
            let ckpt = Ckpt {
                count: Count { counter, value },
                snaps: self.out.snaps(),
                checkpoint,
                state,
                redeclare,
            };
            self.plans.insert(body.id, Plan::Checkpointed(ckpt));
        }
    }

    /// Whether local `l` is in scope where a checkpointed loop is reversed: declared at the top
    /// level or in a fused loop's body.
    pub(super) fn local_in_reach(&self, l: Local) -> bool {
        self.decl_block
            .get(&l)
            .is_none_or(|b| *b == self.top || self.fused(*b))
    }

    /// Adds `a` to `out` (after what it is declared from) if it is declared in a block whose
    /// reverse is not in scope where a checkpointed loop is reversed: not the top level, nor a
    /// fused loop's body.
    fn out_of_reach(&self, a: Array, out: &mut Vec<Array>) {
        let Some(&block) = self.array_block.get(&a) else {
            return;
        };
        if block == self.top || self.fused(block) || out.contains(&a) {
            return;
        }
        for of in self.array_decls[&a]
            .arrays()
            .into_iter()
            .filter(|b| *b != a)
        {
            self.out_of_reach(of, out);
        }
        out.push(a);
    }

    /// What a checkpointed loop's kept state holds: every local and buffer declared outside
    /// `body` that it reads or writes (a local read only may still change after the loop,
    /// before the reverse sweep recomputes from it), buffers only where something writes them.
    /// Also the arrays `body` declares.
    fn state(&self, body: &Block) -> (State, HashSet<Array>) {
        let (mut inner_locals, mut inner_arrays) = (HashSet::default(), HashSet::default());
        let mut state = State::default();
        visit(body, &mut |stmt| {
            if let Stmt::Decl { local, .. } = stmt {
                inner_locals.insert(*local);
            }
            if let Stmt::DeclArray { array, .. } = stmt {
                inner_arrays.insert(*array);
            }
        });
        visit(body, &mut |stmt| {
            for l in stmt.locals() {
                if !inner_locals.contains(&l) && !state.locals.contains(&l) {
                    state.locals.push(l);
                }
            }
            for a in stmt.arrays() {
                let a = self.primal.whole(a);
                let local = match self.primal.array_info(a).kind {
                    ArrayKind::Local => true,
                    // A buffer's tangent (`NAME_hvp` reverses the tangent program) is a buffer.
                    ArrayKind::Tangent(t) => {
                        matches!(self.primal.array_info(t).kind, ArrayKind::Local)
                    }
                    _ => false,
                };
                if local
                    && self.written.contains(&a)
                    && !inner_arrays.contains(&a)
                    && !state.arrays.contains(&a)
                {
                    state.arrays.push(a);
                }
            }
        });
        (state, inner_arrays)
    }

    pub(super) fn find_accumulations(&mut self, block: &'a Block) {
        for (i, stmt) in block.iter().enumerate() {
            if let Stmt::Set { local, value } = stmt {
                if let Some(acc) = self.accumulation(*local, *value) {
                    self.accumulations.insert((block.id, i), acc);
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
    pub(super) fn accumulation(&self, local: Local, value: Var) -> Option<Accumulation> {
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

    /// A local whose every read and write is part of an accumulation (or is the result, read
    /// last).
    pub(super) fn is_accumulator(&self, l: Local) -> bool {
        self.local_uses.get(&l).is_none_or(|uses| {
            uses.iter()
                .all(|(v, acc)| *acc || self.final_reads.contains(v))
        })
    }

    /// The results read from a local (`v = l` at the top level) after which nothing writes the
    /// local, from the end of the body back.
    fn find_final_reads(&mut self, top: &Block) {
        let mut written_after = HashSet::default();
        for stmt in top.iter().rev() {
            if let Stmt::Let {
                dsts,
                op: Op::Get(l),
                ..
            } = stmt
            {
                if let [Some(v)] = dsts[..] {
                    if self.primal.ret.contains(&v) && !written_after.contains(l) {
                        self.final_reads.insert(v);
                    }
                }
            }
            visit(std::slice::from_ref(stmt), &mut |s| {
                if let Stmt::Set { local, .. } | Stmt::Acc { local, .. } = s {
                    written_after.insert(*local);
                }
            });
        }
    }

    /// Marks the loops of a forward-scoped block that can be fused, and recurses into them.
    pub(super) fn fuse_in(&mut self, block: &'a Block) {
        for stmt in block {
            let Stmt::For { body, .. } = stmt else {
                continue;
            };
            // A loop without adjoint code has no plan: nothing to fuse.
            if self.plans.contains_key(&body.id) && self.fusable(body) {
                self.plans.insert(body.id, Plan::Fused);
                self.fuse_in(body);
            }
        }
    }

    /// A loop body can run its reverse right after its forward when it writes no active array
    /// and every active local it writes that outlives an iteration is an accumulator.
    /// Nor may it hold a checkpointed loop, whose reverse restores kept states that the rest
    /// of the iteration's forward sweep would then read.
    pub(super) fn fusable(&self, body: &Block) -> bool {
        let mut declared = HashSet::default();
        let mut ok = true;
        visit(body, &mut |stmt| match stmt {
            Stmt::For { var, .. } if self.primal.checkpoint(*var).is_some() => ok = false,
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
    pub(super) fn decide(&mut self) {
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
        // In the order the block defines them, which a value's number need not follow.
        for list in self.materialise.values_mut() {
            list.sort_by_key(|v| self.def_order.get(v).copied().unwrap_or(0));
        }
    }

    /// Whether `v` is what a loop body leaves in a local `l` that it reads first (`g = l; …;
    /// l = v`) and that nothing else writes: then in the reverse of an iteration `v` is `l`'s
    /// value, provided the reverse sets `l` back to `g` as it leaves the iteration. Returns the
    /// local and `g`. (The recurrence `h = tanh(a·h + b)` then tapes `h` once per step, not
    /// `h` and `tanh`.)
    pub(super) fn carried(&self, v: Var) -> Option<(Local, Var)> {
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
        if *decl != self.top && !self.fused(*decl) {
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
    pub(super) fn at_hand(&self, v: Var) -> bool {
        let block = self.def_block.get(&v);
        self.loop_vars.contains(&v)
            || block == Some(&self.top)
            || block.is_some_and(|b| self.fused(*b))
            || matches!(
                self.defs.get(&v),
                Some(Op::Lit(_) | Op::Path(_) | Op::Param(_))
            )
    }

    /// Whether the active array `a` is declared in a block whose reverse runs where it is gone
    /// (a loop body that is not fused, a branch): the forward sweep records a copy of it where
    /// it is declared, and the reversed block declares its adjoint, shaped like that copy.
    pub(super) fn transient(&self, a: Array) -> bool {
        self.array_block
            .get(&a)
            .is_some_and(|b| *b != self.top && !self.fused(*b))
    }

    /// Whether the reverse sweep can still read array `a`: a parameter or a buffer of the top
    /// level, which outlives every reversed block.
    pub(super) fn in_reach(&self, a: Array) -> bool {
        self.array_block.get(&a).is_none_or(|b| *b == self.top)
    }

    pub(super) fn recomputable(&self, op: &Op) -> bool {
        match op {
            Op::Cast(..) | Op::Cmp(..) | Op::Not(_) => true,
            Op::Prim(p, _) => p.cheap,
            // A buffer of a nested block is gone by the time its reverse runs.
            Op::Len(a, _) => self.in_reach(*a),
            Op::Load(a, _) => !self.written.contains(a) && self.in_reach(*a),
            _ => false,
        }
    }
}
