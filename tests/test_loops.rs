//! Loops in `#[grad]` functions: every loop form, scalars reassigned in loops, loop-carried
//! state and early exits, each against its closed form and against central differences.

use approx::assert_relative_eq;
use autodiff::check::{dot_product_check, gradcheck, Tolerance};
use autodiff::grad;

mod common;
use common::uniform;

/// Horner's rule: `acc = acc * x + c` over `(0..n).rev()`.
#[grad]
fn horner(c: &[f64], x: f64) -> f64 {
    let mut acc = 0.0;
    for i in (0..c.len()).rev() {
        acc = acc * x + c[i];
    }
    acc
}

/// `p(x) = Σ cᵢ xⁱ`: `∂p/∂x = Σ i cᵢ xⁱ⁻¹` and `∂p/∂cᵢ = xⁱ`.
#[test]
fn horner_derivative_in_x_and_in_each_coefficient() {
    let c = [0.5, -1.25, 2.0, 0.75, -0.3];
    for x in [-1.7, -0.4, 0.0, 0.9, 2.3] {
        let (p, (gc, gx)) = horner_grad(&c, x);
        assert_eq!(p, horner(&c, x));
        let value: f64 = (0..c.len()).map(|i| c[i] * x.powi(i as i32)).sum();
        let slope: f64 = (1..c.len())
            .map(|i| i as f64 * c[i] * x.powi(i as i32 - 1))
            .sum();
        assert_relative_eq!(p, value, epsilon = 1e-12);
        assert_relative_eq!(gx, slope, epsilon = 1e-12);
        assert_eq!(gc.len(), c.len());
        for (i, gci) in gc.iter().enumerate() {
            assert_relative_eq!(*gci, x.powi(i as i32), epsilon = 1e-12);
        }
    }
}

/// `horner_vjp` adds `seed · ∇p` on top of non-zero bars, and passes the dot-product test.
#[test]
fn horner_vjp_accumulates() {
    let c = [0.5, -1.25, 2.0, 0.75, -0.3];
    let x = 1.1;
    let (p, (gc, gx)) = horner_grad(&c, x);
    let mut cbar = vec![1.0, -1.0, 0.5, 0.0, 2.0];
    let mut xbar = -0.5;
    let value = horner_vjp(&c, x, 0.5, &mut cbar, &mut xbar);
    assert_eq!(value, p);
    let before = [1.0, -1.0, 0.5, 0.0, 2.0];
    for i in 0..c.len() {
        assert_relative_eq!(cbar[i], before[i] + 0.5 * gc[i], epsilon = 1e-14);
    }
    assert_relative_eq!(xbar, -0.5 + 0.5 * gx, epsilon = 1e-14);

    let mut cbar = vec![0.0; 5];
    let mut xbar = 0.0;
    horner_vjp(&c, x, -1.3, &mut cbar, &mut xbar);
    let bars: Vec<f64> = cbar.iter().copied().chain([xbar]).collect();
    let point: Vec<f64> = c.iter().copied().chain([x]).collect();
    let v = [0.3, -0.7, 1.1, 0.2, -0.4, 0.9];
    let f = |q: &[f64]| horner(&q[..5], q[5]);
    dot_product_check(f, &point, &v, &[-1.3], &bars, &Tolerance::default()).unwrap();
}

/// `Σ_{k=0}^{n} xᵏ` over `0..=n`, with two loop-carried variables and `*=`.
#[grad]
fn geometric(x: f64, n: usize) -> f64 {
    let mut term = 1.0;
    let mut sum = 0.0;
    for _ in 0..=n {
        sum += term;
        term *= x;
    }
    sum
}

/// The inclusive range runs `n + 1` times: the sum is `(1 − xⁿ⁺¹)/(1 − x)`, and its derivative.
#[test]
fn inclusive_range_geometric_series() {
    for n in [0, 1, 6] {
        for x in [-0.7, 0.3, 1.5, 2.0] {
            let (s, g) = geometric_grad(x, n);
            let m = n as i32;
            let closed = (1.0 - x.powi(m + 1)) / (1.0 - x);
            let slope = (1.0 - x.powi(m + 1) - (m + 1) as f64 * x.powi(m) * (1.0 - x))
                / ((1.0 - x) * (1.0 - x));
            assert_relative_eq!(s, closed, epsilon = 1e-12, max_relative = 1e-12);
            assert_relative_eq!(g, slope, epsilon = 1e-12, max_relative = 1e-12);
        }
    }
}

/// The Chebyshev recurrence `Tₖ₊₁ = 2x Tₖ − Tₖ₋₁`: a temporary, `-=`, and two variables shifted
/// each iteration.
#[grad]
fn chebyshev(x: f64, n: usize) -> f64 {
    let mut prev = 1.0;
    let mut cur = x;
    for _ in 1..n {
        let mut next = 2.0 * x * cur;
        next -= prev;
        prev = cur;
        cur = next;
    }
    cur
}

/// With `x = cos θ`: `Tₙ(x) = cos nθ` and `Tₙ'(x) = n sin nθ / sin θ`.
#[test]
fn chebyshev_recurrence_matches_the_trigonometric_form() {
    for n in 1..=8 {
        for theta in [0.3, 1.1, 2.0, 2.9] {
            let x = f64::cos(theta);
            let (t, g) = chebyshev_grad(x, n);
            let nf = n as f64;
            assert_relative_eq!(t, (nf * theta).cos(), epsilon = 1e-12);
            let slope = nf * (nf * theta).sin() / theta.sin();
            assert_relative_eq!(g, slope, epsilon = 1e-11, max_relative = 1e-12);
        }
    }
}

/// Every third square from index 1: `(1..n).step_by(3)`.
#[grad]
fn every_third_square(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in (1..x.len()).step_by(3) {
        s += x[i] * x[i];
    }
    s
}

/// Entries the stepped range visits get `2xᵢ`, the others exactly zero.
#[test]
fn step_by_visits_every_third_index() {
    let x = [0.5, -1.5, 2.0, 0.25, 3.0, -0.75, 1.25, 0.8];
    let (s, g) = every_third_square_grad(&x);
    assert_relative_eq!(s, 1.5 * 1.5 + 3.0 * 3.0 + 0.8 * 0.8, epsilon = 1e-14);
    let expected = [0.0, -3.0, 0.0, 0.0, 6.0, 0.0, 0.0, 1.6];
    assert_eq!(g.len(), x.len());
    for i in 0..x.len() {
        assert_relative_eq!(g[i], expected[i], epsilon = 1e-14);
    }
}

/// Population variance by Welford's running update over `.iter().enumerate()`, ending in `/=`.
#[grad]
fn welford_variance(x: &[f64]) -> f64 {
    let mut mean = 0.0;
    let mut m2 = 0.0;
    for (i, &v) in x.iter().enumerate() {
        let delta = v - mean;
        mean += delta / (i + 1) as f64;
        m2 += delta * (v - mean);
    }
    let mut var = m2;
    var /= x.len() as f64;
    var
}

/// `∂ var/∂xᵢ = 2 (xᵢ − x̄) / n`, whatever order the running update took.
#[test]
fn welford_variance_gradient() {
    let mut next = uniform(0x9e37_79b9_7f4a_7c15, -3.0, 3.0);
    for n in [1, 2, 7, 40] {
        let x: Vec<f64> = (0..n).map(|_| next()).collect();
        let nf = n as f64;
        let mean = x.iter().sum::<f64>() / nf;
        let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / nf;
        let (value, g) = welford_variance_grad(&x);
        assert_relative_eq!(value, var, epsilon = 1e-12, max_relative = 1e-12);
        for i in 0..n {
            assert_relative_eq!(g[i], 2.0 * (x[i] - mean) / nf, epsilon = 1e-12);
        }
    }
}

/// Sum of square roots of the positive entries: `for &v in xs.iter()` with `continue`.
#[grad]
fn sqrt_of_positives(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x.iter() {
        if v <= 0.0 {
            continue;
        }
        s += v.sqrt();
    }
    s
}

/// Skipped entries get exactly zero; the others `1 / (2√xᵢ)`.
#[test]
fn continue_skips_the_rest_of_the_body() {
    let x = [4.0, -1.0, 0.25, -0.5, 2.0];
    let (s, g) = sqrt_of_positives_grad(&x);
    assert_relative_eq!(s, 2.0 + 0.5 + 2.0_f64.sqrt(), epsilon = 1e-14);
    assert_eq!(g[1], 0.0);
    assert_eq!(g[3], 0.0);
    assert_relative_eq!(g[0], 0.25, epsilon = 1e-14);
    assert_relative_eq!(g[2], 1.0, epsilon = 1e-14);
    assert_relative_eq!(g[4], 0.5 / 2.0_f64.sqrt(), epsilon = 1e-14);
}

/// Running sum until it passes a threshold: an early `return` from inside the loop.
#[grad]
fn first_crossing(x: &[f64], threshold: f64) -> f64 {
    let mut s = 0.0;
    for (i, &v) in x.iter().enumerate() {
        s += v;
        if s > threshold {
            return s * (i + 1) as f64;
        }
    }
    -s
}

/// Returning at index k: `∂/∂xⱼ = k + 1` for `j ≤ k`, 0 after; falling through: −1 everywhere.
#[test]
fn early_return_from_inside_a_loop() {
    let x = [0.5, 0.25, 1.0, -3.0, 2.0];
    // Partial sums 0.5, 0.75, 1.75: the loop returns at index 2.
    let (v, (g, gt)) = first_crossing_grad(&x, 1.2);
    assert_relative_eq!(v, 1.75 * 3.0, epsilon = 1e-14);
    assert_eq!(g.len(), 5);
    for (j, expected) in [3.0, 3.0, 3.0, 0.0, 0.0].into_iter().enumerate() {
        assert_relative_eq!(g[j], expected, epsilon = 1e-14);
    }
    assert_eq!(gt, 0.0);
    // The partial sums never exceed 10: the loop ends and the tail `-s` is the result.
    let (v, (g, gt)) = first_crossing_grad(&x, 10.0);
    assert_relative_eq!(v, -0.75, epsilon = 1e-14);
    for gj in g {
        assert_relative_eq!(gj, -1.0, epsilon = 1e-14);
    }
    assert_eq!(gt, 0.0);
}

/// Compound growth until a target is reached: `loop` with a data-dependent `break`.
#[grad]
fn grow_until(rate: f64, target: f64) -> f64 {
    let mut balance = 1.0;
    let mut years = 0;
    loop {
        balance *= 1.0 + rate;
        years += 1;
        if balance >= target || years == 100 {
            break;
        }
    }
    balance
}

/// After k iterations the result is `(1 + r)ᵏ`: derivative `k (1 + r)ᵏ⁻¹`, nothing for the target.
#[test]
fn loop_with_break_differentiates_the_iterations_run() {
    // 1.05¹⁴ ≈ 1.980 < 2 ≤ 1.05¹⁵ ≈ 2.079: fifteen iterations.
    let (v, (gr, gt)) = grow_until_grad(0.05, 2.0);
    assert_relative_eq!(v, 1.05_f64.powi(15), max_relative = 1e-12);
    assert_relative_eq!(gr, 15.0 * 1.05_f64.powi(14), max_relative = 1e-12);
    assert_eq!(gt, 0.0);
    // 1.5¹⁰⁰ ≈ 4.1e17 never reaches 1e30: the `years == 100` side of `||` ends the loop.
    let (v, (gr, gt)) = grow_until_grad(0.5, 1e30);
    assert_relative_eq!(v, 1.5_f64.powi(100), max_relative = 1e-12);
    assert_relative_eq!(gr, 100.0 * 1.5_f64.powi(99), max_relative = 1e-12);
    assert_eq!(gt, 0.0);
}

/// Newton's square root as a `while` loop run to a relative tolerance.
#[grad]
fn newton_sqrt(a: f64) -> f64 {
    let mut y = a;
    while (y * y - a).abs() > 1e-12 * a {
        y = 0.5 * (y + a / y);
    }
    y
}

/// Differentiating the iterations executed reaches `d√a/da = 1/(2√a)`.
#[test]
fn newton_square_root_derivative() {
    for a in [0.04, 0.5, 2.0, 9.0, 123.0, 1e4] {
        let (y, g) = newton_sqrt_grad(a);
        assert_eq!(y, newton_sqrt(a));
        assert_relative_eq!(y, a.sqrt(), max_relative = 1e-12);
        assert_relative_eq!(g, 0.5 / a.sqrt(), max_relative = 1e-10);
    }
}

/// At `a = 1` no iteration runs and `y = a`: the path taken has derivative 1, not `1/(2√a)`.
#[test]
fn newton_square_root_with_zero_iterations() {
    assert_eq!(newton_sqrt_grad(1.0), (1.0, 1.0));
}

/// Pairwise interaction energy `Σ_{i<j} ln(1 + (xᵢ − xⱼ)²)`: nested loops, the inner range
/// starting at the outer index.
#[grad]
fn pair_energy(x: &[f64]) -> f64 {
    let n = x.len();
    let mut e = 0.0;
    for i in 0..n {
        for j in i + 1..n {
            let d = x[i] - x[j];
            e += (1.0 + d * d).ln();
        }
    }
    e
}

/// `∂E/∂xₖ = Σ_{j≠k} 2 (xₖ − xⱼ) / (1 + (xₖ − xⱼ)²)`.
#[test]
fn nested_loops_pair_energy() {
    let x = [0.3, -1.2, 2.5, 0.0, 0.9, -0.4];
    let (_, g) = pair_energy_grad(&x);
    for k in 0..x.len() {
        let expected: f64 = (0..x.len())
            .filter(|&j| j != k)
            .map(|j| {
                let d = x[k] - x[j];
                2.0 * d / (1.0 + d * d)
            })
            .sum();
        assert_relative_eq!(g[k], expected, epsilon = 1e-12);
    }
}

/// The extended Rosenbrock function `Σ 100 (xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²`.
#[grad]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut f = 0.0;
    for i in 0..x.len() - 1 {
        f += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    f
}

/// The closed-form gradient of the extended Rosenbrock function.
fn rosenbrock_gradient(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    (0..n)
        .map(|i| {
            let mut g = 0.0;
            if i + 1 < n {
                g += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
            }
            if i > 0 {
                g += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
            }
            g
        })
        .collect()
}

/// Rosenbrock in n = 2, 10 and 1000 against its closed-form gradient; zero at the minimum.
#[test]
fn rosenbrock_closed_form_gradient() {
    let (f, g) = rosenbrock_grad(&[-1.2, 1.0]);
    assert_relative_eq!(f, 24.2, max_relative = 1e-13);
    assert_relative_eq!(g[0], -215.6, max_relative = 1e-13);
    assert_relative_eq!(g[1], -88.0, max_relative = 1e-13);

    let mut next = uniform(0x1234_5678_9abc_def1, -2.0, 2.0);
    for n in [2, 10, 1000] {
        let x: Vec<f64> = (0..n).map(|_| next()).collect();
        let (f, g) = rosenbrock_grad(&x);
        assert_eq!(f, rosenbrock(&x));
        assert_eq!(g.len(), n);
        for (gi, ei) in g.iter().zip(rosenbrock_gradient(&x)) {
            assert_relative_eq!(*gi, ei, epsilon = 1e-9, max_relative = 1e-12);
        }
        let (f, g) = rosenbrock_grad(&vec![1.0; n]);
        assert_eq!(f, 0.0);
        for gi in g {
            assert_relative_eq!(gi, 0.0, epsilon = 1e-12);
        }
    }
}

/// `rosenbrock_vjp` adds into its bar: `NAME_grad` stores each entry of the gradient once
/// (the bar starts at zero there), `NAME_vjp` must still add.
#[test]
fn rosenbrock_vjp_accumulates() {
    let mut next = uniform(0x0bad_cafe_1234_5678, -2.0, 2.0);
    let x: Vec<f64> = (0..10).map(|_| next()).collect();
    let start: Vec<f64> = (0..10).map(|_| next()).collect();
    let mut bar = start.clone();
    let f = rosenbrock_vjp(&x, -0.5, &mut bar);
    assert_eq!(f, rosenbrock(&x));
    for ((b, s), g) in bar.iter().zip(&start).zip(rosenbrock_gradient(&x)) {
        assert_relative_eq!(*b, s - 0.5 * g, epsilon = 1e-9, max_relative = 1e-12);
    }
}

/// Seed case 8, backpropagation through time: `hₜ₊₁ = tanh(a hₜ + b)`, loss `Σ h̄ₜ hₜ₊₁`
/// with the weights `h̄` an inactive slice.
#[grad(wrt(a, b, h0))]
fn rnn_loss(a: f64, b: f64, h0: f64, hbar: &[f64]) -> f64 {
    let mut h = h0;
    let mut loss = 0.0;
    for &w in hbar.iter() {
        h = (a * h + b).tanh();
        loss += w * h;
    }
    loss
}

/// The loss and `(ā, b̄, h̄₀)` by the backward recurrence written out by hand:
/// `z̄ₜ = h̄ₜ₊₁ (1 − hₜ₊₁²)`, `ā = Σ z̄ₜ hₜ`, `b̄ = Σ z̄ₜ`, `h̄ₜ = wₜ₋₁ + a z̄ₜ`, `h̄₀ = a z̄₀`.
fn rnn_by_hand(a: f64, b: f64, h0: f64, w: &[f64]) -> (f64, f64, f64, f64) {
    let steps = w.len();
    let mut h = vec![h0];
    for t in 0..steps {
        h.push((a * h[t] + b).tanh());
    }
    let loss = (0..steps).map(|t| w[t] * h[t + 1]).sum();
    let (mut abar, mut bbar, mut hb) = (0.0, 0.0, 0.0);
    for t in (0..steps).rev() {
        hb += w[t];
        let zbar = hb * (1.0 - h[t + 1] * h[t + 1]);
        abar += zbar * h[t];
        bbar += zbar;
        hb = a * zbar;
    }
    (loss, abar, bbar, hb)
}

/// Seed case 8 with T = 50: the gradients in `a`, `b` and `h₀` are the closed-form sums.
#[test]
fn backpropagation_through_time() {
    let mut next = uniform(0xdead_beef_cafe_f00d, -1.0, 1.0);
    let w: Vec<f64> = (0..50).map(|_| next()).collect();
    for (a, b, h0) in [(0.9, 0.1, -0.5), (1.3, -0.2, 0.8), (-0.6, 0.4, 0.0)] {
        let (loss, (ga, gb, gh0)) = rnn_loss_grad(a, b, h0, &w);
        let (l, abar, bbar, h0bar) = rnn_by_hand(a, b, h0, &w);
        assert_relative_eq!(loss, l, epsilon = 1e-13, max_relative = 1e-13);
        assert_relative_eq!(ga, abar, epsilon = 1e-12, max_relative = 1e-10);
        assert_relative_eq!(gb, bbar, epsilon = 1e-12, max_relative = 1e-10);
        assert_relative_eq!(gh0, h0bar, epsilon = 1e-14, max_relative = 1e-10);
    }
}

/// `rnn_loss_vjp` adds `seed · (ā, b̄, h̄₀)` into non-zero bars.
#[test]
fn backpropagation_through_time_vjp() {
    let mut next = uniform(0x0bad_cafe_1234_5678, -1.0, 1.0);
    let w: Vec<f64> = (0..50).map(|_| next()).collect();
    let (a, b, h0) = (0.9, 0.1, -0.5);
    let (_, abar, bbar, h0bar) = rnn_by_hand(a, b, h0, &w);
    let (mut ba, mut bb, mut bh) = (0.1, -0.2, 0.3);
    let value = rnn_loss_vjp(a, b, h0, &w, 2.5, &mut ba, &mut bb, &mut bh);
    assert_eq!(value, rnn_loss(a, b, h0, &w));
    assert_relative_eq!(ba, 0.1 + 2.5 * abar, epsilon = 1e-12, max_relative = 1e-10);
    assert_relative_eq!(bb, -0.2 + 2.5 * bbar, epsilon = 1e-12, max_relative = 1e-10);
    assert_relative_eq!(bh, 0.3 + 2.5 * h0bar, epsilon = 1e-12, max_relative = 1e-10);
}

/// A cubic in single precision by Horner's rule over a local array.
#[grad]
fn cubic_f32(x: f32) -> f32 {
    let c = [0.25_f32, 0.5, -1.0, 2.0];
    let mut acc = 0.0;
    for &ci in c.iter() {
        acc = acc * x + ci;
    }
    acc
}

/// `p = x³/4 + x²/2 − x + 2`, `p' = 3x²/4 + x − 1`, in f32.
#[test]
fn f32_loop() {
    for x in [-2.0_f32, -0.5, 0.75, 1.5] {
        let (p, g) = cubic_f32_grad(x);
        assert_eq!(p, cubic_f32(x));
        assert_relative_eq!(p, 0.25 * x * x * x + 0.5 * x * x - x + 2.0, epsilon = 1e-5);
        assert_relative_eq!(g, 0.75 * x * x + x - 1.0, epsilon = 1e-5);
    }
}

/// Every function of this file agrees with central differences at random points.
#[test]
fn loops_match_finite_differences() {
    let tol = Tolerance::default();
    let mut next = uniform(0x2545_f491_4f6c_dd1d, -1.0, 1.0);
    for _ in 0..10 {
        let x: Vec<f64> = (0..7).map(|_| 2.0 * next()).collect();

        let (_, (gc, gx)) = horner_grad(&x[..6], x[6]);
        let grad: Vec<f64> = gc.into_iter().chain([gx]).collect();
        gradcheck(|q: &[f64]| horner(&q[..6], q[6]), &x, &grad, &tol).unwrap();

        let (_, g) = geometric_grad(x[0], 5);
        gradcheck(|q: &[f64]| geometric(q[0], 5), &x[..1], &[g], &tol).unwrap();

        let (_, g) = chebyshev_grad(x[1], 7);
        gradcheck(|q: &[f64]| chebyshev(q[0], 7), &x[1..2], &[g], &tol).unwrap();

        let (_, g) = every_third_square_grad(&x);
        gradcheck(every_third_square, &x, &g, &tol).unwrap();

        let (_, g) = welford_variance_grad(&x);
        gradcheck(welford_variance, &x, &g, &tol).unwrap();

        // Entries at least 0.1 away from the skip condition's kink at 0.
        let y: Vec<f64> = x.iter().map(|v| v + 0.1 * v.signum()).collect();
        let (_, g) = sqrt_of_positives_grad(&y);
        gradcheck(sqrt_of_positives, &y, &g, &tol).unwrap();

        let threshold = 1.5 * next();
        let (_, (g, gt)) = first_crossing_grad(&x, threshold);
        let grad: Vec<f64> = g.into_iter().chain([gt]).collect();
        let point: Vec<f64> = x.iter().copied().chain([threshold]).collect();
        gradcheck(
            |q: &[f64]| first_crossing(&q[..7], q[7]),
            &point,
            &grad,
            &tol,
        )
        .unwrap();

        let (rate, target) = (0.16 + 0.14 * next(), 6.0 + 4.0 * next());
        let (_, (gr, gt)) = grow_until_grad(rate, target);
        let f = |q: &[f64]| grow_until(q[0], q[1]);
        gradcheck(f, &[rate, target], &[gr, gt], &tol).unwrap();

        let a = 25.0 + 24.9 * next();
        let (_, g) = newton_sqrt_grad(a);
        gradcheck(|q: &[f64]| newton_sqrt(q[0]), &[a], &[g], &tol).unwrap();

        let (_, g) = pair_energy_grad(&x);
        gradcheck(pair_energy, &x, &g, &tol).unwrap();

        let (_, g) = rosenbrock_grad(&x);
        gradcheck(rosenbrock, &x, &g, &tol).unwrap();

        let w: Vec<f64> = (0..50).map(|_| next()).collect();
        let p = [1.2 * next(), 0.5 * next(), next()];
        let (_, (ga, gb, gh)) = rnn_loss_grad(p[0], p[1], p[2], &w);
        let f = |q: &[f64]| rnn_loss(q[0], q[1], q[2], &w);
        gradcheck(f, &p, &[ga, gb, gh], &tol).unwrap();
    }
}

/// The f32 function against central differences taken in f64 around it.
#[test]
fn f32_loop_matches_finite_differences() {
    let tol = Tolerance {
        step: 1e-3,
        rel: 1e-3,
        abs: 1e-4,
    };
    let mut next = uniform(0x5151_5151_5151_5151, -2.0, 2.0);
    for _ in 0..10 {
        let x = next() as f32;
        let (_, g) = cubic_f32_grad(x);
        let f = |q: &[f64]| cubic_f32(q[0] as f32);
        gradcheck(f, &[x as f64], &[g as f64], &tol).unwrap();
    }
}

/// `Y[:, lo..n] += x[k] W[k, lo..n]` row by row, then a nonlinear readout: the reverse sweep
/// indexes `W`, `W̄` and `Ȳ` through parts of them taken before each inner loop.
#[grad(wrt(x, w))]
#[allow(clippy::needless_range_loop)] // index loops are what the test is about
fn rows_from(x: &[f64], w: &[f64], m: usize, n: usize, lo: usize) -> f64 {
    let mut y = vec![0.0; n];
    for k in 0..m {
        for j in (lo..n).rev() {
            y[j] += x[k] * w[k * n + j];
        }
    }
    let mut s = 0.0;
    for j in 0..n {
        s += y[j].sin() * (j as f64 + 1.0);
    }
    s
}

/// Parts of rows in the reverse sweep: against central differences for inner loops starting
/// at 0 and later, through `_vjp` into non-zero bars, and with inner loops that never run, whose
/// part would lie past the end of `w` (the loop is not entered, so no part is taken).
#[test]
fn loops_over_parts_of_rows() {
    let (m, n) = (3, 5);
    let mut next = uniform(0x5eed_0f0a_570b_0b05, -1.0, 1.0);
    let x: Vec<f64> = (0..m).map(|_| next()).collect();
    let w: Vec<f64> = (0..m * n).map(|_| next()).collect();
    let tol = Tolerance::default();
    for lo in [0, 2, n] {
        let (value, (gx, gw)) = rows_from_grad(&x, &w, m, n, lo);
        assert_eq!(value, rows_from(&x, &w, m, n, lo));
        gradcheck(|q: &[f64]| rows_from(q, &w, m, n, lo), &x, &gx, &tol).unwrap();
        gradcheck(|q: &[f64]| rows_from(&x, q, m, n, lo), &w, &gw, &tol).unwrap();

        let (mut bx, mut bw) = (vec![1.0; m], vec![-1.0; m * n]);
        rows_from_vjp(&x, &w, m, n, lo, 2.0, &mut bx, &mut bw);
        for (b, g) in bx.iter().zip(&gx) {
            assert_relative_eq!(*b, 1.0 + 2.0 * g, epsilon = 1e-14);
        }
        for (b, g) in bw.iter().zip(&gw) {
            assert_relative_eq!(*b, -1.0 + 2.0 * g, epsilon = 1e-14);
        }
    }
    // `w` shorter than `m * n`: the inner loops are empty, and nothing reads `w`.
    let (value, (gx, gw)) = rows_from_grad(&x, &[], m, n, n);
    assert_eq!(value, 0.0);
    assert_eq!((gx, gw), (vec![0.0; m], vec![]));
}

/// Sums a row loop carries: `a` and `b` read in every iteration (their adjoints are sums over
/// the row), and `x[k]`, an element at the same index for the whole row; a reverse loop whose
/// contribution to `ā` is added only where `w` is positive. The reverse sweep adds each of
/// these sums in lanes, eight iterations at a time, and the iterations left over one by one.
#[grad(wrt(x, w, c))]
#[allow(clippy::needless_range_loop)] // index loops are what the test is about
fn row_sums(x: &[f64], w: &[f64], c: &[f64], m: usize, n: usize, lo: usize) -> f64 {
    let mut y = vec![0.0; n];
    for k in 0..m {
        let a = c[0] * x[k];
        let b = c[1];
        for j in lo..n {
            y[j] += a * w[k * n + j] + b * x[k];
        }
        for j in (lo..n).rev() {
            let t = w[k * n + j];
            let u = if t > 0.0 { a * t } else { 0.5 };
            y[j] += u * t;
        }
    }
    let mut s = 0.0;
    for j in 0..n {
        s += y[j].sin() * (j as f64 + 1.0);
    }
    s
}

/// Every length from no chunk to two chunks and a remainder of each size, from the start of
/// the row and from 3: against central differences, and through `_vjp` into non-zero bars.
#[test]
fn sums_over_rows_in_lanes() {
    let m = 3;
    let mut next = uniform(0x1a4e_5a4e_1a4e_5a4e, -1.0, 1.0);
    let tol = Tolerance::default();
    for n in 0..=19 {
        let x: Vec<f64> = (0..m).map(|_| next()).collect();
        let w: Vec<f64> = (0..m * n).map(|_| next()).collect();
        let c = [next(), next()];
        for lo in [0, 3] {
            let (value, (gx, gw, gc)) = row_sums_grad(&x, &w, &c, m, n, lo);
            assert_eq!(value, row_sums(&x, &w, &c, m, n, lo));
            gradcheck(|q: &[f64]| row_sums(q, &w, &c, m, n, lo), &x, &gx, &tol).unwrap();
            gradcheck(|q: &[f64]| row_sums(&x, q, &c, m, n, lo), &w, &gw, &tol).unwrap();
            gradcheck(|q: &[f64]| row_sums(&x, &w, q, m, n, lo), &c, &gc, &tol).unwrap();

            let (mut bx, mut bw, mut bc) = (vec![1.0; m], vec![-1.0; m * n], vec![0.5; 2]);
            row_sums_vjp(&x, &w, &c, m, n, lo, 2.0, &mut bx, &mut bw, &mut bc);
            for (bars, (start, g)) in [(bx, (1.0, gx)), (bw, (-1.0, gw)), (bc, (0.5, gc))] {
                for (b, g) in bars.iter().zip(&g) {
                    assert_relative_eq!(*b, start + 2.0 * g, epsilon = 1e-14, max_relative = 1e-14);
                }
            }
        }
    }
}

/// A dense layer as it is usually first written, `Y[r, j] += X[r, k] W[k, j]` with both
/// indices computed inline, then `L = Σ sin Y`.
#[grad(wrt(x, w))]
fn dense_sin(x: &[f64], w: &[f64], batch: usize, n_in: usize, n_out: usize) -> f64 {
    let mut y = vec![0.0; batch * n_out];
    for r in 0..batch {
        for k in 0..n_in {
            for j in 0..n_out {
                y[r * n_out + j] += x[r * n_in + k] * w[k * n_out + j];
            }
        }
    }
    let mut l = 0.0;
    for &v in y.iter() {
        l += v.sin();
    }
    l
}

/// `X̄ = Ȳ Wᵀ` and `W̄ = Xᵀ Ȳ` with `Ȳ = cos Y`: the reverse sweep sums `X̄[r, k]` over each row
/// of `W` in lanes, at an index it computes once per row.
#[test]
fn dense_layer_sums_rows_in_lanes() {
    let (batch, n_in, n_out) = (3, 4, 21);
    let mut next = uniform(0xde5e_1a7e_de5e_1a7e, -1.0, 1.0);
    let x: Vec<f64> = (0..batch * n_in).map(|_| next()).collect();
    let w: Vec<f64> = (0..n_in * n_out).map(|_| next()).collect();
    let (value, (gx, gw)) = dense_sin_grad(&x, &w, batch, n_in, n_out);
    assert_eq!(value, dense_sin(&x, &w, batch, n_in, n_out));
    let y = |r: usize, j: usize| {
        (0..n_in)
            .map(|k| x[r * n_in + k] * w[k * n_out + j])
            .sum::<f64>()
    };
    let ybar: Vec<f64> = (0..batch * n_out)
        .map(|i| y(i / n_out, i % n_out).cos())
        .collect();
    let xbar = (0..batch * n_in).map(|i| {
        let (r, k) = (i / n_in, i % n_in);
        (0..n_out)
            .map(|j| ybar[r * n_out + j] * w[k * n_out + j])
            .sum::<f64>()
    });
    let wbar = (0..n_in * n_out).map(|i| {
        let (k, j) = (i / n_out, i % n_out);
        (0..batch)
            .map(|r| x[r * n_in + k] * ybar[r * n_out + j])
            .sum::<f64>()
    });
    for (g, expected) in gx.iter().chain(&gw).zip(xbar.chain(wbar)) {
        assert_relative_eq!(*g, expected, epsilon = 1e-13, max_relative = 1e-13);
    }
}

/// `ā = Σⱼ 2 yⱼ wⱼ` for `L = Σ (a wⱼ)²` in `f32`, whose lanes are `f32` too.
#[grad]
fn scaled_f32(a: f32, w: &[f32]) -> f32 {
    let mut y = vec![0.0f32; w.len()];
    for j in 0..w.len() {
        y[j] += a * w[j];
    }
    let mut l = 0.0f32;
    for &v in y.iter() {
        l += v * v;
    }
    l
}

#[test]
fn f32_sums_in_lanes() {
    let w: Vec<f32> = (0..19).map(|i| (i as f32 * 0.37).sin()).collect();
    let a = 0.8f32;
    let (_, (ga, gw)) = scaled_f32_grad(a, &w);
    let expected: f32 = w.iter().map(|wj| 2.0 * a * wj * wj).sum();
    assert_relative_eq!(ga, expected, max_relative = 1e-5);
    for (g, wj) in gw.iter().zip(&w) {
        assert_relative_eq!(*g, 2.0 * a * a * wj, max_relative = 1e-5);
    }
}
