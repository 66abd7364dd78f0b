//! Rust as it is written: iterator chains, the closures they take, and `for` over them. Each
//! function is checked against its twin written as index loops (bit for bit: the float
//! operations are the same, in the same order), against central differences, and through
//! `_vjp` into bars that already hold values.

// The twins are index loops on purpose: what each chain must compute exactly as.
#![allow(clippy::needless_range_loop, clippy::manual_div_ceil)]

use approx::assert_relative_eq;
use autodiff::check::{gradcheck, Tolerance};
use autodiff::grad;

mod common;
use common::points;

#[grad]
fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

#[grad]
fn dot_loop(x: &[f64], y: &[f64]) -> f64 {
    let mut s = -0.0;
    for i in 0..x.len().min(y.len()) {
        s += x[i] * y[i];
    }
    s
}

/// Rosenbrock over neighbouring pairs, `zip` with the same slice `skip(1)`.
#[grad(jvp, hvp)]
fn rosenbrock(x: &[f64]) -> f64 {
    x.iter()
        .zip(x.iter().skip(1))
        .map(|(&a, &b)| 100.0 * (b - a * a).powi(2) + (1.0 - a).powi(2))
        .sum()
}

#[grad(jvp, hvp)]
fn rosenbrock_loop(x: &[f64]) -> f64 {
    let mut s = -0.0;
    for i in 0..x.len() - 1 {
        let (a, b) = (x[i], x[i + 1]);
        s += 100.0 * (b - a * a).powi(2) + (1.0 - a).powi(2);
    }
    s
}

/// `enumerate` after `skip`, and `rev` then `step_by`, in `for` loops.
#[grad]
fn positions(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for (i, &v) in x.iter().skip(1).enumerate() {
        s += (i as f64 + 0.5) * v * w;
    }
    for v in x.iter().rev().step_by(2) {
        s += v * v;
    }
    s
}

#[grad]
fn positions_loop(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for i in 1..x.len() {
        s += ((i - 1) as f64 + 0.5) * x[i] * w;
    }
    let n = x.len();
    for k in 0..(n + 1) / 2 {
        let v = x[n - 1 - 2 * k];
        s += v * v;
    }
    s
}

/// `fold` with a closure and with a function's name, `filter` then `map`, `product`, `count`.
#[grad]
fn reductions(x: &[f64]) -> f64 {
    let top = x.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let low = x.iter().copied().fold(f64::INFINITY, f64::min);
    let logs: f64 = x.iter().copied().filter(|v| *v > 0.0).map(|v| v.ln()).sum();
    let prod = x.iter().map(|v| 1.0 + v * v).product::<f64>();
    let big = x.iter().filter(|v| v.abs() > 0.5).count();
    top * low + logs + prod * big as f64
}

#[grad]
fn reductions_loop(x: &[f64]) -> f64 {
    let mut top = f64::NEG_INFINITY;
    let mut low = f64::INFINITY;
    let mut logs = -0.0;
    let mut prod = 1.0;
    let mut big = 0;
    for i in 0..x.len() {
        top = top.max(x[i]);
        low = f64::min(low, x[i]);
        if x[i] > 0.0 {
            logs += x[i].ln();
        }
        prod *= 1.0 + x[i] * x[i];
        if x[i].abs() > 0.5 {
            big += 1;
        }
    }
    top * low + logs + prod * big as f64
}

/// A closure that assigns to what it captures, `for` over a slice itself, a range mapped, a
/// three-way `zip` taken short.
#[grad]
fn captures(x: &[f64], y: &[f64], w: &[f64]) -> f64 {
    let mut s = 0.0;
    x.iter().for_each(|v| s += v.sin());
    for v in y {
        s += v * s;
    }
    s += (0..x.len()).map(|i| x[i] * i as f64).sum::<f64>();
    for ((a, b), c) in x.iter().zip(y.iter()).zip(w).take(3) {
        s += a * b - c;
    }
    s
}

#[grad]
fn captures_loop(x: &[f64], y: &[f64], w: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i].sin();
    }
    for i in 0..y.len() {
        s += y[i] * s;
    }
    let mut r = -0.0;
    for i in 0..x.len() {
        r += x[i] * i as f64;
    }
    s += r;
    for i in 0..x.len().min(y.len()).min(w.len()).min(3) {
        s += x[i] * y[i] - w[i];
    }
    s
}

#[grad]
fn square(v: f64) -> f64 {
    v * v
}

/// Chains inside loops and branches, and a differentiated function as `map`'s function.
#[grad]
fn nested(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..3 {
        if k % 2 == 0 {
            s += x.iter().map(|v| v * k as f64).sum::<f64>();
        } else {
            s += x.iter().copied().map(square).sum::<f64>() * s;
        }
    }
    s
}

#[grad]
fn nested_loop(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..3 {
        if k % 2 == 0 {
            let mut t = -0.0;
            for i in 0..x.len() {
                t += x[i] * k as f64;
            }
            s += t;
        } else {
            let mut t = -0.0;
            for i in 0..x.len() {
                t += square(x[i]);
            }
            s += t * s;
        }
    }
    s
}

#[grad]
fn dot32(x: &[f32], y: &[f32]) -> f32 {
    x.iter().zip(y).map(|(a, b)| a * b).sum::<f32>() + x.iter().filter(|v| **v > 0.0).sum::<f32>()
}

#[grad]
fn dot32_loop(x: &[f32], y: &[f32]) -> f32 {
    let mut s = -0.0;
    for i in 0..x.len().min(y.len()) {
        s += x[i] * y[i];
    }
    let mut p = -0.0;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            p += x[i];
        }
    }
    s + p
}

fn tol() -> Tolerance {
    Tolerance::default()
}

#[test]
fn zip_map_sum_is_the_index_loop() {
    for n in [0, 1, 5] {
        let (x, y) = (points(n, -2.0, 2.0, 1), points(n, -2.0, 2.0, 2));
        let (v, (gx, gy)) = dot_grad(&x, &y);
        let (w, (hx, hy)) = dot_loop_grad(&x, &y);
        assert_eq!(v.to_bits(), w.to_bits());
        assert_eq!((&gx, &gy), (&hx, &hy));
        assert_eq!(v.to_bits(), dot(&x, &y).to_bits());
        assert_eq!((gx, gy), (y.clone(), x.clone()));
    }
}

#[test]
fn rosenbrock_over_pairs_is_the_index_loop() {
    for n in [2, 3, 10] {
        let x = points(n, -1.5, 1.5, 3);
        let (v, g) = rosenbrock_grad(&x);
        let (w, h) = rosenbrock_loop_grad(&x);
        assert_eq!(v.to_bits(), w.to_bits());
        assert_eq!(g, h);
        gradcheck(rosenbrock, &x, &g, &tol()).unwrap();
    }
}

#[test]
fn enumerate_skip_rev_step_by_are_the_index_loops() {
    for n in [1, 2, 5, 6] {
        let x = points(n, -2.0, 2.0, 4);
        let (v, (g, gw)) = positions_grad(&x, 1.5);
        let (w, (h, hw)) = positions_loop_grad(&x, 1.5);
        assert_eq!(v.to_bits(), w.to_bits());
        assert_eq!((g.clone(), gw.to_bits()), (h, hw.to_bits()));
        let mut q = x.clone();
        q.push(1.5);
        let mut gq = g;
        gq.push(gw);
        gradcheck(|q: &[f64]| positions(&q[..n], q[n]), &q, &gq, &tol()).unwrap();
    }
}

#[test]
fn fold_filter_product_count_are_the_index_loops() {
    // Away from the kinks (`|v| = 0.5`, ties of the extremes) and from `ln` near 0, where
    // central differences are no reference.
    for x in [
        [0.8, -1.3, 1.7, 0.6, -0.9, 1.1],
        [-0.2, 0.3, -1.8, 0.1, 0.9, -0.7],
    ] {
        let (v, g) = reductions_grad(&x);
        let (w, h) = reductions_loop_grad(&x);
        assert_eq!(v.to_bits(), w.to_bits());
        assert_eq!(g, h);
        gradcheck(reductions, &x, &g, &tol()).unwrap();
    }
}

#[test]
fn closures_that_assign_and_bare_slices_are_the_index_loops() {
    for n in [0, 2, 5] {
        let (x, y, w) = (
            points(n, -1.0, 1.0, 9),
            points(n, -1.0, 1.0, 10),
            points(n + 1, -1.0, 1.0, 11),
        );
        let (v, g) = captures_grad(&x, &y, &w);
        let (u, h) = captures_loop_grad(&x, &y, &w);
        assert_eq!(v.to_bits(), u.to_bits());
        assert_eq!(g, h);
        let all: Vec<f64> = [x.clone(), y.clone(), w.clone()].concat();
        let flat: Vec<f64> = [g.0, g.1, g.2].concat();
        let f = |q: &[f64]| captures(&q[..n], &q[n..2 * n], &q[2 * n..]);
        gradcheck(f, &all, &flat, &tol()).unwrap();
    }
}

#[test]
fn chains_in_loops_branches_and_calls_are_the_index_loops() {
    let x = points(4, -1.0, 1.0, 12);
    let (v, g) = nested_grad(&x);
    let (w, h) = nested_loop_grad(&x);
    assert_eq!(v.to_bits(), w.to_bits());
    assert_eq!(g, h);
    gradcheck(nested, &x, &g, &tol()).unwrap();
}

#[test]
fn f32_chains_are_the_index_loops() {
    let x: Vec<f32> = [0.5, -1.25, 2.0, 0.75].to_vec();
    let y: Vec<f32> = [1.5, 0.25, -0.5, 2.0].to_vec();
    let (v, (gx, gy)) = dot32_grad(&x, &y);
    let (w, (hx, hy)) = dot32_loop_grad(&x, &y);
    assert_eq!(v.to_bits(), w.to_bits());
    assert_eq!((gx.clone(), gy), (hx, hy));
    // ∂/∂xᵢ = yᵢ + [xᵢ > 0].
    for i in 0..x.len() {
        let expect = y[i] + if x[i] > 0.0 { 1.0 } else { 0.0 };
        assert_relative_eq!(gx[i], expect, epsilon = 1e-6);
    }
}

#[test]
fn vjp_of_a_chain_adds_into_its_bars() {
    let (x, y) = (points(5, -2.0, 2.0, 13), points(5, -2.0, 2.0, 14));
    let mut xb = vec![1.0; 5];
    let mut yb = vec![-0.5; 5];
    let v = dot_vjp(&x, &y, 2.0, &mut xb, &mut yb);
    assert_eq!(v.to_bits(), dot(&x, &y).to_bits());
    for i in 0..5 {
        assert_eq!(xb[i], 1.0 + 2.0 * y[i]);
        assert_eq!(yb[i], -0.5 + 2.0 * x[i]);
    }
    let x = points(6, -1.5, 1.5, 15);
    let mut b = vec![0.25; 6];
    rosenbrock_vjp(&x, 3.0, &mut b);
    let (_, g) = rosenbrock_grad(&x);
    for i in 0..6 {
        assert_relative_eq!(b[i], 0.25 + 3.0 * g[i], max_relative = 1e-14);
    }
}

/// One RK4 step of `y' = -y t`, its right-hand side a closure bound with `let`.
#[grad]
fn rk4(y: f64, t: f64, h: f64) -> f64 {
    let f = |t: f64, y: f64| -y * t;
    let k1 = f(t, y);
    let k2 = f(t + h / 2.0, y + h * k1 / 2.0);
    let k3 = f(t + h / 2.0, y + h * k2 / 2.0);
    let k4 = f(t + h, y + h * k3);
    y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
}

#[grad]
fn rk4_inline(y: f64, t: f64, h: f64) -> f64 {
    let k1 = -y * t;
    let (t2, y2) = (t + h / 2.0, y + h * k1 / 2.0);
    let k2 = -y2 * t2;
    let (t3, y3) = (t + h / 2.0, y + h * k2 / 2.0);
    let k3 = -y3 * t3;
    let (t4, y4) = (t + h, y + h * k3);
    let k4 = -y4 * t4;
    y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
}

/// What a closure captures is what its names stood for where it was made: `k` is shadowed
/// after it, and `s` changes after a `move` closure copied it.
#[grad]
fn captured_where_made(x: f64, xs: &[f64]) -> f64 {
    let k = x * 2.0;
    let scale = |v: f64| v * k;
    let k = 100.0;
    let mut s = x;
    let add_s = move |v: f64| v + s;
    s *= 3.0;
    let sq = |v| v * v;
    let total: f64 = xs.iter().map(|&v| scale(v)).sum();
    total + add_s(k) + s + xs.iter().copied().map(sq).sum::<f64>()
}

#[test]
fn closures_bound_with_let_are_their_bodies() {
    for (y, t, h) in [(1.0, 0.0, 0.1), (0.7, 1.3, 0.25), (-2.0, 0.5, 0.05)] {
        let (v, g) = rk4_grad(y, t, h);
        let (w, h2) = rk4_inline_grad(y, t, h);
        assert_eq!(v.to_bits(), w.to_bits());
        assert_eq!(g, h2);
        let q = [y, t, h];
        gradcheck(
            |q: &[f64]| rk4(q[0], q[1], q[2]),
            &q,
            &[g.0, g.1, g.2],
            &tol(),
        )
        .unwrap();
    }
    let xs = [0.5, -1.0, 2.0];
    for x in [0.3, -1.7] {
        let (v, (gx, gxs)) = captured_where_made_grad(x, &xs);
        // total = 2x Σ xs; add_s(100) = 100 + x; s = 3x; Σ xs².
        let sum: f64 = xs.iter().sum();
        assert_relative_eq!(v, captured_where_made(x, &xs), epsilon = 1e-12);
        assert_relative_eq!(gx, 2.0 * sum + 1.0 + 3.0, epsilon = 1e-12);
        for i in 0..3 {
            assert_relative_eq!(gxs[i], 2.0 * x + 2.0 * xs[i], epsilon = 1e-12);
        }
    }
}

#[test]
fn chains_have_forward_mode_and_hessian_vector_products() {
    let x = points(5, -1.5, 1.5, 16);
    let v = points(5, -1.0, 1.0, 17);
    let (a, da) = rosenbrock_jvp(&x, &v);
    let (b, db) = rosenbrock_loop_jvp(&x, &v);
    assert_eq!((a.to_bits(), da.to_bits()), (b.to_bits(), db.to_bits()));
    let (_, g) = rosenbrock_grad(&x);
    let directional: f64 = g.iter().zip(&v).map(|(g, v)| g * v).sum();
    assert_relative_eq!(da, directional, max_relative = 1e-12);
    let (_, g1, hv1) = rosenbrock_hvp(&x, &v);
    let (_, g2, hv2) = rosenbrock_loop_hvp(&x, &v);
    assert_eq!((&g1, &hv1), (&g2, &hv2));
    // H·v by central differences of the gradient.
    let h = 1e-6;
    let shifted = |s: f64| {
        let p: Vec<f64> = x.iter().zip(&v).map(|(x, v)| x + s * v).collect();
        rosenbrock_grad(&p).1
    };
    let (up, down) = (shifted(h), shifted(-h));
    for i in 0..5 {
        assert_relative_eq!(hv1[i], (up[i] - down[i]) / (2.0 * h), max_relative = 1e-5);
    }
}

/// Explicit lifetimes and a `where` clause without type parameters, predicates of floats as
/// conditions, integer operators.
#[grad]
fn plain_signature<'a, 'b>(x: &'a [f64], y: &'b [f64], k: usize) -> f64
where
    'b: 'a,
{
    let j = ((k << 1) & 3 | 1 ^ 2) % x.len();
    let mut m = k >> 1;
    m ^= 1;
    let mut s = x[j] * y[m % y.len()];
    for &v in x {
        if v.is_finite() && !v.is_nan() && !v.is_sign_negative() {
            s += v * v;
        }
    }
    s
}

#[test]
fn lifetimes_predicates_and_integer_operators() {
    let x = [0.5, -1.5, 2.0, 3.0];
    let y = [1.25, -0.5, 0.75];
    for k in 0..6 {
        let (v, (gx, gy)) = plain_signature_grad(&x, &y, k);
        assert_eq!(v.to_bits(), plain_signature(&x, &y, k).to_bits());
        let j = ((k << 1) & 3 | 1 ^ 2) % x.len();
        let m = ((k >> 1) ^ 1) % y.len();
        let mut ex = [0.0; 4];
        let mut ey = [0.0; 3];
        ex[j] += y[m];
        ey[m] += x[j];
        for i in 0..4 {
            if x[i] >= 0.0 {
                ex[i] += 2.0 * x[i];
            }
        }
        assert_eq!((gx, gy), (ex.to_vec(), ey.to_vec()));
    }
}

/// Indexing with the elements of an integer slice, by index and in a chain.
#[grad(wrt(logits))]
fn picked(logits: &[f64], labels: &[usize], width: usize) -> f64 {
    let mut s = 0.0;
    for n in 0..labels.len() {
        s += logits[n * width + labels[n]].powi(2);
    }
    let firsts: f64 = labels.iter().map(|&l| logits[l]).sum();
    s + firsts
}

#[test]
fn integer_slices_index_floats() {
    let logits = points(6, -1.0, 1.0, 18);
    let labels = [2usize, 0];
    let (v, g) = picked_grad(&logits, &labels, 3);
    assert_eq!(v.to_bits(), picked(&logits, &labels, 3).to_bits());
    let mut expect = [0.0; 6];
    expect[2] += 2.0 * logits[2] + 1.0;
    expect[3] += 2.0 * logits[3];
    expect[0] += 1.0;
    for i in 0..6 {
        assert_relative_eq!(g[i], expect[i], epsilon = 1e-12);
    }
}

/// Parts of arrays: `windows`, `chunks`, `chunks_exact`, `&x[a..b]` bound with `let`, rows of
/// a nested slice with `for row in m`.
#[grad]
fn parts(x: &[f64], m: &[Vec<f64>]) -> f64 {
    let smooth: f64 = x.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum();
    let mut s = 0.0;
    for c in x.chunks(2) {
        s += c[0] * c[c.len() - 1];
    }
    for c in x.chunks_exact(3) {
        s += c.iter().sum::<f64>() * 0.5;
    }
    let head = &x[1..3];
    s += head[0] * head[1] + head.len() as f64;
    for row in m {
        s += row[0] * row.iter().map(|v| v * v).sum::<f64>();
    }
    smooth + s
}

#[grad]
fn parts_loop(x: &[f64], m: &[Vec<f64>]) -> f64 {
    let n = x.len();
    let mut smooth = -0.0;
    for t in 0..n - 1 {
        smooth += (x[t + 1] - x[t]).powi(2);
    }
    let mut s = 0.0;
    for t in 0..(n + 1) / 2 {
        let hi = (2 * t + 2).min(n);
        s += x[2 * t] * x[hi - 1];
    }
    for t in 0..n / 3 {
        let mut c = -0.0;
        for j in 0..3 {
            c += x[3 * t + j];
        }
        s += c * 0.5;
    }
    s += x[1] * x[2] + 2.0;
    for i in 0..m.len() {
        let mut q = -0.0;
        for j in 0..m[i].len() {
            q += m[i][j] * m[i][j];
        }
        s += m[i][0] * q;
    }
    smooth + s
}

#[test]
fn windows_chunks_and_rows_are_the_index_loops() {
    for n in [3, 5, 7] {
        let x = points(n, -1.0, 1.0, 19);
        let m = vec![points(3, -1.0, 1.0, 20), points(2, -1.0, 1.0, 21)];
        let (v, (gx, gm)) = parts_grad(&x, &m);
        let (w, (hx, hm)) = parts_loop_grad(&x, &m);
        assert_eq!(v.to_bits(), w.to_bits());
        assert_eq!((gx.clone(), gm), (hx, hm));
        gradcheck(|q: &[f64]| parts(q, &m), &x, &gx, &tol()).unwrap();
    }
}

/// `iter_mut` over a local buffer, `collect` into a `Vec` (an active buffer).
#[grad]
fn buffers(x: &[f64], w: f64) -> f64 {
    let mut b = vec![0.0; x.len()];
    for (bi, xi) in b.iter_mut().zip(x) {
        *bi = xi * w;
    }
    for v in b.iter_mut().skip(1) {
        *v += 1.0;
    }
    let h: Vec<f64> = b.iter().map(|v| v.tanh()).collect();
    let sq = x.iter().map(|v| v * v).collect::<Vec<f64>>();
    h.iter().zip(&sq).map(|(a, c)| a * c).sum::<f64>() + b[0]
}

#[grad]
fn buffers_loop(x: &[f64], w: f64) -> f64 {
    let n = x.len();
    let mut b = vec![0.0; n];
    for i in 0..n {
        b[i] = x[i] * w;
    }
    for i in 1..n {
        b[i] += 1.0;
    }
    let mut h = vec![0.0; n];
    for i in 0..n {
        h[i] = b[i].tanh();
    }
    let mut sq = vec![0.0; n];
    for i in 0..n {
        sq[i] = x[i] * x[i];
    }
    let mut s = -0.0;
    for i in 0..n {
        s += h[i] * sq[i];
    }
    s + b[0]
}

#[test]
fn iter_mut_and_collect_are_the_index_loops() {
    for n in [1, 4] {
        let x = points(n, -1.0, 1.0, 22);
        let (v, g) = buffers_grad(&x, 0.7);
        let (u, h) = buffers_loop_grad(&x, 0.7);
        assert_eq!(v.to_bits(), u.to_bits());
        assert_eq!(g, h);
        let mut q = x.clone();
        q.push(0.7);
        let mut gq = g.0.clone();
        gq.push(g.1);
        gradcheck(|q: &[f64]| buffers(&q[..n], q[n]), &q, &gq, &tol()).unwrap();
    }
}

/// `max_by` / `min_by` with a comparator, `reduce`: the extreme's derivative flows to the
/// element chosen, as the index loop's comparisons choose it.
#[grad]
fn extremes(x: &[f64]) -> f64 {
    let hi = x.iter().copied().max_by(|a, b| a.total_cmp(b)).unwrap();
    let lo = x
        .iter()
        .copied()
        .min_by(|a, b| a.partial_cmp(b).unwrap())
        .unwrap();
    let total = x.iter().map(|v| v * v).reduce(|a, b| a + b).unwrap();
    hi * lo + total
}

#[grad]
fn extremes_loop(x: &[f64]) -> f64 {
    let (mut hi, mut lo, mut total) = (x[0], x[0], x[0] * x[0]);
    for i in 1..x.len() {
        if x[i] >= hi {
            hi = x[i];
        }
        if x[i] < lo {
            lo = x[i];
        }
        total += x[i] * x[i];
    }
    hi * lo + total
}

#[test]
fn max_by_min_by_and_reduce_are_the_index_loops() {
    for x in [
        vec![0.5, -1.25, 2.0, 0.75],
        vec![1.5],
        vec![-0.5, 3.0, 3.0, -2.0],
    ] {
        let (v, g) = extremes_grad(&x);
        let (u, h) = extremes_loop_grad(&x);
        assert_eq!(v.to_bits(), u.to_bits());
        assert_eq!(g, h);
    }
}

#[test]
#[should_panic(expected = "called `Option::unwrap()` on a `None` value")]
fn max_by_of_nothing_panics_as_std() {
    let _ = extremes_grad(&[]);
}

/// Tuples in the body: bound whole and read by field, destructured, assigned as a whole
/// (`(a, b) = (b, a + b)`), nested; arrays destructured with `let [a, b, c] = q;`.
#[grad]
fn tuples(x: f64, y: f64, q: [f64; 3]) -> f64 {
    let p = (x * 2.0, y);
    let (mut a, mut b) = (x, y);
    for _ in 0..4 {
        (a, b) = (b, a + b * 0.5);
    }
    let nested = ((a, b), p.1);
    let ((c, _), d) = nested;
    let [q0, q1, q2] = q;
    let t: (f64, f64) = (q0 * q1, q2);
    p.0 + p.1 * c + d * nested.0 .1 + t.0 - t.1
}

#[grad]
fn tuples_loop(x: f64, y: f64, q: [f64; 3]) -> f64 {
    let (p0, p1) = (x * 2.0, y);
    let mut a = x;
    let mut b = y;
    for _ in 0..4 {
        let na = b;
        let nb = a + b * 0.5;
        a = na;
        b = nb;
    }
    let (t0, t1) = (q[0] * q[1], q[2]);
    p0 + p1 * a + p1 * b + t0 - t1
}

#[test]
fn tuples_are_their_elements() {
    for (x, y) in [(0.3, -1.2), (1.5, 0.25)] {
        let q = [0.5, -2.0, 1.25];
        let (v, g) = tuples_grad(x, y, q);
        let (u, h) = tuples_loop_grad(x, y, q);
        assert_eq!(v.to_bits(), u.to_bits());
        assert_eq!(g, h);
        assert_eq!(v.to_bits(), tuples(x, y, q).to_bits());
    }
}

/// Closures that return tuples: destructured, and read by field.
#[grad]
fn polar(r: f64, theta: f64) -> f64 {
    let to_xy = |r: f64, t: f64| (r * t.cos(), r * t.sin());
    let scaled = |r: f64, t: f64| {
        let (x, y) = to_xy(r, t);
        (2.0 * x, y * y)
    };
    let (x, y) = to_xy(r, theta);
    x * y + scaled(r, theta).1 + to_xy(r, 0.5 * theta).0
}

#[test]
fn closures_return_tuples() {
    for (r, t) in [(1.5, 0.3), (0.7, -2.0)] {
        let (v, (gr, gt)) = polar_grad(r, t);
        assert_eq!(v.to_bits(), polar(r, t).to_bits());
        // x y = r² sin t cos t; (r sin t)²; r cos(t/2).
        let er = 2.0 * r * t.sin() * t.cos() + 2.0 * r * t.sin().powi(2) + (0.5 * t).cos();
        let et = r * r * (2.0 * t).cos() + r * r * (2.0 * t).sin() - 0.5 * r * (0.5 * t).sin();
        approx::assert_relative_eq!(gr, er, max_relative = 1e-12);
        approx::assert_relative_eq!(gt, et, max_relative = 1e-12);
    }
}

/// `collect` after a `filter`: as many as pass, in order.
#[grad]
fn kept(x: &[f64], w: f64) -> f64 {
    let pos: Vec<f64> = x
        .iter()
        .copied()
        .filter(|&v| v > 0.0)
        .map(|v| v * w)
        .collect();
    let n = pos.len() as f64;
    pos.iter().map(|p| p * p).sum::<f64>() / n
}

#[grad]
fn kept_loop(x: &[f64], w: f64) -> f64 {
    let mut s = -0.0;
    let mut n = 0usize;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            let p = x[i] * w;
            s += p * p;
            n += 1;
        }
    }
    s / n as f64
}

#[test]
fn collect_after_filter_keeps_what_passes() {
    let x = [0.5, -1.0, 2.0, -0.25, 1.5];
    let (v, (g, gw)) = kept_grad(&x, 0.7);
    let (u, (h, hw)) = kept_loop_grad(&x, 0.7);
    assert_eq!(v.to_bits(), u.to_bits());
    assert_eq!((g.clone(), gw.to_bits()), (h, hw.to_bits()));
    let mut q = x.to_vec();
    q.push(0.7);
    let mut gq = g;
    gq.push(gw);
    gradcheck(|q: &[f64]| kept(&q[..5], q[5]), &q, &gq, &tol()).unwrap();
}

/// Positional adaptors after a `filter` count the items that pass: `enumerate` numbers them,
/// `zip` pairs them with the other chain in order, `skip`, `take` and `step_by` pick among
/// them, and `rev` before any of those reverses the positions.
#[grad]
fn counted(x: &[f64], y: &[f64]) -> f64 {
    let ranked: f64 = (x.iter().filter(|v| **v > 0.0).enumerate())
        .map(|(i, v)| v * v * (i as f64 + 1.0))
        .sum();
    let paired: f64 = x
        .iter()
        .filter(|v| **v < 1.0)
        .zip(y)
        .map(|(p, q)| p * q)
        .sum();
    let picked: f64 = (x.iter().map(|v| v.sin()).filter(|s| *s > -0.5))
        .skip(1)
        .step_by(2)
        .take(3)
        .sum();
    let back: f64 = (x.iter().filter(|v| **v > -1.0).rev().enumerate())
        .map(|(i, v)| v * i as f64)
        .sum();
    let mut tail = 0.0;
    for (k, v) in x.iter().copied().filter(|v| v.abs() < 2.0).enumerate() {
        tail += v.exp() * k as f64;
    }
    let first: Vec<f64> = x
        .iter()
        .filter(|v| **v != 0.5)
        .take(4)
        .map(|v| v * 2.0)
        .collect();
    ranked + paired + picked + back + tail + first.iter().sum::<f64>()
}

#[allow(clippy::needless_range_loop)]
#[grad]
fn counted_loops(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len();
    let (mut ranked, mut c) = (-0.0, 0usize);
    for i in 0..n {
        if x[i] > 0.0 {
            ranked += x[i] * x[i] * (c as f64 + 1.0);
            c += 1;
        }
    }
    let (mut paired, mut c) = (-0.0, 0usize);
    for i in 0..n {
        if x[i] < 1.0 {
            if c < y.len() {
                paired += x[i] * y[c];
            }
            c += 1;
        }
    }
    let (mut picked, mut c) = (-0.0, 0usize);
    let (mut stepped, mut taken) = (0usize, 0usize);
    for i in 0..n {
        let s = x[i].sin();
        if s > -0.5 {
            if c >= 1 {
                if stepped % 2 == 0 {
                    if taken < 3 {
                        picked += s;
                    }
                    taken += 1;
                }
                stepped += 1;
            }
            c += 1;
        }
    }
    let (mut back, mut c) = (-0.0, 0usize);
    for i in (0..n).rev() {
        if x[i] > -1.0 {
            back += x[i] * c as f64;
            c += 1;
        }
    }
    let (mut tail, mut c) = (0.0, 0usize);
    for i in 0..n {
        if x[i].abs() < 2.0 {
            tail += x[i].exp() * c as f64;
            c += 1;
        }
    }
    let (mut first, mut c) = (-0.0, 0usize);
    for i in 0..n {
        if x[i] != 0.5 {
            if c < 4 {
                first += x[i] * 2.0;
            }
            c += 1;
        }
    }
    ranked + paired + picked + back + tail + first
}

#[test]
fn positional_adaptors_after_a_filter_count_what_passes() {
    let x = [0.3, -0.7, 1.4, 2.5, -1.2, 0.9, 0.1, 1.8, -0.2];
    let y = [1.0, 2.0, -1.0, 0.5];
    for k in [0, 2, 5, 9] {
        let (v, (gx, gy)) = counted_grad(&x[..k], &y);
        let (u, (hx, hy)) = counted_loops_grad(&x[..k], &y);
        assert_eq!(v.to_bits(), counted(&x[..k], &y).to_bits());
        assert_eq!(v.to_bits(), u.to_bits());
        assert_eq!((&gx, &gy), (&hx, &hy));
        gradcheck(|q: &[f64]| counted(q, &y), &x[..k], &gx, &tol()).unwrap();
    }
}
