//! The forward sweep: the primal, with what the reverse sweep will pop pushed, loops counted,
//! and fused loops running their reverse in place.

use super::*;

impl<'a> Reverse<'a> {
    /// Before the forward sweep: the array parameters' adjoints, the top level's mutable
    /// adjoints, and the seed when it goes straight into the result's local.
    pub(super) fn prologue(&mut self) -> Block {
        let mut out = Vec::new();
        let params: Vec<Array> = (0..self.primal.arrays.len() as u32)
            .map(Array)
            .filter(|a| match self.primal.array_info(*a).kind {
                ArrayKind::Param(_) => self.active_array(*a),
                // A parameter's tangent, an input of a Hessian-vector product: its adjoint is a
                // gradient entry, zero or not, and no caller passes it in.
                ArrayKind::Tangent(p) => {
                    matches!(self.primal.array_info(p).kind, ArrayKind::Param(_))
                }
                _ => false,
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
        for (k, ret) in primal.ret.iter().enumerate() {
            if !self.final_reads.contains(ret) {
                continue;
            }
            if let Some(Op::Get(l)) = self.defs.get(ret).copied() {
                if let Some(lbar) = self.local_bars.get(l).copied() {
                    let seed = self.seed(k, &mut out);
                    out.push(Stmt::Acc {
                        local: lbar,
                        value: seed,
                    });
                    self.seed_hoisted.insert(k);
                }
            }
        }
        out.into()
    }

    /// The seed of the result's float `k`.
    pub(super) fn seed(&mut self, k: usize, out: &mut Vec<Stmt>) -> Var {
        let ty = self.primal.info(self.primal.ret[k]).ty;
        let seed = self.out.var(ty, false, Some("seed".into()));
        out.push(Stmt::Let {
            dsts: vec![Some(seed)],
            op: Op::Seed(k),
            span: Span::call_site(),
        });
        seed
    }

    pub(super) fn array_bar(&mut self, a: Array) -> Array {
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
    pub(super) fn forward(&mut self, block: &'a Block) -> Block {
        let mut out = Vec::new();
        for stmt in block {
            let count = self.count(stmt);
            if let Some(c) = count {
                let zero = self.lit("0usize", Ty::Int, &mut out);
                out.push(Stmt::Decl {
                    local: c.counter,
                    init: zero,
                });
            }
            // A copy of each array the call reads that is written after it, for its reverse.
            for list in plan::call_lists(stmt) {
                let copies = self.snapshots.get(&(list.as_ptr() as usize));
                for &(array, stack) in copies.into_iter().flatten() {
                    out.push(Stmt::PushArray { stack, array });
                }
            }
            match stmt {
                Stmt::If { cond, then, els } => out.push(Stmt::If {
                    cond: *cond,
                    then: self.forward(then),
                    els: self.forward(els),
                }),
                Stmt::For { var, iter, body } if self.ckpt(stmt).is_some() => {
                    let c = self.ckpt(stmt).expect("checked");
                    self.forward_checkpointed(*var, iter, body, c, &mut out);
                }
                Stmt::For { var, iter, body } => {
                    let mut fwd = Vec::new();
                    let mut after = Vec::new();
                    if self.fused(body.id) {
                        self.declare_bars(body, &mut fwd);
                        fwd.extend(self.forward(body));
                        // An iteration that leaves the loop still runs its reverse first.
                        let exit = match fwd.last() {
                            Some(Stmt::ExitIf(_)) => fwd.pop(),
                            _ => None,
                        };
                        let mut adj = HashMap::default();
                        self.reverse_stmts(body, &mut adj, &mut fwd);
                        // The carry's last contribution goes to `ā[end]`: not after a `break`.
                        match exit {
                            Some(exit) => fwd.push(exit),
                            None => {
                                self.carry_neighbours(*var, iter, &mut fwd, &mut out, &mut after)
                            }
                        }
                    } else {
                        if let Some(c) = count {
                            fwd.extend(self.tick(c.counter));
                        }
                        fwd.extend(self.forward(body));
                        // One push per iteration: room for all of them at once, unless the loop
                        // may leave long before its bound (`0..usize::MAX` with a `break`).
                        let exits = body.iter().any(|s| matches!(s, Stmt::ExitIf(_)));
                        for stack in self.pushed(body).into_iter().filter(|_| !exits) {
                            out.push(Stmt::Reserve {
                                stack,
                                iter: iter.clone(),
                            });
                        }
                    }
                    out.push(Stmt::For {
                        var: *var,
                        iter: iter.clone(),
                        body: fwd.into(),
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
                    out.push(Stmt::While {
                        cond,
                        body: fwd.into(),
                    });
                }
                Stmt::DeclArray { array, init, .. } => {
                    out.push(stmt.clone());
                    // A call's `Vec` value and tangent (second order) are declared together.
                    let value = match init {
                        ArrayInit::CallJvp { value, .. } => Some(*value),
                        _ => None,
                    };
                    for a in value.into_iter().chain([*array]) {
                        if !self.active_array(a) {
                            continue;
                        }
                        // Gone by its reverse: a copy shapes its adjoint there.
                        if self.transient(a) {
                            let stack = *(self.transient_copies)
                                .entry(a)
                                .or_insert_with(|| self.out.stack());
                            out.push(Stmt::PushArray { stack, array: a });
                            continue;
                        }
                        let bar = self.array_bar(a);
                        out.push(Stmt::DeclArray {
                            array: bar,
                            init: ArrayInit::ZerosLike(a),
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
        out.into()
    }

    /// A checkpointed loop's forward sweep: the primal loop, recording nothing, counting its
    /// iterations and offering the state at the start of each to the schedule.
    fn forward_checkpointed(
        &mut self,
        var: Var,
        iter: &Iter,
        body: &'a Block,
        c: Ckpt,
        out: &mut Vec<Stmt>,
    ) {
        let Count { counter, value } = c.count;
        let zero = self.lit("0usize", Ty::Int, out);
        out.push(Stmt::Decl {
            local: counter,
            init: zero,
        });
        let mut fwd = Vec::new();
        let k = self.get(counter, &mut fwd);
        fwd.push(Stmt::Snapshot {
            snaps: c.snaps,
            checkpoint: c.checkpoint,
            k,
            state: c.state,
            iter: iter.clone(),
        });
        fwd.extend(self.tick(counter));
        fwd.extend(body.iter().cloned());
        out.push(Stmt::For {
            var,
            iter: iter.clone(),
            body: fwd.into(),
        });
        out.push(Stmt::Let {
            dsts: vec![Some(value)],
            op: Op::Get(counter),
            span: Span::call_site(),
        });
        self.record(value, out);
    }

    /// In a fused loop over an ascending range, the contributions to `ā[i + 1]` are carried to
    /// the next iteration in a local and added together with those to `ā[i]`: one update per
    /// element instead of a read-modify-write that the next iteration reads back at once. This
    /// is the carry of a hand-written stencil adjoint (Rosenbrock's).
    pub(super) fn carry_neighbours(
        &mut self,
        var: Var,
        iter: &Iter,
        body: &mut Vec<Stmt>,
        before: &mut Vec<Stmt>,
        after: &mut Vec<Stmt>,
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
        let mut mixed: HashSet<Array> = HashSet::default();
        // Only adjoints: a primal buffer's stores are the function's own.
        visit(body, &mut |stmt| {
            if let Stmt::Store { array, .. } = stmt {
                let bar = matches!(self.out.array_info(*array).kind, ArrayKind::Bar(_));
                if bar && !arrays.contains(array) {
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
                array,
                index,
                write,
                ..
            } = stmt
            {
                let neighbour = matches!(index[..], [i] if i == var || next_index(i, &self.defs));
                if *write == Write::Set || !neighbour {
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
                        let sum = self.sum(value, c, Span::call_site(), &mut rewritten);
                        rewritten.push(Stmt::Store {
                            array,
                            index,
                            value: sum,
                            write: Write::Add,
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
                    write: Write::Add,
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
                write: Write::Add,
            });
            after.push(Stmt::If {
                cond: ran,
                then: last.into(),
                els: Block::default(),
            });
        }
    }

    /// The tapes the body of a loop pushes on directly (nested loops reserve their own).
    pub(super) fn pushed(&self, body: &Block) -> Vec<Stack> {
        let mut stacks = Vec::new();
        for stmt in body {
            if let Stmt::Let { dsts, .. } = stmt {
                for v in dsts.iter().flatten() {
                    if let Some(Source::Tape(t)) = self.sources.get(v) {
                        stacks.push(*t);
                    }
                }
            }
            if let Stmt::If { then, els, .. } = stmt {
                stacks.extend(self.pushed(then));
                stacks.extend(self.pushed(els));
            }
        }
        stacks
    }

    /// Pushes `v` if the reverse sweep pops it.
    pub(super) fn record(&self, v: Var, out: &mut Vec<Stmt>) {
        if let Some(Source::Tape(stack)) = self.sources.get(&v) {
            out.push(Stmt::Push {
                stack: *stack,
                value: v,
            });
        }
    }

    /// `counter += 1`.
    pub(super) fn tick(&mut self, counter: Local) -> Block {
        let mut out = Vec::new();
        let one = self.lit("1usize", Ty::Int, &mut out);
        out.push(Stmt::Acc {
            local: counter,
            value: one,
        });
        out.into()
    }

    /// A literal, defined in `out`.
    pub(super) fn lit(&mut self, text: &str, ty: Ty, out: &mut Vec<Stmt>) -> Var {
        let v = self.out.var(ty, false, None);
        out.push(Stmt::Let {
            dsts: vec![Some(v)],
            op: Op::Lit(syn::parse_str(text).expect("a literal")),
            span: Span::call_site(),
        });
        v
    }
}
