//! The generator: random `#[grad]` programs over the supported syntax that are valid Rust and
//! well defined by construction — indices in bounds (loop ranges over the length, `i % len`
//! under a length guard), loops that terminate (bounded counters), values that stay finite
//! (loop-carried assignments squashed through `tanh`/`sin`/`atan`, domains of `ln`, `sqrt`,
//! `asin`… kept inside by the argument's shape).

use crate::ast::*;
use crate::rng::Rng;

#[derive(Clone)]
struct FVar {
    name: String,
    mutable: bool,
    /// An untyped float (`let t = 0.5;`): a method call on it does not compile.
    ambiguous: bool,
}

#[derive(Clone)]
struct AVar {
    name: String,
    len: Len,
    fixed: Option<usize>,
    /// Held by reference (`&[F]`, `&Vec<F>`, `&[F; N]`).
    by_ref: bool,
    writable: bool,
    nonempty: bool,
    ambiguous: bool,
}

#[derive(Clone)]
struct IVar {
    name: String,
    /// Known `name < bound`.
    bound: Option<Len>,
}

#[derive(Clone, Default)]
struct Scope {
    floats: Vec<FVar>,
    /// Closures bound with `let`, by name and arity, and whether what they return is of a
    /// type rustc has yet to infer (`|q: f32| 0.1`).
    closures: Vec<(String, usize, bool)>,
    arrays: Vec<AVar>,
    ints: Vec<IVar>,
    consts: Vec<String>,
    pi: bool,
}

struct Gen<'a> {
    rng: Rng,
    fty: Fty,
    earlier: &'a [Func],
    scope: Scope,
    counter: usize,
    loops: usize,
    depth: usize,
    stmts_left: usize,
    /// A long function (one in 25): enough top-level statements that `#[grad]` cuts its core
    /// into pieces (`PIECE` in the macro's `emit`).
    long: bool,
}

/// Generates function `index` of run `seed`; it may call any of `earlier` (their indices).
pub fn func(seed: u64, index: u64, earlier: &[Func]) -> Func {
    let mut rng = Rng::new(seed, index);
    let fty = if rng.chance(0.2) { Fty::F32 } else { Fty::F64 };
    let mut g = Gen {
        rng,
        fty,
        earlier,
        scope: Scope::default(),
        counter: 0,
        loops: 0,
        depth: 0,
        stmts_left: 0,
        // Drawn from a stream of its own, so that the other programs of a seed stay as they were.
        long: Rng::new(seed ^ 0x6c6f_6e67, index).chance(0.04),
    };
    let nparams = g.rng.range(1, 4);
    let mut params = Vec::new();
    for i in 0..nparams {
        let kind = match g.rng.below(20) {
            0..=7 => PKind::Scalar,
            8..=11 => PKind::Slice,
            12..=13 => PKind::Array(g.rng.range(1, 4)),
            14 => PKind::ArrayRef(g.rng.range(1, 3)),
            15 => PKind::VecRef,
            16 => PKind::VecOwned,
            _ => PKind::Usize,
        };
        params.push(Param {
            name: format!("p{i}"),
            kind,
        });
    }
    if !params.iter().any(|p| p.kind.is_float()) {
        params[0].kind = PKind::Scalar;
    }
    for p in &params {
        match &p.kind {
            PKind::Scalar => g.scope.floats.push(FVar {
                name: p.name.clone(),
                mutable: false,
                ambiguous: false,
            }),
            PKind::Usize => g.scope.ints.push(IVar {
                name: p.name.clone(),
                bound: None,
            }),
            k => g.scope.arrays.push(AVar {
                name: p.name.clone(),
                len: match k.fixed() {
                    Some(n) => Len {
                        base: LenBase::Zero,
                        plus: n,
                    },
                    None => Len {
                        base: LenBase::Of(p.name.clone()),
                        plus: 0,
                    },
                },
                fixed: k.fixed(),
                by_ref: matches!(k, PKind::Slice | PKind::VecRef | PKind::ArrayRef(_)),
                writable: false,
                nonempty: k.fixed().is_some(),
                ambiguous: false,
            }),
        }
    }
    let floats: Vec<usize> = (0..params.len())
        .filter(|&i| params[i].kind.is_float())
        .collect();
    let wrt = if floats.len() > 1 && g.rng.chance(0.12) {
        let keep: Vec<usize> = floats
            .iter()
            .copied()
            .filter(|_| g.rng.chance(0.5))
            .collect();
        Some(if keep.is_empty() {
            vec![floats[0]]
        } else {
            keep
        })
    } else {
        None
    };
    g.stmts_left = match g.long {
        true => g.rng.range(150, 250),
        false => g.rng.range(3, 14),
    };
    let body = g.block(true);
    Func {
        name: format!("f{index}"),
        fty,
        params,
        wrt,
        body,
        check: true,
        origin: (seed, index),
    }
}

impl Gen<'_> {
    fn fresh(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{}", self.counter)
    }

    /// A block: statements, then a tail when `tail`.
    fn block(&mut self, tail: bool) -> Block {
        let saved = self.scope.clone();
        self.depth += 1;
        let n = if self.depth == 1 && self.long {
            self.rng.range(80, 140)
        } else if self.depth == 1 {
            self.rng.range(2, 6)
        } else {
            self.rng.range(1, 3)
        };
        let mut stmts = Vec::new();
        for _ in 0..n {
            if self.stmts_left == 0 {
                break;
            }
            self.stmts_left -= 1;
            stmts.push(self.stmt());
        }
        let tail = tail.then(|| self.tail());
        self.depth -= 1;
        self.scope = saved;
        Block { stmts, tail }
    }

    /// A block inside a loop that ends with `break;`/`continue;`/`return e;` after its
    /// statements.
    fn exit_block(&mut self, exit: Stmt) -> Block {
        let mut b = if self.rng.chance(0.5) {
            self.block(false)
        } else {
            Block {
                stmts: vec![],
                tail: None,
            }
        };
        b.stmts.push(exit);
        b
    }

    fn tail(&mut self) -> Expr {
        match self.rng.below(10) {
            0 => {
                let c = self.cond();
                let a = self.expr(2);
                let b = self.expr(2);
                Expr::If(Box::new(c), Box::new(a), Box::new(b))
            }
            1 if !self.scope.ints.is_empty() => self.match_expr(),
            2 | 3 => self.leaf(),
            _ => self.expr(3),
        }
    }

    fn match_expr(&mut self) -> Expr {
        let scrut = self.iexpr(1);
        let arms = self.pats().into_iter().map(|p| (p, self.expr(1))).collect();
        Expr::Match(Box::new(scrut), arms, Box::new(self.expr(1)))
    }

    fn pats(&mut self) -> Vec<Pat> {
        let mut used = 0;
        let mut pats = Vec::new();
        for _ in 0..self.rng.range(1, 3) {
            let p = match self.rng.below(3) {
                0 => Pat::Lit(used),
                1 => Pat::Or(vec![used, used + 1]),
                _ => Pat::Range(used, used + 2),
            };
            used += match p {
                Pat::Lit(_) => 1,
                Pat::Or(_) => 2,
                Pat::Range(..) => 3,
            };
            pats.push(p);
        }
        pats
    }

    fn mutable_floats(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for v in self.scope.floats.iter().rev() {
            if out.contains(&v.name) {
                continue;
            }
            out.push(v.name.clone());
        }
        // The latest binding of each name decides.
        out.into_iter()
            .filter(|n| {
                self.scope
                    .floats
                    .iter()
                    .rev()
                    .find(|v| &v.name == n)
                    .is_some_and(|v| v.mutable)
            })
            .collect()
    }

    fn writable_arrays(&self) -> Vec<AVar> {
        self.arrays()
            .into_iter()
            .filter(|a| a.writable && a.nonempty)
            .collect()
    }

    /// The visible arrays (the latest binding of each name).
    fn arrays(&self) -> Vec<AVar> {
        let mut out: Vec<AVar> = Vec::new();
        for a in self.scope.arrays.iter().rev() {
            if !out.iter().any(|b| b.name == a.name) {
                out.push(a.clone());
            }
        }
        out
    }

    fn stmt(&mut self) -> Stmt {
        loop {
            let k = self.rng.below(100);
            let deep = self.depth >= 4;
            let s = match k {
                0..=13 => Some(self.let_float()),
                14..=15 => Some(self.let_pair()),
                16 => Some(Stmt::LetUnder(self.expr(2))),
                // Below the top level, as often a buffer of a size known there (`[0.0; 3]`,
                // `[a, b]`, `a.clone()` of an array, declared at the top) as one of any kind.
                17..=20 => {
                    let any = self.depth == 1 || self.rng.chance(0.5);
                    Some(self.let_buf(any))
                }
                21..=22 => Some(self.let_int()),
                23..=32 => self.assign(),
                33..=34 => self.assign_pair(),
                35..=36 => Some(self.let_closure()),
                37..=41 => self.set_index(),
                42..=48 if !deep => {
                    let cond = self.cond();
                    let then = self.block(false);
                    let els = self.rng.chance(0.4).then(|| self.block(false));
                    Some(Stmt::If { cond, then, els })
                }
                49..=56 if !deep => Some(self.for_range()),
                57..=60 if !deep => self.for_iter(),
                61..=63 if !deep => Some(self.while_loop()),
                64..=65 if !deep => Some(self.plain_loop()),
                66..=69 if !deep && !self.scope.ints.is_empty() => {
                    let scrut = self.iexpr(1);
                    let arms = (self.pats().into_iter())
                        .map(|p| {
                            let guard = self.rng.chance(0.25).then(|| self.cond());
                            (p, guard, self.block(false))
                        })
                        .collect();
                    // The last arm may name the scrutinee, an integer its block reads.
                    let bound = self.rng.chance(0.3).then(|| self.fresh("k"));
                    let saved = self.scope.clone();
                    if let Some(name) = &bound {
                        self.scope.ints.push(IVar {
                            name: name.clone(),
                            bound: None,
                        });
                    }
                    let default = self.block(false);
                    self.scope = saved;
                    Some(Stmt::Match {
                        scrut,
                        arms,
                        bound,
                        default,
                    })
                }
                70 if !deep => Some(Stmt::Block(self.block(false))),
                71 if !deep => Some(self.if_let()),
                72..=77 if self.loops > 0 => {
                    let exit = if self.rng.chance(0.6) {
                        Stmt::Break
                    } else {
                        Stmt::Continue
                    };
                    let cond = self.cond();
                    let then = self.exit_block(exit);
                    Some(Stmt::If {
                        cond,
                        then,
                        els: None,
                    })
                }
                78..=80 => {
                    let cond = self.cond();
                    let e = self.expr(2);
                    let then = self.exit_block(Stmt::Return(e));
                    Some(Stmt::If {
                        cond,
                        then,
                        els: None,
                    })
                }
                81 => {
                    // `return` in a nested block, followed by statements that never run.
                    let cond = self.cond();
                    let e = self.expr(2);
                    let mut inner = vec![Stmt::Return(e)];
                    // Its binding ends with the nested block (was visible after it: E0425).
                    let saved = self.scope.clone();
                    inner.push(self.let_float());
                    self.scope = saved;
                    let then = Block {
                        stmts: vec![Stmt::Block(Block {
                            stmts: inner,
                            tail: None,
                        })],
                        tail: None,
                    };
                    Some(Stmt::If {
                        cond,
                        then,
                        els: None,
                    })
                }
                82..=83 => {
                    let name = self.fresh("C");
                    self.scope.consts.push(name.clone());
                    Some(Stmt::Const {
                        name,
                        value: self.lit_value(),
                    })
                }
                84 if !self.scope.pi => {
                    self.scope.pi = true;
                    Some(Stmt::UsePi)
                }
                85 if !self.scope.ints.is_empty() => Some(Stmt::Assert {
                    kind: self.rng.below(6),
                    a: self.iexpr(1),
                    b: IExpr::Lit(100),
                }),
                86..=90 => self.guard(),
                91..=92 => self.swap_elems(),
                93 => {
                    let names = self.mutable_floats();
                    (names.len() >= 2).then(|| {
                        let a = self.rng.pick(&names).clone();
                        let others: Vec<String> = names.into_iter().filter(|n| *n != a).collect();
                        let b = self.rng.pick(&others).clone();
                        Stmt::SwapFloats([a, b])
                    })
                }
                94..=95 => self.let_call_pair(),
                _ => None,
            };
            if let Some(s) = s {
                return s;
            }
        }
    }

    /// An `Option` of an integer made by an `if`, then `if let Some(k) = ..`: `k` is in scope in
    /// the first block only.
    fn if_let(&mut self) -> Stmt {
        let (cond, value) = (self.cond(), self.iexpr(1));
        let name = self.fresh("k");
        let saved = self.scope.clone();
        self.scope.ints.push(IVar {
            name: name.clone(),
            bound: None,
        });
        let then = self.block(false);
        self.scope = saved;
        let els = self.rng.chance(0.5).then(|| self.block(false));
        Stmt::IfLet {
            name,
            cond,
            value,
            then,
            els,
        }
    }

    /// `if a.len() > 0 { … }`: inside, `a` may be indexed by `i % a.len()`.
    fn guard(&mut self) -> Option<Stmt> {
        let cands: Vec<AVar> = self.arrays().into_iter().filter(|a| !a.nonempty).collect();
        if cands.is_empty() || self.depth >= 4 {
            return None;
        }
        let a = self.rng.pick(&cands).clone();
        let saved = self.scope.clone();
        for v in self.scope.arrays.iter_mut() {
            if v.name == a.name {
                v.nonempty = true;
            }
        }
        let then = self.block(false);
        self.scope = saved;
        Some(Stmt::If {
            cond: Cond::I(CmpOp::Gt, IExpr::Len(a.name), IExpr::Lit(0)),
            then,
            els: None,
        })
    }

    fn let_float(&mut self) -> Stmt {
        let init = self.expr(3);
        let shadow = self.rng.chance(0.15) && !self.scope.floats.is_empty();
        let name = if shadow {
            let i = self.rng.below(self.scope.floats.len());
            self.scope.floats[i].name.clone()
        } else {
            self.fresh("t")
        };
        let typed = self.rng.chance(0.3);
        let ambiguous = !typed && self.ambiguous(&init);
        let mutable = self.rng.chance(0.55);
        self.scope.floats.push(FVar {
            name: name.clone(),
            mutable,
            ambiguous,
        });
        Stmt::Let {
            name,
            mutable,
            typed,
            init,
        }
    }

    fn let_pair(&mut self) -> Stmt {
        let inits = [self.expr(2), self.expr(2)];
        let branch = self
            .rng
            .chance(0.3)
            .then(|| (self.cond(), [self.expr(2), self.expr(2)]));
        let typed = self.rng.chance(0.4);
        let names = [self.fresh("t"), self.fresh("t")];
        for (k, (n, e)) in names.iter().zip(&inits).enumerate() {
            // Of an `if`, as `Expr::If` is taken: ambiguous if either branch is.
            let other = branch
                .as_ref()
                .is_some_and(|(_, els)| self.ambiguous(&els[k]));
            let ambiguous = !typed && (self.ambiguous(e) || other);
            self.scope.floats.push(FVar {
                name: n.clone(),
                mutable: false,
                ambiguous,
            });
        }
        Stmt::LetPair {
            names,
            typed,
            inits,
            branch,
        }
    }

    /// `let (a, b) = f_pair(..);` of an earlier function's twin with two results.
    fn let_call_pair(&mut self) -> Option<Stmt> {
        let call = self.call(2)?;
        let names = [self.fresh("t"), self.fresh("t")];
        for n in &names {
            self.scope.floats.push(FVar {
                name: n.clone(),
                mutable: false,
                ambiguous: false,
            });
        }
        Some(Stmt::LetCallPair { names, call })
    }

    /// `a.swap(i, j)` of two in-bounds indices of a writable array.
    fn swap_elems(&mut self) -> Option<Stmt> {
        let arrays = self.writable_arrays();
        if arrays.is_empty() {
            return None;
        }
        let a = self.rng.pick(&arrays).clone();
        let (i, j) = (self.index_of(&a)?, self.index_of(&a)?);
        Some(Stmt::SwapElems { arr: a.name, i, j })
    }

    fn let_int(&mut self) -> Stmt {
        let init = self.iexpr(2);
        let name = self.fresh("k");
        self.scope.ints.push(IVar {
            name: name.clone(),
            bound: None,
        });
        Stmt::LetInt {
            name,
            mutable: false,
            init,
        }
    }

    /// A buffer; `any`: of any kind, else of a size known where it is written.
    fn let_buf(&mut self, any: bool) -> Stmt {
        let name = self.fresh("b");
        let typed = self.rng.chance(0.4);
        let arrays = self.arrays();
        let kind = match any {
            true => self.rng.below(5),
            false => self.rng.range(2, 4),
        };
        let copyable: Vec<&AVar> = (arrays.iter())
            .filter(|a| any || (a.fixed.is_some() && !a.by_ref))
            .collect();
        // `let b: Vec<F> = chain.collect();`, as long as the chain: indexed only under a guard.
        if any && self.rng.chance(0.15) {
            if let Some(Expr::Chain(c)) = self.chain(2) {
                let mutable = self.rng.chance(0.5);
                self.scope.arrays.push(AVar {
                    name: name.clone(),
                    len: Len {
                        base: LenBase::Of(name.clone()),
                        plus: 0,
                    },
                    fixed: None,
                    by_ref: false,
                    writable: mutable,
                    nonempty: false,
                    ambiguous: false,
                });
                return Stmt::LetBuf {
                    name,
                    mutable,
                    typed: true,
                    buf: Buf::Collect(c),
                };
            }
        }
        if kind == 4 || (kind == 3 && !any && !copyable.is_empty() && self.rng.chance(0.3)) {
            if let Some(src) = (!copyable.is_empty()).then(|| (*self.rng.pick(&copyable)).clone()) {
                // `clone()` of a slice parameter is a reference: `to_vec()` copies it.
                let clone = !src.by_ref && (!any || self.rng.chance(0.5));
                let fixed = if clone { src.fixed } else { None };
                let mutable = self.rng.chance(0.8);
                self.scope.arrays.push(AVar {
                    name: name.clone(),
                    len: src.len.clone(),
                    fixed,
                    by_ref: false,
                    writable: mutable,
                    nonempty: src.nonempty,
                    ambiguous: src.ambiguous,
                });
                return Stmt::LetBuf {
                    name,
                    mutable,
                    typed,
                    buf: Buf::Copy {
                        src: src.name,
                        clone,
                        fixed,
                    },
                };
            }
        }
        let (buf, len, fixed) = match kind {
            0 | 1 => {
                // `vec![0.0; len]` with a length from an array, an integer parameter or a literal.
                let arrays = self.arrays();
                let base = match self.rng.below(3) {
                    0 if !arrays.is_empty() => {
                        let a = self.rng.pick(&arrays);
                        if a.fixed.is_some() {
                            LenBase::Zero
                        } else {
                            LenBase::Of(a.name.clone())
                        }
                    }
                    1 => {
                        let ps: Vec<String> = self
                            .scope
                            .ints
                            .iter()
                            .filter(|i| i.name.starts_with('p'))
                            .map(|i| i.name.clone())
                            .collect();
                        if ps.is_empty() {
                            LenBase::Zero
                        } else {
                            LenBase::Param(self.rng.pick(&ps).clone())
                        }
                    }
                    _ => LenBase::Zero,
                };
                let plus = self.rng.range(if base == LenBase::Zero { 1 } else { 0 }, 3);
                let len = Len { base, plus };
                (Buf::VecZeros(len.clone()), len, None)
            }
            2 => {
                let n = self.rng.range(1, 4);
                (
                    Buf::ArrZeros(n),
                    Len {
                        base: LenBase::Zero,
                        plus: n,
                    },
                    Some(n),
                )
            }
            _ => {
                let n = self.rng.range(1, 3);
                let items: Vec<Expr> = (0..n).map(|_| self.expr(2)).collect();
                let len = Len {
                    base: LenBase::Zero,
                    plus: n,
                };
                if any && self.rng.chance(0.5) {
                    (Buf::VecList(items), len, None)
                } else {
                    (Buf::ArrList(items), len, Some(n))
                }
            }
        };
        let ambiguous = !typed
            && match &buf {
                Buf::VecZeros(_) | Buf::ArrZeros(_) => true,
                Buf::VecList(xs) | Buf::ArrList(xs) => xs.iter().all(|e| self.ambiguous(e)),
                Buf::Copy { .. } | Buf::Collect(_) => false,
            };
        let nonempty = len.plus > 0;
        let mutable = self.rng.chance(0.8);
        self.scope.arrays.push(AVar {
            name: name.clone(),
            len,
            fixed,
            by_ref: false,
            writable: mutable,
            nonempty,
            ambiguous,
        });
        Stmt::LetBuf {
            name,
            mutable,
            typed,
            buf,
        }
    }

    /// The value assigned to a loop-carried variable or element: bounded, so that loops keep
    /// values finite.
    fn loop_value(&mut self, op: AOp) -> Expr {
        match op {
            AOp::Div => self.positive(1),
            AOp::Rem => Expr::Lit(*self.rng.pick(&[0.75, 1.5, 2.0]), LitStyle::Plain),
            _ => {
                let e = self.expr(3);
                self.squash(e)
            }
        }
    }

    fn aop(&mut self) -> AOp {
        *self.rng.pick(&[
            AOp::Set,
            AOp::Set,
            AOp::Add,
            AOp::Add,
            AOp::Sub,
            AOp::Mul,
            AOp::Div,
            AOp::Rem,
        ])
    }

    fn assign(&mut self) -> Option<Stmt> {
        let names = self.mutable_floats();
        if names.is_empty() {
            return None;
        }
        let name = self.rng.pick(&names).clone();
        let op = self.aop();
        let value = if self.loops > 0 {
            self.loop_value(op)
        } else {
            match op {
                AOp::Div => self.positive(2),
                AOp::Rem => Expr::Lit(1.25, LitStyle::Plain),
                _ => self.expr(3),
            }
        };
        // An untyped local assigned a typed value is still untyped where it was declared;
        // leaving the flag as it is stays conservative.
        Some(Stmt::Assign { name, op, value })
    }

    /// `let cN = move |q: F, ..| body;`: one or two float parameters, a body of them and of the
    /// scalars in scope (copied, as `move` does; no arrays, which `#[grad]` follows by
    /// reference), then callable as an expression.
    fn let_closure(&mut self) -> Stmt {
        self.counter += 1;
        let name = format!("c{}", self.counter);
        let params: Vec<String> = (0..1 + self.rng.below(2))
            .map(|_| {
                self.counter += 1;
                format!("q{}", self.counter)
            })
            .collect();
        let saved = self.scope.clone();
        self.scope.arrays.clear();
        for p in &params {
            self.scope.floats.push(FVar {
                name: p.clone(),
                mutable: false,
                ambiguous: false,
            });
        }
        let body = self.expr(2);
        let ambiguous = self.ambiguous(&body);
        self.scope = saved;
        self.scope
            .closures
            .push((name.clone(), params.len(), ambiguous));
        Stmt::LetClosure { name, params, body }
    }

    /// `(a, b) = (x, y);` of two mutable floats, in a loop the values squashed as an
    /// assignment's are; `x` and `y` may read both names.
    fn assign_pair(&mut self) -> Option<Stmt> {
        let names = self.mutable_floats();
        if names.len() < 2 {
            return None;
        }
        let a = self.rng.pick(&names).clone();
        let others: Vec<String> = names.into_iter().filter(|n| *n != a).collect();
        let b = self.rng.pick(&others).clone();
        let value = |g: &mut Self| match g.loops {
            0 => g.expr(3),
            _ => g.loop_value(AOp::Set),
        };
        let values = [value(self), value(self)];
        Some(Stmt::AssignPair {
            names: [a, b],
            values,
        })
    }

    fn set_index(&mut self) -> Option<Stmt> {
        let arrays = self.writable_arrays();
        if arrays.is_empty() {
            return None;
        }
        let a = self.rng.pick(&arrays).clone();
        let index = self.index_of(&a)?;
        let op = *self
            .rng
            .pick(&[AOp::Set, AOp::Add, AOp::Add, AOp::Sub, AOp::Mul]);
        let value = if self.loops > 0 {
            self.loop_value(op)
        } else {
            self.expr(2)
        };
        Some(Stmt::SetIndex {
            arr: a.name,
            index,
            op,
            value,
        })
    }

    /// An in-bounds index into `a`, which must be known non-empty.
    fn index_of(&mut self, a: &AVar) -> Option<IExpr> {
        if !a.nonempty {
            return None;
        }
        // A loop variable bounded by the same length base, with room for an offset.
        let fits: Vec<(String, usize)> = self
            .scope
            .ints
            .iter()
            .filter_map(|i| {
                let b = i.bound.as_ref()?;
                (b.base == a.len.base && b.plus <= a.len.plus)
                    .then(|| (i.name.clone(), a.len.plus - b.plus))
            })
            .collect();
        if !fits.is_empty() && self.rng.chance(0.7) {
            let (name, room) = self.rng.pick(&fits).clone();
            let d = self.rng.range(0, room);
            return Some(if d == 0 {
                IExpr::Var(name)
            } else {
                IExpr::Add(Box::new(IExpr::Var(name)), Box::new(IExpr::Lit(d)))
            });
        }
        if let (Some(n), true) = (a.fixed, self.rng.chance(0.5)) {
            return Some(IExpr::Lit(self.rng.below(n)));
        }
        let i = self.iexpr(1);
        Some(IExpr::Rem(
            Box::new(i),
            Box::new(IExpr::Len(a.name.clone())),
        ))
    }

    fn range(&mut self) -> (Range, Option<Len>) {
        let arrays = self.arrays();
        let lo = if self.rng.chance(0.8) {
            IExpr::Lit(0)
        } else {
            IExpr::Lit(1)
        };
        let (hi, bound) = match self.rng.below(3) {
            0 if !arrays.is_empty() => {
                let a = self.rng.pick(&arrays).clone();
                (IExpr::Len(a.name.clone()), Some(a.len))
            }
            1 if !self.scope.ints.is_empty() => (self.iexpr(1), None),
            _ => {
                let n = self.rng.range(0, 6);
                (
                    IExpr::Lit(n),
                    Some(Len {
                        base: LenBase::Zero,
                        plus: n,
                    }),
                )
            }
        };
        match self.rng.below(10) {
            0..=4 => (Range::Half(lo, hi), bound),
            5..=6 => (Range::Incl(lo, hi), None),
            7..=8 => (Range::Rev(lo, hi), bound),
            _ => (Range::Step(lo, hi, self.rng.range(1, 3)), bound),
        }
    }

    fn for_range(&mut self) -> Stmt {
        let (range, bound) = self.range();
        let saved = self.scope.clone();
        let var = if self.rng.chance(0.15) {
            None
        } else {
            let name = self.fresh("i");
            self.scope.ints.push(IVar {
                name: name.clone(),
                bound,
            });
            Some(name)
        };
        self.loops += 1;
        let body = self.block(false);
        self.loops -= 1;
        self.scope = saved;
        Stmt::For { var, range, body }
    }

    fn for_iter(&mut self) -> Option<Stmt> {
        let arrays = self.arrays();
        if arrays.is_empty() {
            return None;
        }
        let a = self.rng.pick(&arrays).clone();
        let saved = self.scope.clone();
        // `a.iter()` borrows `a` for the whole loop: its elements are read-only inside.
        self.scope.arrays.push(AVar {
            writable: false,
            ..a.clone()
        });
        let var = self.fresh("v");
        self.scope.floats.push(FVar {
            name: var.clone(),
            mutable: false,
            ambiguous: a.ambiguous,
        });
        let index = self.rng.chance(0.4).then(|| {
            let name = self.fresh("i");
            self.scope.ints.push(IVar {
                name: name.clone(),
                bound: Some(a.len.clone()),
            });
            name
        });
        self.loops += 1;
        let body = self.block(false);
        self.loops -= 1;
        self.scope = saved;
        Some(Stmt::ForIter {
            var,
            index,
            arr: a.name,
            body,
        })
    }

    fn while_loop(&mut self) -> Stmt {
        let counter = self.fresh("w");
        let bound = self.rng.range(1, 6);
        let cond = self.cond();
        self.loops += 1;
        let body = self.block(false);
        self.loops -= 1;
        Stmt::While {
            counter,
            bound,
            cond,
            body,
        }
    }

    fn plain_loop(&mut self) -> Stmt {
        let counter = self.fresh("w");
        let bound = self.rng.range(1, 6);
        self.loops += 1;
        let body = self.block(false);
        self.loops -= 1;
        Stmt::Loop {
            counter,
            bound,
            body,
        }
    }

    fn cmp(&mut self) -> CmpOp {
        *self.rng.pick(&[
            CmpOp::Lt,
            CmpOp::Le,
            CmpOp::Gt,
            CmpOp::Ge,
            CmpOp::Eq,
            CmpOp::Ne,
        ])
    }

    fn cond(&mut self) -> Cond {
        match self.rng.below(10) {
            0..=4 => {
                let op = *self
                    .rng
                    .pick(&[CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge, CmpOp::Ne]);
                let a = self.expr(2);
                let b = if self.rng.chance(0.6) {
                    self.lit()
                } else {
                    self.expr(1)
                };
                Cond::F(op, a, b)
            }
            5..=6 => {
                let op = self.cmp();
                Cond::I(op, self.iexpr(2), IExpr::Lit(self.rng.range(0, 4)))
            }
            7 => Cond::And(Box::new(self.cond()), Box::new(self.cond())),
            8 => Cond::Or(Box::new(self.cond()), Box::new(self.cond())),
            _ => Cond::Not(Box::new(self.cond())),
        }
    }

    fn iexpr(&mut self, depth: usize) -> IExpr {
        let vars: Vec<String> = self.scope.ints.iter().map(|v| v.name.clone()).collect();
        let arrays = self.arrays();
        match self.rng.below(8) {
            0..=2 if !vars.is_empty() => IExpr::Var(self.rng.pick(&vars).clone()),
            3 if !arrays.is_empty() => IExpr::Len(self.rng.pick(&arrays).name.clone()),
            4 if depth > 0 => IExpr::Add(
                Box::new(self.iexpr(depth - 1)),
                Box::new(self.iexpr(depth - 1)),
            ),
            5 if depth > 0 => IExpr::Mul(
                Box::new(self.iexpr(depth - 1)),
                Box::new(IExpr::Lit(self.rng.range(1, 3))),
            ),
            _ => IExpr::Lit(self.rng.range(0, 4)),
        }
    }

    fn lit_value(&mut self) -> f64 {
        *self.rng.pick(&[
            0.5, 1.0, 2.0, 0.25, 1.5, 0.75, 3.0, 0.1, 1.25, 0.3, -0.5, -1.5,
        ])
    }

    fn lit(&mut self) -> Expr {
        let v = self.lit_value();
        let style = match self.rng.below(10) {
            0..=5 => LitStyle::Plain,
            6..=7 => LitStyle::Suffix,
            8 if v.fract() == 0.0 && v > 0.0 => LitStyle::Dot,
            _ if v > 0.0 => LitStyle::Exp,
            _ => LitStyle::Plain,
        };
        Expr::Lit(v, style)
    }

    fn ambiguous(&self, e: &Expr) -> bool {
        let var_amb = |n: &str| {
            self.scope
                .floats
                .iter()
                .rev()
                .find(|v| v.name == n)
                .is_none_or(|v| v.ambiguous)
        };
        let arr_amb = |n: &str| {
            self.scope
                .arrays
                .iter()
                .rev()
                .find(|v| v.name == n)
                .is_none_or(|v| v.ambiguous)
        };
        match e {
            Expr::Lit(_, s) => *s != LitStyle::Suffix,
            Expr::Var(n) => var_amb(n),
            Expr::Index(a, _) => arr_amb(a),
            Expr::Bin(_, a, b) => self.ambiguous(a) && self.ambiguous(b),
            // `autodiff::relu` and friends are generic: an untyped argument, an untyped result.
            Expr::Neg(a) | Expr::Runtime(_, a) => self.ambiguous(a),
            Expr::If(_, a, b) => self.ambiguous(a) || self.ambiguous(b),
            Expr::Match(_, arms, d) => {
                self.ambiguous(d) || arms.iter().any(|(_, e)| self.ambiguous(e))
            }
            Expr::CallClosure(name, _) => (self.scope.closures.iter().rev())
                .find(|(n, ..)| n == name)
                .is_some_and(|(.., ambiguous)| *ambiguous),
            // The receiver was made typed when the method was chosen.
            _ => false,
        }
    }

    fn leaf(&mut self) -> Expr {
        loop {
            match self.rng.below(14) {
                0..=4 | 11..=13 if !self.scope.floats.is_empty() => {
                    let i = self.rng.below(self.scope.floats.len());
                    return Expr::Var(self.scope.floats[i].name.clone());
                }
                5..=7 => {
                    let arrays: Vec<AVar> =
                        self.arrays().into_iter().filter(|a| a.nonempty).collect();
                    if arrays.is_empty() {
                        continue;
                    }
                    let a = self.rng.pick(&arrays).clone();
                    if let Some(i) = self.index_of(&a) {
                        return Expr::Index(a.name, Box::new(i));
                    }
                }
                8 if !self.scope.ints.is_empty() => {
                    return Expr::IntCast(Box::new(self.iexpr(1)));
                }
                9 if !self.scope.consts.is_empty() || self.scope.pi => {
                    let mut names = self.scope.consts.clone();
                    if self.scope.pi {
                        names.push("PI".into());
                    }
                    return Expr::Const(self.rng.pick(&names).clone());
                }
                10 if self.rng.chance(0.2) => return Expr::PiPath,
                _ => return self.lit(),
            }
        }
    }

    /// A value that is at least 0.5: `e * e + 0.5`.
    fn positive(&mut self, depth: usize) -> Expr {
        let e = self.expr(depth);
        Expr::Bin(
            BinOp::Add,
            Box::new(Expr::Bin(BinOp::Mul, Box::new(e.clone()), Box::new(e))),
            Box::new(Expr::Lit(0.5, LitStyle::Plain)),
        )
    }

    /// `e` squashed into `[-π/2, π/2]` (or `[0, 1]`).
    fn squash(&mut self, e: Expr) -> Expr {
        match self.rng.below(5) {
            0 => Expr::Runtime("sigmoid", Box::new(e)),
            k => {
                let m = ["tanh", "sin", "atan", "cos"][k - 1];
                self.method(m, e)
            }
        }
    }

    /// `e.m()` or `F::m(e)`; an untyped receiver only in the path form.
    fn method(&mut self, m: &'static str, e: Expr) -> Expr {
        let e = self.typed(e);
        let path = self.rng.chance(0.15) || self.ambiguous(&e);
        Expr::Un(m, Box::new(e), path)
    }

    /// Mostly, a literal-only `e` gets typed literals (`0.5_f64`); sometimes it stays untyped,
    /// which only `F::m(e)` accepts.
    fn typed(&mut self, mut e: Expr) -> Expr {
        if self.ambiguous(&e) && self.rng.chance(0.85) {
            struct T;
            impl crate::walk::VisitMut for T {
                fn expr(&mut self, e: &mut Expr) {
                    if let Expr::Lit(_, s) = e {
                        *s = LitStyle::Suffix;
                    }
                }
            }
            crate::walk::expr(&mut e, &mut T);
        }
        e
    }

    fn unary(&mut self, depth: usize) -> Expr {
        let m = *self.rng.pick(&[
            "sin",
            "cos",
            "tan",
            "asin",
            "acos",
            "atan",
            "sinh",
            "cosh",
            "tanh",
            "asinh",
            "acosh",
            "atanh",
            "exp",
            "exp2",
            "exp_m1",
            "ln",
            "ln_1p",
            "log2",
            "log10",
            "sqrt",
            "cbrt",
            "abs",
            "recip",
            "signum",
            "floor",
            "ceil",
            "round",
            "trunc",
            "to_radians",
            "to_degrees",
            "clamp",
        ]);
        let e = self.expr(depth);
        let arg = match m {
            "tan" | "sinh" | "cosh" | "exp" | "exp2" | "exp_m1" => self.squash(e),
            "asin" | "acos" | "atanh" => {
                let s = self.method("tanh", e);
                Expr::Bin(
                    BinOp::Mul,
                    Box::new(Expr::Lit(0.875, LitStyle::Plain)),
                    Box::new(s),
                )
            }
            "acosh" => Expr::Bin(
                BinOp::Add,
                Box::new(Expr::Bin(BinOp::Mul, Box::new(e.clone()), Box::new(e))),
                Box::new(Expr::Lit(1.5, LitStyle::Plain)),
            ),
            "ln" | "log2" | "log10" | "sqrt" | "cbrt" | "recip" => Expr::Bin(
                BinOp::Add,
                Box::new(Expr::Bin(BinOp::Mul, Box::new(e.clone()), Box::new(e))),
                Box::new(Expr::Lit(0.5, LitStyle::Plain)),
            ),
            "ln_1p" => Expr::Bin(BinOp::Mul, Box::new(e.clone()), Box::new(e)),
            _ => e,
        };
        self.method(m, arg)
    }

    fn expr(&mut self, depth: usize) -> Expr {
        if depth == 0 {
            return self.leaf();
        }
        let d = depth - 1;
        loop {
            let k = self.rng.below(100);
            let e = match k {
                0..=29 => {
                    let op = *self.rng.pick(&[BinOp::Add, BinOp::Sub, BinOp::Mul]);
                    Expr::Bin(op, Box::new(self.expr(d)), Box::new(self.expr(d)))
                }
                30..=34 => {
                    let den = if self.rng.chance(0.5) {
                        self.positive(d.min(1))
                    } else {
                        Expr::Lit(*self.rng.pick(&[2.0, 0.5, 1.5, -4.0]), LitStyle::Plain)
                    };
                    Expr::Bin(BinOp::Div, Box::new(self.expr(d)), Box::new(den))
                }
                35..=36 => Expr::Bin(
                    BinOp::Rem,
                    Box::new(self.expr(d)),
                    Box::new(Expr::Lit(*self.rng.pick(&[0.75, 1.5]), LitStyle::Plain)),
                ),
                37..=39 => Expr::Neg(Box::new(self.expr(d))),
                40..=54 => self.unary(d),
                55..=61 => {
                    let m = *self
                        .rng
                        .pick(&["max", "min", "atan2", "hypot", "powf", "log"]);
                    let a = self.expr(d);
                    let a = self.typed(a);
                    let (a, b) = match m {
                        "powf" => {
                            let b = self.expr(d);
                            let sq = self.method("sin", b);
                            (self.positive_of(a), sq)
                        }
                        "log" => (
                            self.positive_of(a),
                            Expr::Lit(*self.rng.pick(&[2.0, 3.0, 0.5]), LitStyle::Suffix),
                        ),
                        _ => (a, self.expr(d)),
                    };
                    let path = self.rng.chance(0.15) || self.ambiguous(&a);
                    Expr::Bin2(m, Box::new(a), Box::new(b), path)
                }
                62..=65 => {
                    let k = *self.rng.pick(&[0, 1, 2, 2, 3, -1, -2]);
                    let a = self.expr(d);
                    let a = if k < 0 { self.positive_of(a) } else { a };
                    let a = if self.ambiguous(&a) {
                        Expr::Bin(
                            BinOp::Mul,
                            Box::new(a),
                            Box::new(Expr::Lit(1.0, LitStyle::Suffix)),
                        )
                    } else {
                        a
                    };
                    Expr::Powi(Box::new(a), k)
                }
                66..=67 => {
                    let a = self.expr(d);
                    let a = if self.ambiguous(&a) {
                        Expr::Bin(
                            BinOp::Mul,
                            Box::new(a),
                            Box::new(Expr::Lit(1.0, LitStyle::Suffix)),
                        )
                    } else {
                        a
                    };
                    Expr::MulAdd(Box::new(a), Box::new(self.expr(d)), Box::new(self.expr(d)))
                }
                68..=70 => {
                    let f = *self.rng.pick(&["relu", "sigmoid", "detach"]);
                    Expr::Runtime(f, Box::new(self.expr(d)))
                }
                71..=73 => {
                    let arrays = self.arrays();
                    if arrays.is_empty() {
                        continue;
                    }
                    let a = self.rng.pick(&arrays).clone();
                    if a.ambiguous {
                        continue;
                    }
                    Expr::Fold(a.name, self.rng.chance(0.3))
                }
                74 if self.fty == Fty::F64 => {
                    let arrays: Vec<AVar> =
                        self.arrays().into_iter().filter(|a| !a.ambiguous).collect();
                    if arrays.is_empty() {
                        continue;
                    }
                    let a = self.rng.pick(&arrays).clone();
                    let same: Vec<AVar> = arrays.into_iter().filter(|b| b.len == a.len).collect();
                    let b = self.rng.pick(&same).clone();
                    let pre = |v: &AVar| if v.by_ref { "" } else { "&" };
                    Expr::Dot(a.name.clone(), pre(&a), b.name.clone(), pre(&b))
                }
                75..=80 => match self.call(d) {
                    Some(e) => e,
                    None => continue,
                },
                83..=84 if !self.scope.closures.is_empty() => {
                    let (name, arity, _) = self.rng.pick(&self.scope.closures.clone()).clone();
                    let args = (0..arity).map(|_| self.expr(d)).collect();
                    Expr::CallClosure(name, args)
                }
                81..=84 => match self.chain(d) {
                    Some(e) => e,
                    None => continue,
                },
                85..=87 => {
                    let c = self.cond();
                    Expr::If(Box::new(c), Box::new(self.expr(d)), Box::new(self.expr(d)))
                }
                88 if !self.scope.ints.is_empty() => self.match_expr(),
                89..=90 => {
                    let a = self.expr(d);
                    if self.ambiguous(&a) {
                        continue;
                    }
                    let m = *self
                        .rng
                        .pick(&[None, Some("sin"), Some("tanh"), Some("abs")]);
                    Expr::Widen(Box::new(a), m)
                }
                _ => self.leaf(),
            };
            return e;
        }
    }

    fn positive_of(&mut self, e: Expr) -> Expr {
        Expr::Bin(
            BinOp::Add,
            Box::new(Expr::Bin(BinOp::Mul, Box::new(e.clone()), Box::new(e))),
            Box::new(Expr::Lit(0.5, LitStyle::Plain)),
        )
    }

    /// An iterator chain over one to three arrays, its closure's body an expression of the
    /// items and of whatever is in scope.
    fn chain(&mut self, depth: usize) -> Option<Expr> {
        let arrays: Vec<AVar> = self.arrays().into_iter().filter(|a| !a.ambiguous).collect();
        if arrays.is_empty() {
            return None;
        }
        let windows = self.rng.chance(0.25).then(|| 1 + self.rng.below(3));
        let count = if windows.is_some() {
            1
        } else {
            1 + self.rng.below(3)
        };
        let srcs: Vec<String> = (0..count)
            .map(|_| self.rng.pick(&arrays).name.clone())
            .collect();
        let mut adapters = Vec::new();
        for _ in 0..self.rng.below(3) {
            adapters.push(match self.rng.below(4) {
                0 => Adapt::Skip(self.rng.below(3)),
                1 => Adapt::Take(self.rng.below(4)),
                2 => Adapt::Rev,
                _ => Adapt::StepBy(1 + self.rng.below(3)),
            });
        }
        let params: Vec<String> = (0..srcs.len() + usize::from(windows.is_some()))
            .map(|_| {
                self.counter += 1;
                format!("q{}", self.counter)
            })
            .collect();
        let before = self.scope.floats.len();
        for p in &params {
            self.scope.floats.push(FVar {
                name: p.clone(),
                mutable: false,
                ambiguous: false,
            });
        }
        let body = self.expr(depth);
        self.scope.floats.truncate(before);
        let prod = self.rng.chance(0.25);
        let filter = self.rng.chance(0.3).then(|| {
            self.counter += 1;
            let op = *self.rng.pick(&[CmpOp::Lt, CmpOp::Gt, CmpOp::Ge]);
            (format!("q{}", self.counter), op, self.lit())
        });
        let mut after = Vec::new();
        if filter.is_some() && self.rng.chance(0.6) {
            if self.rng.chance(0.3) {
                after.push(Adapt::Rev);
            }
            for _ in 0..1 + self.rng.below(2) {
                after.push(match self.rng.below(3) {
                    0 => Adapt::Skip(self.rng.below(3)),
                    1 => Adapt::Take(self.rng.below(4)),
                    _ => Adapt::StepBy(1 + self.rng.below(3)),
                });
            }
        }
        Some(Expr::Chain(Box::new(Chain {
            srcs,
            windows,
            adapters,
            params,
            body,
            filter,
            after,
            prod,
        })))
    }

    /// A call to an earlier function of the same float type.
    fn call(&mut self, depth: usize) -> Option<Expr> {
        let cands: Vec<usize> = (0..self.earlier.len())
            .filter(|&i| {
                let f = &self.earlier[i];
                f.fty == self.fty
                    && f.params
                        .iter()
                        .all(|p| !matches!(p.kind, PKind::VecOwned | PKind::VecRef))
                    && (0..f.params.len()).all(|j| f.active(j) || !f.params[j].kind.is_array())
            })
            .collect();
        if cands.is_empty() {
            return None;
        }
        let idx = *self.rng.pick(&cands);
        let callee = self.earlier[idx].clone();
        let mut args = Vec::new();
        for (j, p) in callee.params.iter().enumerate() {
            let arg = match &p.kind {
                PKind::Scalar if !callee.active(j) => Arg::F(self.lit()),
                PKind::Scalar => {
                    if self.rng.chance(0.5) {
                        let e = self.expr(depth);
                        Arg::F(self.squash(e))
                    } else {
                        Arg::F(self.leaf())
                    }
                }
                PKind::Usize => Arg::I(self.iexpr(1)),
                PKind::Slice => {
                    let arrays: Vec<AVar> =
                        self.arrays().into_iter().filter(|a| !a.ambiguous).collect();
                    if arrays.is_empty() {
                        return None;
                    }
                    let a = self.rng.pick(&arrays).clone();
                    if a.nonempty && self.rng.chance(0.2) {
                        Arg::Tail(a.name, 1)
                    } else {
                        Arg::Arr(a.name, if a.by_ref { "" } else { "&" })
                    }
                }
                PKind::Array(n) | PKind::ArrayRef(n) => {
                    let arrays: Vec<AVar> = self
                        .arrays()
                        .into_iter()
                        .filter(|a| a.fixed == Some(*n) && !a.ambiguous)
                        .collect();
                    if arrays.is_empty() {
                        return None;
                    }
                    let a = self.rng.pick(&arrays).clone();
                    let prefix = match (&p.kind, a.by_ref) {
                        (PKind::Array(_), true) => "*",
                        (PKind::Array(_), false) => "",
                        (_, true) => "",
                        (_, false) => "&",
                    };
                    Arg::Arr(a.name, prefix)
                }
                PKind::VecRef | PKind::VecOwned => return None,
            };
            args.push(arg);
        }
        Some(Expr::Call(idx, args))
    }
}
