//! The IR's invariants, checked after every pass (as cranelift's verifier checks its IR): a
//! pass that breaks one would otherwise emit Rust that fails to compile inside generated code,
//! or worse, compiles to a wrong derivative. A violation becomes a compile error that says it is
//! a bug of `#[grad]`, never a guess.
//!
//! - every value a statement reads has exactly one definition in scope before it: in its own
//!   block or an enclosing one (a reversed block defines again, in its own scope, the values it
//!   recomputes or pops); literals and named constants, which emit spells where they are used,
//!   are at hand everywhere;
//! - every mutable local and local array is declared in scope before it is used; tapes exist;
//! - `ExitIf` is the last statement of a loop body;
//! - a value, a local or an array with a known float width is only ever given floats of that
//!   width;
//! - the result is defined at the top level, and there is one gradient entry per
//!   differentiated parameter (once the reverse transform ran);
//! - the blocks are numbered as [`Func::number_blocks`] numbers them: what a pass learns of a
//!   block it keys by its id.

use crate::ir::{
    visit, Array, ArrayInit, ArrayKind, Block, BlockId, CallBar, CallSeed, Func, Grad, Local, Op,
    Stmt, Ty, Var,
};

/// Whether every block has the id of its place in a walk of the body.
fn numbered(func: &Func) -> Result<(), String> {
    fn walk(block: &Block, next: &mut u32) -> Result<(), String> {
        if block.id != BlockId(*next) {
            return Err(format!("block {} is numbered {}", BlockId(*next), block.id));
        }
        *next += 1;
        block
            .iter()
            .flat_map(|s| s.blocks())
            .try_for_each(|b| walk(b, next))
    }
    walk(&func.body, &mut 0)
}

/// Checks `func` after the pass `pass`; the first violation found, described.
pub fn verify(func: &Func, pass: &str) -> Result<(), String> {
    let mut constants = vec![false; func.vars.len()];
    visit(&func.body, &mut |s| {
        if let Stmt::Let {
            dsts,
            op: Op::Lit(_) | Op::Path(_),
            ..
        } = s
        {
            for v in dsts.iter().flatten() {
                if let Some(c) = constants.get_mut(v.0 as usize) {
                    *c = true;
                }
            }
        }
    });
    let mut v = Verifier {
        func,
        constants,
        vars: Scopes::new(func.vars.len()),
        locals: Scopes::new(func.locals.len()),
        arrays: Scopes::new(func.arrays.len()),
    };
    let run = numbered(func)
        .and_then(|()| v.block(&func.body, false))
        .and_then(|()| v.results())
        .and_then(|()| v.grads());
    run.map_err(|what| format!("after `{pass}`: {what}"))
}

struct Verifier<'a> {
    func: &'a Func,
    /// Literals and named constants, by value.
    constants: Vec<bool>,
    vars: Scopes,
    locals: Scopes,
    arrays: Scopes,
}

/// Which entities of one kind are in scope, as a dense table: the depth of the open block that
/// declared each (0 where none did), and what each open block declared, to forget when it
/// closes. A check is an index, not a search of every open block.
struct Scopes {
    depth: Vec<u32>,
    opened: Vec<Vec<u32>>,
}

impl Scopes {
    fn new(len: usize) -> Self {
        Scopes {
            depth: vec![0; len],
            opened: vec![Vec::new()],
        }
    }

    fn open(&mut self) {
        self.opened.push(Vec::new());
    }

    fn close(&mut self) {
        for i in self.opened.pop().expect("a scope is open") {
            self.depth[i as usize] = 0;
        }
    }

    /// Declares entity `i` in the innermost block, unless an open block already has.
    fn insert(&mut self, i: u32) {
        if self.depth.len() <= i as usize {
            self.depth.resize(i as usize + 1, 0);
        }
        if self.depth[i as usize] == 0 {
            self.depth[i as usize] = self.opened.len() as u32;
            self.opened.last_mut().expect("a scope is open").push(i);
        }
    }

    fn contains(&self, i: u32) -> bool {
        self.depth.get(i as usize).is_some_and(|&d| d != 0)
    }

    /// Whether the function's own block declared entity `i`.
    fn at_top(&self, i: u32) -> bool {
        self.depth.get(i as usize) == Some(&1)
    }
}

type Check = Result<(), String>;

impl Verifier<'_> {
    fn scoped(&mut self, f: impl FnOnce(&mut Self) -> Check) -> Check {
        self.vars.open();
        self.locals.open();
        self.arrays.open();
        let r = f(self);
        self.vars.close();
        self.locals.close();
        self.arrays.close();
        r
    }

    fn is_constant(&self, v: Var) -> bool {
        self.constants.get(v.0 as usize) == Some(&true)
    }

    fn define(&mut self, v: Var) -> Check {
        if v.0 as usize >= self.func.vars.len() {
            return Err(format!("{v} has no entry in the value table"));
        }
        if self.vars.contains(v.0) && !self.is_constant(v) {
            return Err(format!("{v} is defined twice in one scope"));
        }
        self.vars.insert(v.0);
        Ok(())
    }

    fn read(&self, v: Var) -> Check {
        if self.vars.contains(v.0) || self.is_constant(v) {
            Ok(())
        } else {
            Err(format!("{v} is read where no definition of it is in scope"))
        }
    }

    fn local(&self, l: Local) -> Check {
        if self.locals.contains(l.0) {
            Ok(())
        } else {
            Err(format!(
                "{l} is used before its declaration, or out of its scope"
            ))
        }
    }

    fn array(&self, a: Array) -> Check {
        let Some(info) = self.func.arrays.get(a.0 as usize) else {
            return Err(format!("{a} has no entry in the array table"));
        };
        let implicit = match info.kind {
            ArrayKind::Param(_) => true,
            // A parameter's tangent is passed in by the caller of `NAME_jvp`.
            ArrayKind::Tangent(p) => matches!(self.func.array_info(p).kind, ArrayKind::Param(_)),
            // A parameter's adjoint is passed in by the caller.
            ArrayKind::Bar(p) => matches!(self.func.array_info(p).kind, ArrayKind::Param(_)),
            ArrayKind::Local | ArrayKind::Part(_) => false,
        };
        if implicit || self.arrays.contains(a.0) {
            Ok(())
        } else {
            Err(format!(
                "{a} is used before its declaration, or out of its scope"
            ))
        }
    }

    /// A float of known width `to` may only be given a float of the same width.
    fn same_width(&self, to: Ty, from: Var, what: &dyn std::fmt::Display) -> Check {
        match (to, self.func.info(from).ty) {
            (Ty::Float(Some(a)), Ty::Float(Some(b))) if a != b => Err(format!(
                "{what} is {a:?} but is given {from}, which is {b:?}"
            )),
            _ => Ok(()),
        }
    }

    fn block(&mut self, block: &Block, loop_body: bool) -> Check {
        for (k, stmt) in block.iter().enumerate() {
            if let Stmt::ExitIf(_) = stmt {
                if !loop_body || k + 1 != block.len() {
                    return Err("an early exit is not the last statement of a loop body".into());
                }
            }
            self.stmt(stmt)?;
        }
        Ok(())
    }

    fn stmt(&mut self, stmt: &Stmt) -> Check {
        // A `while` reads its condition inside, where the condition's block defines it.
        if !matches!(stmt, Stmt::While { .. }) {
            for v in stmt.uses() {
                self.read(v)?;
            }
        }
        for l in stmt.locals() {
            if !matches!(stmt, Stmt::Decl { .. }) {
                self.local(l)?;
            }
        }
        let declared = match stmt {
            Stmt::DeclArray {
                array,
                init: ArrayInit::CallJvp { value, .. },
                ..
            } => vec![*array, *value],
            Stmt::DeclArray { array, .. } => vec![*array],
            _ => Vec::new(),
        };
        for a in stmt.arrays() {
            if !declared.contains(&a) {
                self.array(a)?;
            }
        }
        match stmt {
            Stmt::Let { dsts, op, .. } => {
                match op {
                    Op::Pop(t) if t.0 >= self.func.stacks => {
                        return Err(format!("{t} is popped but does not exist"))
                    }
                    Op::Get(l) => {
                        if let [Some(v)] = dsts[..] {
                            self.same_width(self.func.local_info(*l).ty, v, l)?;
                        }
                    }
                    _ => {}
                }
                for v in dsts.iter().flatten() {
                    self.define(*v)?;
                }
                Ok(())
            }
            Stmt::Decl { local, init } => {
                self.same_width(self.func.local_info(*local).ty, *init, local)?;
                self.locals.insert(local.0);
                Ok(())
            }
            Stmt::Set { local, value } | Stmt::Acc { local, value } => {
                self.same_width(self.func.local_info(*local).ty, *value, local)
            }
            Stmt::Store { array, value, .. } => {
                self.same_width(self.func.array_info(*array).info.ty, *value, array)
            }
            Stmt::DeclArray { array, init, .. } => {
                if let ArrayInit::Fill { value, .. } = init {
                    self.same_width(self.func.array_info(*array).info.ty, *value, array)?;
                }
                self.arrays.insert(array.0);
                if let ArrayInit::CallJvp { value, .. } = init {
                    self.arrays.insert(value.0);
                }
                Ok(())
            }
            Stmt::If { then, els, .. } => {
                self.scoped(|v| v.block(then, false))?;
                self.scoped(|v| v.block(els, false))
            }
            Stmt::For { var, body, .. } => self.scoped(|v| {
                v.define(*var)?;
                v.block(body, true)
            }),
            Stmt::While { cond, body } => self.scoped(|v| {
                if let Some((c, value)) = cond {
                    v.block(c, false)?;
                    v.read(*value)?;
                }
                v.block(body, true)
            }),
            Stmt::Repeat { body, .. } => self.scoped(|v| v.block(body, true)),
            Stmt::Snapshot { snaps, .. } if snaps.0 >= self.func.snapshots => {
                Err(format!("{snaps} keeps states but does not exist"))
            }
            Stmt::Snapshot { .. } => Ok(()),
            // Each action a block of its own, where `from` and `len` are defined.
            Stmt::Checkpointed {
                from,
                len,
                advance,
                record,
                reverse,
                ..
            } => [advance, record, reverse].into_iter().try_for_each(|b| {
                self.scoped(|v| {
                    v.define(*from)?;
                    v.define(*len)?;
                    v.block(b, false)
                })
            }),
            Stmt::Push { stack, .. }
            | Stmt::PushArray { stack, .. }
            | Stmt::Reserve { stack, .. } => {
                if stack.0 >= self.func.stacks {
                    return Err(format!("{stack} is pushed on but does not exist"));
                }
                Ok(())
            }
            Stmt::CallVjp {
                seed,
                dot_seed,
                bars,
                ..
            } => {
                for seed in std::iter::once(seed).chain(dot_seed) {
                    if let CallSeed::Array(a) = seed {
                        self.array(*a)?;
                    }
                }
                for b in bars {
                    if let CallBar::Array(a, _) = b {
                        self.array(*a)?;
                    }
                }
                Ok(())
            }
            Stmt::ExitIf(_) | Stmt::Verbatim { .. } => Ok(()),
        }
    }

    fn results(&self) -> Check {
        for r in self.func.ret.iter().chain(&self.func.values) {
            if !self.vars.at_top(r.0) {
                return Err(format!("the result {r} is not defined at the top level"));
            }
        }
        Ok(())
    }

    fn grads(&self) -> Check {
        if self.func.grads.is_empty() {
            return Ok(());
        }
        if self.func.grads.len() != self.func.wrt.len() {
            return Err(format!(
                "{} gradient entries for {} differentiated parameters",
                self.func.grads.len(),
                self.func.wrt.len()
            ));
        }
        for g in &self.func.grads {
            match g {
                Grad::Scalar(Some(v)) if !self.vars.at_top(v.0) => {
                    return Err(format!("the gradient {v} is not defined at the top level"))
                }
                Grad::Array(a) => self.array(*a)?,
                Grad::Scalar(_) => {}
            }
        }
        Ok(())
    }
}
