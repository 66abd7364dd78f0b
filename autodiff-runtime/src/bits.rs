//! The integer (and `bool`) operators `& | ^ << >>` as functions, for generated code that
//! spells an operator as a call: each takes both operands at one type (the shift amount at its
//! own), so that a literal operand takes its type from the other, as under the operator.

use std::ops::{BitAnd, BitOr, BitXor, Shl, Shr};

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
