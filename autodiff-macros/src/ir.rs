//! The IR: a Wengert list with structure. Straight-line code is single assignments
//! `v_k = op(v_i, v_j)` of [`Var`]s; mutable state is explicit, as scalar [`Local`]s and
//! [`Array`]s read and written by statements; control flow stays structured (`If`, `For`,
//! `While`), so that it reverses structurally. Both the primal function and its adjoint are a
//! [`Func`]; `Display` prints them as the seeds' tables print them.

use crate::primitives::Prim;
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use std::fmt;

macro_rules! entity {
    ($($(#[$doc:meta])* $name:ident $prefix:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    )*};
}

entity! {
    /// A single-assignment value, defined once in its block (once per iteration in a loop).
    Var "v";
    /// A mutable scalar variable.
    Local "l";
    /// An array: a parameter, a local buffer, or an adjoint.
    Array "a";
    /// A tape: the stack of one recorded value, pushed by the forward sweep and popped by the
    /// reverse sweep.
    Stack "t";
    /// The kept states of a checkpointed loop.
    Snaps "c";
    /// A block: its place in a walk of the function, from [`Func::number_blocks`].
    BlockId "b";
}

/// The width of a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FloatTy {
    F32,
    F64,
}

/// What a value is, as far as differentiation cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// A float; `None` while its width is left to rustc (an unsuffixed literal).
    Float(Option<FloatTy>),
    /// An integer of any width.
    Int,
    Bool,
    /// A value whose type only rustc knows (a named constant, an opaque call): never active.
    Other,
}

impl Ty {
    pub fn is_float(self) -> bool {
        matches!(self, Ty::Float(_))
    }
}

/// What the IR knows of a value, a local or an array besides its definition.
#[derive(Clone, Debug)]
pub struct Info {
    pub ty: Ty,
    /// Depends on an active parameter, so it may carry an adjoint.
    pub active: bool,
    /// The source name it was bound to, kept so generated code stays readable.
    pub name: Option<String>,
}

/// Where an array comes from.
#[derive(Clone, Debug)]
pub enum ArrayKind {
    /// The function's parameter with this index.
    Param(usize),
    /// A buffer declared in the body.
    Local,
    /// The adjoint of another array, shaped like it.
    Bar(Array),
    /// A contiguous part of another array, taken before a loop that indexes only that part,
    /// so that indexing it needs no bounds check per element.
    Part(Array),
    /// The tangent of another array, shaped like it: an input of `NAME_jvp` for a parameter.
    Tangent(Array),
}

#[derive(Clone, Debug)]
pub struct ArrayInfo {
    pub info: Info,
    pub kind: ArrayKind,
}

/// How a comparison compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Cmp {
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
        }
    }
}

/// How an operation is computed. Every variant reads only values defined before it.
#[derive(Clone, Debug)]
pub enum Op {
    /// The function's scalar parameter with this index.
    Param(usize),
    /// After the tangent transform: the tangent `ṗ` of the scalar parameter with this index,
    /// an input of `NAME_jvp`.
    Tangent(usize),
    /// A literal as written (`2.0`, `1e-3_f32`, `2`, `true`).
    Lit(syn::Lit),
    /// A named constant (`PI`, `std::f64::consts::E`, a `const` item).
    Path(Box<syn::Path>),
    /// No value yet: the start of a local that both arms of the `if` after it set before it is
    /// read, a branch's value of a type without a placeholder (an `Option`, an enum).
    Uninit,
    /// `v as T`.
    Cast(Var, Box<syn::Type>),
    /// A primitive applied to its arguments, in source order (receiver first).
    Prim(&'static Prim, Vec<Var>),
    /// `receiver.name(args)` without a derivative rule: its arguments must be inactive.
    Method(syn::Ident, Vec<Var>),
    /// An expression over inactive data kept as written, the names it mentions bound to
    /// values: a pattern's test (`matches!(kind, Loss::Huber(_))`) or what it binds. Never
    /// active.
    Opaque {
        tokens: Box<TokenStream>,
        bindings: Vec<(syn::Ident, Var)>,
    },
    /// `path(args)`: with an active argument, differentiated through `path_vjp`.
    Call(Box<syn::Path>, Vec<CallArg>),
    /// `(value, tangent) = path_jvp(args, tangents)`: a differentiated call in the tangent
    /// transform, with one tangent per float or array argument.
    CallJvp(Box<syn::Path>, Vec<CallArg>, Vec<CallArg>),
    /// A comparison; never active.
    Cmp(Cmp, Var, Var),
    /// Boolean negation.
    Not(Var),
    /// The current value of a mutable local.
    Get(Local),
    /// An element, `a[i][j]`.
    Load(Array, Vec<Var>),
    /// `a[i].len()`, the length of an array or of one of its rows.
    Len(Array, Vec<Var>),
    /// The adjoint seed `ȳ` of the function's result, or of its float with this index.
    Seed(usize),
    /// The value a tape recorded, taken off it.
    Pop(Stack),
    /// A primitive's local rule: the contributions to its float arguments' adjoints, from the
    /// operands the rule uses (see [`Prim::uses`]) and the result's adjoint.
    Rule {
        prim: &'static Prim,
        args: Vec<Var>,
        out: Var,
        bar: Var,
    },
}

/// The bounds of `lo..hi`, either of which may be left out.
#[derive(Clone, Copy, Debug)]
pub struct Range {
    pub lo: Option<Var>,
    pub hi: Option<Var>,
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bound = |b: Option<Var>| b.map(|v| v.to_string()).unwrap_or_default();
        write!(f, "{}..{}", bound(self.lo), bound(self.hi))
    }
}

/// An argument of an [`Op::Call`].
#[derive(Clone, Debug)]
pub enum CallArg {
    Value(Var),
    /// An array, passed as written: `&x`, `x` or `*x`, or a part of it, `&x[lo..hi]`.
    Array {
        array: Array,
        by_ref: Pass,
        range: Option<Range>,
    },
}

/// How an array starts out.
#[derive(Clone, Debug)]
pub enum ArrayInit {
    /// `[v; N]`, `vec![v; n]`, or nested `[[v; N]; M]`: the value, then each dimension from
    /// the outermost, with whether it is a `vec!`.
    Fill { value: Var, dims: Vec<(Len, bool)> },
    /// `[a, b, c]` or `vec![a, b, c]`.
    Elems { elems: Vec<Var>, vec: bool },
    /// Zeros shaped like the array: the start of an adjoint.
    ZerosLike(Array),
    /// A bar for the array that a `_vjp` may leave untouched (empty for a slice or `Vec`).
    UnwantedLike(Array),
    /// What a call returns: a `Vec` (a kernel such as `matmul`, or a function with a rule).
    Call(Box<syn::Path>, Vec<CallArg>),
    /// The tangent of what a differentiated call returns, in the tangent transform: `(value,
    /// tangent) = path_jvp(args, dots)` declares the call's value, `value`, as well.
    CallJvp {
        path: Box<syn::Path>,
        args: Vec<CallArg>,
        dots: Vec<CallArg>,
        value: Array,
    },
    /// The copy of an array the forward sweep recorded last on this tape ([`Stmt::PushArray`]).
    Popped(Stack),
    /// `&a[lo..hi]`, or `&mut a[lo..hi]` when `mutable`: an [`ArrayKind::Part`].
    Part {
        of: Array,
        lo: Var,
        hi: Var,
        mutable: bool,
    },
}

/// The length of a filled array.
#[derive(Clone, Debug)]
pub enum Len {
    /// A constant expression, as written (`4`, `N`).
    Const(Box<syn::Expr>),
    /// A run-time value.
    Value(Var),
}

/// What a counted loop runs over: a range, then adapters in source order.
#[derive(Clone, Debug)]
pub struct Iter {
    pub start: Var,
    pub end: Var,
    pub inclusive: bool,
    pub adapters: Vec<Adapter>,
}

#[derive(Clone, Debug)]
pub enum Adapter {
    Rev,
    StepBy(Var),
    /// The first `count` values, last first: the reverse sweep of a loop that may have left
    /// early, or whose iterator cannot run backwards for every integer type (`step_by`).
    Replay(Var),
    /// The values `from..from + len`: a segment of a checkpointed loop.
    Segment {
        from: Var,
        len: Var,
    },
}

/// `#[checkpoint(..)]` on a loop: its reverse sweep recomputes segments of it from kept states
/// instead of recording every iteration.
#[derive(Clone, Copy, Debug)]
pub struct Checkpoint {
    pub schedule: Schedule,
    /// `K` of `every = K`, `S` of `snapshots = S`: an integer defined before the loop.
    pub n: Var,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    Every,
    Binomial,
}

/// What a checkpointed loop's kept state holds: the locals and arrays its iterations read or
/// write that something may change between its forward sweep and its reverse.
#[derive(Clone, Debug, Default)]
pub struct State {
    pub locals: Vec<Local>,
    pub arrays: Vec<Array>,
}

/// A list of statements with its id. A pass builds blocks unnumbered (`Vec::into`), and its
/// output is numbered by [`Func::number_blocks`], which [`crate::verify`] checks: what a pass
/// learns of a block it keys by the id, never by where the block is in memory.
#[derive(Clone, Debug, Default)]
pub struct Block {
    pub id: BlockId,
    pub stmts: Vec<Stmt>,
}

impl Default for BlockId {
    fn default() -> Self {
        BlockId(u32::MAX)
    }
}

impl From<Vec<Stmt>> for Block {
    fn from(stmts: Vec<Stmt>) -> Self {
        Block {
            id: BlockId::default(),
            stmts,
        }
    }
}

impl FromIterator<Stmt> for Block {
    fn from_iter<I: IntoIterator<Item = Stmt>>(iter: I) -> Self {
        Block::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl std::ops::Deref for Block {
    type Target = Vec<Stmt>;
    fn deref(&self) -> &Vec<Stmt> {
        &self.stmts
    }
}

impl std::ops::DerefMut for Block {
    fn deref_mut(&mut self) -> &mut Vec<Stmt> {
        &mut self.stmts
    }
}

impl<'a> IntoIterator for &'a Block {
    type Item = &'a Stmt;
    type IntoIter = std::slice::Iter<'a, Stmt>;
    fn into_iter(self) -> Self::IntoIter {
        self.stmts.iter()
    }
}

impl<'a> IntoIterator for &'a mut Block {
    type Item = &'a mut Stmt;
    type IntoIter = std::slice::IterMut<'a, Stmt>;
    fn into_iter(self) -> Self::IntoIter {
        self.stmts.iter_mut()
    }
}

impl IntoIterator for Block {
    type Item = Stmt;
    type IntoIter = std::vec::IntoIter<Stmt>;
    fn into_iter(self) -> Self::IntoIter {
        self.stmts.into_iter()
    }
}

/// One entry of the list.
#[derive(Clone, Debug)]
pub enum Stmt {
    /// `dsts = op`. Most operations define one value; a rule defines one per float argument,
    /// `None` where that argument needs no adjoint.
    Let {
        dsts: Vec<Option<Var>>,
        op: Op,
        span: Span,
    },
    /// `let mut local = init;`
    Decl {
        local: Local,
        init: Var,
    },
    /// `local = value;`
    Set {
        local: Local,
        value: Var,
    },
    /// `local += value;`
    Acc {
        local: Local,
        value: Var,
    },
    /// `let mut array = init;`
    DeclArray {
        array: Array,
        init: ArrayInit,
        span: Span,
    },
    /// `array[index] = value;`, `+=`, or `+=` into a zero.
    Store {
        array: Array,
        index: Vec<Var>,
        value: Var,
        write: Write,
    },
    If {
        cond: Var,
        then: Block,
        els: Block,
    },
    /// `for var in iter { body }`.
    For {
        var: Var,
        iter: Iter,
        body: Block,
    },
    /// `loop { cond; if !cond_var { break } body }`; `cond` is `None` for a plain `loop`.
    While {
        cond: Option<(Block, Var)>,
        body: Block,
    },
    /// `for _ in 0..count { body }`: the reverse of a `While` that ran `count` times.
    Repeat {
        count: Var,
        body: Block,
    },
    /// At the start of iteration `k` (from 0) of a checkpointed loop's forward sweep: its state,
    /// kept if the schedule wants it.
    Snapshot {
        snaps: Snaps,
        checkpoint: Checkpoint,
        k: Var,
        state: State,
        /// The loop's iterator: the trip count the schedule plans for, where it tells.
        iter: Iter,
    },
    /// The reverse of a checkpointed loop that ran `count` iterations: the schedule's actions
    /// in turn (`autodiff::checkpoint::Actions`). `advance` runs the iterations `from..from +
    /// len` recording nothing; `record` runs them recording what `reverse`, which reverses them,
    /// reads. The state is saved into and restored from `snaps`.
    Checkpointed {
        snaps: Snaps,
        checkpoint: Checkpoint,
        count: Var,
        state: State,
        from: Var,
        len: Var,
        advance: Block,
        record: Block,
        reverse: Block,
    },
    /// Leaves the innermost loop after this iteration when `cond` holds. The last statement of
    /// a loop body that a `break` or `return` may leave.
    ExitIf(Var),
    /// Records a value on a tape.
    Push {
        stack: Stack,
        value: Var,
    },
    /// Records a copy of an array on a tape: one a differentiated call reads and something
    /// writes after it, which the call's reverse needs as it was (see [`ArrayInit::Popped`]).
    PushArray {
        stack: Stack,
        array: Array,
    },
    /// `path_vjp(args, seed, bars)`: the reverse of a call to a differentiated function, adding
    /// `seed` times its derivative into one bar per float or array argument.
    ///
    /// With a `dot_seed`, the reverse of a call's tangent (second order):
    /// `path_jvp_vjp(args, dots, seed, dot_seed, bars, tangent bars)`, where `dots` holds one
    /// tangent per float or array argument (as [`Op::CallJvp`]) and `bars` a bar for each
    /// argument then each tangent.
    CallVjp {
        path: Box<syn::Path>,
        args: Vec<CallArg>,
        /// Empty without a `dot_seed`.
        dots: Vec<CallArg>,
        seed: CallSeed,
        dot_seed: Option<CallSeed>,
        bars: Vec<CallBar>,
        /// Which arguments are active: a callee with `wrt` checks that they are among its
        /// differentiated parameters.
        active: Vec<bool>,
    },
    /// Makes room on a tape for one value per iteration of `iter`, before a loop that pushes.
    Reserve {
        stack: Stack,
        iter: Iter,
    },
    /// A statement kept verbatim (an `assert!`), run with the source names it mentions bound to
    /// the values they hold at this point.
    Verbatim {
        tokens: TokenStream,
        bindings: Vec<(syn::Ident, Var)>,
        /// The arrays it mentions, bound by reference.
        arrays: Vec<(syn::Ident, Array)>,
    },
}

/// How a call's argument passes an array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// `&x`.
    Ref,
    /// `x`.
    Value,
    /// `*x`: a copy of the array a reference points to.
    Deref,
}

/// How a [`Stmt::Store`] writes its element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Write {
    /// `a[i] = v`.
    Set,
    /// `a[i] += v`.
    Add,
    /// `a[i] += v` into an adjoint's element that nothing has written since the adjoint was
    /// zeroed: `a[i] = v` wherever the adjoint is known to start at zero.
    First,
}

/// The adjoint of a call's result: a float, an array for a call that returns a `Vec` or an
/// array, a tuple of floats for one that returns several, `let (a, b) = f(x);`.
#[derive(Clone, Debug)]
pub enum CallSeed {
    Value(Var),
    Array(Array),
    Tuple(Vec<Var>),
}

impl fmt::Display for CallSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallSeed::Value(v) => v.fmt(f),
            CallSeed::Array(a) => a.fmt(f),
            CallSeed::Tuple(vs) => write!(f, "({})", list(vs)),
        }
    }
}

/// Where a `_vjp` call adds an argument's derivative.
#[derive(Clone, Copy, Debug)]
pub enum CallBar {
    Scalar(Local),
    /// An array's adjoint, or the part of it that the argument was.
    Array(Array, Option<Range>),
    /// Nothing: an empty slice, for a part of an array whose adjoint is not wanted.
    Unwanted,
}

/// A gradient entry of the result.
#[derive(Clone, Debug)]
pub enum Grad {
    /// A scalar parameter's adjoint; `None` where it is structurally zero.
    Scalar(Option<Var>),
    /// An array parameter's adjoint.
    Array(Array),
}

/// A differentiated parameter, as the body sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrt {
    Scalar(Var),
    Array(Array),
}

/// A whole function.
#[derive(Clone, Debug, Default)]
pub struct Func {
    /// The parameters the gradient has an entry for, in parameter order, whether or not
    /// anything reaches them.
    pub wrt: Vec<Wrt>,
    pub vars: Vec<Info>,
    pub locals: Vec<Info>,
    pub arrays: Vec<ArrayInfo>,
    pub stacks: u32,
    /// How many checkpointed loops keep states.
    pub snapshots: u32,
    /// The checkpointed `for` loops, by their variable.
    pub checkpoints: Vec<(Var, Checkpoint)>,
    pub body: Block,
    /// Values one source variable held one after another (`t = 0.1;` after `let mut t = x;`):
    /// rustc gives them the variable's one type, which the IR's single assignments lose.
    pub same_type: Vec<(Var, Var)>,
    /// Items declared in the body (`const`, `use`), emitted ahead of it.
    pub items: Vec<syn::Item>,
    /// The result: one value, or one per float of a vector result (none after an error).
    pub ret: Vec<Var>,
    /// After the reverse transform: one entry per active parameter, in parameter order.
    pub grads: Vec<Grad>,
    /// After the tangent transform: the tangent of each value of `ret`.
    pub dots: Vec<Var>,
    /// After the tangent transform: the tangent of each entry of `wrt`, an input of the same
    /// shape (a `Wrt::Scalar` of an `Op::Tangent`, or a `Wrt::Array` of an `ArrayKind::Tangent`).
    pub dot_wrt: Vec<Wrt>,
    /// After the tangent transform: the tangent of each value of the primal (by index; the
    /// primal's values keep their numbers), where it has one: what `NAME_jvp_trace` shows
    /// beside each value.
    pub tangents: Vec<Option<Var>>,
    /// Results returned beside `ret` that get no seed: the value of the function whose tangent
    /// the reverse sweep of a Hessian-vector product differentiates.
    pub values: Vec<Var>,
    /// After the reverse transform: where the reverse sweep starts in `body`. Its loops replay
    /// iterations the forward sweep ran, so every index they use was checked once already.
    pub reverse_from: usize,
}

impl Func {
    /// Numbers every block in a walk of the body, the body `b0`, each block before the blocks
    /// nested in it: a pass's output goes through this before anything reads it.
    pub fn number_blocks(&mut self) {
        fn number(block: &mut Block, next: &mut u32) {
            block.id = BlockId(*next);
            *next += 1;
            for stmt in block.iter_mut() {
                for b in stmt.blocks_mut() {
                    number(b, next);
                }
            }
        }
        number(&mut self.body, &mut 0);
    }

    pub fn info(&self, v: Var) -> &Info {
        &self.vars[v.0 as usize]
    }

    pub fn local_info(&self, l: Local) -> &Info {
        &self.locals[l.0 as usize]
    }

    pub fn array_info(&self, a: Array) -> &ArrayInfo {
        &self.arrays[a.0 as usize]
    }

    /// The array `a` is a part of, or `a`.
    pub fn whole(&self, a: Array) -> Array {
        match self.array_info(a).kind {
            ArrayKind::Part(of) => self.whole(of),
            _ => a,
        }
    }

    /// A fresh value.
    pub fn var(&mut self, ty: Ty, active: bool, name: Option<String>) -> Var {
        self.vars.push(Info { ty, active, name });
        Var(self.vars.len() as u32 - 1)
    }

    /// A fresh mutable local.
    pub fn local(&mut self, ty: Ty, active: bool, name: Option<String>) -> Local {
        self.locals.push(Info { ty, active, name });
        Local(self.locals.len() as u32 - 1)
    }

    /// A fresh array.
    pub fn array(&mut self, info: Info, kind: ArrayKind) -> Array {
        self.arrays.push(ArrayInfo { info, kind });
        Array(self.arrays.len() as u32 - 1)
    }

    /// A fresh tape.
    pub fn stack(&mut self) -> Stack {
        self.stacks += 1;
        Stack(self.stacks - 1)
    }

    /// Fresh kept states.
    pub fn snaps(&mut self) -> Snaps {
        self.snapshots += 1;
        Snaps(self.snapshots - 1)
    }

    /// The checkpoint of the `for` loop over `var`, if it has one.
    pub fn checkpoint(&self, var: Var) -> Option<Checkpoint> {
        self.checkpoints
            .iter()
            .find(|(v, _)| *v == var)
            .map(|(_, c)| *c)
    }
}

/// The operands of an [`Op`], of [`CallArg`]s or of a [`Stmt`] (not of its nested blocks), as
/// references shared or mutable as the scrutinee is: one listing serves both `uses` and
/// `uses_mut`.
macro_rules! operands {
    (op $op:expr) => {
        match $op {
            Op::Param(_)
            | Op::Tangent(_)
            | Op::Lit(_)
            | Op::Path(_)
            | Op::Uninit
            | Op::Seed(_)
            | Op::Get(_)
            | Op::Pop(_) => Vec::new(),
            Op::Cast(v, _) | Op::Not(v) => vec![v],
            Op::Cmp(_, a, b) => vec![a, b],
            Op::Prim(_, args) | Op::Method(_, args) => args.into_iter().collect(),
            Op::Opaque { bindings, .. } => bindings.into_iter().map(|(_, v)| v).collect(),
            Op::Call(_, args) => operands!(args args),
            Op::CallJvp(_, args, dots) => {
                let mut uses = operands!(args args);
                uses.extend(operands!(args dots));
                uses
            }
            Op::Load(_, index) | Op::Len(_, index) => index.into_iter().collect(),
            // What the rule reads: its arguments and result only where it needs them.
            Op::Rule {
                prim,
                args,
                out,
                bar,
            } => {
                let mut read = Vec::new();
                if prim.uses.args {
                    read.extend(args);
                }
                if prim.uses.out {
                    read.push(out);
                }
                read.push(bar);
                read
            }
        }
    };
    (args $args:expr) => {
        $args
            .into_iter()
            .flat_map(|a| match a {
                CallArg::Value(v) => vec![v],
                CallArg::Array { range, .. } => range
                    .into_iter()
                    .flat_map(|Range { lo, hi }| [lo, hi])
                    .flatten()
                    .collect(),
            })
            .collect::<Vec<_>>()
    };
    (iter $iter:expr) => {{
        let Iter {
            start,
            end,
            adapters,
            ..
        } = $iter;
        [start, end]
            .into_iter()
            .chain(adapters.into_iter().flat_map(|a| match a {
                Adapter::StepBy(v) | Adapter::Replay(v) => vec![v],
                Adapter::Segment { from, len } => vec![from, len],
                Adapter::Rev => Vec::new(),
            }))
            .collect::<Vec<_>>()
    }};
    (stmt $stmt:expr, $op:ident) => {
        match $stmt {
            Stmt::Let { op, .. } => op.$op(),
            Stmt::Decl { init: value, .. }
            | Stmt::Set { value, .. }
            | Stmt::Acc { value, .. }
            | Stmt::Push { value, .. }
            | Stmt::ExitIf(value)
            | Stmt::If { cond: value, .. }
            | Stmt::Repeat { count: value, .. } => vec![value],
            Stmt::Snapshot {
                checkpoint: Checkpoint { n, .. },
                k,
                iter,
                ..
            } => {
                let mut uses = operands!(iter iter);
                uses.extend([n, k]);
                uses
            }
            Stmt::Checkpointed {
                checkpoint: Checkpoint { n, .. },
                count,
                ..
            } => vec![n, count],
            Stmt::DeclArray { init, .. } => match init {
                ArrayInit::Fill { value, dims } => {
                    let lens = dims.into_iter().filter_map(|(len, _)| match len {
                        Len::Value(n) => Some(n),
                        Len::Const(_) => None,
                    });
                    [value].into_iter().chain(lens).collect()
                }
                ArrayInit::Elems { elems, .. } => elems.into_iter().collect(),
                ArrayInit::ZerosLike(_) | ArrayInit::UnwantedLike(_) | ArrayInit::Popped(_) => {
                    Vec::new()
                }
                ArrayInit::Call(_, args) => operands!(args args),
                ArrayInit::CallJvp { args, dots, .. } => {
                    let mut uses = operands!(args args);
                    uses.extend(operands!(args dots));
                    uses
                }
                ArrayInit::Part { lo, hi, .. } => vec![lo, hi],
            },
            Stmt::Store { index, value, .. } => index.into_iter().chain([value]).collect(),
            Stmt::For { iter, .. } | Stmt::Reserve { iter, .. } => operands!(iter iter),
            Stmt::PushArray { .. } => Vec::new(),
            Stmt::While { cond, .. } => cond.into_iter().map(|(_, v)| v).collect(),
            Stmt::Verbatim { bindings, .. } => bindings.into_iter().map(|(_, v)| v).collect(),
            Stmt::CallVjp {
                args,
                dots,
                seed,
                dot_seed,
                ..
            } => {
                let mut uses = operands!(args args);
                uses.extend(operands!(args dots));
                for seed in std::iter::once(seed).chain(dot_seed) {
                    match seed {
                        CallSeed::Value(v) => uses.push(v),
                        CallSeed::Tuple(vs) => uses.extend(vs),
                        CallSeed::Array(_) => {}
                    }
                }
                uses
            }
        }
    };
}

/// The blocks nested in a [`Stmt`], shared or mutable as the scrutinee is.
macro_rules! nested {
    ($stmt:expr) => {
        match $stmt {
            Stmt::If { then, els, .. } => vec![then, els],
            Stmt::For { body, .. } | Stmt::Repeat { body, .. } => vec![body],
            Stmt::While { cond, body } => cond.into_iter().map(|(b, _)| b).chain([body]).collect(),
            Stmt::Checkpointed {
                advance,
                record,
                reverse,
                ..
            } => vec![advance, record, reverse],
            _ => Vec::new(),
        }
    };
}

impl Op {
    /// The values this operation reads.
    pub fn uses(&self) -> Vec<Var> {
        self.operands().into_iter().copied().collect()
    }

    fn operands(&self) -> Vec<&Var> {
        operands!(op self)
    }

    fn operands_mut(&mut self) -> Vec<&mut Var> {
        operands!(op self)
    }
}

/// The values among a call's arguments.
pub fn values(args: &[CallArg]) -> Vec<Var> {
    operands!(args args).into_iter().copied().collect()
}

impl Iter {
    /// The values the iteration reads.
    pub fn uses(&self) -> Vec<Var> {
        operands!(iter self).into_iter().copied().collect()
    }
}

impl Stmt {
    /// The values this statement reads directly (not those of nested blocks).
    pub fn uses(&self) -> Vec<Var> {
        operands!(stmt self, operands)
            .into_iter()
            .copied()
            .collect()
    }

    /// The same values, to rewrite them.
    pub fn uses_mut(&mut self) -> Vec<&mut Var> {
        operands!(stmt self, operands_mut)
    }

    /// The mutable locals this statement reads or writes directly.
    pub fn locals(&self) -> Vec<Local> {
        match self {
            Stmt::Let { op: Op::Get(l), .. }
            | Stmt::Decl { local: l, .. }
            | Stmt::Set { local: l, .. }
            | Stmt::Acc { local: l, .. } => vec![*l],
            Stmt::CallVjp { bars, .. } => bars
                .iter()
                .filter_map(|b| match b {
                    CallBar::Scalar(l) => Some(*l),
                    _ => None,
                })
                .collect(),
            Stmt::Snapshot { state, .. } | Stmt::Checkpointed { state, .. } => state.locals.clone(),
            _ => Vec::new(),
        }
    }

    /// The arrays this statement mentions directly: an element of, a length of, a part of, passed
    /// to a call, or declared.
    pub fn arrays(&self) -> Vec<Array> {
        let args = |args: &[CallArg]| -> Vec<Array> {
            args.iter()
                .filter_map(|a| match a {
                    CallArg::Array { array, .. } => Some(*array),
                    CallArg::Value(_) => None,
                })
                .collect()
        };
        match self {
            Stmt::Let {
                op: Op::Load(a, _) | Op::Len(a, _),
                ..
            }
            | Stmt::Store { array: a, .. } => vec![*a],
            Stmt::Let {
                op: Op::Call(_, a), ..
            } => args(a),
            Stmt::Let {
                op: Op::CallJvp(_, a, dots),
                ..
            } => {
                let mut arrays = args(a);
                arrays.extend(args(dots));
                arrays
            }
            Stmt::DeclArray { array, init, .. } => {
                let mut arrays = match init {
                    ArrayInit::Call(_, a) => args(a),
                    ArrayInit::CallJvp {
                        args: a,
                        dots,
                        value,
                        ..
                    } => {
                        let mut arrays = args(a);
                        arrays.extend(args(dots));
                        arrays.push(*value);
                        arrays
                    }
                    ArrayInit::Part { of, .. }
                    | ArrayInit::ZerosLike(of)
                    | ArrayInit::UnwantedLike(of) => vec![*of],
                    ArrayInit::Fill { .. } | ArrayInit::Elems { .. } | ArrayInit::Popped(_) => {
                        Vec::new()
                    }
                };
                arrays.push(*array);
                arrays
            }
            Stmt::PushArray { array, .. } => vec![*array],
            Stmt::Verbatim { arrays, .. } => arrays.iter().map(|(_, a)| *a).collect(),
            Stmt::Snapshot { state, .. } | Stmt::Checkpointed { state, .. } => state.arrays.clone(),
            Stmt::CallVjp {
                args: a,
                dots,
                bars,
                seed,
                dot_seed,
                ..
            } => {
                let mut arrays = args(a);
                arrays.extend(args(dots));
                for seed in std::iter::once(seed).chain(dot_seed) {
                    if let CallSeed::Array(s) = seed {
                        arrays.push(*s);
                    }
                }
                arrays.extend(bars.iter().filter_map(|b| match b {
                    CallBar::Array(a, _) => Some(*a),
                    _ => None,
                }));
                arrays
            }
            _ => Vec::new(),
        }
    }

    /// The blocks nested in this statement.
    pub fn blocks(&self) -> Vec<&Block> {
        nested!(self)
    }

    /// The same blocks, to rewrite them.
    pub fn blocks_mut(&mut self) -> Vec<&mut Block> {
        nested!(self)
    }
}

/// Calls `f` on every statement of `block` and of its nested blocks, in order.
pub fn visit(block: &[Stmt], f: &mut impl FnMut(&Stmt)) {
    for stmt in block {
        f(stmt);
        for b in stmt.blocks() {
            visit(b, f);
        }
    }
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(T::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn call_args(args: &[CallArg]) -> String {
    let args: Vec<String> = args
        .iter()
        .map(|a| match a {
            CallArg::Value(v) => v.to_string(),
            CallArg::Array {
                array,
                range: Some(r),
                ..
            } => format!("{array}[{r}]"),
            CallArg::Array { array, .. } => array.to_string(),
        })
        .collect();
    args.join(", ")
}

fn index(vars: &[Var]) -> String {
    vars.iter().map(|v| format!("[{v}]")).collect()
}

fn tokens(t: &impl ToTokens) -> String {
    t.to_token_stream().to_string().replace(" :: ", "::")
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Param(i) => write!(f, "param {i}"),
            Op::Tangent(i) => write!(f, "tangent {i}"),
            Op::Lit(lit) => write!(f, "{}", tokens(lit)),
            Op::Path(path) => write!(f, "{}", tokens(path)),
            Op::Uninit => write!(f, "uninit"),
            Op::Cast(v, ty) => write!(f, "{v} as {}", tokens(ty)),
            Op::Prim(p, args) => match (p.infix(), &args[..]) {
                (Some(op), [a, b]) => write!(f, "{a} {op} {b}"),
                _ => write!(f, "{}({})", p.name, list(args)),
            },
            Op::Method(m, args) => write!(f, "{}.{m}({})", args[0], list(&args[1..])),
            Op::Opaque { tokens, bindings } => {
                let names: Vec<String> = (bindings.iter())
                    .map(|(n, v)| format!("{n} = {v}"))
                    .collect();
                write!(f, "opaque {{ {} }} with {}", tokens, names.join(", "))
            }
            Op::Call(p, args) => write!(f, "{}({})", tokens(p), call_args(args)),
            Op::CallJvp(p, args, dots) => write!(
                f,
                "{}_jvp({} | {})",
                tokens(p),
                call_args(args),
                call_args(dots)
            ),
            Op::Cmp(c, a, b) => write!(f, "{a} {} {b}", c.symbol()),
            Op::Not(v) => write!(f, "!{v}"),
            Op::Get(l) => write!(f, "{l}"),
            Op::Load(a, i) => write!(f, "{a}{}", index(i)),
            Op::Len(a, i) => write!(f, "{a}{}.len()", index(i)),
            Op::Seed(0) => write!(f, "seed"),
            Op::Seed(k) => write!(f, "seed.{k}"),
            Op::Pop(t) => write!(f, "pop {t}"),
            Op::Rule {
                prim,
                args,
                out,
                bar,
            } => write!(f, "{}'({} | {out}, {bar})", prim.name, list(args)),
        }
    }
}

impl fmt::Display for Iter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dots = if self.inclusive { "..=" } else { ".." };
        write!(f, "{}{dots}{}", self.start, self.end)?;
        for a in &self.adapters {
            match a {
                Adapter::Rev => write!(f, " rev")?,
                Adapter::StepBy(k) => write!(f, " step {k}")?,
                Adapter::Replay(n) => write!(f, " replay {n}")?,
                Adapter::Segment { from, len } => write!(f, " from {from} take {len}")?,
            }
        }
        Ok(())
    }
}

/// `every n (l1, a2)`: a checkpoint's schedule and the state it keeps.
fn show_state(c: &Checkpoint, state: &State) -> String {
    let schedule = match c.schedule {
        Schedule::Every => "every",
        Schedule::Binomial => "snapshots",
    };
    let locals = state.locals.iter().map(|l| l.to_string());
    let arrays = state.arrays.iter().map(|a| a.to_string());
    let held: Vec<String> = locals.chain(arrays).collect();
    format!("{schedule} {} ({})", c.n, held.join(", "))
}

/// Prints a block, one entry a line, indented by `depth`.
fn block(f: &mut fmt::Formatter<'_>, body: &Block, depth: usize) -> fmt::Result {
    let pad = "    ".repeat(depth);
    for stmt in body {
        match stmt {
            Stmt::Let { dsts, op, .. } => {
                let names: Vec<String> = dsts
                    .iter()
                    .map(|d| d.map_or("_".to_owned(), |v| v.to_string()))
                    .collect();
                match &names[..] {
                    [one] => writeln!(f, "{pad}{one} = {op}")?,
                    _ => writeln!(f, "{pad}({}) = {op}", names.join(", "))?,
                }
            }
            Stmt::Decl { local, init } => writeln!(f, "{pad}let {local} = {init}")?,
            Stmt::Set { local, value } => writeln!(f, "{pad}{local} = {value}")?,
            Stmt::Acc { local, value } => writeln!(f, "{pad}{local} += {value}")?,
            Stmt::DeclArray { array, init, .. } => match init {
                ArrayInit::Fill { value, dims } => {
                    let mut text = value.to_string();
                    for (len, vec) in dims.iter().rev() {
                        let len = match len {
                            Len::Const(e) => tokens(e),
                            Len::Value(v) => v.to_string(),
                        };
                        let v = if *vec { "vec!" } else { "" };
                        text = format!("{v}[{text}; {len}]");
                    }
                    writeln!(f, "{pad}let {array} = {text}")?
                }
                ArrayInit::Elems { elems, vec } => {
                    let v = if *vec { "vec!" } else { "" };
                    writeln!(f, "{pad}let {array} = {v}[{}]", list(elems))?
                }
                ArrayInit::ZerosLike(a) => writeln!(f, "{pad}let {array} = zeros like {a}")?,
                ArrayInit::Popped(t) => writeln!(f, "{pad}let {array} = pop {t}")?,
                ArrayInit::UnwantedLike(a) => writeln!(f, "{pad}let {array} = unwanted like {a}")?,
                ArrayInit::Call(p, args) => {
                    writeln!(f, "{pad}let {array} = {}({})", tokens(p), call_args(args))?
                }
                ArrayInit::CallJvp {
                    path,
                    args,
                    dots,
                    value,
                } => writeln!(
                    f,
                    "{pad}let ({value}, {array}) = {}_jvp({} | {})",
                    tokens(path),
                    call_args(args),
                    call_args(dots)
                )?,
                ArrayInit::Part {
                    of,
                    lo,
                    hi,
                    mutable,
                } => {
                    let m = if *mutable { "mut " } else { "" };
                    writeln!(f, "{pad}let {array} = &{m}{of}[{lo}..{hi}]")?
                }
            },
            Stmt::Store {
                array,
                index: i,
                value,
                write,
            } => {
                let op = match write {
                    Write::Set => "=",
                    Write::Add => "+=",
                    Write::First => "+=₀",
                };
                writeln!(f, "{pad}{array}{} {op} {value}", index(i))?
            }
            Stmt::If { cond, then, els } => {
                writeln!(f, "{pad}if {cond}")?;
                block(f, then, depth + 1)?;
                if !els.is_empty() {
                    writeln!(f, "{pad}else")?;
                    block(f, els, depth + 1)?;
                }
            }
            Stmt::For { var, iter, body } => {
                writeln!(f, "{pad}for {var} in {iter}")?;
                block(f, body, depth + 1)?;
            }
            Stmt::While { cond, body } => {
                match cond {
                    Some((c, v)) => {
                        writeln!(f, "{pad}while")?;
                        block(f, c, depth + 1)?;
                        writeln!(f, "{pad}  {v} do")?;
                    }
                    None => writeln!(f, "{pad}loop")?,
                }
                block(f, body, depth + 1)?;
            }
            Stmt::Repeat { count, body } => {
                writeln!(f, "{pad}repeat {count}")?;
                block(f, body, depth + 1)?;
            }
            Stmt::Snapshot {
                snaps,
                checkpoint,
                k,
                state,
                iter,
            } => {
                let state = show_state(checkpoint, state);
                writeln!(f, "{pad}offer {snaps} {k} of {iter} {state}")?
            }
            Stmt::Checkpointed {
                snaps,
                checkpoint,
                count,
                state,
                from,
                len,
                advance,
                record,
                reverse,
            } => {
                let state = show_state(checkpoint, state);
                writeln!(f, "{pad}checkpointed {snaps} {count} {state}: {from} {len}")?;
                for (what, b) in [
                    ("advance", advance),
                    ("record", record),
                    ("reverse", reverse),
                ] {
                    writeln!(f, "{pad}  {what}")?;
                    block(f, b, depth + 1)?;
                }
            }
            Stmt::ExitIf(c) => writeln!(f, "{pad}exit if {c}")?,
            Stmt::Push { stack, value } => writeln!(f, "{pad}push {stack} {value}")?,
            Stmt::PushArray { stack, array } => writeln!(f, "{pad}push {stack} copy of {array}")?,
            Stmt::CallVjp {
                path,
                args,
                dots,
                seed,
                dot_seed,
                bars,
                ..
            } => {
                let bars: Vec<String> = bars
                    .iter()
                    .map(|b| match b {
                        CallBar::Scalar(l) => l.to_string(),
                        CallBar::Array(a, None) => a.to_string(),
                        CallBar::Array(a, Some(r)) => format!("{a}[{r}]"),
                        CallBar::Unwanted => "_".into(),
                    })
                    .collect();
                let (path, mut args) = (tokens(path), call_args(args));
                if !dots.is_empty() {
                    args = format!("{args}; {}", call_args(dots));
                }
                let (rule, seed) = match dot_seed {
                    Some(dot) => ("jvp_vjp", format!("{seed}, {dot}")),
                    None => ("vjp", seed.to_string()),
                };
                writeln!(
                    f,
                    "{pad}{path}_{rule}({args} | {seed}) into {}",
                    bars.join(", ")
                )?
            }
            Stmt::Reserve { stack, iter } => writeln!(f, "{pad}reserve {stack} for {iter}")?,
            Stmt::Verbatim { tokens: t, .. } => writeln!(f, "{pad}verbatim {}", tokens(t))?,
        }
    }
    Ok(())
}

impl fmt::Display for Func {
    /// One entry a line, `v3 = sin(v1)`; a rule's outputs as `(v7, _) = mul'(v1, v2 | v6)`,
    /// read "the adjoint contributions of mul's arguments, from its operands v1, v2 and its
    /// result's adjoint v6".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        block(f, &self.body, 0)?;
        let ret: Vec<String> = self.ret.iter().map(|r| format!(" {r}")).collect();
        write!(f, "return{}", ret.join(","))?;
        if !self.grads.is_empty() {
            let grads: Vec<String> = self
                .grads
                .iter()
                .map(|g| match g {
                    Grad::Scalar(Some(v)) => v.to_string(),
                    Grad::Scalar(None) => "0".to_owned(),
                    Grad::Array(a) => a.to_string(),
                })
                .collect();
            write!(f, ", grad ({})", grads.join(", "))?;
        }
        writeln!(f)
    }
}
