//! Arrays, slices and vectors in `#[grad]` functions: every active parameter type, local
//! buffers, indexed reads and writes, nested arrays, `iter().sum()` / `iter().product()`, and
//! inactive data parameters.

use approx::assert_relative_eq;
use autodiff::check::{dot_product_check, gradcheck, Tolerance};
use autodiff::grad;

mod common;
use common::uniform;

/// Seed case 5, the linear layer `Y = XW + b` over row-major slices, reduced to the scalar
/// `L = Σ Ȳ∘Y` with `Ȳ` an inactive slice and the sizes inactive integers.
#[grad(wrt(x, w, b))]
fn linear_loss(
    x: &[f64],
    w: &[f64],
    b: &[f64],
    ybar: &[f64],
    batch: usize,
    n_in: usize,
    n_out: usize,
) -> f64 {
    let mut y = vec![0.0; batch * n_out];
    for i in 0..batch {
        for k in 0..n_out {
            y[i * n_out + k] = b[k];
            for j in 0..n_in {
                y[i * n_out + k] += x[i * n_in + j] * w[j * n_out + k];
            }
        }
    }
    let mut loss = 0.0;
    for (t, &yt) in y.iter().enumerate() {
        loss += ybar[t] * yt;
    }
    loss
}

const BATCH: usize = 4;
const N_IN: usize = 3;
const N_OUT: usize = 5;

/// Random `X` (batch × in), `W` (in × out), `b` (out) and `Ȳ` (batch × out), row-major.
fn linear_data(seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut next = uniform(seed, -1.0, 1.0);
    let mut take = |n: usize| -> Vec<f64> { (0..n).map(|_| next()).collect() };
    let x = take(BATCH * N_IN);
    let w = take(N_IN * N_OUT);
    let b = take(N_OUT);
    let ybar = take(BATCH * N_OUT);
    (x, w, b, ybar)
}

/// Seed case 5: `X̄ = Ȳ Wᵀ`, `W̄ = Xᵀ Ȳ`, `b̄ = Σᵢ Ȳᵢ`.
#[test]
fn linear_layer_adjoints() {
    let (x, w, b, ybar) = linear_data(0x0123_4567_89ab_cdef);
    let (loss, (xb, wb, bb)) = linear_loss_grad(&x, &w, &b, &ybar, BATCH, N_IN, N_OUT);
    assert_eq!(loss, linear_loss(&x, &w, &b, &ybar, BATCH, N_IN, N_OUT));
    assert_eq!((xb.len(), wb.len(), bb.len()), (x.len(), w.len(), b.len()));
    let mut expected_loss = 0.0;
    for i in 0..BATCH {
        for k in 0..N_OUT {
            let yik = b[k]
                + (0..N_IN)
                    .map(|j| x[i * N_IN + j] * w[j * N_OUT + k])
                    .sum::<f64>();
            expected_loss += ybar[i * N_OUT + k] * yik;
        }
    }
    assert_relative_eq!(loss, expected_loss, epsilon = 1e-13);
    for i in 0..BATCH {
        for j in 0..N_IN {
            let e: f64 = (0..N_OUT)
                .map(|k| ybar[i * N_OUT + k] * w[j * N_OUT + k])
                .sum();
            assert_relative_eq!(xb[i * N_IN + j], e, epsilon = 1e-14);
        }
    }
    for j in 0..N_IN {
        for k in 0..N_OUT {
            let e: f64 = (0..BATCH)
                .map(|i| x[i * N_IN + j] * ybar[i * N_OUT + k])
                .sum();
            assert_relative_eq!(wb[j * N_OUT + k], e, epsilon = 1e-14);
        }
    }
    for k in 0..N_OUT {
        let e: f64 = (0..BATCH).map(|i| ybar[i * N_OUT + k]).sum();
        assert_relative_eq!(bb[k], e, epsilon = 1e-14);
    }
}

/// `linear_loss_vjp` adds `seed · (X̄, W̄, b̄)` into non-zero bars; the dot-product test.
#[test]
fn linear_layer_vjp() {
    let (x, w, b, ybar) = linear_data(0xfeed_face_dead_beef);
    let (_, (xg, wg, bg)) = linear_loss_grad(&x, &w, &b, &ybar, BATCH, N_IN, N_OUT);
    let mut xb = vec![0.5; x.len()];
    let mut wb = vec![-1.0; w.len()];
    let mut bb = vec![2.0; b.len()];
    let v = linear_loss_vjp(
        &x, &w, &b, &ybar, BATCH, N_IN, N_OUT, 3.0, &mut xb, &mut wb, &mut bb,
    );
    assert_eq!(v, linear_loss(&x, &w, &b, &ybar, BATCH, N_IN, N_OUT));
    for (bar, g) in xb.iter().zip(&xg) {
        assert_relative_eq!(*bar, 0.5 + 3.0 * g, epsilon = 1e-14);
    }
    for (bar, g) in wb.iter().zip(&wg) {
        assert_relative_eq!(*bar, -1.0 + 3.0 * g, epsilon = 1e-14);
    }
    for (bar, g) in bb.iter().zip(&bg) {
        assert_relative_eq!(*bar, 2.0 + 3.0 * g, epsilon = 1e-14);
    }

    let (mut xb, mut wb, mut bb) = (vec![0.0; x.len()], vec![0.0; w.len()], vec![0.0; b.len()]);
    linear_loss_vjp(
        &x, &w, &b, &ybar, BATCH, N_IN, N_OUT, -0.8, &mut xb, &mut wb, &mut bb,
    );
    let point = [x.as_slice(), &w, &b].concat();
    let bars = [xb, wb, bb].concat();
    let mut next = uniform(0x1111_2222_3333_4444, -1.0, 1.0);
    let dir: Vec<f64> = (0..point.len()).map(|_| next()).collect();
    let (nx, nw) = (x.len(), w.len());
    let f = |q: &[f64]| {
        linear_loss(
            &q[..nx],
            &q[nx..nx + nw],
            &q[nx + nw..],
            &ybar,
            BATCH,
            N_IN,
            N_OUT,
        )
    };
    dot_product_check(f, &point, &dir, &[-0.8], &bars, &Tolerance::default()).unwrap();
}

/// `ȳ · (A x)` with nested loops: `A` an active `&Vec<f64>` (rows × n, row-major), `x` an
/// active `Vec<f64>` taken by value, `ȳ` inactive, `n = x.len()`.
#[grad(wrt(a, x))]
#[allow(clippy::ptr_arg)]
fn matvec_dot(a: &Vec<f64>, x: Vec<f64>, ybar: &[f64]) -> f64 {
    let n = x.len();
    let mut loss = 0.0;
    for i in 0..ybar.len() {
        let mut yi = 0.0;
        for j in 0..n {
            yi += a[i * n + j] * x[j];
        }
        loss += ybar[i] * yi;
    }
    loss
}

/// `Ā = ȳ xᵀ` and `x̄ = Aᵀ ȳ`, returned as `Vec<f64>`s of the parameters' lengths.
#[test]
fn matrix_vector_product() {
    let (rows, n) = (3, 4);
    let mut next = uniform(0x5555_aaaa_5555_aaaa, -2.0, 2.0);
    let a: Vec<f64> = (0..rows * n).map(|_| next()).collect();
    let x: Vec<f64> = (0..n).map(|_| next()).collect();
    let ybar: Vec<f64> = (0..rows).map(|_| next()).collect();
    let (v, (ga, gx)) = matvec_dot_grad(&a, x.clone(), &ybar);
    assert_eq!(v, matvec_dot(&a, x.clone(), &ybar));
    assert_eq!((ga.len(), gx.len()), (rows * n, n));
    for i in 0..rows {
        for j in 0..n {
            assert_relative_eq!(ga[i * n + j], ybar[i] * x[j], epsilon = 1e-14);
        }
    }
    for j in 0..n {
        let e: f64 = (0..rows).map(|i| a[i * n + j] * ybar[i]).sum();
        assert_relative_eq!(gx[j], e, epsilon = 1e-14);
    }

    let (mut ab, mut xb) = (vec![1.0; rows * n], vec![-1.0; n]);
    matvec_dot_vjp(&a, x.clone(), &ybar, 0.5, &mut ab, &mut xb);
    for (bar, g) in ab.iter().zip(&ga) {
        assert_relative_eq!(*bar, 1.0 + 0.5 * g, epsilon = 1e-14);
    }
    for (bar, g) in xb.iter().zip(&gx) {
        assert_relative_eq!(*bar, -1.0 + 0.5 * g, epsilon = 1e-14);
    }
}

/// `½‖M x‖²` with `M` copied from a `&[f64; 9]` into a local `[[f64; 3]; 3]` and read as
/// `m[i][j]`, `x: [f64; 3]` by value, `y` a `[0.0; 3]` buffer accumulated with `+=`.
#[grad]
#[allow(clippy::needless_range_loop, clippy::manual_memcpy)]
fn half_norm_of_mx(w: &[f64; 9], x: [f64; 3]) -> f64 {
    let mut m = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            m[i][j] = w[i * 3 + j];
        }
    }
    let mut y = [0.0; 3];
    for i in 0..3 {
        for j in 0..3 {
            y[i] += m[i][j] * x[j];
        }
    }
    0.5 * (y[0] * y[0] + y[1] * y[1] + y[2] * y[2])
}

/// `M̄ = (M x) xᵀ`, `x̄ = Mᵀ (M x)`, as `[f64; 9]` and `[f64; 3]`; the `_vjp` takes array bars.
#[test]
fn nested_arrays_and_fixed_size_parameters() {
    let w = [0.5, -1.0, 2.0, 1.5, 0.25, -0.75, -2.0, 1.0, 0.3];
    let x = [0.8, -1.2, 0.4];
    let y: Vec<f64> = (0..3)
        .map(|i| (0..3).map(|j| w[i * 3 + j] * x[j]).sum())
        .collect();
    let (v, (gw, gx)) = half_norm_of_mx_grad(&w, x);
    let gw: [f64; 9] = gw;
    let gx: [f64; 3] = gx;
    assert_relative_eq!(
        v,
        0.5 * y.iter().map(|t| t * t).sum::<f64>(),
        epsilon = 1e-14
    );
    for i in 0..3 {
        for j in 0..3 {
            assert_relative_eq!(gw[i * 3 + j], y[i] * x[j], epsilon = 1e-14);
        }
    }
    for j in 0..3 {
        let e: f64 = (0..3).map(|i| w[i * 3 + j] * y[i]).sum();
        assert_relative_eq!(gx[j], e, epsilon = 1e-14);
    }

    let mut wb = [1.0; 9];
    let mut xb = [0.0, 1.0, 2.0];
    let value = half_norm_of_mx_vjp(&w, x, -2.0, &mut wb, &mut xb);
    assert_eq!(value, v);
    for k in 0..9 {
        assert_relative_eq!(wb[k], 1.0 - 2.0 * gw[k], epsilon = 1e-14);
    }
    for k in 0..3 {
        assert_relative_eq!(xb[k], k as f64 - 2.0 * gx[k], epsilon = 1e-14);
    }
}

/// `vec![a, b, c]` from active scalars, reduced with `iter().sum()` and `iter().product()`.
#[grad]
#[allow(clippy::useless_vec)]
fn sum_and_product(a: f64, b: f64, c: f64) -> f64 {
    let v = vec![a, a * b, c.exp()];
    let s = v.iter().sum::<f64>();
    let p = v.iter().product::<f64>();
    s * s + p
}

/// With `s = a + ab + eᶜ` and `p = a²b eᶜ`: the gradient of `s² + p`.
#[test]
fn vec_macro_sum_and_product() {
    let (a, b, c) = (0.7, -1.3, 0.4_f64);
    let e = c.exp();
    let s = a + a * b + e;
    let (v, (ga, gb, gc)) = sum_and_product_grad(a, b, c);
    assert_relative_eq!(v, s * s + a * a * b * e, epsilon = 1e-14);
    assert_relative_eq!(ga, 2.0 * s * (1.0 + b) + 2.0 * a * b * e, epsilon = 1e-14);
    assert_relative_eq!(gb, 2.0 * s * a + a * a * e, epsilon = 1e-14);
    assert_relative_eq!(gc, 2.0 * s * e + a * a * b * e, epsilon = 1e-14);
}

/// The geometric mean `(Π xᵢ)^(1/n)`: `iter().product()` over an active slice and `x.len()`.
#[grad]
fn geometric_mean(x: &[f64]) -> f64 {
    let p = x.iter().product::<f64>();
    p.powf(1.0 / x.len() as f64)
}

/// `∂G/∂xᵢ = G / (n xᵢ)`.
#[test]
fn product_over_a_slice() {
    let x = [0.5, 2.0, 4.0, 1.5, 3.0];
    let (g, grad) = geometric_mean_grad(&x);
    let expected = (0.5_f64 * 2.0 * 4.0 * 1.5 * 3.0).powf(0.2);
    assert_relative_eq!(g, expected, max_relative = 1e-14);
    for (gi, xi) in grad.iter().zip(x) {
        assert_relative_eq!(*gi, expected / (5.0 * xi), max_relative = 1e-13);
    }
}

/// Prefix sums into a `vec![0.0; n + 1]` buffer (each entry written from the previous one),
/// then `Σ pᵢ²` over `p.iter()`.
#[grad]
fn prefix_energy(x: &[f64]) -> f64 {
    let n = x.len();
    let mut p = vec![0.0; n + 1];
    for i in 0..n {
        p[i + 1] = p[i] + x[i];
    }
    let mut e = 0.0;
    for &pi in p.iter() {
        e += pi * pi;
    }
    e
}

/// `∂E/∂xₖ = 2 Σ_{i>k} pᵢ`, with `pᵢ = x₀ + … + xᵢ₋₁`.
#[test]
fn prefix_sums_in_a_local_vec() {
    let x = [1.0, -2.0, 0.5, 3.0];
    // p = [0, 1, −1, −0.5, 2.5]
    let (e, g) = prefix_energy_grad(&x);
    assert_relative_eq!(e, 1.0 + 1.0 + 0.25 + 6.25, epsilon = 1e-14);
    let expected = [
        2.0 * (1.0 - 1.0 - 0.5 + 2.5),
        2.0 * (-1.0 - 0.5 + 2.5),
        2.0 * 2.0,
        5.0,
    ];
    for (gi, ei) in g.iter().zip(expected) {
        assert_relative_eq!(*gi, ei, epsilon = 1e-14);
    }
}

/// Each iteration writes `s[0]` twice (`*=`, then a write that reads the first) and then adds
/// into `s[1]`; `s` starts as an array literal of active values.
#[grad]
fn overwrite_twice(x: &[f64; 2], n: usize) -> f64 {
    let mut s = [x[0], x[1]];
    for _ in 0..n {
        s[0] *= s[1];
        s[0] = s[0].sin();
        s[1] += s[0];
    }
    s[0] + s[1]
}

/// The value and gradient of `overwrite_twice` by forward tangents, written out by hand.
fn overwrite_twice_by_hand(x: [f64; 2], n: usize) -> (f64, [f64; 2]) {
    let (mut a, mut b) = (x[0], x[1]);
    // Tangents of a and b with respect to x₀ and x₁.
    let (mut da, mut db) = ([1.0, 0.0], [0.0, 1.0]);
    for _ in 0..n {
        let p = a * b;
        let dp = [b * da[0] + a * db[0], b * da[1] + a * db[1]];
        a = p.sin();
        da = [p.cos() * dp[0], p.cos() * dp[1]];
        b += a;
        db = [db[0] + da[0], db[1] + da[1]];
    }
    (a + b, [da[0] + db[0], da[1] + db[1]])
}

/// Overwritten elements: one iteration in closed form, several against forward tangents.
#[test]
fn a_loop_that_overwrites_an_element_twice() {
    let x = [0.6, 1.3];
    // n = 1: f = 2 sin(x₀x₁) + x₁.
    let c = (0.6_f64 * 1.3).cos();
    let (v, g) = overwrite_twice_grad(&x, 1);
    assert_relative_eq!(v, 2.0 * (0.6_f64 * 1.3).sin() + 1.3, epsilon = 1e-15);
    assert_relative_eq!(g[0], 2.0 * 1.3 * c, epsilon = 1e-15);
    assert_relative_eq!(g[1], 2.0 * 0.6 * c + 1.0, epsilon = 1e-15);
    for n in [0, 2, 5] {
        let (v, g) = overwrite_twice_grad(&x, n);
        let (ev, eg) = overwrite_twice_by_hand(x, n);
        assert_relative_eq!(v, ev, epsilon = 1e-14);
        assert_relative_eq!(g[0], eg[0], epsilon = 1e-13);
        assert_relative_eq!(g[1], eg[1], epsilon = 1e-13);
    }
}

/// Least squares for a line `w₀ + w₁ x`: only `w: [f64; 2]` is active; the data slices are
/// inactive parameters.
#[grad(wrt(w))]
fn least_squares(w: [f64; 2], xs: &[f64], ys: &[f64]) -> f64 {
    let mut loss = 0.0;
    for i in 0..xs.len() {
        let r = w[0] + w[1] * xs[i] - ys[i];
        loss += r * r;
    }
    loss
}

/// `(2 Σ rᵢ, 2 Σ rᵢ xᵢ)` as a bare `[f64; 2]`; the `_vjp` adds into an array bar.
#[test]
fn inactive_data_parameters() {
    let xs = [0.0, 1.0, 2.0, 3.0];
    let ys = [1.0, 2.5, 2.9, 4.2];
    let w = [0.8, 1.1];
    let r: Vec<f64> = (0..4).map(|i| w[0] + w[1] * xs[i] - ys[i]).collect();
    let (l, g) = least_squares_grad(w, &xs, &ys);
    let g: [f64; 2] = g;
    assert_relative_eq!(l, r.iter().map(|t| t * t).sum::<f64>(), epsilon = 1e-14);
    assert_relative_eq!(g[0], 2.0 * r.iter().sum::<f64>(), epsilon = 1e-14);
    let rx: f64 = (0..4).map(|i| r[i] * xs[i]).sum();
    assert_relative_eq!(g[1], 2.0 * rx, epsilon = 1e-14);

    let mut bar = [10.0, -10.0];
    least_squares_vjp(w, &xs, &ys, 0.25, &mut bar);
    assert_relative_eq!(bar[0], 10.0 + 0.25 * g[0], epsilon = 1e-14);
    assert_relative_eq!(bar[1], -10.0 + 0.25 * g[1], epsilon = 1e-14);
}

/// A cyclic stencil: constant weights in an array literal, a `[0.0; 4]` buffer written at
/// `i` and read at the computed index `(i + 1) % 4`, summed with `iter().sum()`.
#[grad]
fn cyclic_stencil(x: &[f64; 4]) -> f64 {
    let weights = [0.5, -1.0, 2.0, 0.25];
    let mut buf = [0.0; 4];
    for i in 0..4 {
        buf[i] = weights[i] * x[i] * x[(i + 1) % 4];
    }
    buf.iter().sum::<f64>()
}

/// `∂/∂xₖ = wₖ xₖ₊₁ + wₖ₋₁ xₖ₋₁`, indices mod 4.
#[test]
fn array_literal_buffer_and_computed_indices() {
    let w = [0.5, -1.0, 2.0, 0.25];
    let x = [1.5, -0.5, 2.0, 0.75];
    let (v, g) = cyclic_stencil_grad(&x);
    let g: [f64; 4] = g;
    let value: f64 = (0..4).map(|i| w[i] * x[i] * x[(i + 1) % 4]).sum();
    assert_relative_eq!(v, value, epsilon = 1e-14);
    for k in 0..4 {
        let e = w[k] * x[(k + 1) % 4] + w[(k + 3) % 4] * x[(k + 3) % 4];
        assert_relative_eq!(g[k], e, epsilon = 1e-14);
    }
}

/// Every function of this file agrees with central differences at random points.
#[test]
fn arrays_match_finite_differences() {
    let tol = Tolerance::default();
    let mut next = uniform(0x2545_f491_4f6c_dd1d, -1.0, 1.0);
    for round in 0..10 {
        let (x, w, b, ybar) = linear_data(0x9e37_79b9_7f4a_7c15 ^ round);
        let (_, (xg, wg, bg)) = linear_loss_grad(&x, &w, &b, &ybar, BATCH, N_IN, N_OUT);
        let (nx, nw) = (x.len(), w.len());
        let f = |q: &[f64]| {
            linear_loss(
                &q[..nx],
                &q[nx..nx + nw],
                &q[nx + nw..],
                &ybar,
                BATCH,
                N_IN,
                N_OUT,
            )
        };
        gradcheck(f, &[x, w, b].concat(), &[xg, wg, bg].concat(), &tol).unwrap();

        let a: Vec<f64> = (0..12).map(|_| next()).collect();
        let x: Vec<f64> = (0..4).map(|_| next()).collect();
        let ybar: Vec<f64> = (0..3).map(|_| next()).collect();
        let (_, (ga, gx)) = matvec_dot_grad(&a, x.clone(), &ybar);
        let f = |q: &[f64]| matvec_dot(&q[..12].to_vec(), q[12..].to_vec(), &ybar);
        gradcheck(f, &[a, x].concat(), &[ga, gx].concat(), &tol).unwrap();

        let mut w = [0.0; 9];
        w.iter_mut().for_each(|v| *v = 2.0 * next());
        let x = [next(), next(), next()];
        let (_, (gw, gx)) = half_norm_of_mx_grad(&w, x);
        let f = |q: &[f64]| {
            let mut w = [0.0; 9];
            w.copy_from_slice(&q[..9]);
            half_norm_of_mx(&w, [q[9], q[10], q[11]])
        };
        gradcheck(f, &[&w[..], &x].concat(), &[&gw[..], &gx].concat(), &tol).unwrap();

        let p = [next(), next(), next()];
        let (_, (ga, gb, gc)) = sum_and_product_grad(p[0], p[1], p[2]);
        let f = |q: &[f64]| sum_and_product(q[0], q[1], q[2]);
        gradcheck(f, &p, &[ga, gb, gc], &tol).unwrap();

        let xs: Vec<f64> = (0..6).map(|_| 1.5 + next()).collect();
        let (_, g) = geometric_mean_grad(&xs);
        gradcheck(geometric_mean, &xs, &g, &tol).unwrap();

        let xs: Vec<f64> = (0..8).map(|_| next()).collect();
        let (_, g) = prefix_energy_grad(&xs);
        gradcheck(prefix_energy, &xs, &g, &tol).unwrap();

        let x = [next(), next()];
        for n in [1, 3, 6] {
            let (_, g) = overwrite_twice_grad(&x, n);
            let f = |q: &[f64]| overwrite_twice(&[q[0], q[1]], n);
            gradcheck(f, &x, &g, &tol).unwrap();
        }

        let data: Vec<f64> = (0..10).map(|_| 3.0 * next()).collect();
        let w = [next(), next()];
        let (_, g) = least_squares_grad(w, &data[..5], &data[5..]);
        let f = |q: &[f64]| least_squares([q[0], q[1]], &data[..5], &data[5..]);
        gradcheck(f, &w, &g, &tol).unwrap();

        let x = [next(), next(), next(), next()];
        let (_, g) = cyclic_stencil_grad(&x);
        let f = |q: &[f64]| cyclic_stencil(&[q[0], q[1], q[2], q[3]]);
        gradcheck(f, &x, &g, &tol).unwrap();
    }
}
