//! Accumulators start at their first contribution. The transform declares each mutable adjoint
//! as `let mut l = 0.0;` (or resets it, `l = 0.0;`) and adds every contribution, `l += c`; when
//! the first statement after that mentions `l` is such an addition in the same block, the
//! declaration becomes `let mut l = c;` there (or `l = c;`). `0.0 + c` is not `c` to LLVM (it differs for `c = −0.0`), so
//! it keeps that addition otherwise, once per iteration in a loop body (the carried adjoint of
//! a fused loop).

use crate::ir::{visit, Func, Local, Op, Stmt, Var};
use crate::maps::{HashMap, HashSet};

pub fn fuse(func: &mut Func) {
    let mut zeros = HashSet::default();
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

fn block(block: &mut Vec<Stmt>, zeros: &HashSet<Var>) {
    for stmt in block.iter_mut() {
        for b in stmt.blocks_mut() {
            self::block(b, zeros);
        }
    }
    // The statements of this block that mention each local, in order: one walk, where a
    // search from each declaration was quadratic in long blocks.
    let mut mentions: HashMap<Local, Vec<usize>> = HashMap::default();
    for (j, stmt) in block.iter().enumerate() {
        let mut locals = Vec::new();
        visit(std::slice::from_ref(stmt), &mut |s| {
            locals.extend(s.locals())
        });
        locals.sort();
        locals.dedup();
        for l in locals {
            mentions.entry(l).or_default().push(j);
        }
    }
    let mut fused = vec![false; block.len()];
    for i in 0..block.len() {
        let (Stmt::Decl { local, init: zero } | Stmt::Set { local, value: zero }) = block[i] else {
            continue;
        };
        if !zeros.contains(&zero) {
            continue;
        }
        let at = &mentions[&local];
        let Some(&j) = at.get(at.partition_point(|&j| j <= i)) else {
            continue;
        };
        if let Stmt::Acc { local, value } = block[j] {
            block[j] = match block[i] {
                Stmt::Decl { .. } => Stmt::Decl { local, init: value },
                _ => Stmt::Set { local, value },
            };
            fused[i] = true;
        }
    }
    let mut k = 0;
    block.retain(|_| {
        k += 1;
        !fused[k - 1]
    });
}
