//! Rows. A reverse-sweep loop `for j in lo..hi` that indexes an array only at `b + j`, with the
//! same `b` in every iteration (`w[k * n + j]`), indexes it through `&w[b + lo..b + hi]`, taken
//! once before the loop: one bounds check instead of one per element, as a hand-written loop
//! over `chunks` and `zip` has. The forward sweep ran the same iterations and checked each of
//! those indices, so the part is in range; a loop that may stop early (`break`) or that does
//! not step by one is left as it is, and so is the forward sweep, which panics where the
//! original does.

use super::{lanes, Builder};
use crate::ir::{visit, Adapter, Array, ArrayKind, Block, Cmp, Func, Iter, Op, Stmt, Ty, Var};
use crate::maps::{HashMap, HashSet};
use proc_macro2::Span;
use std::collections::BTreeMap;

/// The array and index of a statement that reads or writes one element, shared or mutable as
/// the statement is.
macro_rules! element {
    ($stmt:expr) => {
        match $stmt {
            Stmt::Let {
                op: Op::Load(a, index),
                ..
            }
            | Stmt::Store {
                array: a, index, ..
            } => Some((a, index)),
            _ => None,
        }
    };
}

pub fn slice(func: &mut Func) {
    let tail = func.body.split_off(func.reverse_from);
    let tail = block(func, tail.into());
    func.body.extend(tail);
}

fn block(func: &mut Func, stmts: Block) -> Block {
    let mut out = Vec::with_capacity(stmts.len());
    for mut stmt in stmts {
        for b in stmt.blocks_mut() {
            *b = block(func, std::mem::take(b));
        }
        match stmt {
            Stmt::For { var, iter, body } if steps_by_one(&iter) && !exits(&body) => {
                for_loop(func, var, iter, body, &mut out)
            }
            other => out.push(other),
        }
    }
    out.into()
}

fn steps_by_one(iter: &Iter) -> bool {
    !iter.inclusive && iter.adapters.iter().all(|a| matches!(a, Adapter::Rev))
}

fn exits(body: &Block) -> bool {
    body.iter().any(|s| matches!(s, Stmt::ExitIf(_)))
}

/// The part of the array an index reads: `a[j]` is at offset zero, `a[b + j]` at `b`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Base {
    Zero,
    At(Var),
}

fn for_loop(func: &mut Func, var: Var, iter: Iter, mut body: Block, out: &mut Vec<Stmt>) {
    let scope = Body::new(func, &body, var);

    // Every access of each array directly in the body, and the statements computing its base.
    let mut bases: BTreeMap<Array, Option<Base>> = BTreeMap::new();
    let mut hoist: Vec<usize> = Vec::new();
    let mut written = HashSet::default();
    for stmt in &body {
        if let Stmt::Store { array, .. } = stmt {
            written.insert(*array);
        }
        if let Some((&a, index)) = element!(stmt) {
            let base = match index[..] {
                [i] => scope.base(i, &mut hoist),
                _ => None,
            };
            let entry = bases.entry(a).or_insert(base);
            if *entry != base {
                *entry = None;
            }
        }
        // Arrays used any other way keep their plain indexing.
        for a in borrowed(stmt, false) {
            bases.insert(a, None);
        }
        for b in stmt.blocks() {
            visit(b, &mut |s| {
                for a in borrowed(s, true) {
                    bases.insert(a, None);
                }
            });
        }
    }
    let arrays: Vec<(Array, Base)> = bases
        .into_iter()
        .filter_map(|(a, b)| Some((a, b?)))
        .filter(|(a, _)| !matches!(func.array_info(*a).kind, ArrayKind::Part(_)))
        .collect();
    if arrays.is_empty() {
        out.push(Stmt::For { var, iter, body });
        return;
    }

    let mut then = Vec::new();
    let mut first = Vec::new();
    let offset = Builder {
        func,
        out: &mut first,
    }
    .int('-', var, iter.start);
    let mut b = Builder {
        func,
        out: &mut then,
    };
    b.hoist(&mut body, hoist);
    body.splice(0..0, first);
    let mut parts = HashMap::default();
    for (a, base) in arrays {
        let (lo, hi) = match base {
            Base::Zero => (iter.start, iter.end),
            Base::At(at) => (b.int('+', at, iter.start), b.int('+', at, iter.end)),
        };
        parts.insert(a, b.part(a, lo, hi, written.contains(&a), "row"));
    }
    for stmt in &mut body {
        if let Some((a, index)) = element!(stmt) {
            if let Some(part) = parts.get(a) {
                (*a, *index) = (*part, vec![offset]);
            }
        }
    }
    let (start, end) = (iter.start, iter.end);
    let mut parts: Vec<(Array, bool)> = parts
        .into_iter()
        .map(|(a, part)| (part, written.contains(&a)))
        .collect();
    parts.sort_unstable();
    let sliced = lanes::Sliced {
        var,
        iter,
        body,
        offset,
        parts,
    };
    lanes::split(func, sliced, &mut then);
    let runs = func.var(Ty::Bool, false, None);
    out.push(Stmt::Let {
        dsts: vec![Some(runs)],
        op: Op::Cmp(Cmp::Lt, start, end),
        span: Span::call_site(),
    });
    out.push(Stmt::If {
        cond: runs,
        then: then.into(),
        els: Block::default(),
    });
}

/// A loop body, for finding what its indices are made of.
pub(super) struct Body<'a> {
    stmts: &'a Block,
    /// The values the body computes by integer arithmetic, by the statement that does.
    int_defs: HashMap<Var, usize>,
    /// Every value the body defines.
    all_defs: HashSet<Var>,
    /// The loop variable.
    var: Var,
}

impl<'a> Body<'a> {
    pub(super) fn new(func: &Func, stmts: &'a Block, var: Var) -> Self {
        let int_defs = stmts
            .iter()
            .enumerate()
            .filter_map(|(k, s)| match s {
                Stmt::Let {
                    dsts,
                    op: Op::Prim(..) | Op::Lit(_) | Op::Cast(..) | Op::Len(..) | Op::Param(_),
                    ..
                } if dsts.len() == 1 && func.info(dsts[0]?).ty == Ty::Int => Some((dsts[0]?, k)),
                _ => None,
            })
            .collect();
        let all_defs = stmts
            .iter()
            .flat_map(|s| match s {
                Stmt::Let { dsts, .. } => dsts.iter().flatten().copied().collect(),
                _ => Vec::new(),
            })
            .collect();
        Body {
            stmts,
            int_defs,
            all_defs,
            var,
        }
    }

    /// The base of index `i`, if it is `j` or `b + j` with `b` the same in every iteration; the
    /// body's statements that compute `b` go into `hoist`.
    fn base(&self, i: Var, hoist: &mut Vec<usize>) -> Option<Base> {
        if i == self.var {
            return Some(Base::Zero);
        }
        let Stmt::Let {
            op: Op::Prim(p, args),
            ..
        } = &self.stmts[*self.int_defs.get(&i)?]
        else {
            return None;
        };
        let b = match (p.infix()?, &args[..]) {
            ('+', [b, j]) | ('+', [j, b]) if *j == self.var => *b,
            _ => return None,
        };
        let mut chain = Vec::new();
        self.invariant(b, &mut chain).then(|| {
            hoist.extend(chain);
            Base::At(b)
        })
    }

    /// Whether `v` is the same in every iteration: defined before the loop, or in the body by
    /// integer arithmetic on such values (those statements go into `chain`).
    pub(super) fn invariant(&self, v: Var, chain: &mut Vec<usize>) -> bool {
        if v == self.var {
            return false;
        }
        if !self.all_defs.contains(&v) {
            return true;
        }
        let Some(&k) = self.int_defs.get(&v) else {
            return false;
        };
        chain.push(k);
        self.stmts[k]
            .uses()
            .into_iter()
            .all(|u| self.invariant(u, chain))
    }
}

/// The arrays `stmt` uses other than by one element (passed to a call, taken a part of, its
/// length, declared), or in any way when it is `nested` in a block of the body.
fn borrowed(stmt: &Stmt, nested: bool) -> Vec<Array> {
    if element!(stmt).is_some() && !nested {
        return Vec::new();
    }
    stmt.arrays()
}
