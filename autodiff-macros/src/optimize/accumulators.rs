//! Accumulators start at their first contribution. The transform declares each mutable adjoint
//! as `let mut l = 0.0;` (or resets it, `l = 0.0;`) and adds every contribution, `l += c`; when
//! the first statement after that mentions `l` is such an addition in the same block, the
//! declaration becomes `let mut l = c;` there (or `l = c;`). `0.0 + c` is not `c` to LLVM (it differs for `c = −0.0`), so
//! it keeps that addition otherwise, once per iteration in a loop body (the carried adjoint of
//! a fused loop).

use crate::ir::{visit, Block, Func, Local, Op, Stmt, Var};
use std::collections::HashSet;

pub fn fuse(func: &mut Func) {
    let mut zeros = HashSet::new();
    visit(&func.body, &mut |stmt| {
        if let Stmt::Let {
            dsts,
            op: Op::Lit(syn::Lit::Float(f)),
            ..
        } = stmt
        {
            if f.base10_parse::<f64>().is_ok_and(|x| x == 0.0) {
                zeros.extend(dsts.iter().flatten());
            }
        }
    });
    block(&mut func.body, &zeros);
}

fn block(block: &mut Block, zeros: &HashSet<Var>) {
    for stmt in block.iter_mut() {
        for b in stmt.blocks_mut() {
            self::block(b, zeros);
        }
    }
    let mut i = 0;
    while i < block.len() {
        if let Stmt::Decl { local, init: zero } | Stmt::Set { local, value: zero } = block[i] {
            let first = zeros
                .contains(&zero)
                .then(|| (i + 1..block.len()).find(|&j| mentions(&block[j], local)));
            if let Some(Some(j)) = first {
                if let Stmt::Acc { local, value } = block[j] {
                    block[j] = match block[i] {
                        Stmt::Decl { .. } => Stmt::Decl { local, init: value },
                        _ => Stmt::Set { local, value },
                    };
                    block.remove(i);
                    continue;
                }
            }
        }
        i += 1;
    }
}

/// Whether `stmt`, or a block nested in it, reads or writes `local`.
fn mentions(stmt: &Stmt, local: Local) -> bool {
    stmt.locals().contains(&local)
        || stmt
            .blocks()
            .into_iter()
            .any(|b| b.iter().any(|s| mentions(s, local)))
}
