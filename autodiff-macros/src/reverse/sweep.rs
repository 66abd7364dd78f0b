//! The reverse sweep: each statement's adjoint, blocks reversed structurally.

use super::*;

impl<'a> Reverse<'a> {
    /// The reverse of the whole body: the seed, the adjoints, the gradient.
    pub(super) fn reverse_top(&mut self) -> Block {
        let primal = self.primal;
        let mut out = Vec::new();
        let mut adj = HashMap::default();
        for (k, &ret) in primal.ret.iter().enumerate() {
            if self.active(ret) && !self.seed_hoisted.contains(&k) {
                let seed = self.seed(k, &mut out);
                self.accumulate(ret, seed, &mut adj, &mut out);
            }
        }
        self.reverse_stmts(&primal.body, &mut adj, &mut out);
        self.out.grads = self.grads(&adj, &mut out);
        out.into()
    }

    /// One gradient entry per active parameter, in parameter order.
    pub(super) fn grads(&mut self, adj: &HashMap<Var, Var>, out: &mut Vec<Stmt>) -> Vec<Grad> {
        let wrt = self.primal.wrt.clone();
        wrt.into_iter()
            .map(|w| match w {
                // Structurally zero where nothing reaches the parameter.
                Wrt::Scalar(v) if !self.active(v) => Grad::Scalar(None),
                Wrt::Scalar(v) => Grad::Scalar(self.bar_of(v, adj, out)),
                Wrt::Array(a) => Grad::Array(self.array_bar(a)),
            })
            .collect()
    }

    /// The reverse of a block that is not in scope any more: its mutable adjoints, the values
    /// it needs, then its statements' adjoints in reverse.
    pub(super) fn reverse_block(&mut self, block: &'a Block) -> Block {
        let mut out = Vec::new();
        let mut adj = HashMap::default();
        self.declare_bars(block, &mut out);
        self.declare_transient_bars(block, &mut out);
        for v in self.materialise.get(&block.id).cloned().unwrap_or_default() {
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
        for (local, start) in self.restores.get(&block.id).cloned().unwrap_or_default() {
            out.push(Stmt::Set {
                local,
                value: start,
            });
        }
        self.reverse_stmts(block, &mut adj, &mut out);
        out.into()
    }

    /// The adjoints of the active arrays this block declares that are gone by its reverse
    /// ([`Reverse::transient`]), shaped like the copies the forward sweep recorded.
    fn declare_transient_bars(&mut self, block: &'a Block, out: &mut Vec<Stmt>) {
        for stmt in block {
            let Stmt::DeclArray { array, init, span } = stmt else {
                continue;
            };
            let value = match init {
                ArrayInit::CallJvp { value, .. } => Some(*value),
                _ => None,
            };
            for a in value.into_iter().chain([*array]) {
                let Some(&stack) = self.transient_copies.get(&a) else {
                    continue;
                };
                let info = Info {
                    active: false,
                    ..self.primal.array_info(a).info.clone()
                };
                let shape = self.out.array(info, ArrayKind::Local);
                out.push(Stmt::DeclArray {
                    array: shape,
                    init: ArrayInit::Popped(stack),
                    span: *span,
                });
                let bar = self.array_bar(a);
                out.push(Stmt::DeclArray {
                    array: bar,
                    init: ArrayInit::ZerosLike(shape),
                    span: Span::call_site(),
                });
            }
        }
    }

    /// Zeroed mutable adjoints for this block's values used in nested blocks (every result of a
    /// statement with several, as a call's value and tangent) and its locals.
    pub(super) fn declare_bars(&mut self, block: &'a Block, out: &mut Vec<Stmt>) {
        for stmt in block {
            let mut bars = Vec::new();
            match stmt {
                Stmt::Let { dsts, .. } => {
                    for &v in dsts.iter().flatten() {
                        if self.nested_use.contains(&v) && !self.value_bars.contains_key(&v) {
                            let info = self.primal.info(v).clone();
                            let bar = self.out.local(info.ty, true, bar_name(&info));
                            self.value_bars.insert(v, bar);
                            bars.push((info.ty, bar));
                        }
                    }
                }
                Stmt::Decl { local, .. }
                    if self.active_local(*local) && !self.local_bars.contains_key(local) =>
                {
                    let info = self.primal.local_info(*local).clone();
                    let bar = self.out.local(info.ty, true, bar_name(&info));
                    self.local_bars.insert(*local, bar);
                    bars.push((info.ty, bar));
                }
                _ => {}
            }
            for (ty, local) in bars {
                let zero = self.lit("0.0", ty, out);
                out.push(Stmt::Decl { local, init: zero });
            }
        }
    }

    pub(super) fn reverse_stmts(
        &mut self,
        block: &'a Block,
        adj: &mut HashMap<Var, Var>,
        out: &mut Vec<Stmt>,
    ) {
        let outer = std::mem::take(&mut self.pending);
        for (i, stmt) in block.iter().enumerate().rev() {
            if stmt_reads_bars(stmt) {
                self.flush(out);
            }
            self.reverse_stmt((block.id, i), stmt, adj, out);
        }
        self.flush(out);
        self.pending = outer;
    }

    /// Adds the pending contributions into their array adjoints.
    pub(super) fn flush(&mut self, out: &mut Vec<Stmt>) {
        for (array, index, value) in std::mem::take(&mut self.pending) {
            out.push(Stmt::Store {
                array,
                index,
                value,
                write: Write::Add,
            });
        }
    }

    /// The reverse of `stmt`, the statement `at`.
    pub(super) fn reverse_stmt(
        &mut self,
        at: At,
        stmt: &'a Stmt,
        adj: &mut HashMap<Var, Var>,
        out: &mut Vec<Stmt>,
    ) {
        match stmt {
            // In a tangent (second order), a kink's rule applied to a tangent `d`: linear in `d`,
            // constant in the rest, so `d̄` gets the same rule applied to the adjoint, and the
            // arguments nothing (`primitives::Tangent::Rule`; the others never get here).
            Stmt::Let {
                dsts,
                op:
                    Op::Rule {
                        prim,
                        args,
                        out: y,
                        bar: d,
                    },
                span,
            } => {
                let Some((k, v)) = (dsts.iter().enumerate()).find_map(|(k, v)| v.map(|v| (k, v)))
                else {
                    return;
                };
                if !self.active(v) || !self.active(*d) {
                    return;
                }
                let Some(bar) = self.bar_of(v, adj, out) else {
                    return;
                };
                let info = self.primal.info(*d).clone();
                let c = self.out.var(info.ty, true, bar_name(&info));
                let mut contribs = vec![None; dsts.len()];
                contribs[k] = Some(c);
                out.push(Stmt::Let {
                    dsts: contribs,
                    op: Op::Rule {
                        prim,
                        args: args.clone(),
                        out: *y,
                        bar,
                    },
                    span: *span,
                });
                self.accumulate(*d, c, adj, out);
            }
            // In a tangent (second order), a call's value and tangent: the callee's
            // `_jvp_vjp` adds both adjoints' contributions into the arguments' and the
            // tangents' bars.
            Stmt::Let {
                dsts,
                op: Op::CallJvp(path, args, dots),
                span,
            } => {
                let mut bars = Vec::with_capacity(dsts.len());
                for d in dsts {
                    bars.push(d.and_then(|v| self.bar_of(v, adj, out)));
                }
                if bars.iter().all(Option::is_none) {
                    return;
                }
                // The values' adjoints, then the tangents': each a float, or a tuple of them
                // for a call with several results.
                let mut seeds = (dsts.iter().zip(bars))
                    .map(|(d, b)| {
                        let ty = d.map_or(Ty::Float(None), |d| self.primal.info(d).ty);
                        b.unwrap_or_else(|| self.lit("0.0", ty, out))
                    })
                    .collect::<Vec<Var>>();
                let dot_seeds = seeds.split_off(dsts.len() / 2);
                let seed = |vs: Vec<Var>| match vs[..] {
                    [v] => CallSeed::Value(v),
                    _ => CallSeed::Tuple(vs),
                };
                let seeds = (seed(seeds), seed(dot_seeds));
                self.reverse_call(Call::second(path, args, dots, seeds), *span, adj, out);
            }
            // `let (a, b) = f(x);`: the callee's `_vjp` takes the results' adjoints as a tuple,
            // a zero for each without one.
            Stmt::Let {
                dsts,
                op: Op::Call(path, args),
                span,
            } if dsts.len() > 1 => {
                let mut bars = Vec::with_capacity(dsts.len());
                for d in dsts {
                    let active = d.filter(|v| self.active(*v));
                    bars.push(active.and_then(|v| self.bar_of(v, adj, out)));
                }
                if bars.iter().all(Option::is_none) {
                    return;
                }
                let seeds = (dsts.iter().zip(bars))
                    .map(|(d, b)| {
                        let ty = d.map_or(Ty::Float(None), |d| self.primal.info(d).ty);
                        b.unwrap_or_else(|| self.lit("0.0", ty, out))
                    })
                    .collect();
                let call = Call::first(path, args, CallSeed::Tuple(seeds));
                self.reverse_call(call, *span, adj, out);
            }
            Stmt::Let { dsts, op, span } => {
                let [Some(v)] = dsts[..] else { return };
                // A parameter's adjoint (or its tangent's) is read once, for the gradient.
                if !self.active(v) || matches!(op, Op::Param(_) | Op::Tangent(_)) {
                    return;
                }
                let Some(bar) = self.bar_of(v, adj, out) else {
                    return;
                };
                self.reverse_op(v, op, bar, *span, adj, out);
            }
            Stmt::Set { local, value } if self.accumulations.contains_key(&at) => {
                // `l = l ± t`: `l̄` passes through, `t̄ ±= l̄`.
                let acc = self.accumulations[&at];
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
                            // `neg'` reads neither; the trace shows `t̄ += l̄ · -1` as the
                            // adjoint of the difference `l − t`.
                            out: *value,
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
                write,
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
                // A store ends the old value's adjoint; an addition passes it on untouched.
                if *write == Write::Set {
                    let zero = self.lit("0.0", Ty::Float(None), out);
                    out.push(Stmt::Store {
                        array: abar,
                        index: index.clone(),
                        value: zero,
                        write: Write::Set,
                    });
                }
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
            Stmt::DeclArray {
                array,
                init: ArrayInit::Call(path, args),
                span,
            } if self.active_array(*array) => {
                let seed = CallSeed::Array(self.array_bar(*array));
                self.reverse_call(Call::first(path, args, seed), *span, adj, out);
            }
            // A `Vec` result's value and tangent (second order): as for a float result, with
            // an empty seed for an adjoint that is structurally zero.
            Stmt::DeclArray {
                array: dot,
                init:
                    ArrayInit::CallJvp {
                        path,
                        args,
                        dots,
                        value,
                    },
                span,
            } if self.active_array(*dot) || self.active_array(*value) => {
                let mut seed = |a: Array, this: &mut Self| match this.active_array(a) {
                    true => CallSeed::Array(this.array_bar(a)),
                    false => CallSeed::Array(this.unwanted(a, *span, out)),
                };
                let seeds = (seed(*value, self), seed(*dot, self));
                self.reverse_call(Call::second(path, args, dots, seeds), *span, adj, out);
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
            Stmt::For { body, .. } if self.fused(body.id) => {}
            Stmt::For { var, iter, body } if self.ckpt(stmt).is_some() => {
                let c = self.ckpt(stmt).expect("checked");
                self.reverse_checkpointed(*var, iter, body, c, out);
            }
            Stmt::For { var, iter, body } => {
                let body = self.reverse_block(body);
                if body.is_empty() {
                    return;
                }
                let mut iter = iter.clone();
                match self.count(stmt) {
                    Some(c) => iter.adapters.push(Adapter::Replay(c.value)),
                    None => iter.adapters.push(Adapter::Rev),
                }
                out.push(Stmt::For {
                    var: *var,
                    iter,
                    body,
                });
            }
            Stmt::While { body, .. } => {
                let body = self.reverse_block(body);
                let count = self.count(stmt);
                if let (false, Some(c)) = (body.is_empty(), count) {
                    out.push(Stmt::Repeat {
                        count: c.value,
                        body,
                    });
                }
            }
            // `l += v`: `l̄` passes through, `v̄ += l̄`.
            Stmt::Acc { local, value } => {
                if let Some(lbar) = self.local_bars.get(local).copied() {
                    let b = self.get(lbar, out);
                    self.accumulate(*value, b, adj, out);
                }
            }
            // Nothing differentiable: inactive arrays, buffers filled with constants (activity
            // rejects a fill with an active value), exits and assertions.
            Stmt::Store { .. }
            | Stmt::DeclArray { .. }
            | Stmt::ExitIf(_)
            | Stmt::Verbatim { .. } => {}
            // Written by this transform, never in a primal.
            Stmt::Repeat { .. }
            | Stmt::Push { .. }
            | Stmt::PushArray { .. }
            | Stmt::CallVjp { .. }
            | Stmt::Reserve { .. }
            | Stmt::Snapshot { .. }
            | Stmt::Checkpointed { .. } => {}
        }
    }

    /// A checkpointed loop's reverse: for each segment the schedule gives, from a kept state,
    /// the loop's forward sweep over it, recording, then its reverse; with the binomial
    /// schedule, segments run forward recording nothing too, to keep states on the way.
    ///
    /// Locals and buffers of a reversed block are not in scope where it is reversed: they are
    /// declared again first, as they were (their starts are needed there), and the kept states
    /// are restored into them.
    fn reverse_checkpointed(
        &mut self,
        var: Var,
        iter: &'a Iter,
        body: &'a Block,
        c: Ckpt,
        out: &mut Vec<Stmt>,
    ) {
        for &local in &c.state.locals {
            if !self.local_in_reach(local) {
                let init = self.decl_init[&local];
                out.push(Stmt::Decl { local, init });
            }
        }
        out.extend(c.redeclare.iter().map(|a| self.array_decls[a].clone()));
        let from = self.out.var(Ty::Int, false, Some("from".into()));
        let len = self.out.var(Ty::Int, false, Some("len".into()));
        let mut segment = iter.clone();
        segment.adapters.push(Adapter::Segment { from, len });
        let mut advance = Vec::new();
        if c.checkpoint.schedule == crate::ir::Schedule::Binomial {
            advance.push(Stmt::For {
                var,
                iter: segment.clone(),
                body: body.clone(),
            });
        }
        let mut record = Vec::new();
        let fwd = self.forward(body);
        for stack in self.pushed(body) {
            record.push(Stmt::Reserve {
                stack,
                iter: segment.clone(),
            });
        }
        record.push(Stmt::For {
            var,
            iter: segment.clone(),
            body: fwd,
        });
        let mut backwards = segment;
        backwards.adapters.push(Adapter::Replay(len));
        let reverse = vec![Stmt::For {
            var,
            iter: backwards,
            body: self.reverse_block(body),
        }];
        out.push(Stmt::Checkpointed {
            snaps: c.snaps,
            checkpoint: c.checkpoint,
            count: c.count.value,
            state: c.state,
            from,
            len,
            advance: advance.into(),
            record: record.into(),
            reverse: reverse.into(),
        });
    }

    /// The adjoint of `v = op`, given `v̄ = bar`.
    pub(super) fn reverse_op(
        &mut self,
        v: Var,
        op: &Op,
        bar: Var,
        span: Span,
        adj: &mut HashMap<Var, Var>,
        out: &mut Vec<Stmt>,
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
                if let (true, Ty::Float(src)) = (info.active, info.ty) {
                    let c = self.out.var(info.ty, true, None);
                    let op = match src {
                        Some(FloatTy::F64) => Op::Cast(bar, Box::new(syn::parse_quote!(f64))),
                        Some(FloatTy::F32) => Op::Cast(bar, Box::new(syn::parse_quote!(f32))),
                        // A width only rustc knows (a call's result): the runtime casts to the
                        // type of the value itself.
                        None => Op::Call(
                            Box::new(syn::parse_quote!(::autodiff::__private::cast_like)),
                            vec![CallArg::Value(bar), CallArg::Value(*x)],
                        ),
                    };
                    out.push(Stmt::Let {
                        dsts: vec![Some(c)],
                        op,
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
            Op::Call(path, args) => {
                let call = Call::first(path, args, CallSeed::Value(bar));
                self.reverse_call(call, span, adj, out)
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
                        self.pending[k].2 = self.sum(prev, bar, span, out);
                    }
                    None => self.pending.push((abar, index.clone(), bar)),
                }
            }
            // Constants and parameters (whose adjoint the gradient reads), operations without
            // a derivative (activity rejects an active argument to a method without a rule),
            // and what only the transforms write (the reverse transform is given the primal,
            // never the tangent transform's output).
            Op::Param(_)
            | Op::Tangent(_)
            | Op::CallJvp(..)
            | Op::Lit(_)
            | Op::Path(_)
            | Op::Uninit
            | Op::Method(..)
            | Op::Opaque { .. }
            | Op::Cmp(..)
            | Op::Not(_)
            | Op::Len(..)
            | Op::Seed(_)
            | Op::Pop(_)
            | Op::Rule { .. } => {}
        }
    }

    /// The reverse of a differentiated call: `path_vjp(args, seed, bars)`, with one bar per
    /// float or array argument (fresh locals for floats, added into their adjoints after; the
    /// arrays' own adjoints, or an unwanted bar for an inactive array); under second order,
    /// `path_jvp_vjp` with the tangents' bars after.
    fn reverse_call(
        &mut self,
        call: Call,
        span: Span,
        adj: &mut HashMap<Var, Var>,
        out: &mut Vec<Stmt>,
    ) {
        // The arrays written after the call, as the forward sweep recorded them at it; those
        // copies also shape what is made like an argument here (its own may be out of scope).
        let args = self.as_at_call(call.args, span, out);
        let copies: Vec<(Array, Array)> = (call.args.iter().zip(&args))
            .filter_map(|(a, b)| match (a, b) {
                (CallArg::Array { array: a, .. }, CallArg::Array { array: b, .. }) => {
                    Some((*a, *b))
                }
                _ => None,
            })
            .collect();
        let shape = |a: Array| copies.iter().find(|(p, _)| *p == a).map_or(a, |(_, c)| *c);
        // A tangent argument without an adjoint depends on no direction, so it is zero: made
        // again here, as the tangent transform made it, since the forward's may be out of scope.
        let mut primal_arrays = (call.args.iter()).filter_map(|a| match a {
            CallArg::Array { array, .. } => Some(*array),
            CallArg::Value(_) => None,
        });
        // Each passed with the primal array a zero tangent was made like, if it was.
        let zeroed: Vec<(CallArg, Option<Array>)> = (call.dots.iter())
            .map(|d| match d {
                CallArg::Array {
                    array,
                    by_ref,
                    range,
                } => {
                    let of = primal_arrays.next();
                    match of.filter(|_| !self.active_array(*array)) {
                        Some(of) => (
                            CallArg::Array {
                                array: self.zero_tangent(shape(of), range.is_some(), span, out),
                                by_ref: *by_ref,
                                range: *range,
                            },
                            Some(of),
                        ),
                        None => (d.clone(), None),
                    }
                }
                CallArg::Value(_) => (d.clone(), None),
            })
            .collect();
        let mut bars = Vec::new();
        let mut scalars = Vec::new();
        let all =
            (call.args.iter().map(|a| (a, None))).chain(zeroed.iter().map(|(a, of)| (a, *of)));
        for (arg, zero_like) in all {
            match arg {
                CallArg::Value(a) => {
                    let info = self.primal.info(*a).clone();
                    if !info.ty.is_float() {
                        continue;
                    }
                    let local = self.out.local(info.ty, true, bar_name(&info));
                    let zero = self.lit("0.0", info.ty, out);
                    out.push(Stmt::Decl { local, init: zero });
                    bars.push(CallBar::Scalar(local));
                    scalars.push((*a, local));
                }
                CallArg::Array { array, range, .. } => {
                    let bar = if zero_like.is_none() && self.active_array(*array) {
                        self.array_bar(*array)
                    } else if range.is_some() {
                        bars.push(CallBar::Unwanted);
                        continue;
                    } else {
                        self.unwanted(shape(zero_like.unwrap_or(*array)), span, out)
                    };
                    bars.push(CallBar::Array(bar, *range));
                }
            }
        }
        // One mark per argument: whether a derivative flows through it, by its value or (under
        // second order) its tangent.
        let mut dots = call.dots.iter();
        let active = (call.args.iter())
            .map(|arg| {
                let (active, differentiable) = match arg {
                    CallArg::Value(a) => (self.active(*a), self.primal.info(*a).ty.is_float()),
                    CallArg::Array { array, .. } => (self.active_array(*array), true),
                };
                let dot = match differentiable {
                    true => dots.next(),
                    false => None,
                };
                active
                    || dot.is_some_and(|d| match d {
                        CallArg::Value(d) => self.active(*d),
                        CallArg::Array { array, .. } => self.active_array(*array),
                    })
            })
            .collect();
        // A zero tangent made here stays; a tangent array passed on may be a copy too.
        let copied = self.as_at_call(call.dots, span, out);
        let dots = (zeroed.into_iter().zip(copied))
            .map(|((made, zero_like), copy)| match zero_like {
                Some(_) => made,
                None => copy,
            })
            .collect();
        out.push(Stmt::CallVjp {
            path: Box::new(call.path.clone()),
            args,
            dots,
            seed: call.seed,
            dot_seed: call.dot_seed,
            bars,
            active,
        });
        for (a, local) in scalars {
            if self.active(a) {
                let c = self.get(local, out);
                self.accumulate(a, c, adj, out);
            }
        }
    }

    /// `list`, a call's arguments, with each array that the forward sweep copied at the call
    /// (see [`Reverse::find_snapshots`]) replaced by that copy, popped here.
    fn as_at_call(&mut self, list: &[CallArg], span: Span, out: &mut Vec<Stmt>) -> Vec<CallArg> {
        let copies = self.snapshots.get(&(list.as_ptr() as usize)).cloned();
        let mut popped: Vec<(Array, Array)> = Vec::new();
        for (array, stack) in copies.unwrap_or_default() {
            let info = Info {
                active: false,
                ..self.primal.array_info(array).info.clone()
            };
            let copy = self.out.array(info, ArrayKind::Local);
            out.push(Stmt::DeclArray {
                array: copy,
                init: ArrayInit::Popped(stack),
                span,
            });
            popped.push((array, copy));
        }
        (list.iter())
            .map(|a| match a {
                CallArg::Array {
                    array,
                    by_ref,
                    range,
                } => match popped.iter().find(|(p, _)| p == array) {
                    Some((_, copy)) => CallArg::Array {
                        array: *copy,
                        by_ref: *by_ref,
                        range: *range,
                    },
                    None => a.clone(),
                },
                CallArg::Value(_) => a.clone(),
            })
            .collect()
    }

    /// A zero tangent for the array argument `of`: zeros where the argument is a part of it,
    /// else an unwanted (empty) one, which rules read as zero.
    fn zero_tangent(&mut self, of: Array, ranged: bool, span: Span, out: &mut Vec<Stmt>) -> Array {
        // `of` may be a copy this transform made (see `as_at_call`): its info is the output's.
        let info = Info {
            ty: self.out.array_info(of).info.ty,
            active: false,
            name: Some("zeros".into()),
        };
        let zeros = self.out.array(info, ArrayKind::Local);
        let init = match ranged {
            true => ArrayInit::ZerosLike(of),
            false => ArrayInit::UnwantedLike(of),
        };
        out.push(Stmt::DeclArray {
            array: zeros,
            init,
            span,
        });
        zeros
    }

    /// A zero adjoint shaped like the inactive `array`, for a callee to add into unseen (or
    /// to read as a zero seed).
    fn unwanted(&mut self, array: Array, span: Span, out: &mut Vec<Stmt>) -> Array {
        // `array` may be a copy this transform made (see `as_at_call`): its info is the output's.
        let info = Info {
            ty: self.out.array_info(array).info.ty,
            active: false,
            name: Some("unwanted".into()),
        };
        let unwanted = self.out.array(info, ArrayKind::Local);
        out.push(Stmt::DeclArray {
            array: unwanted,
            init: ArrayInit::UnwantedLike(array),
            span,
        });
        unwanted
    }

    /// The adjoint of `v` collected so far; `None` if nothing reached it.
    pub(super) fn bar_of(
        &mut self,
        v: Var,
        adj: &HashMap<Var, Var>,
        out: &mut Vec<Stmt>,
    ) -> Option<Var> {
        match self.value_bars.get(&v).copied() {
            Some(bar) => Some(self.get(bar, out)),
            None => adj.get(&v).copied(),
        }
    }

    pub(super) fn get(&mut self, local: Local, out: &mut Vec<Stmt>) -> Var {
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
    pub(super) fn accumulate(
        &mut self,
        v: Var,
        c: Var,
        adj: &mut HashMap<Var, Var>,
        out: &mut Vec<Stmt>,
    ) {
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
            Some(&prev) => self.sum(prev, c, Span::call_site(), out),
        };
        adj.insert(v, sum);
    }
}

/// A differentiated call, as its reverse sees it.
struct Call<'s> {
    path: &'s syn::Path,
    args: &'s [CallArg],
    /// The arguments' tangents, under second order (one per float or array argument).
    dots: &'s [CallArg],
    seed: CallSeed,
    dot_seed: Option<CallSeed>,
}

impl<'s> Call<'s> {
    /// A call's reverse: `path_vjp`.
    fn first(path: &'s syn::Path, args: &'s [CallArg], seed: CallSeed) -> Call<'s> {
        Call {
            path,
            args,
            dots: &[],
            seed,
            dot_seed: None,
        }
    }

    /// The reverse of a call's value and tangent: `path_jvp_vjp`, seeded for both.
    fn second(
        path: &'s syn::Path,
        args: &'s [CallArg],
        dots: &'s [CallArg],
        (seed, dot_seed): (CallSeed, CallSeed),
    ) -> Call<'s> {
        Call {
            path,
            args,
            dots,
            seed,
            dot_seed: Some(dot_seed),
        }
    }
}
