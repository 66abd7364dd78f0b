//! The typed program AST that the generator builds, the printer prints twice (as `#[grad]`
//! Rust and as its dual-number reference) and the shrinker reduces.

/// The float type of one function; every float in it has this type except inside a `Widen`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fty {
    F64,
    F32,
}

impl Fty {
    pub fn name(self) -> &'static str {
        match self {
            Fty::F64 => "f64",
            Fty::F32 => "f32",
        }
    }
    pub fn dual(self) -> &'static str {
        match self {
            Fty::F64 => "D64",
            Fty::F32 => "D32",
        }
    }
    pub fn other(self) -> Fty {
        match self {
            Fty::F64 => Fty::F32,
            Fty::F32 => Fty::F64,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum PKind {
    Scalar,
    /// `&[F]`
    Slice,
    /// `&Vec<F>`
    VecRef,
    /// `Vec<F>`
    VecOwned,
    /// `[F; N]`
    Array(usize),
    /// `&[F; N]`
    ArrayRef(usize),
    Usize,
}

impl PKind {
    /// The parameter's type, with floats of type `ty`.
    pub fn spelled(&self, ty: &str) -> String {
        match self {
            PKind::Scalar => ty.to_string(),
            PKind::Slice => format!("&[{ty}]"),
            PKind::VecRef => format!("&Vec<{ty}>"),
            PKind::VecOwned => format!("Vec<{ty}>"),
            PKind::Array(n) => format!("[{ty}; {n}]"),
            PKind::ArrayRef(n) => format!("&[{ty}; {n}]"),
            PKind::Usize => "usize".to_string(),
        }
    }

    pub fn is_float(&self) -> bool {
        !matches!(self, PKind::Usize)
    }
    pub fn is_array(&self) -> bool {
        !matches!(self, PKind::Usize | PKind::Scalar)
    }
    /// The fixed length of an array parameter.
    pub fn fixed(&self) -> Option<usize> {
        match self {
            PKind::Array(n) | PKind::ArrayRef(n) => Some(*n),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub kind: PKind,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Func {
    pub name: String,
    pub fty: Fty,
    pub params: Vec<Param>,
    /// `#[grad(wrt(..))]`: the indices of the differentiated parameters.
    pub wrt: Option<Vec<usize>>,
    pub body: Block,
    /// Whether the harness checks this function (false for callees kept only for a shrunk
    /// reproducer's sake).
    pub check: bool,
    /// The `(seed, index)` it was generated from, to reproduce it.
    pub origin: (u64, u64),
}

impl Func {
    /// Whether parameter `i` is differentiated.
    pub fn active(&self, i: usize) -> bool {
        self.params[i].kind.is_float() && self.wrt.as_ref().is_none_or(|w| w.contains(&i))
    }

    /// Whether it gets `hvp` and its check: `f64`, no trip through `f32`, calls only to functions
    /// that get `hvp` too (not to those in `subst`, whose rule is made from their dual and has
    /// no second order), and no `detach`, whose value moves with `x` where
    /// its derivative does not, so that differences of `_grad` are not `H·v` (`x · (x −
    /// detach(x))` has `H = 2`, as JAX has it, but its gradient `2x − x` changes at rate 1).
    pub fn second_order(&self, funcs: &[Func], subst: &[usize]) -> bool {
        // A twin with two results gets no `hvp`, so neither does its caller.
        let mut ok = self.fty == Fty::F64 && !crate::walk::calls_pairs(&self.body);
        crate::walk::exprs_of_block(&self.body, &mut |e| {
            ok &= match e {
                Expr::Call(i, _) => !subst.contains(i) && funcs[*i].second_order(funcs, subst),
                Expr::Widen(..) | Expr::Runtime("detach", _) => false,
                _ => true,
            }
        });
        ok
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub tail: Option<Expr>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AOp {
    Set,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl AOp {
    pub fn text(self) -> &'static str {
        match self {
            AOp::Set => "=",
            AOp::Add => "+=",
            AOp::Sub => "-=",
            AOp::Mul => "*=",
            AOp::Div => "/=",
            AOp::Rem => "%=",
        }
    }
}

/// A local buffer's declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum Buf {
    /// `vec![0.0; len]`
    VecZeros(Len),
    /// `[0.0; N]`
    ArrZeros(usize),
    /// `vec![a, b, ..]`
    VecList(Vec<Expr>),
    /// `[a, b, ..]`
    ArrList(Vec<Expr>),
    /// `chain.collect()`, into a `Vec` as long as the chain (after its filter, if any)
    Collect(Box<Chain>),
    /// `src.clone()` of an array or a `Vec` (`fixed`: an array of that length), or
    /// `src.to_vec()` of anything
    Copy {
        src: String,
        clone: bool,
        fixed: Option<usize>,
    },
}

/// A length: `base + plus`.
#[derive(Clone, Debug, PartialEq)]
pub struct Len {
    pub base: LenBase,
    pub plus: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LenBase {
    Zero,
    /// `a.len()`
    Of(String),
    /// an integer parameter
    Param(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Range {
    /// `lo..hi`
    Half(IExpr, IExpr),
    /// `lo..=hi`
    Incl(IExpr, IExpr),
    /// `(lo..hi).rev()`
    Rev(IExpr, IExpr),
    /// `(lo..hi).step_by(k)`
    Step(IExpr, IExpr, usize),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Pat {
    Lit(usize),
    Or(Vec<usize>),
    /// `a..=b`
    Range(usize, usize),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `let [mut] name[: F] = init;`
    Let {
        name: String,
        mutable: bool,
        typed: bool,
        init: Expr,
    },
    /// `let (a, b)[: (F, F)] = (x, y);`, or with `branch`
    /// `let (a, b)[: (F, F)] = if c { (x, y) } else { (z, w) };`
    LetPair {
        names: [String; 2],
        typed: bool,
        inits: [Expr; 2],
        branch: Option<(Cond, [Expr; 2])>,
    },
    /// `let (a, b) = f_pair(args);` where `call` is `f(args)`: a call of `f`'s twin with two
    /// results (see `Printer::pair_twin`).
    LetCallPair {
        names: [String; 2],
        call: Expr,
    },
    /// `let _ = e;`
    LetUnder(Expr),
    /// `let [mut] name[: T] = buf;`
    LetBuf {
        name: String,
        mutable: bool,
        typed: bool,
        buf: Buf,
    },
    /// `let [mut] name = init;` for a `usize`
    LetInt {
        name: String,
        mutable: bool,
        init: IExpr,
    },
    Assign {
        name: String,
        op: AOp,
        value: Expr,
    },
    /// `let name = move |p: F, ..| body;`: a closure of floats, copying what it captures
    LetClosure {
        name: String,
        params: Vec<String>,
        body: Expr,
    },
    /// `(a, b) = (x, y);`: both values before either name changes
    AssignPair {
        names: [String; 2],
        values: [Expr; 2],
    },
    /// `arr.swap(i, j);` on a writable array
    SwapElems {
        arr: String,
        i: IExpr,
        j: IExpr,
    },
    /// `std::mem::swap(&mut a, &mut b);` of two mutable floats
    SwapFloats([String; 2]),
    /// `name += value;` on an integer local
    IntAdd {
        name: String,
        value: IExpr,
    },
    SetIndex {
        arr: String,
        index: IExpr,
        op: AOp,
        value: Expr,
    },
    If {
        cond: Cond,
        then: Block,
        els: Option<Block>,
    },
    For {
        var: Option<String>,
        range: Range,
        body: Block,
    },
    /// `for &v in a.iter()` or `for (i, &v) in a.iter().enumerate()`
    ForIter {
        var: String,
        index: Option<String>,
        arr: String,
        body: Block,
    },
    /// `let mut w = 0usize; while w < bound && cond { w += 1; body }`
    While {
        counter: String,
        bound: usize,
        cond: Cond,
        body: Block,
    },
    /// `let mut w = 0usize; loop { w += 1; if w > bound { break; } body }`
    Loop {
        counter: String,
        bound: usize,
        body: Block,
    },
    Break,
    Continue,
    Return(Expr),
    /// `match scrut { pat [if guard] => { .. } .. name => { .. } }`: the last arm `_`, or a
    /// name bound to the scrutinee
    Match {
        scrut: IExpr,
        arms: Vec<(Pat, Option<Cond>, Block)>,
        bound: Option<String>,
        default: Block,
    },
    /// `let name_o = if cond { Some(value) } else { None };` then `if let Some(name) = name_o
    /// { then } [else { els }]`: an `Option` made in the body and matched, `name` an integer.
    IfLet {
        name: String,
        cond: Cond,
        value: IExpr,
        then: Block,
        els: Option<Block>,
    },
    Block(Block),
    /// `const NAME: F = value;`
    Const {
        name: String,
        value: f64,
    },
    /// `use std::F::consts::PI;`
    UsePi,
    /// `assert!(a < b)`-like, on integers
    Assert {
        kind: usize,
        a: IExpr,
        b: IExpr,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl CmpOp {
    pub fn text(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    F(CmpOp, Expr, Expr),
    I(CmpOp, IExpr, IExpr),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
}

/// A `usize` expression.
#[derive(Clone, Debug, PartialEq)]
pub enum IExpr {
    Lit(usize),
    Var(String),
    Len(String),
    Add(Box<IExpr>, Box<IExpr>),
    Mul(Box<IExpr>, Box<IExpr>),
    Rem(Box<IExpr>, Box<IExpr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinOp {
    pub fn text(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }
}

/// How a literal is spelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LitStyle {
    /// `1.5`
    Plain,
    /// `1.5_f64` / `1.5f32`
    Suffix,
    /// `2.` (integral values only)
    Dot,
    /// `15e-1`
    Exp,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    F(Expr),
    /// An array passed whole: `prefix` is `""`, `"&"` or `"*"`, what the callee's parameter
    /// needs from how the array is held.
    Arr(String, &'static str),
    /// `&a[lo..]`
    Tail(String, usize),
    I(IExpr),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Lit(f64, LitStyle),
    Var(String),
    /// A `const` item, or `PI` after `use`.
    Const(String),
    /// `std::F::consts::PI` by path
    PiPath,
    Index(String, Box<IExpr>),
    /// `(i) as F`
    IntCast(Box<IExpr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    /// `a.m()` or `F::m(a)` when `path`
    Un(&'static str, Box<Expr>, bool),
    /// `a.m(b)` or `F::m(a, b)`
    Bin2(&'static str, Box<Expr>, Box<Expr>, bool),
    /// `a.powi(k)`
    Powi(Box<Expr>, i32),
    MulAdd(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `autodiff::relu(a)` and the like
    Runtime(&'static str, Box<Expr>),
    /// `a.iter().sum::<F>()` (`prod` false) or `.product::<F>()`
    Fold(String, bool),
    /// An iterator chain with a closure, summed or multiplied
    Chain(Box<Chain>),
    /// A call of a closure bound with `let`
    CallClosure(String, Vec<Expr>),
    /// `autodiff::kernels::dot(a, b)`, each with the prefix that makes it a `&[f64]`
    Dot(String, &'static str, String, &'static str),
    Call(usize, Vec<Arg>),
    If(Box<Cond>, Box<Expr>, Box<Expr>),
    Match(Box<IExpr>, Vec<(Pat, Expr)>, Box<Expr>),
    /// `((a) as G).m() as F`, through the other float width
    Widen(Box<Expr>, Option<&'static str>),
}

/// `a.iter().zip(b.iter()).skip(1).rev().map(|(&p, &q)| body).sum::<F>()`: arrays zipped,
/// adaptors, a closure that reads the items and captures what it likes, a sum (`prod` false)
/// or a product. The dual twin runs the same chain in `std` over duals.
#[derive(Clone, Debug, PartialEq)]
pub struct Chain {
    pub srcs: Vec<String>,
    /// `srcs[0].windows(k)` instead of zipped `iter()`s; the two parameters are the window's
    /// first and last elements.
    pub windows: Option<usize>,
    pub adapters: Vec<Adapt>,
    /// The closure's parameters, one per source.
    pub params: Vec<String>,
    pub body: Expr,
    /// `.filter(|&v| v op lit)` on the mapped values: the name and the comparison.
    pub filter: Option<(String, CmpOp, Expr)>,
    /// The adapters after the filter, which count what passes: a `Rev` only first (`std`
    /// reverses a `Filter`, not a `Skip`, `Take` or `StepBy` of one).
    pub after: Vec<Adapt>,
    pub prod: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Adapt {
    Skip(usize),
    Take(usize),
    Rev,
    StepBy(usize),
}
