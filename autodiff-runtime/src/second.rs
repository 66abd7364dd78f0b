//! What a caller's second order needs of a callee that has `NAME_hvp`: its `NAME_jvp_vjp`
//! adds `seed · ∇f + tangent_seed · H v` into a parameter's bar and `tangent_seed · ∇f` into
//! its tangent's bar, from the gradient and the Hessian-vector product, whatever the
//! parameter's shape (a float, a slice, a fixed array, nested).

use crate::Float;

/// A bar (of a float, a slice, an array) that a gradient of shape `G` adds into.
pub trait AddScaled<G: ?Sized> {
    /// The float the shape holds.
    type F: Float;
    /// `self += a · g`; an empty bar (an unwanted one) is left empty.
    fn add_scaled(&mut self, g: &G, a: Self::F);
}

macro_rules! float_add_scaled {
    ($($F:ty)*) => {$(
        impl AddScaled<$F> for $F {
            type F = $F;
            #[inline]
            fn add_scaled(&mut self, g: &$F, a: $F) {
                *self += a * *g;
            }
        }
    )*};
}

float_add_scaled!(f32 f64);

impl<B: AddScaled<G>, G> AddScaled<Vec<G>> for [B] {
    type F = B::F;
    fn add_scaled(&mut self, g: &Vec<G>, a: B::F) {
        for (s, g) in self.iter_mut().zip(g) {
            s.add_scaled(g, a);
        }
    }
}

impl<B: AddScaled<G>, G> AddScaled<Vec<G>> for Vec<B> {
    type F = B::F;
    fn add_scaled(&mut self, g: &Vec<G>, a: B::F) {
        self.as_mut_slice().add_scaled(g, a);
    }
}

impl<B: AddScaled<G>, G, const N: usize> AddScaled<[G; N]> for [B; N] {
    type F = B::F;
    fn add_scaled(&mut self, g: &[G; N], a: B::F) {
        for (s, g) in self.iter_mut().zip(g) {
            s.add_scaled(g, a);
        }
    }
}

/// The reverse of a call's value and tangent, for one parameter, from the callee's gradient
/// `g` and Hessian-vector product `hv`: `bar += seed · g + tangent_seed · hv` and
/// `tangent_bar += tangent_seed · g`. An empty bar is one the caller does not want. A zero seed
/// adds nothing, even where `g` or `hv` is infinite (`√x` at 0), as a zero adjoint does in the
/// reverse rules.
#[inline]
pub fn second_acc<B: AddScaled<G> + ?Sized, G>(
    bar: &mut B,
    tangent_bar: &mut B,
    g: &G,
    hv: &G,
    seed: B::F,
    tangent_seed: B::F,
) {
    if seed != B::F::ZERO {
        bar.add_scaled(g, seed);
    }
    if tangent_seed != B::F::ZERO {
        bar.add_scaled(hv, tangent_seed);
        tangent_bar.add_scaled(g, tangent_seed);
    }
}

#[cfg(test)]
mod tests {
    use super::second_acc;

    #[test]
    fn adds_into_every_shape_and_skips_empty_bars() {
        let (mut b, mut d) = (1.0, 2.0);
        second_acc(&mut b, &mut d, &3.0, &5.0, 2.0, 10.0);
        assert_eq!((b, d), (1.0 + 6.0 + 50.0, 2.0 + 30.0));

        let (mut b, mut d) = (vec![0.0; 2], Vec::new());
        second_acc(
            b.as_mut_slice(),
            d.as_mut_slice(),
            &vec![1.0, 2.0],
            &vec![3.0, 4.0],
            1.0,
            1.0,
        );
        assert_eq!((b, d), (vec![4.0, 6.0], Vec::<f64>::new()));

        let (mut b, mut d) = ([[0.0f32; 2]; 1], [[1.0f32; 2]; 1]);
        second_acc(&mut b, &mut d, &[[1.0, 2.0]], &[[0.0, 1.0]], 1.0, 2.0);
        assert_eq!((b, d), ([[1.0, 4.0]], [[3.0, 5.0]]));
    }

    /// `0 · ∞` is not NaN here: a zero seed adds nothing.
    #[test]
    fn a_zero_seed_adds_nothing_even_to_an_infinite_gradient() {
        let (mut b, mut d) = (1.0, 2.0);
        second_acc(&mut b, &mut d, &f64::INFINITY, &f64::NEG_INFINITY, 0.0, 0.0);
        assert_eq!((b, d), (1.0, 2.0));
        let (mut b, mut d) = (1.0, 2.0);
        second_acc(&mut b, &mut d, &f64::INFINITY, &3.0, 0.0, 2.0);
        assert_eq!((b, d), (7.0, f64::INFINITY));
    }
}
