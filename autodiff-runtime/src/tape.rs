//! What generated code needs besides the rules: the tape it records overwritten values on, and
//! zeroed adjoints shaped like array parameters.

/// Takes the value the forward sweep recorded last off a tape.
///
/// The reverse sweep pops exactly what the forward sweep pushed, in reverse order, so the tape
/// is never empty here; running out would be a bug in `#[grad]`.
#[inline(always)]
pub fn pop<T>(tape: &mut Vec<T>) -> T {
    match tape.pop() {
        Some(v) => v,
        None => {
            unreachable!("autodiff: the tape ran out; this is a bug in #[grad], please report it")
        }
    }
}

/// The first `count` values of a loop's iterator, last first: how the reverse sweep replays a
/// loop that may have left early, or whose iterator cannot run backwards for every integer type
/// (`(a..=b).step_by(k)` is not double-ended for `usize`). Each value is the iterator's `k`-th,
/// which ranges, `rev` and `step_by` give in constant time.
#[inline(always)]
pub fn replay<I: Iterator + Clone>(iter: I, count: usize) -> Replay<I> {
    Replay { iter, left: count }
}

/// The iterator [`replay`] returns.
#[derive(Clone, Debug)]
pub struct Replay<I> {
    iter: I,
    left: usize,
}

impl<I: Iterator + Clone> Iterator for Replay<I> {
    type Item = I::Item;

    #[inline(always)]
    fn next(&mut self) -> Option<I::Item> {
        self.left = self.left.checked_sub(1)?;
        match self.iter.clone().nth(self.left) {
            Some(v) => Some(v),
            None => unreachable!(
                "autodiff: a loop replayed past its end; this is a bug in #[grad], please report it"
            ),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

/// A value with an adjoint of the same shape: floats, and arrays, slices and `Vec`s of them.
pub trait Zeros {
    /// The adjoint's type: `f64` for `f64`, `Vec<T̄>` for `[T]` and `Vec<T>`, `[T̄; N]` for `[T; N]`.
    type Bar;
    /// A zero adjoint shaped like `self`.
    fn zeros(&self) -> Self::Bar;
    /// The bar to pass a `_vjp` for an argument whose adjoint nobody wants: empty for slices
    /// and `Vec`s (the rule then skips that adjoint), zeros for fixed-size arrays.
    fn unwanted(&self) -> Self::Bar {
        self.zeros()
    }
    /// Zero adjoints for a run of values (allocated zeroed in one go for floats).
    fn zeros_vec(items: &[Self]) -> Vec<Self::Bar>
    where
        Self: Sized,
    {
        items.iter().map(Zeros::zeros).collect()
    }
}

macro_rules! float_zeros {
    ($($F:ty)*) => {$(
        impl Zeros for $F {
            type Bar = $F;
            #[inline]
            fn zeros(&self) -> $F {
                0.0
            }
            fn zeros_vec(items: &[$F]) -> Vec<$F> {
                vec![0.0; items.len()]
            }
        }
    )*};
}

float_zeros!(f32 f64);

impl<T: Zeros> Zeros for [T] {
    type Bar = Vec<T::Bar>;
    fn zeros(&self) -> Vec<T::Bar> {
        T::zeros_vec(self)
    }
    fn unwanted(&self) -> Vec<T::Bar> {
        Vec::new()
    }
}

impl<T: Zeros> Zeros for Vec<T> {
    type Bar = Vec<T::Bar>;
    fn zeros(&self) -> Vec<T::Bar> {
        T::zeros_vec(self)
    }
    fn unwanted(&self) -> Vec<T::Bar> {
        Vec::new()
    }
}

impl<T: Zeros, const N: usize> Zeros for [T; N] {
    type Bar = [T::Bar; N];
    fn zeros(&self) -> [T::Bar; N] {
        core::array::from_fn(|i| self[i].zeros())
    }
}

/// Through references: a parameter `&[f64]`, and an adjoint `&mut [f64]` that a call lends.
macro_rules! zeros_through {
    ($($r:ty),*) => {$(
        impl<T: Zeros + ?Sized> Zeros for $r {
            type Bar = T::Bar;
            fn zeros(&self) -> T::Bar {
                (**self).zeros()
            }
            fn unwanted(&self) -> T::Bar {
                (**self).unwanted()
            }
        }
    )*};
}

zeros_through!(&T, &mut T);

/// A zero adjoint shaped like `x`.
#[inline]
pub fn zeros_like<T: Zeros + ?Sized>(x: &T) -> T::Bar {
    x.zeros()
}

/// The seed a `_vjp` call takes for an array result, from the adjoint of that result: an
/// array by value (a `#[grad]` function's `[F; N]` result), a slice of a `Vec` (a kernel's).
pub trait Seed {
    /// What the `_vjp` takes.
    type Seed<'a>
    where
        Self: 'a;
    /// The seed for this adjoint.
    fn seed(&self) -> Self::Seed<'_>;
}

impl<T: Copy, const N: usize> Seed for [T; N] {
    type Seed<'a>
        = [T; N]
    where
        T: 'a;
    fn seed(&self) -> [T; N] {
        *self
    }
}

impl<T> Seed for Vec<T> {
    type Seed<'a>
        = &'a [T]
    where
        T: 'a;
    fn seed(&self) -> &[T] {
        self
    }
}

/// The seed of a `_vjp` call for an array result whose adjoint is `bar` (see [`Seed`]).
#[inline(always)]
pub fn seed<S: Seed>(bar: &S) -> S::Seed<'_> {
    bar.seed()
}

/// The bar for an argument of a `_vjp` call whose adjoint is not wanted (see
/// [`Zeros::unwanted`]).
#[inline]
pub fn unwanted_like<T: Zeros + ?Sized>(x: &T) -> T::Bar {
    x.unwanted()
}
