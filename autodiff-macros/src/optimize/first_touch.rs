//! First writes. In a loop `for i in ..` at the top of the function whose body adds into
//! `x̄[i]` once and writes `x̄` nowhere else, every iteration touches its own element; if nothing
//! wrote `x̄` before the loop, each such `x̄[i] += c` finds a zero, and where the adjoint is known
//! to start at zero (`NAME_grad`, a local buffer's adjoint) it becomes a store `x̄[i] = c`: no
//! load, no addition, as a hand-written gradient writes each entry. `0.0 + c` differs from `c`
//! only for `c = −0.0`.

use crate::ir::{visit, Array, ArrayKind, CallBar, Func, Stmt, Write};
use crate::maps::{HashMap, HashSet};

pub fn mark(func: &mut Func) {
    let bars: HashSet<Array> = (0..func.arrays.len() as u32)
        .map(Array)
        .filter(|a| matches!(func.array_info(*a).kind, ArrayKind::Bar(_)))
        .collect();
    let mut written = HashSet::default();
    for stmt in &mut func.body {
        if let Stmt::For { var, body, .. } = stmt {
            let mut writes = HashMap::default();
            for s in body.iter() {
                for a in writes_of(s) {
                    *writes.entry(a).or_insert(0) += 1;
                }
            }
            for s in body.iter_mut() {
                if let Stmt::Store {
                    array,
                    index,
                    write,
                    ..
                } = s
                {
                    if *write == Write::Add
                        && index[..] == [*var]
                        && bars.contains(array)
                        && writes[array] == 1
                        && !written.contains(array)
                    {
                        *write = Write::First;
                    }
                }
            }
        }
        written.extend(writes_of(stmt));
    }
}

/// The arrays `stmt` writes into, once per writing statement, nested blocks included.
fn writes_of(stmt: &Stmt) -> Vec<Array> {
    let mut arrays = Vec::new();
    visit(std::slice::from_ref(stmt), &mut |s| match s {
        Stmt::Store { array, .. } => arrays.push(*array),
        Stmt::CallVjp { bars, .. } => arrays.extend(bars.iter().filter_map(|b| match b {
            CallBar::Array(a, _) => Some(*a),
            _ => None,
        })),
        _ => {}
    });
    arrays
}
