//! Whole arrays and tuple-valued branches, as Rust is written: `let mut p = p;`, `clone()`,
//! `to_vec()`, `b = a.clone()`, `std::mem::swap`, `a.swap(i, j)`, buffers made inside loops
//! and branches, nested literals, literals passed to calls, `[x; n]` of a differentiated value,
//! and `let (a, b) = if .. { .. } else { .. };` / `match`. Each function is checked against its
//! twin written element by element (bit for bit: the float operations are the same, in the same
//! order), against central differences, and through `_vjp` into bars that already hold values.

// The twins are index loops on purpose: what each idiom must compute exactly as.
#![allow(
    clippy::needless_range_loop,
    clippy::manual_swap,
    clippy::manual_memcpy
)]

use approx::assert_relative_eq;
use autodiff::check::{gradcheck, Tolerance};
use autodiff::grad;

mod common;
use common::points;

/// Explicit heat diffusion with a double buffer: the state copied from the input, the buffers
/// swapped each step, a copy kept and a buffer assigned whole.
#[grad(jvp, hvp)]
fn heat(u0: &[f64], k: f64) -> f64 {
    let n = u0.len();
    let mut u = u0.to_vec();
    let mut next = vec![0.0; n];
    next.copy_from_slice(&u);
    for _ in 0..4 {
        for i in 1..n - 1 {
            next[i] = u[i] + k * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
        }
        std::mem::swap(&mut u, &mut next);
    }
    let before = u.clone();
    u = next.clone();
    let mut s = 0.0;
    for i in 0..n {
        s += before[i] * before[i] + u[i];
    }
    s
}

#[grad(jvp, hvp)]
fn heat_loop(u0: &[f64], k: f64) -> f64 {
    let n = u0.len();
    let mut u = vec![0.0; n];
    let mut next = vec![0.0; n];
    for i in 0..n {
        u[i] = u0[i];
    }
    for i in 0..n {
        next[i] = u[i];
    }
    for _ in 0..4 {
        for i in 1..n - 1 {
            next[i] = u[i] + k * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
        }
        for i in 0..n {
            let t = u[i];
            u[i] = next[i];
            next[i] = t;
        }
    }
    let mut s = 0.0;
    for i in 0..n {
        s += u[i] * u[i] + next[i];
    }
    s
}

/// An array parameter taken by value and made mutable, its elements swapped, floats swapped.
#[grad]
fn reorder(p: [f64; 4], x: f64) -> f64 {
    let mut p = p;
    p[0] *= x;
    p.swap(0, 3);
    let (mut a, mut b) = (p[1] * x, p[2]);
    std::mem::swap(&mut a, &mut b);
    p[0] * a + p[3] * b - p[1]
}

#[grad]
fn reorder_loop(p: [f64; 4], x: f64) -> f64 {
    let mut q = [0.0; 4];
    for i in 0..4 {
        q[i] = p[i];
    }
    q[0] *= x;
    let t = q[0];
    q[0] = q[3];
    q[3] = t;
    let a = q[2];
    let b = q[1] * x;
    q[0] * a + q[3] * b - q[1]
}

/// Floats swapped in a loop: `&mut a` assigns `a` each time round (a regression: the loop once
/// saw no assignment in `std::mem::swap(&mut a, &mut b)`, and carried nothing across).
#[grad]
fn swapped_in_loop(x: f64, y: f64) -> f64 {
    let (mut a, mut b) = (x, y);
    for _ in 0..3 {
        std::mem::swap(&mut a, &mut b);
        a = a * 0.5 + b * x;
    }
    a * b
}

#[grad]
fn swapped_in_loop_twin(x: f64, y: f64) -> f64 {
    let mut a = x;
    let mut b = y;
    for _ in 0..3 {
        let t = a;
        a = b;
        b = t;
        a = a * 0.5 + b * x;
    }
    a * b
}

#[grad]
fn weigh(v: [f64; 3]) -> f64 {
    v[0] + 2.0 * v[1] * v[0] + 3.0 * v[2]
}

#[grad]
fn norm2(v: &[f64]) -> f64 {
    v[0] * v[0] + v[1] * v[1]
}

/// Buffers made inside a loop and a branch, a nested literal, literals passed to calls, and
/// buffers filled with a differentiated value.
#[grad]
fn literals(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut b = [0.0; 2];
        b[0] = x[i] * w;
        b[1] = b[0] * x[i];
        let pair = [b[1], w];
        s += b[0] + pair[0] * pair[1];
    }
    if s > 0.0 {
        let m = [[s, w], [w * s, 1.0]];
        s = m[0][0] * m[1][1] + m[1][0] * m[0][1];
    }
    let filled = [w; 3];
    let scaled = vec![s * 0.5; x.len() + 1];
    s + weigh([w, s, filled[2]]) + norm2(&[s, w]) + scaled[0] * filled[1]
}

#[grad]
fn literals_loop(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let b0 = x[i] * w;
        let b1 = b0 * x[i];
        s += b0 + b1 * w;
    }
    if s > 0.0 {
        s = s * 1.0 + w * s * w;
    }
    let v = [w, s, w];
    let q = [s, w];
    s + weigh(v) + norm2(&q) + s * 0.5 * w
}

/// `let (a, b) = if .. else ..`, an `else if` chain, `match` arms giving nested tuples, and a
/// tuple assigned from an `if` in a loop.
#[grad]
fn branch_tuples(x: f64, y: f64, k: usize) -> f64 {
    let (a, b) = if x > y {
        (x, y)
    } else {
        let t = y * 2.0;
        (t, x)
    };
    let (c, d) = if a > 1.0 {
        (a * b, 1.0)
    } else if b > 0.0 {
        (b, a)
    } else {
        (a, b * b)
    };
    let p = (x, 2.0);
    let (e, (f, g)) = match k {
        0 => (x, (1.0, y)),
        1 | 2 => {
            let s = x.sin();
            (s, (y, s))
        }
        _ => (p.1, p),
    };
    let (mut u, mut v) = (x, y);
    for i in 0..5 {
        (u, v) = if i % 2 == 0 { (v, u + v) } else { (u * 0.5, v) };
    }
    a * d + c + e * f + g + u * v
}

#[grad]
fn branch_tuples_loop(x: f64, y: f64, k: usize) -> f64 {
    let a = if x > y { x } else { y * 2.0 };
    let b = if x > y { y } else { x };
    let c = if a > 1.0 {
        a * b
    } else if b > 0.0 {
        b
    } else {
        a
    };
    let d = if a > 1.0 {
        1.0
    } else if b > 0.0 {
        a
    } else {
        b * b
    };
    let (e, f, g) = match k {
        0 => (x, 1.0, y),
        1 | 2 => (x.sin(), y, x.sin()),
        _ => (2.0, x, 2.0),
    };
    let mut u = x;
    let mut v = y;
    for i in 0..5 {
        if i % 2 == 0 {
            let t = u;
            u = v;
            v += t;
        } else {
            u *= 0.5;
        }
    }
    a * d + c + e * f + g + u * v
}

/// Tuples out of branches at `f32`.
#[grad]
fn branch_tuples32(x: f32, y: f32) -> f32 {
    let (a, b) = if x > y { (x * y, y) } else { (y, x + 1.0) };
    a * b
}

fn tol() -> Tolerance {
    Tolerance::default()
}

#[test]
fn copies_and_swaps_are_the_element_loops() {
    for n in [2, 3, 7] {
        let u0 = points(n, -1.0, 1.0, 31);
        let (v, (g, gk)) = heat_grad(&u0, 0.2);
        let (w, (h, hk)) = heat_loop_grad(&u0, 0.2);
        assert_eq!(v.to_bits(), w.to_bits());
        assert_eq!((&g, gk.to_bits()), (&h, hk.to_bits()));
        assert_eq!(v.to_bits(), heat(&u0, 0.2).to_bits());
        let mut q = u0.clone();
        q.push(0.2);
        let mut gq = g.clone();
        gq.push(gk);
        gradcheck(|q: &[f64]| heat(&q[..n], q[n]), &q, &gq, &tol()).unwrap();
        // Into bars that hold values already.
        let (mut ub, mut kb) = (vec![0.5; n], -1.0);
        heat_vjp(&u0, 0.2, 2.0, &mut ub, &mut kb);
        for i in 0..n {
            assert_relative_eq!(ub[i], 0.5 + 2.0 * g[i], max_relative = 1e-14);
        }
        assert_relative_eq!(kb, -1.0 + 2.0 * gk, max_relative = 1e-14);
    }
    for (p, x) in [
        ([0.5, -1.0, 2.0, 0.25], 1.5),
        ([1.0, 0.5, -0.75, 2.0], -0.5),
    ] {
        let (v, g) = reorder_grad(p, x);
        let (w, h) = reorder_loop_grad(p, x);
        assert_eq!(v.to_bits(), w.to_bits());
        assert_eq!(g, h);
        assert_eq!(v.to_bits(), reorder(p, x).to_bits());
        let all = [p[0], p[1], p[2], p[3], x];
        let flat = [g.0[0], g.0[1], g.0[2], g.0[3], g.1];
        let f = |q: &[f64]| reorder([q[0], q[1], q[2], q[3]], q[4]);
        gradcheck(f, &all, &flat, &tol()).unwrap();
    }
}

#[test]
fn floats_swapped_in_a_loop_carry_across_iterations() {
    for (x, y) in [(0.3, -1.2), (1.5, 0.25)] {
        let (v, g) = swapped_in_loop_grad(x, y);
        let (u, h) = swapped_in_loop_twin_grad(x, y);
        assert_eq!(v.to_bits(), swapped_in_loop(x, y).to_bits());
        assert_eq!((v.to_bits(), g), (u.to_bits(), h));
        let f = |q: &[f64]| swapped_in_loop(q[0], q[1]);
        gradcheck(f, &[x, y], &[g.0, g.1], &tol()).unwrap();
    }
}

#[test]
fn copies_have_forward_mode_and_hessian_vector_products() {
    let u0 = points(5, -1.0, 1.0, 32);
    let du = points(5, -1.0, 1.0, 33);
    let (a, da) = heat_jvp(&u0, 0.2, &du, 0.5);
    let (b, db) = heat_loop_jvp(&u0, 0.2, &du, 0.5);
    assert_eq!(a.to_bits(), b.to_bits());
    assert_relative_eq!(da, db, max_relative = 1e-14);
    let (_, g1, hv1) = heat_hvp(&u0, 0.2, &du, 0.5);
    let (_, g2, hv2) = heat_loop_hvp(&u0, 0.2, &du, 0.5);
    assert_eq!(g1, g2);
    for i in 0..5 {
        assert_relative_eq!(hv1.0[i], hv2.0[i], max_relative = 1e-13);
    }
    assert_relative_eq!(hv1.1, hv2.1, max_relative = 1e-13);
}

#[test]
fn buffers_in_loops_and_literals_are_the_element_code() {
    for (n, w) in [(0, 0.7), (1, 1.3), (4, 0.4), (4, -0.9)] {
        let x = points(n, -1.0, 1.0, 34);
        let (v, (g, gw)) = literals_grad(&x, w);
        let (u, (h, hw)) = literals_loop_grad(&x, w);
        assert_relative_eq!(v, u, max_relative = 1e-14);
        assert_eq!(v.to_bits(), literals(&x, w).to_bits());
        for i in 0..n {
            assert_relative_eq!(g[i], h[i], max_relative = 1e-13);
        }
        assert_relative_eq!(gw, hw, max_relative = 1e-13);
        let mut q = x.clone();
        q.push(w);
        let mut gq = g.clone();
        gq.push(gw);
        gradcheck(|q: &[f64]| literals(&q[..n], q[n]), &q, &gq, &tol()).unwrap();
        let (mut xb, mut wb) = (vec![0.25; n], 1.0);
        literals_vjp(&x, w, -1.5, &mut xb, &mut wb);
        for i in 0..n {
            assert_relative_eq!(xb[i], 0.25 - 1.5 * g[i], max_relative = 1e-14);
        }
        assert_relative_eq!(wb, 1.0 - 1.5 * gw, max_relative = 1e-14);
    }
}

#[test]
fn tuples_out_of_branches_are_their_elements() {
    for (x, y) in [(0.3, -1.2), (1.5, 0.25), (-0.4, 0.6), (0.9, 1.4)] {
        for k in 0..4 {
            let (v, g) = branch_tuples_grad(x, y, k);
            let (u, h) = branch_tuples_loop_grad(x, y, k);
            assert_eq!(v.to_bits(), u.to_bits());
            // The twin's adjoints add up in another order (`sin` twice, for one).
            assert_relative_eq!(g.0, h.0, max_relative = 1e-14);
            assert_relative_eq!(g.1, h.1, max_relative = 1e-14);
            assert_eq!(v.to_bits(), branch_tuples(x, y, k).to_bits());
            let f = |q: &[f64]| branch_tuples(q[0], q[1], k);
            gradcheck(f, &[x, y], &[g.0, g.1], &tol()).unwrap();
            let (mut xb, mut yb) = (1.0, -2.0);
            branch_tuples_vjp(x, y, k, 0.5, &mut xb, &mut yb);
            assert_relative_eq!(xb, 1.0 + 0.5 * g.0, max_relative = 1e-14);
            assert_relative_eq!(yb, -2.0 + 0.5 * g.1, max_relative = 1e-14);
        }
    }
    for (x, y) in [(2.0f32, 0.5f32), (0.5, 2.0)] {
        let (_, (gx, gy)) = branch_tuples32_grad(x, y);
        let (ex, ey) = if x > y {
            (y * y, 2.0 * x * y)
        } else {
            (y, x + 1.0)
        };
        assert_eq!((gx, gy), (ex, ey));
    }
}

/// A function with an array result, called by others.
#[grad]
fn rotate(q: &[f64; 2], v: f64) -> [f64; 2] {
    [
        q[0] * v.cos() - q[1] * v.sin(),
        q[0] * v.sin() + q[1] * v.cos(),
    ]
}

#[grad]
fn rotate32(q: [f32; 2], v: f32) -> [f32; 2] {
    [q[0] * v, q[1] + v]
}

/// Its result bound with its type written, and bound to a name that is then indexed and
/// iterated: the call returns an array, as the uses say.
#[grad]
fn rotated(x: f64, y: f64, v: f64) -> f64 {
    let q = [x, y];
    let typed: [f64; 2] = rotate(&q, v);
    let r = rotate(&[y, x], 2.0 * v);
    let s: f64 = r.iter().map(|c| c * c).sum();
    typed[0] / (1.0 + typed[1] * typed[1]) + r[1] * s
}

#[grad]
fn rotated_twin(x: f64, y: f64, v: f64) -> f64 {
    let (c, s) = (v.cos(), v.sin());
    let t0 = x * c - y * s;
    let t1 = x * s + y * c;
    let (c2, s2) = ((2.0 * v).cos(), (2.0 * v).sin());
    let r0 = y * c2 - x * s2;
    let r1 = y * s2 + x * c2;
    let sum = r0 * r0 + r1 * r1;
    t0 / (1.0 + t1 * t1) + r1 * sum
}

#[grad]
fn rotated32(x: f32, y: f32) -> f32 {
    let r = rotate32([x, y], y);
    r[0] * r[1]
}

/// A call indexed where it stands, `rotate(&q, v)[0]`, in a loop and a branch, and an
/// integer helper's `Vec` indexed so.
#[grad]
fn indexed_calls(x: &[f64], v: f64) -> f64 {
    let mut s = 0.0;
    for (k, &xk) in x.iter().enumerate() {
        s += rotate(&[xk, v], v)[1] * rotate(&[v, xk], xk)[0];
        if xk > 0.5 {
            s += rotate(&[s, 1.0], v)[0] * order(x.len())[k] as f64;
        }
    }
    s
}

fn order(n: usize) -> Vec<usize> {
    (0..n).rev().collect()
}

#[grad]
fn indexed_calls_bound(x: &[f64], v: f64) -> f64 {
    let mut s = 0.0;
    for (k, &xk) in x.iter().enumerate() {
        let a = rotate(&[xk, v], v);
        let b = rotate(&[v, xk], xk);
        s += a[1] * b[0];
        if xk > 0.5 {
            let c = rotate(&[s, 1.0], v);
            let o = order(x.len());
            s += c[0] * o[k] as f64;
        }
    }
    s
}

#[test]
fn a_call_indexed_where_it_stands_returns_an_array() {
    let x = [0.3, 0.9, -1.2, 1.4];
    let (v, (g, gv)) = indexed_calls_grad(&x, 0.7);
    let (u, (h, hv)) = indexed_calls_bound_grad(&x, 0.7);
    assert_eq!(v.to_bits(), indexed_calls(&x, 0.7).to_bits());
    assert_eq!((v.to_bits(), gv.to_bits()), (u.to_bits(), hv.to_bits()));
    assert_eq!(g, h);
    let mut q = x.to_vec();
    q.push(0.7);
    let mut gq = g;
    gq.push(gv);
    gradcheck(|q: &[f64]| indexed_calls(&q[..4], q[4]), &q, &gq, &tol()).unwrap();
}

#[test]
fn calls_return_arrays() {
    for (x, y, v) in [(0.5, 1.5, 0.3), (-1.0, 0.25, 2.0)] {
        let (a, g) = rotated_grad(x, y, v);
        let (b, h) = rotated_twin_grad(x, y, v);
        assert_relative_eq!(a, b, max_relative = 1e-14);
        assert_relative_eq!(g.0, h.0, max_relative = 1e-12);
        assert_relative_eq!(g.1, h.1, max_relative = 1e-12);
        assert_relative_eq!(g.2, h.2, max_relative = 1e-12);
        let f = |q: &[f64]| rotated(q[0], q[1], q[2]);
        gradcheck(f, &[x, y, v], &[g.0, g.1, g.2], &tol()).unwrap();
    }
    // (x y)(y + y) = 2 x y²: its gradient is (2 y², 4 x y).
    let (v, (gx, gy)) = rotated32_grad(2.0, 0.5);
    assert_eq!((v, gx, gy), (1.0, 0.5, 4.0));
}

#[grad(hvp)]
fn site_energy(p: &[f64; 3]) -> f64 {
    p[0] * p[1] + p[2].sin() * p[0]
}

#[grad]
fn squares(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

/// A buffer refilled each time round a loop and passed to a `#[grad]` function, one made in
/// the loop and passed, and one written after the call that read it: each call's derivative
/// sees the array as the call did (the forward sweep keeps a copy where it is written after).
#[grad(hvp)]
fn refilled(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    let mut p = [0.0; 3];
    for i in 0..xs.len() - 2 {
        for k in 0..3 {
            p[k] = xs[i + k] * 2.0;
        }
        s += site_energy(&p);
        let q = [xs[i + 2], xs[i + 1], xs[i]];
        s += 0.5 * site_energy(&q);
    }
    s
}

/// The same, its loop checkpointed: the copies are made again as segments are recomputed.
#[grad]
fn refilled_checkpointed(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    let mut p = [0.0; 3];
    #[checkpoint(every = 2)]
    for i in 0..xs.len() - 2 {
        for k in 0..3 {
            p[k] = xs[i + k] * 2.0;
        }
        s += site_energy(&p);
        let q = [xs[i + 2], xs[i + 1], xs[i]];
        s += 0.5 * site_energy(&q);
    }
    s
}

#[grad(hvp)]
fn refilled_twin(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..xs.len() - 2 {
        let (a, b, c) = (xs[i] * 2.0, xs[i + 1] * 2.0, xs[i + 2] * 2.0);
        s += a * b + c.sin() * a;
        let (d, e, f) = (xs[i + 2], xs[i + 1], xs[i]);
        s += 0.5 * (d * e + f.sin() * d);
    }
    s
}

#[grad]
fn written_after(x: &[f64]) -> f64 {
    let mut buf = vec![0.0; x.len()];
    for i in 0..x.len() {
        buf[i] = x[i].sin();
    }
    let t = squares(&buf);
    buf[0] = t;
    buf[0] * 2.0 + squares(&buf)
}

#[test]
fn arrays_written_after_a_call_are_seen_by_it_as_they_were() {
    let xs = [0.3, 0.7, 1.1, 0.4, 0.9];
    let (v, g) = refilled_grad(&xs);
    let (u, h) = refilled_twin_grad(&xs);
    assert_relative_eq!(v, u, max_relative = 1e-14);
    for i in 0..xs.len() {
        assert_relative_eq!(g[i], h[i], max_relative = 1e-13);
    }
    gradcheck(refilled, &xs, &g, &tol()).unwrap();
    let (w, k) = refilled_checkpointed_grad(&xs);
    assert_eq!((w.to_bits(), &k), (v.to_bits(), &g));
    let dir = [1.0, -0.5, 0.25, 0.0, 2.0];
    let (_, _, hv) = refilled_hvp(&xs, &dir);
    let (_, _, hw) = refilled_twin_hvp(&xs, &dir);
    for i in 0..xs.len() {
        assert_relative_eq!(hv[i], hw[i], max_relative = 1e-12, epsilon = 1e-14);
    }
    let x = [0.5, -1.0, 0.25];
    let (_, g) = written_after_grad(&x);
    gradcheck(written_after, &x, &g, &tol()).unwrap();
}

/// Arrays made where the reverse sweep cannot see them: a call's array result in a loop, a
/// `vec!` of a length known only there, a buffer in a branch passed to a call.
#[grad]
fn made_in_loops(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let r = rotate(&[x[i], w], w * i as f64);
        s += r[0] * r[1];
        let mut b = vec![0.0; x.len()];
        for j in 0..x.len() {
            b[j] = x[j] * w + i as f64;
        }
        s += b.iter().map(|v| v * v).sum::<f64>() * x[i];
        if s > 1.0 {
            let c = vec![s, w];
            s = 0.5 * s + squares(&c);
        }
    }
    s
}

#[grad]
fn made_in_loops_twin(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let v = w * i as f64;
        let (c, sn) = (v.cos(), v.sin());
        let r0 = x[i] * c - w * sn;
        let r1 = x[i] * sn + w * c;
        s += r0 * r1;
        let mut t = 0.0;
        for j in 0..x.len() {
            let b = x[j] * w + i as f64;
            t += b * b;
        }
        s += t * x[i];
        if s > 1.0 {
            s = 0.5 * s + (s * s + w * w);
        }
    }
    s
}

#[test]
fn arrays_made_in_loops_and_branches() {
    for n in [1, 3, 5] {
        let x = points(n, -1.0, 1.0, 35);
        let (v, (g, gw)) = made_in_loops_grad(&x, 0.6);
        let (u, (h, hw)) = made_in_loops_twin_grad(&x, 0.6);
        assert_relative_eq!(v, u, max_relative = 1e-12);
        for i in 0..n {
            assert_relative_eq!(g[i], h[i], max_relative = 1e-11);
        }
        assert_relative_eq!(gw, hw, max_relative = 1e-11);
        let mut q = x.clone();
        q.push(0.6);
        let mut gq = g;
        gq.push(gw);
        gradcheck(|q: &[f64]| made_in_loops(&q[..n], q[n]), &q, &gq, &tol()).unwrap();
    }
}

/// A `vec!` made in each iteration, through second order.
#[grad(hvp)]
fn vec_in_loop(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut b = vec![0.0; x.len()];
        for j in 0..x.len() {
            b[j] = x[j] * w + i as f64;
        }
        s += b.iter().map(|v| v * v).sum::<f64>() * x[i];
    }
    s
}

#[test]
fn buffers_made_in_loops_have_hessian_vector_products() {
    let (x, d, dw) = ([0.5, -1.0, 2.0], [1.0, 0.0, 0.5], 0.25);
    let (_, _, (hx, hw)) = vec_in_loop_hvp(&x, 0.7, &d, dw);
    let h = 1e-6;
    let shifted = |s: f64| {
        let p: Vec<f64> = x.iter().zip(&d).map(|(a, b)| a + s * b).collect();
        vec_in_loop_grad(&p, 0.7 + s * dw).1
    };
    let (up, down) = (shifted(h), shifted(-h));
    for i in 0..3 {
        assert_relative_eq!(
            hx[i],
            (up.0[i] - down.0[i]) / (2.0 * h),
            max_relative = 1e-6
        );
    }
    assert_relative_eq!(hw, (up.1 - down.1) / (2.0 * h), max_relative = 1e-6);
}
