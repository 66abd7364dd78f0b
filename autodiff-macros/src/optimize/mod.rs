//! Rewrites of the adjoint IR that make the generated code as lean as a hand-written adjoint:
//! what the mechanical transform writes is correct but carries operations a person would not
//! write, and that LLVM cannot remove on its own because they change a value's uses, the memory
//! it touches, or the order of a floating-point sum. Each is exact (up to the sign of a zero)
//! but `lanes`, which adds one sum in another order.

use crate::ir::{Array, ArrayInit, ArrayKind, Func, Info, Op, Stmt, Ty, Var};
use crate::primitives;
use crate::verify::verify;
use proc_macro2::Span;

mod accumulators;
mod first_touch;
mod lanes;
mod rows;
mod signs;

/// A pass, rewriting the function in place.
type Pass = fn(&mut Func);

/// The adjoint `adj`, rewritten, each pass's output checked by [`verify`].
pub fn optimize(mut adj: Func) -> Result<Func, String> {
    // `rows` finds the reverse sweep by its position in the body, which `signs` and
    // `accumulators` change, and wraps loops in an `if`, where `first_touch` no longer looks.
    let passes: [(Pass, &str); 4] = [
        (first_touch::mark, "first_touch"),
        (rows::slice, "rows"), // and `lanes::split` on the loops it slices
        (signs::fold, "signs"),
        (accumulators::fuse, "accumulators"),
    ];
    for (pass, name) in passes {
        pass(&mut adj);
        adj.number_blocks();
        verify(&adj, name)?;
    }
    Ok(adj)
}

/// Appends statements to `out`, making the values they define.
struct Builder<'a> {
    func: &'a mut Func,
    out: &'a mut Vec<Stmt>,
}

impl Builder<'_> {
    fn lit(&mut self, text: &str, ty: Ty) -> Var {
        self.push(ty, Op::Lit(syn::parse_str(text).expect("a literal")))
    }

    fn prim(&mut self, op: char, a: Var, b: Var, ty: Ty) -> Var {
        let prim = primitives::infix(op).expect("the table has + - * / %");
        self.push(ty, Op::Prim(prim, vec![a, b]))
    }

    fn int(&mut self, op: char, a: Var, b: Var) -> Var {
        self.prim(op, a, b, Ty::Int)
    }

    /// `let part = &of[lo..hi];` (`&mut` if `mutable`), named after `of` with `suffix`.
    fn part(&mut self, of: Array, lo: Var, hi: Var, mutable: bool, suffix: &str) -> Array {
        let info = self.func.array_info(of).info.clone();
        let name = info.name.as_ref().map(|n| format!("{n}_{suffix}"));
        let part = self.func.array(Info { name, ..info }, ArrayKind::Part(of));
        self.out.push(Stmt::DeclArray {
            array: part,
            init: ArrayInit::Part {
                of,
                lo,
                hi,
                mutable,
            },
            span: Span::call_site(),
        });
        part
    }

    /// Moves the statements of `body` at `indices` (the same in every iteration) to `out`, in
    /// their order.
    fn hoist(&mut self, body: &mut Vec<Stmt>, mut indices: Vec<usize>) {
        indices.sort_unstable();
        indices.dedup();
        let hoisted: Vec<Stmt> = indices.iter().rev().map(|&k| body.remove(k)).collect();
        self.out.extend(hoisted.into_iter().rev());
    }

    fn push(&mut self, ty: Ty, op: Op) -> Var {
        let v = self.func.var(ty, false, None);
        self.out.push(Stmt::Let {
            dsts: vec![Some(v)],
            op,
            span: Span::call_site(),
        });
        v
    }
}
