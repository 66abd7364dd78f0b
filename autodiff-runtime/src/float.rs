//! The `Float` trait: what the rules need of `f32` and `f64`, so each rule is written once.

use core::ops::{Add, Div, Mul, Neg, Sub};

/// A floating-point scalar the rules can differentiate: `f32` or `f64`.
///
/// Sealed: the rules are exact only for IEEE binary floats.
pub trait Float:
    Copy
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + sealed::Sealed
{
    /// `0.0`
    const ZERO: Self;
    /// `1.0`
    const ONE: Self;
    /// `2.0`
    const TWO: Self;
    /// `0.5`
    const HALF: Self;
    /// `ln 2`
    const LN_2: Self;
    /// `ln 10`
    const LN_10: Self;
    /// `π / 180`, the derivative of `to_radians`
    const RAD_PER_DEG: Self;
    /// The value of an `i32` in this type, as `n as f64` does.
    fn from_i32(n: i32) -> Self;
    /// `x.sin()` and so on: the inherent methods of `f32`/`f64`.
    fn sin(self) -> Self;
    #[doc(hidden)]
    fn cos(self) -> Self;
    #[doc(hidden)]
    fn sinh(self) -> Self;
    #[doc(hidden)]
    fn cosh(self) -> Self;
    #[doc(hidden)]
    fn exp(self) -> Self;
    #[doc(hidden)]
    fn ln(self) -> Self;
    #[doc(hidden)]
    fn sqrt(self) -> Self;
    #[doc(hidden)]
    fn signum(self) -> Self;
    #[doc(hidden)]
    fn trunc(self) -> Self;
    #[doc(hidden)]
    fn powi(self, n: i32) -> Self;
    #[doc(hidden)]
    fn powf(self, p: Self) -> Self;
    #[doc(hidden)]
    fn max(self, other: Self) -> Self;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

macro_rules! impl_float {
    ($F:ident) => {
        impl Float for $F {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const TWO: Self = 2.0;
            const HALF: Self = 0.5;
            const LN_2: Self = core::$F::consts::LN_2;
            const LN_10: Self = core::$F::consts::LN_10;
            const RAD_PER_DEG: Self = core::$F::consts::PI / 180.0;
            #[inline(always)]
            fn from_i32(n: i32) -> Self {
                n as $F
            }
            impl_float!(@forward $F: sin cos sinh cosh exp ln sqrt signum trunc);
            #[inline(always)]
            fn powi(self, n: i32) -> Self {
                $F::powi(self, n)
            }
            #[inline(always)]
            fn powf(self, p: Self) -> Self {
                $F::powf(self, p)
            }
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                $F::max(self, other)
            }
        }
    };
    (@forward $F:ident: $($m:ident)*) => {
        $(
            #[inline(always)]
            fn $m(self) -> Self {
                $F::$m(self)
            }
        )*
    };
}

impl_float!(f32);
impl_float!(f64);
