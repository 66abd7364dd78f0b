//! Operations no derivative goes through that generated code spells as calls: the integer
//! operators `& | ^ << >>`, each taking both operands at one type (the shift amount at its own)
//! so that a literal operand takes its type from the other, as under the operator; an element
//! of an array of integers (`labels[n]`); the orderings of floats, taking values.

use std::cmp::Ordering;
use std::ops::{BitAnd, BitOr, BitXor, Shl, Shr};

/// The floats whose orderings generated code asks for.
pub trait Ordered: Copy {
    /// `self.total_cmp(&other)`.
    fn total(self, other: Self) -> Ordering;
    /// `self.partial_cmp(&other)`.
    fn partial(self, other: Self) -> Option<Ordering>;
}

impl Ordered for f64 {
    fn total(self, other: f64) -> Ordering {
        self.total_cmp(&other)
    }
    fn partial(self, other: f64) -> Option<Ordering> {
        self.partial_cmp(&other)
    }
}

impl Ordered for f32 {
    fn total(self, other: f32) -> Ordering {
        self.total_cmp(&other)
    }
    fn partial(self, other: f32) -> Option<Ordering> {
        self.partial_cmp(&other)
    }
}

/// `a.total_cmp(&b)`.
#[inline(always)]
pub fn total_cmp<F: Ordered>(a: F, b: F) -> Ordering {
    a.total(b)
}

/// `a.partial_cmp(&b)`.
#[inline(always)]
pub fn partial_cmp<F: Ordered>(a: F, b: F) -> Option<Ordering> {
    a.partial(b)
}

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
