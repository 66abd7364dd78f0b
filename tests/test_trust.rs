//! Regressions: programs that once compiled to a wrong value or a wrong derivative, or did not
//! compile with `#[grad]` though they did without it. Each is checked against its closed form
//! or central differences, and `_vjp` into non-zero bars. Loops index on purpose: they are the
//! forms that failed.
#![allow(clippy::needless_range_loop)]

use approx::assert_relative_eq;
use autodiff::check::{gradcheck, Tolerance};
use autodiff::grad;

/// A `break` in a loop whose reverse ran fused into its forward lost the exiting iteration.
#[grad]
fn break_in_fused(x: f64, y: f64) -> f64 {
    let mut s = 0.0;
    for k in 0..6 {
        if k == 4 {
            s += x * y;
            break;
        }
        s += x + y;
    }
    s
}

#[test]
fn break_keeps_the_exiting_iteration() {
    // s = 4(x + y) + xy: ∂x = 4 + y, ∂y = 4 + x.
    let (s, (dx, dy)) = break_in_fused_grad(3.0, 5.0);
    assert_eq!(s, break_in_fused(3.0, 5.0));
    assert_relative_eq!(s, 47.0);
    assert_relative_eq!(dx, 9.0);
    assert_relative_eq!(dy, 7.0);
    let (mut bx, mut by) = (1.0, -2.0);
    break_in_fused_vjp(3.0, 5.0, 0.5, &mut bx, &mut by);
    assert_relative_eq!(bx, 1.0 + 4.5);
    assert_relative_eq!(by, -2.0 + 3.5);
}

/// `continue` skips the rest of one iteration of a fused loop.
#[grad]
fn continue_in_fused(x: f64, y: f64) -> f64 {
    let mut s = 0.0;
    for k in 0..6 {
        s += x;
        if k % 2 == 1 {
            s += x * y;
            continue;
        }
        s += y * y;
    }
    s
}

#[test]
fn continue_keeps_the_skipping_iteration() {
    // s = 6x + 3xy + 3y²: ∂x = 6 + 3y, ∂y = 3x + 6y.
    let (s, (dx, dy)) = continue_in_fused_grad(1.5, -2.0);
    assert_relative_eq!(s, continue_in_fused(1.5, -2.0));
    assert_relative_eq!(dx, 6.0 - 6.0);
    assert_relative_eq!(dy, 4.5 - 12.0);
}

/// The neighbour carry of a fused loop once rewrote a primal buffer's stores too.
#[grad]
fn carry(x: &[f64]) -> f64 {
    let n = x.len();
    let mut c = vec![0.0; n + 1];
    let mut s = 0.0;
    for i in 0..n {
        s += x[i] * c[i];
        c[i] += 1.0;
        c[i + 1] += 1.0;
    }
    s
}

#[test]
fn neighbour_carry_leaves_primal_buffers_alone() {
    // c[i] is 1 when x[i] is read (for i ≥ 1): s = Σ_{i≥1} x[i].
    let x = [0.5, -1.0, 2.0, 3.0];
    let (s, g) = carry_grad(&x);
    assert_eq!(s, carry(&x));
    assert_relative_eq!(s, 4.0);
    assert_eq!(g, vec![0.0, 1.0, 1.0, 1.0]);
}

/// A loop that does not reach the result gets no reverse: its `0 · ∞` was NaN.
#[grad]
fn dead(x: f64) -> f64 {
    let mut t = x;
    for _ in 0..8 {
        t = t * t * t;
    }
    x
}

#[test]
fn dead_loop_has_no_adjoint() {
    assert_eq!(dead_grad(2.0), (2.0, 1.0));
}

/// A loop bounded by `usize::MAX` that breaks early must not reserve tape for its bound.
#[grad]
fn until_small(x: f64, max_iter: usize) -> f64 {
    let mut y = x;
    for _ in 0..max_iter {
        y = (0.5 * y).sin();
        if y.abs() < 0.1 {
            break;
        }
    }
    y
}

#[test]
fn early_exit_with_a_huge_bound_reserves_nothing_it_does_not_use() {
    let f = |x: &[f64]| until_small(x[0], usize::MAX);
    let (y, d) = until_small_grad(1.3, usize::MAX);
    assert_eq!(y, f(&[1.3]));
    gradcheck(f, &[1.3], &[d], &Tolerance::default()).unwrap();
}

/// The same loop over `0..=n` and over a `u64` range compiles.
#[grad]
fn until_small_inclusive(x: f64, n: u64) -> f64 {
    let mut y = x;
    for _ in 0..=n {
        y = (0.5 * y).sin();
        if y.abs() < 0.1 {
            break;
        }
    }
    y
}

#[test]
fn early_exit_from_inclusive_and_u64_ranges() {
    for n in [0, 1, 3, 1000] {
        let f = |x: &[f64]| until_small_inclusive(x[0], n);
        let (y, d) = until_small_inclusive_grad(1.3, n);
        assert_eq!(y, f(&[1.3]));
        gradcheck(f, &[1.3], &[d], &Tolerance::default()).unwrap();
    }
}

/// A literal typed by its `let` keeps its type through arithmetic.
#[grad]
#[allow(unused_assignments)]
fn typed_literals(y: f64) -> f64 {
    let t: f64 = 1.25 - 0.5;
    let (p, q): (f64, f64) = (2.0, y);
    let mut u = y;
    u = 1.25;
    u = (u + u).tanh();
    y * t.sin() + p * q + u * y + f64::abs(-1.1) * y
}

#[test]
fn typed_literals_compile() {
    let c = 0.75f64.sin() + 2.0 + 2.5f64.tanh() + 1.1;
    let (v, d) = typed_literals_grad(0.3);
    assert_relative_eq!(v, typed_literals(0.3));
    assert_relative_eq!(d, c, epsilon = 1e-14);
}

/// `return` in a nested block, followed by unreachable statements that write a variable the
/// function reads later.
#[grad]
#[allow(unreachable_code)]
fn return_then_unreachable(x: f64) -> f64 {
    let mut s = x;
    if x > 0.0 {
        {
            return s * x;
            s = 2.0 * x;
        }
    }
    s += 1.0;
    s * s
}

#[test]
fn unreachable_statements_after_return() {
    for x in [-1.5, 2.0] {
        let f = |v: &[f64]| return_then_unreachable(v[0]);
        let (y, d) = return_then_unreachable_grad(x);
        assert_eq!(y, f(&[x]));
        gradcheck(f, &[x], &[d], &Tolerance::default()).unwrap();
    }
}

#[grad]
fn h(a: f64, b: f64) -> f64 {
    a * b + a.sin()
}

/// A `#[grad]` call nested in another's argument, in a loop.
#[grad]
fn nested_calls(b: &[f64], t: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..b.len() {
        s += h(b[i], h(t, 0.9));
    }
    s
}

#[test]
fn nested_calls_in_a_loop() {
    let b = [0.5, -1.0, 2.0];
    let (s, (gb, gt)) = nested_calls_grad(&b, 0.3);
    assert_eq!(s, nested_calls(&b, 0.3));
    let x: Vec<f64> = b.iter().copied().chain([0.3]).collect();
    let g: Vec<f64> = gb.iter().copied().chain([gt]).collect();
    let f = |x: &[f64]| nested_calls(&x[..3], x[3]);
    gradcheck(f, &x, &g, &Tolerance::default()).unwrap();
}

/// A `return` in a nested block: the statements after it run under a flag, in a block of their
/// own, and a variable they assign is read after that block.
#[grad]
fn return_in_nested_block(x: f64) -> f64 {
    let mut s = x;
    {
        if x > 1.0 {
            return x * x;
        }
        s = s * 2.0 + x.sin();
    }
    s * x
}

#[test]
fn assignment_after_a_guarded_return_outlives_its_block() {
    for x in [-0.7, 0.4, 1.5] {
        let f = |v: &[f64]| return_in_nested_block(v[0]);
        let (y, d) = return_in_nested_block_grad(x);
        assert_eq!(y, f(&[x]));
        gradcheck(f, &[x], &[d], &Tolerance::default()).unwrap();
    }
}

#[grad(wrt(b))]
fn nested_inactive_call(b: &[f64], t: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..b.len() {
        s += h(b[i], h(t, 0.9));
    }
    s
}

/// An inactive call's result passed to a differentiated call still gets its bar.
#[test]
fn inactive_nested_call_argument() {
    let b = [0.5, -1.0, 2.0];
    let (s, gb) = nested_inactive_call_grad(&b, 0.3);
    assert_eq!(s, nested_inactive_call(&b, 0.3));
    let f = |x: &[f64]| nested_inactive_call(x, 0.3);
    gradcheck(f, &b, &gb, &Tolerance::default()).unwrap();
}

const DT: f64 = 0.01;

#[grad]
fn euler(x: f64, dt: f64) -> f64 {
    x + dt * x.sin()
}

/// A module constant passed to a differentiated call, bound with its type as the error for the
/// untyped one says (`tests/ui/untyped_call_argument.rs`); and `f64::from(k)`, a float.
#[grad]
fn two_steps(x: f64, k: u8) -> f64 {
    let dt: f64 = DT;
    let y = euler(x, dt);
    euler(y, f64::from(k) * dt)
}

#[test]
fn typed_constants_as_call_arguments() {
    let f = |v: &[f64]| two_steps(v[0], 3);
    let (y, d) = two_steps_grad(0.8, 3);
    assert_eq!(y, f(&[0.8]));
    gradcheck(f, &[0.8], &[d], &Tolerance::default()).unwrap();
}

/// A buffer declared in a block that a `return` guards: the reverse sweep cannot reload its
/// elements (it is out of scope there) and records them instead.
#[grad]
#[allow(unreachable_code, clippy::never_loop)]
fn buffer_after_return(x: f64, n: usize) -> f64 {
    for _ in 0..n {
        return x * 0.5;
    }
    let b = [0.25, 2.0, 4.0];
    b[1] * x * x
}

#[test]
fn a_guarded_buffer_is_recorded() {
    for n in [0, 1] {
        let f = |v: &[f64]| buffer_after_return(v[0], n);
        let (y, d) = buffer_after_return_grad(1.5, n);
        assert_eq!(y, f(&[1.5]));
        gradcheck(f, &[1.5], &[d], &Tolerance::default()).unwrap();
    }
}

/// Assertions may mention arrays: `debug_assert_eq!(x.len(), w.len())` is how a function states
/// its precondition.
#[grad]
fn asserts_on_arrays(x: &[f64], w: &[f64]) -> f64 {
    debug_assert_eq!(x.len(), w.len());
    let b = [1.0, 2.0];
    assert!(b[1] > b[0], "increasing");
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * w[i] * b[i % 2];
    }
    s
}

#[test]
fn assertions_mention_arrays() {
    let (x, w) = ([0.5, -1.0, 2.0], [1.5, 0.25, -0.5]);
    let (s, (gx, gw)) = asserts_on_arrays_grad(&x, &w);
    assert_eq!(s, asserts_on_arrays(&x, &w));
    assert_eq!(gx, vec![1.5, 0.5, -0.5]);
    assert_eq!(gw, vec![0.5, -2.0, 2.0]);
}

/// Empty statements are statements.
#[grad]
#[allow(redundant_semicolons)]
fn empty_statements(x: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..4 {
        if i % 2 == 0 {
            continue;
        };
        s += x * x;
    }
    s
}

#[test]
fn empty_statements_are_statements() {
    assert_eq!(empty_statements_grad(1.5), (4.5, 6.0));
}

/// A cast of a call's result, whose width `#[grad]` cannot see, still passes its adjoint back;
/// and an array passed twice to a kernel (`dot(x, x)`) gets both contributions.
#[grad]
fn cast_of_a_call(p: &[f64]) -> f64 {
    ((autodiff::kernels::dot(p, p)) as f32).abs() as f64
}

#[grad]
fn dot_twice(p: &[f64]) -> f64 {
    autodiff::kernels::dot(p, p) * 0.5
}

#[test]
fn casts_of_calls_and_arrays_passed_twice() {
    let p = [0.5, -1.25, 2.0];
    let (y, g) = cast_of_a_call_grad(&p);
    assert_eq!(y, cast_of_a_call(&p));
    for (gi, pi) in g.iter().zip(&p) {
        assert_relative_eq!(*gi, 2.0 * pi, epsilon = 1e-6);
    }
    let (y, g) = dot_twice_grad(&p);
    assert_eq!(y, dot_twice(&p));
    assert_eq!(g, p.to_vec());
}

/// A buffer declared after a loop that may `return` lives in the block the return flag guards:
/// the reverse of the loop over it records its length and elements, which are out of scope by
/// then.
#[grad]
fn loop_over_a_guarded_buffer(x: f64, n: usize) -> f64 {
    let mut s = x;
    for k in 0..n {
        if k == 7 {
            return s;
        }
        s *= 1.5;
    }
    let b = [0.5, 1.0, 2.0];
    let mut t = 0.0;
    for i in 0..b.len() {
        t += (s * b[i]).sin();
    }
    t
}

#[test]
fn a_loop_over_a_guarded_buffer() {
    for n in [0, 3, 10] {
        let f = |v: &[f64]| loop_over_a_guarded_buffer(v[0], n);
        let (y, d) = loop_over_a_guarded_buffer_grad(0.4, n);
        assert_eq!(y, f(&[0.4]));
        gradcheck(f, &[0.4], &[d], &Tolerance::default()).unwrap();
    }
}

#[grad]
fn product_of_two(v: Vec<f64>) -> f64 {
    v[0] * v[1]
}

#[grad]
fn product_of_pair(v: [f64; 2]) -> f64 {
    v[0] * v[1]
}

/// An array passed by value to a differentiated call: the forward sweep passes a copy, since
/// the reverse sweep passes it again (it was a use of a moved `Vec`, E0382).
#[grad]
fn passes_by_value(x: Vec<f64>, p: [f64; 2]) -> f64 {
    product_of_two(x) + product_of_pair(p) * p[0]
}

#[test]
fn arrays_passed_by_value() {
    let (v, (gx, gp)) = passes_by_value_grad(vec![2.0, 3.0], [0.5, 4.0]);
    assert_eq!(v, 6.0 + 2.0 * 0.5);
    assert_eq!(gx, vec![3.0, 2.0]);
    assert_eq!(gp, [2.0 * 0.5 * 4.0, 0.5 * 0.5]);
}

/// A reference parameter passed on as it is still coerces (`&Vec<f64>` to `&[f64]`).
#[grad]
#[allow(clippy::ptr_arg)]
fn passes_a_reference(p: &Vec<f64>, q: &[f64; 2]) -> f64 {
    autodiff::kernels::dot(p, p) + autodiff::kernels::dot(q, q)
}

#[test]
fn reference_parameters_passed_on() {
    let (v, (gp, gq)) = passes_a_reference_grad(&vec![1.0, 2.0], &[3.0, 0.5]);
    assert_eq!(v, 5.0 + 9.25);
    assert_eq!(gp, vec![2.0, 4.0]);
    assert_eq!(gq, [6.0, 1.0]);
}

/// An empty float sum is −0.0, as `std`'s `Sum` for floats starts: the value, its sign and
/// what a division by it gives stay those of the function.
#[grad]
fn empty_sum_sign(p: &[f64]) -> f64 {
    p.iter().sum::<f64>().signum() + 1.0 / p.iter().sum::<f64>().exp()
}

#[grad]
fn reciprocal_of_sum(p: &[f64]) -> f64 {
    1.0 / p.iter().sum::<f64>()
}

#[test]
fn an_empty_sum_is_negative_zero() {
    assert_eq!(empty_sum_sign_grad(&[]).0, empty_sum_sign(&[]));
    assert_eq!(reciprocal_of_sum_grad(&[]).0, f64::NEG_INFINITY);
}

/// A `return` before a buffer that a loop iterates.
#[grad]
fn return_before_a_buffer_loop(x: f64) -> f64 {
    if x < 0.0 {
        return x;
    }
    let b = [0.0; 1];
    for &v in b.iter() {
        if v > 2.0 {
            return x;
        }
    }
    x * x
}

#[test]
fn a_return_before_a_buffer_loop() {
    assert_eq!(return_before_a_buffer_loop_grad(-1.0), (-1.0, 1.0));
    assert_eq!(return_before_a_buffer_loop_grad(1.5), (2.25, 3.0));
}

/// A buffer typed by its `let` gives its elements that type, where a method needs it.
#[grad]
fn typed_buffer(x: f64) -> f64 {
    let b: [f64; 1] = [0.5; 1];
    let t = b[0].ceil();
    let w: Vec<f64> = vec![0.5, 2.5];
    let _ = w[1].floor();
    x * t
}

#[test]
fn typed_buffers() {
    assert_eq!(typed_buffer_grad(3.0), (3.0, 1.0));
}

#[grad]
fn weigh(a: f32, b: f32) -> f32 {
    a * b
}

/// A constant imported in the body (`use std::f32::consts::PI;`) has its type; the same `use`
/// in two branches is one import.
#[grad]
fn imported_constant(x: f32) -> f32 {
    use std::f32::consts::PI;
    if x > 0.0 {
        use std::f32::consts::E;
        weigh(x, PI) * E
    } else {
        use std::f32::consts::E;
        weigh(x, E)
    }
}

#[test]
fn constants_imported_in_the_body() {
    let (y, d) = imported_constant_grad(2.0);
    assert_eq!(y, imported_constant(2.0));
    assert_relative_eq!(d, std::f32::consts::PI * std::f32::consts::E);
    assert_eq!(imported_constant_grad(-1.0).1, std::f32::consts::E);
}

#[grad]
fn pair_product(p: [f64; 2]) -> f64 {
    p[0] * p[1]
}

/// `*p` passes a copy of a borrowed array by value.
#[grad]
fn deref_argument(p: &[f64; 2]) -> f64 {
    pair_product(*p) + p[0]
}

#[test]
fn a_dereferenced_array_argument() {
    assert_eq!(deref_argument_grad(&[2.0, 3.0]), (8.0, [4.0, 2.0]));
}

#[grad]
fn half(x: f64) -> f64 {
    0.5 * x
}

#[grad]
fn pair(a: f64, b: f64) -> f64 {
    a * b
}

/// The result of a float method is a float even when its receiver is a call's result that
/// nothing else types (`half(0.5).sin()` passed on), and a tuple `let` with a type annotation
/// types each element.
#[grad]
fn methods_on_call_results(x: f64, p1: f32) -> f64 {
    let (t1, t2): (f32, f32) = (p1 * 2.0, 0.75);
    let u = (2.0 - t2).tanh() * t1;
    let (h, k): (f64, f64) = (half(0.5), half(1.0));
    let c: f64 = half(2.0);
    pair(x, half(0.5).sin()) + u as f64 + pair(h, k) * pair(c, x)
}

#[test]
fn float_methods_of_call_results() {
    let (v, (dx, dp)) = methods_on_call_results_grad(2.0, 0.5);
    assert_eq!(v, methods_on_call_results(2.0, 0.5));
    assert_relative_eq!(dx, 0.25f64.sin() + 0.125);
    assert_relative_eq!(dp, 2.0 * 1.25f32.tanh(), epsilon = 1e-6);
}

/// Two casts of one call's result, whose width `#[grad]` cannot see: each adjoint is cast back
/// to the result's type (`as _` could not be inferred once two of them were added).
#[grad]
fn two_casts_of_a_call(p: &[f64]) -> f64 {
    let t = autodiff::kernels::dot(p, p);
    ((t as f32).abs() as f64) * ((t as f32).sin() as f64)
}

#[test]
fn casts_of_an_unseen_width() {
    let p = [0.5, -0.25];
    let (y, g) = two_casts_of_a_call_grad(&p);
    assert_eq!(y, two_casts_of_a_call(&p));
    // y = |t| sin t in f32, t = p·p > 0: ∂y/∂pᵢ = (sin t + t cos t) · 2pᵢ.
    let t = 0.3125f32;
    let dt = (t.sin() + t * t.cos()) as f64;
    for (gi, pi) in g.iter().zip(&p) {
        assert_relative_eq!(*gi, dt * 2.0 * pi, max_relative = 1e-6);
    }
}

/// Telling a free function from an associated one reads the source around it: braces and the
/// words `impl` and `trait` in strings, raw strings, characters and comments are not blocks.
mod free_among_lookalikes {
    use autodiff::grad;

    /* impl Nothing { */
    pub const BRACE: char = '{';
    pub const TEXT: &str = "trait T {";
    pub const RAW: &str = r#"impl X { "quoted" {"#;
    // impl Y {

    pub struct Holder;
    impl Holder {
        pub fn get(&self) -> f64 {
            2.0
        }
    }

    #[grad]
    pub fn after(x: f64) -> f64 {
        x * x * x
    }
}

#[test]
fn free_functions_beside_impl_lookalikes_are_differentiated() {
    assert_eq!(free_among_lookalikes::BRACE, '{');
    assert!(free_among_lookalikes::TEXT.starts_with("trait"));
    assert!(free_among_lookalikes::RAW.contains("quoted"));
    let (v, d) = free_among_lookalikes::after_grad(free_among_lookalikes::Holder.get());
    assert_relative_eq!(v, 8.0);
    assert_relative_eq!(d, 12.0);

    // An item of a function body, as in a doc example, inside a method of an impl.
    struct Model;
    impl Model {
        fn slope(&self, x: f64) -> f64 {
            #[grad]
            fn inner(x: f64) -> f64 {
                x.sin()
            }
            inner_grad(x).1
        }
    }
    assert_relative_eq!(Model.slope(0.5), 0.5f64.cos());
}

/// A large array by value: its gradient's zero bar was made by `zeros_like`, which in a debug
/// build copied 800 kB through several frames, so `_grad` overflowed a main thread's 8 MiB
/// stack where the function itself did not. It is now `[0.0; N]`, built in place.
#[grad]
fn big_by_value(x: [f64; 100_000]) -> f64 {
    let mut s = 0.0;
    for i in 0..100_000 {
        s += x[i] * x[i];
    }
    s
}

#[test]
fn large_array_by_value_fits_the_stack_of_a_main_thread() {
    let run = || {
        let mut x = [0.0; 100_000];
        for (i, v) in x.iter_mut().enumerate() {
            *v = (i % 7) as f64 * 0.5;
        }
        let (v, g) = big_by_value_grad(x);
        assert_relative_eq!(v, big_by_value(x));
        assert!(g.iter().zip(&x).all(|(g, x)| *g == 2.0 * x));
        let mut bar = [1.0; 100_000];
        big_by_value_vjp(x, 0.5, &mut bar);
        assert!(bar.iter().zip(&x).all(|(b, x)| *b == 1.0 + x));
    };
    let main_sized = std::thread::Builder::new().stack_size(8 << 20);
    main_sized.spawn(run).unwrap().join().unwrap();
}

#[grad]
fn scaled32(a: f32, b: f32) -> f32 {
    a * b
}

/// `t = 0.1;` after `let mut t = p;` gives the literal `t`'s type in the source; split into
/// single assignments, `0.1` had no width, and `t.atan()` passed to a differentiated call
/// was ambiguous (E0689; difftest seed 23 index 7695).
#[grad]
#[allow(unused_assignments)]
fn reassigned_literal(p: f32) -> f32 {
    let mut t = p;
    t = 0.1;
    scaled32(t.atan(), p)
}

#[test]
fn a_reassigned_literal_keeps_its_variables_width() {
    let (v, d) = reassigned_literal_grad(0.5);
    assert_relative_eq!(v, 0.1f32.atan() * 0.5);
    assert_relative_eq!(d, 0.1f32.atan());
}

/// The result read from a local that is written after the read: the seed went into the local's
/// adjoint before the forward sweep (for the accumulator loops that read it there), so what is
/// written after the read received it too: ∂/∂y came out 1 (its truth is 0).
#[grad]
#[allow(unused_assignments)]
fn written_after_the_result(x: &[f64], y: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i];
    }
    let r = s;
    s += y;
    r
}

/// The same in a tangent (difftest seed 53 index 2056): `t3 -= t3` after `p0 = t3 + 0.5`,
/// whose tangent is `t3`'s, killed the seed of `NAME_hvp`'s reverse sweep: its gradient
/// came out 0.
#[grad(hvp)]
#[allow(unused_assignments)]
fn tangent_written_after_the_result(p0: f64) -> f64 {
    let mut t3 = 2.0;
    t3 /= p0;
    for _ in 0..5 {
        t3 *= 0.5;
    }
    let p = t3 + 0.5;
    t3 -= t3;
    p
}

#[test]
fn a_result_read_before_its_local_changes_keeps_its_seed_to_itself() {
    assert_eq!(
        written_after_the_result_grad(&[1.0, 2.0], 3.0),
        (3.0, (vec![1.0, 1.0], 0.0))
    );
    let p = 1.3;
    let g = -2.0 / (p * p) / 32.0;
    let (v, grad, hv) = tangent_written_after_the_result_hvp(p, 1.0);
    assert_eq!((v, grad), tangent_written_after_the_result_grad(p));
    assert_relative_eq!(grad, g, max_relative = 1e-15);
    assert_relative_eq!(hv, 4.0 / (p * p * p) / 32.0, max_relative = 1e-14);
}
