//! Operations on integers that generated code spells as calls: the operators `& | ^ << >>`,
//! each taking both operands at one type (the shift amount at its own) so that a literal
//! operand takes its type from the other, as under the operator; and an element of an array of
//! integers (`labels[n]`).

use std::ops::{BitAnd, BitOr, BitXor, Shl, Shr};

/// An array of integers a body indexes: `&[I]`, `&Vec<I>`, `&[I; N]`, `[I; N]`.
pub trait Elements: Copy {
    /// The integer type.
    type Elem: Copy;
    /// Element `i`.
    fn elem(self, i: usize) -> Self::Elem;
}

impl<T: Copy> Elements for &[T] {
    type Elem = T;
    #[inline(always)]
    fn elem(self, i: usize) -> T {
        self[i]
    }
}

impl<T: Copy> Elements for &Vec<T> {
    type Elem = T;
    #[inline(always)]
    fn elem(self, i: usize) -> T {
        self[i]
    }
}

impl<T: Copy, const N: usize> Elements for &[T; N] {
    type Elem = T;
    #[inline(always)]
    fn elem(self, i: usize) -> T {
        self[i]
    }
}

impl<T: Copy, const N: usize> Elements for [T; N] {
    type Elem = T;
    #[inline(always)]
    fn elem(self, i: usize) -> T {
        self[i]
    }
}

/// `xs[i]`.
#[inline(always)]
pub fn at<X: Elements>(xs: X, i: usize) -> X::Elem {
    xs.elem(i)
}

/// `a & b`.
#[inline(always)]
pub fn bitand<T: BitAnd<Output = T>>(a: T, b: T) -> T {
    a & b
}

/// `a | b`.
#[inline(always)]
pub fn bitor<T: BitOr<Output = T>>(a: T, b: T) -> T {
    a | b
}

/// `a ^ b`.
#[inline(always)]
pub fn bitxor<T: BitXor<Output = T>>(a: T, b: T) -> T {
    a ^ b
}

/// `a << r`.
#[inline(always)]
pub fn shl<T: Shl<R, Output = T>, R>(a: T, r: R) -> T {
    a << r
}

/// `a >> r`.
#[inline(always)]
pub fn shr<T: Shr<R, Output = T>, R>(a: T, r: R) -> T {
    a >> r
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_is_its_operator() {
        let k = 13usize;
        assert_eq!(super::bitand(k, 6), k & 6);
        assert_eq!(super::bitor(k, 6), k | 6);
        assert_eq!(super::bitxor(k, 6), k ^ 6);
        assert_eq!(super::shl(k, 2), k << 2);
        assert_eq!(super::shr(k, 2), k >> 2);
        assert!(super::bitand(true, true) && !super::bitxor(true, true));
    }
}
