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
    values, visit, Adapter, Array, ArrayInit, ArrayKind, Block, BlockId, CallArg, CallBar,
    CallSeed, Checkpoint, Cmp, FloatTy, Func, Grad, Info, Iter, Local, Op, Snaps, Stack, State,
    Stmt, Ty, Var, Write, Wrt,
};
use crate::maps::{HashMap, HashSet};
use crate::primitives::{self, Arg};
use proc_macro2::Span;

/// The adjoint of `primal`: forward sweep, reverse sweep, and one gradient per active parameter.
pub fn reverse(primal: &Func) -> Func {
    let mut rev = Reverse::new(primal);
    let top = &primal.body;
    rev.find_snapshots(top);
    rev.analyse(top);
    rev.plan(top);
    rev.decide();
    let mut body = rev.prologue();
    body.extend(rev.forward(top));
    rev.out.reverse_from = body.len();
    body.extend(rev.reverse_top());
    rev.out.body = body;
    rev.out.number_blocks();
    rev.out
}

/// A statement of the primal, by its block and its place in it.
type At = (BlockId, usize);

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

/// How the reverse sweep runs one loop of the primal (one with adjoint code), decided once by
/// [`Reverse::plan`] before any code is written.
#[derive(Clone)]
enum Plan {
    /// Each iteration runs its reverse right after its forward, inside the forward loop:
    /// nothing recorded, every value in scope.
    Fused,
    /// The loop runs backwards after the forward sweep: all of it (`rev`), or, with a count,
    /// exactly the iterations that ran (it may leave early, or steps).
    Reversed(Option<Count>),
    /// `#[checkpoint(..)]`: the forward sweep runs the primal loop, counting its iterations and
    /// keeping states as the schedule says; the reverse sweep recomputes segments from them,
    /// recording, and reverses each.
    Checkpointed(Ckpt),
}

/// A checkpointed loop's counter, its count after the loop, where its states are kept, what
/// they hold, and the buffers of blocks whose reverse it is not in scope of, which its reverse
/// declares again (in declaration order) before restoring into them.
#[derive(Clone)]
struct Ckpt {
    count: Count,
    snaps: Snaps,
    checkpoint: Checkpoint,
    state: State,
    redeclare: Vec<Array>,
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
    /// Where each value is defined in a walk of the primal: materialised values keep that order.
    def_order: HashMap<Var, usize>,
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
    accumulations: HashMap<At, Accumulation>,
    /// Every `Get` and `Set` of each local: (the value read or written, whether it belongs to an
    /// accumulation).
    local_uses: HashMap<Local, Vec<(Var, bool)>>,
    /// Loops whose trip count is needed unless they are fused, with their enclosing block.
    counted: Vec<(&'a Stmt, BlockId)>,
    /// The plan of each loop with adjoint code, by its body.
    plans: HashMap<BlockId, Plan>,
    /// Every block, and which are loop bodies.
    blocks: HashMap<BlockId, &'a Block>,
    loop_bodies: HashSet<BlockId>,
    /// The block each local is declared in, and the value it starts with.
    decl_block: HashMap<Local, BlockId>,
    decl_init: HashMap<Local, Var>,
    /// The block each local array is declared in, and its declaration.
    array_block: HashMap<Array, BlockId>,
    array_decls: HashMap<Array, &'a Stmt>,
    /// Results read from a local at the top level after which nothing writes the local: its
    /// adjoint is the seed from the start of the reverse sweep.
    final_reads: HashSet<Var>,
    /// Per reversed loop body: locals to set back to their value at the start of the iteration
    /// (a carried local and the value read from it there).
    restores: HashMap<BlockId, Vec<(Local, Var)>>,
    /// The values the reverse sweep reads.
    needed: Vec<Var>,
    sources: HashMap<Var, Source>,
    /// Values to materialise at the start of each reversed block, in definition order.
    materialise: HashMap<BlockId, Vec<Var>>,
    /// Mutable adjoints of values, locals and arrays.
    value_bars: HashMap<Var, Local>,
    local_bars: HashMap<Local, Local>,
    array_bars: HashMap<Array, Array>,
    /// The results (by index) whose adjoint went into their local's adjoint before the
    /// forward sweep.
    seed_hoisted: HashSet<usize>,
    /// Contributions to array adjoints not yet added, by element: several contributions to the
    /// same element in a block become one `ā[i] += c₁ + c₂`, without a round trip through
    /// memory for each.
    pending: Vec<(Array, Vec<Var>, Var)>,
    /// The arrays a differentiated call reads that something writes after it, each with the
    /// tape its copy goes on, by the address of the call's argument list (see
    /// [`Reverse::find_snapshots`]).
    snapshots: HashMap<usize, Vec<(Array, Stack)>>,
    /// The tape of each active array a block out of reach of the reverse sweep declares (see
    /// [`Reverse::transient`]): a copy where it is declared, which shapes its adjoint there.
    transient_copies: HashMap<Array, Stack>,
}

mod forward;
mod plan;
mod sweep;

impl<'a> Reverse<'a> {
    fn new(primal: &'a Func) -> Self {
        let mut out = primal.clone();
        out.body = Block::default();
        Reverse {
            primal,
            out,
            top: primal.body.id,
            def_block: HashMap::default(),
            def_order: HashMap::default(),
            defs: HashMap::default(),
            reads: HashMap::default(),
            loop_vars: HashSet::default(),
            nested_use: HashSet::default(),
            written: HashSet::default(),
            accumulations: HashMap::default(),
            local_uses: HashMap::default(),
            counted: Vec::new(),
            plans: HashMap::default(),
            blocks: HashMap::default(),
            loop_bodies: HashSet::default(),
            decl_block: HashMap::default(),
            decl_init: HashMap::default(),
            array_block: HashMap::default(),
            array_decls: HashMap::default(),
            final_reads: HashSet::default(),
            restores: HashMap::default(),
            needed: Vec::new(),
            sources: HashMap::default(),
            materialise: HashMap::default(),
            value_bars: HashMap::default(),
            local_bars: HashMap::default(),
            array_bars: HashMap::default(),
            seed_hoisted: HashSet::default(),
            pending: Vec::new(),
            snapshots: HashMap::default(),
            transient_copies: HashMap::default(),
        }
    }

    /// The checkpoint of loop `stmt`, if its plan is to recompute it from kept states.
    fn ckpt(&self, stmt: &Stmt) -> Option<Ckpt> {
        let Stmt::For { body, .. } = stmt else {
            return None;
        };
        match self.plans.get(&body.id) {
            Some(Plan::Checkpointed(c)) => Some(c.clone()),
            _ => None,
        }
    }

    /// Whether the loop with body `body` is fused.
    fn fused(&self, body: BlockId) -> bool {
        matches!(self.plans.get(&body), Some(Plan::Fused))
    }

    /// The count of loop `stmt`, if its reverse replays one.
    fn count(&self, stmt: &Stmt) -> Option<Count> {
        let (Stmt::For { body, .. } | Stmt::While { body, .. }) = stmt else {
            return None;
        };
        match self.plans.get(&body.id) {
            Some(Plan::Reversed(count)) => *count,
            _ => None,
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

    /// `a + b` as a new value in `out`, named after `a` (a sum of adjoint contributions).
    fn sum(&mut self, a: Var, b: Var, span: Span, out: &mut Vec<Stmt>) -> Var {
        let info = self.out.info(a).clone();
        let sum = self.out.var(info.ty, true, info.name);
        let add = primitives::infix('+').expect("the table has +");
        out.push(Stmt::Let {
            dsts: vec![Some(sum)],
            op: Op::Prim(add, vec![a, b]),
            span,
        });
        sum
    }
}

pub(super) fn bar_name(info: &Info) -> Option<String> {
    info.name.as_ref().map(|n| format!("{n}_bar"))
}

/// Whether the reverse of `stmt` reads array adjoints (or contains code that may).
pub(super) fn stmt_reads_bars(stmt: &Stmt) -> bool {
    matches!(
        stmt,
        Stmt::Store { .. }
            | Stmt::DeclArray { .. }
            | Stmt::If { .. }
            | Stmt::For { .. }
            | Stmt::While { .. }
    )
}
