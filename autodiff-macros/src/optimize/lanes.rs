//! Lanes. A reverse-sweep loop that adds into one adjoint in every iteration, `x̄ += ȳ[j] w[j]`
//! (the adjoint of a value the body reads each time round), carries a chain of dependent
//! additions: one per iteration at the adder's latency, and a chain LLVM may not reorder, so
//! the whole loop stays scalar. Here such a loop, once [`rows`](super::rows) has given it
//! contiguous parts, runs in chunks of [`LANES`] iterations, each adding into its own lane of a
//! small array, `x̄ₗ[l] += ȳ[j] w[j]`; the lanes are summed into `x̄` once, after the loop, and
//! the iterations that do not fill a chunk run as before. Every iteration still runs in its
//! original order; what changes is only the order in which that one sum's contributions are
//! added. Reverse mode fixes no such order (it adds contributions as the sweep reaches them),
//! so the result agrees with the strict order up to rounding, and is the same in every run.

use super::rows::Body;
use super::Builder;
use crate::ir::{
    visit, Array, ArrayInit, ArrayKind, Block, Func, Info, Iter, Len, Local, Op, Stmt, Ty, Var,
    Write,
};
use crate::primitives;
use proc_macro2::Span;
use std::collections::BTreeMap;

/// Iterations per chunk: independent sums enough to hide an adder's latency, and two vectors
/// of `f64` wide under AVX (four under SSE2).
const LANES: usize = 8;

/// Where a sum carried through the loop goes: a mutable local, or an element at an index the
/// same in every iteration.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Sum {
    Local(Local),
    Element(Array, Vec<Var>),
}

/// How a loop of `n` iterations is cut: `chunks = n / LANES` chunks after the first
/// `rest = n % LANES` iterations; `zero` and `width = LANES` are the literals.
struct Cut {
    zero: Var,
    width: Var,
    chunks: Var,
    rest: Var,
}

/// A loop of the reverse sweep, `for var in iter { body }`, that [`rows`](super::rows) has
/// rewritten to index each of `parts` at `offset`, the iteration's distance from the start.
pub(super) struct Sliced {
    pub var: Var,
    pub iter: Iter,
    pub body: Block,
    pub offset: Var,
    /// Each part, and whether the body writes into it.
    pub parts: Vec<(Array, bool)>,
}

/// Pushes the loop onto `out`: in chunks with lanes if it carries sums, as it is otherwise.
pub(super) fn split(func: &mut Func, mut lp: Sliced, out: &mut Vec<Stmt>) {
    let (sums, hoist) = sums(func, lp.var, &lp.body);
    if sums.is_empty() {
        let Sliced {
            var, iter, body, ..
        } = lp;
        out.push(Stmt::For { var, iter, body });
        return;
    }
    let mut b = Builder { func, out };
    b.hoist(&mut lp.body, hoist);
    let lanes: BTreeMap<Sum, Array> = sums
        .into_iter()
        .map(|sum| {
            let lanes = b.lanes(&sum);
            (sum, lanes)
        })
        .collect();
    let (zero, width) = (b.lit("0", Ty::Int), b.lit(&LANES.to_string(), Ty::Int));
    let n = b.int('-', lp.iter.end, lp.iter.start);
    let chunks = b.int('/', n, width);
    let rest = b.int('%', n, width);
    let stop = b.int('+', lp.iter.start, rest);
    let cut = Cut {
        zero,
        width,
        chunks,
        rest,
    };
    let chunked = b.chunked(&lp, &cut, &lanes);
    // The iterations a chunk does not fill are the first `rest`, which run first going
    // forward and last in reverse. `rows` slices only loops whose adapters are `rev`s, and the
    // sweep reverses `(lo..hi).rev()` by another.
    let rev = lp.iter.adapters.len() % 2 == 1;
    let remainder = Stmt::For {
        var: lp.var,
        iter: Iter {
            end: stop,
            ..lp.iter
        },
        body: lp.body,
    };
    if rev {
        b.out.extend([chunked, remainder]);
    } else {
        b.out.extend([remainder, chunked]);
    }

    for (sum, lanes) in lanes {
        let total = b.total(lanes, &sum);
        b.out.push(match sum {
            Sum::Local(local) => Stmt::Acc {
                local,
                value: total,
            },
            Sum::Element(array, index) => Stmt::Store {
                array,
                index,
                value: total,
                write: Write::Add,
            },
        });
    }
}

/// The sums the loop carries, with the body's statements that compute their indices (to hoist).
/// Only an innermost loop qualifies: one with loops inside would be copied whole.
fn sums(func: &Func, var: Var, body: &Block) -> (Vec<Sum>, Vec<usize>) {
    let mut nested_loop = false;
    let mut added = Vec::new();
    let mut other_locals = Vec::new();
    visit(body, &mut |s| match s {
        Stmt::For { .. } | Stmt::While { .. } | Stmt::Repeat { .. } => nested_loop = true,
        Stmt::Acc { local, .. } => added.push(*local),
        _ => other_locals.extend(s.locals()),
    });
    if nested_loop {
        return (Vec::new(), Vec::new());
    }
    let mut sums: Vec<Sum> = added
        .into_iter()
        .filter(|l| func.local_info(*l).ty.is_float() && !other_locals.contains(l))
        .map(Sum::Local)
        .collect();

    // Elements: `a[i] += v` directly in the body, at one index, and `a` (or a part of it) used
    // nowhere else.
    let mut elements: BTreeMap<Array, Option<&Vec<Var>>> = BTreeMap::new();
    for stmt in body {
        match stmt {
            Stmt::Store {
                array,
                index,
                write: Write::Add,
                ..
            } if func.array_info(*array).info.ty.is_float() && func.whole(*array) == *array => {
                let entry = elements.entry(*array).or_insert(Some(index));
                if *entry != Some(index) {
                    *entry = None;
                }
            }
            _ => visit(std::slice::from_ref(stmt), &mut |s| {
                for a in s.arrays() {
                    elements.insert(func.whole(a), None);
                }
            }),
        }
    }
    // ... and `i` the same in every iteration.
    let scope = Body::new(func, body, var);
    let mut hoist = Vec::new();
    for (a, index) in elements {
        let Some(index) = index else { continue };
        let mut chain = Vec::new();
        if index.iter().all(|&i| scope.invariant(i, &mut chain)) {
            hoist.extend(chain);
            sums.push(Sum::Element(a, index.clone()));
        }
    }
    sums.sort();
    sums.dedup();
    (sums, hoist)
}

/// `body` as one lane's iteration: each part indexed at `offset` becomes its chunk at `l`, and
/// each sum an addition into lane `l`.
fn into_lanes(
    body: Block,
    offset: Var,
    l: Var,
    of_chunk: &BTreeMap<Array, Array>,
    lanes: &BTreeMap<Sum, Array>,
) -> Block {
    body.into_iter()
        .map(|mut stmt| {
            for b in stmt.blocks_mut() {
                *b = into_lanes(std::mem::take(b), offset, l, of_chunk, lanes);
            }
            let lane = |sum: Sum, value: Var| Stmt::Store {
                array: lanes[&sum],
                index: vec![l],
                value,
                write: Write::Add,
            };
            match stmt {
                Stmt::Acc { local, value } if lanes.contains_key(&Sum::Local(local)) => {
                    lane(Sum::Local(local), value)
                }
                Stmt::Store {
                    array,
                    index,
                    value,
                    write: Write::Add,
                } if lanes.contains_key(&Sum::Element(array, index.clone())) => {
                    lane(Sum::Element(array, index), value)
                }
                Stmt::Let {
                    dsts,
                    op: Op::Load(a, index),
                    span,
                } if index[..] == [offset] && of_chunk.contains_key(&a) => Stmt::Let {
                    dsts,
                    op: Op::Load(of_chunk[&a], vec![l]),
                    span,
                },
                Stmt::Store {
                    array,
                    index,
                    value,
                    write,
                } if index[..] == [offset] && of_chunk.contains_key(&array) => Stmt::Store {
                    array: of_chunk[&array],
                    index: vec![l],
                    value,
                    write,
                },
                other => other,
            }
        })
        .collect()
}

impl Builder<'_> {
    /// `for c in 0..chunks`: the chunk at offset `rest + c·LANES` of each part, then
    /// `for l in 0..LANES` over iteration `lo + rest + c·LANES + l`, which reads and writes
    /// element `l` of each chunk and adds into lane `l`.
    fn chunked(&mut self, lp: &Sliced, cut: &Cut, lanes: &BTreeMap<Sum, Array>) -> Stmt {
        let c = self.func.var(Ty::Int, false, None);
        let mut body = Vec::new();
        let mut b = Builder {
            func: self.func,
            out: &mut body,
        };
        let at = b.int('*', c, cut.width);
        let from = b.int('+', cut.rest, at);
        let to = b.int('+', from, cut.width);
        let first = b.int('+', lp.iter.start, from);
        let mut of_chunk = BTreeMap::new();
        for &(p, mutable) in &lp.parts {
            of_chunk.insert(p, b.part(p, from, to, mutable, "chunk"));
        }
        let l = b.func.var(Ty::Int, false, None);
        let mut lane = vec![Stmt::Let {
            dsts: vec![Some(lp.var)],
            op: Op::Prim(
                primitives::infix('+').expect("the table has +"),
                vec![first, l],
            ),
            span: Span::call_site(),
        }];
        lane.extend(into_lanes(lp.body.clone(), lp.offset, l, &of_chunk, lanes));
        let over = |end| Iter {
            start: cut.zero,
            end,
            inclusive: false,
            adapters: lp.iter.adapters.clone(),
        };
        body.push(Stmt::For {
            var: l,
            iter: over(cut.width),
            body: lane.into(),
        });
        Stmt::For {
            var: c,
            iter: over(cut.chunks),
            body: body.into(),
        }
    }

    /// `let mut lanes = [0.0; LANES];` for `sum`, of its float type.
    fn lanes(&mut self, sum: &Sum) -> Array {
        let info = match sum {
            Sum::Local(l) => self.func.local_info(*l).clone(),
            Sum::Element(a, _) => self.func.array_info(*a).info.clone(),
        };
        let zero = self.lit("0.0", info.ty);
        let name = info.name.as_ref().map(|n| format!("{n}_lanes"));
        let lanes = self.func.array(
            Info {
                name,
                active: false,
                ..info
            },
            ArrayKind::Local,
        );
        self.out.push(Stmt::DeclArray {
            array: lanes,
            init: ArrayInit::Fill {
                value: zero,
                dims: vec![(
                    Len::Const(Box::new(
                        syn::parse_str(&LANES.to_string()).expect("a length"),
                    )),
                    false,
                )],
            },
            span: Span::call_site(),
        });
        lanes
    }

    /// The sum of the lanes.
    fn total(&mut self, lanes: Array, sum: &Sum) -> Var {
        let ty = match sum {
            Sum::Local(l) => self.func.local_info(*l).ty,
            Sum::Element(a, _) => self.func.array_info(*a).info.ty,
        };
        let mut terms: Vec<Var> = (0..LANES)
            .map(|k| {
                let i = self.lit(&k.to_string(), Ty::Int);
                self.push(ty, Op::Load(lanes, vec![i]))
            })
            .collect();
        // The upper half onto the lower half, as vectors of any width add them.
        while terms.len() > 1 {
            let upper = terms.split_off(terms.len() / 2);
            terms = terms
                .into_iter()
                .zip(upper)
                .map(|(a, b)| self.prim('+', a, b, ty))
                .collect();
        }
        terms[0]
    }
}
