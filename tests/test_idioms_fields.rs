//! Functions from physics, statistics, ML, geometry and numerics, written the way their
//! authors write Rust (iterator chains, closures, tuples, views), each checked against central
//! differences. They are clippy-clean as written.

use autodiff::check::{gradcheck, Tolerance};
use autodiff::grad;

mod common;
use common::points;

/// Hinge-loss SVM over rows of a row-major design matrix, with an L2 penalty.
#[grad(wrt(w))]
fn svm_loss(w: &[f64], x: &[f64], y: &[f64], lambda: f64) -> f64 {
    let d = w.len();
    let hinge: f64 = x
        .chunks_exact(d)
        .zip(y)
        .map(|(xi, &yi)| {
            let margin = yi * xi.iter().zip(w).map(|(a, b)| a * b).sum::<f64>();
            (1.0 - margin).max(0.0)
        })
        .sum();
    hinge / y.len() as f64 + lambda * w.iter().map(|v| v * v).sum::<f64>()
}

/// Spring energy of a cloth: positions `&[[f64; 3]]`, springs as index pairs.
#[grad(wrt(p))]
fn cloth_energy(p: &[[f64; 3]], springs: &[usize], rest: f64, k: f64) -> f64 {
    let mut e = 0.0;
    for s in 0..springs.len() / 2 {
        let (i, j) = (springs[2 * s], springs[2 * s + 1]);
        let (dx, dy, dz) = (p[i][0] - p[j][0], p[i][1] - p[j][1], p[i][2] - p[j][2]);
        let len = (dx * dx + dy * dy + dz * dz).sqrt();
        e += 0.5 * k * (len - rest).powi(2);
    }
    e
}

/// Squared reprojection error of a pinhole camera, with tuples.
#[grad(wrt(p, f))]
fn reprojection(p: [f64; 3], f: f64, c: [f64; 2], observed: [f64; 2]) -> f64 {
    let [x, y, z] = p;
    let (u, v) = (f * x / z + c[0], f * y / z + c[1]);
    let (du, dv) = (u - observed[0], v - observed[1]);
    du * du + dv * dv
}

/// Distance from a ray to a sphere's surface along the ray, or the miss distance.
#[grad]
fn ray_sphere(o: [f64; 3], d: [f64; 3], center: [f64; 3], r: f64) -> f64 {
    let norm = d.iter().map(|v| v * v).sum::<f64>().sqrt();
    let oc: f64 = o.iter().zip(&center).map(|(a, b)| (a - b) * (a - b)).sum();
    let b: f64 = o
        .iter()
        .zip(&center)
        .zip(&d)
        .map(|((a, c), v)| (a - c) * v / norm)
        .sum();
    let disc = b * b - (oc - r * r);
    if disc > 0.0 {
        -b - disc.sqrt()
    } else {
        (oc - b * b).sqrt() - r
    }
}

/// A GRU cell's new state, summed: weights as row-major slices read row by row.
#[grad(wrt(wz, wh))]
fn gru(x: &[f64], h: &[f64], wz: &[f64], wh: &[f64]) -> f64 {
    let n = h.len();
    let mut out = 0.0;
    for ((rz, rh), &hi) in wz.chunks(n).zip(wh.chunks(n)).zip(h) {
        let dot = |row: &[f64]| -> f64 { row.iter().zip(x).map(|(a, b)| a * b).sum() };
        let z = autodiff::sigmoid(dot(rz));
        let cand = dot(rh).tanh();
        out += (1.0 - z) * hi + z * cand;
    }
    out
}

/// A few Adam steps on a quadratic, then the loss at the end, as a function of the start.
#[grad(wrt(w0))]
fn adam(w0: &[f64], target: &[f64], lr: f64) -> f64 {
    let n = w0.len();
    let mut w = vec![0.0; n];
    for (wi, &v) in w.iter_mut().zip(w0) {
        *wi = v;
    }
    let (mut m, mut v) = (vec![0.0; n], vec![0.0; n]);
    let (b1, b2) = (0.9, 0.999);
    for step in 1..4 {
        let (c1, c2) = (1.0 - 0.9f64.powi(step), 1.0 - 0.999f64.powi(step));
        for i in 0..n {
            let g = 2.0 * (w[i] - target[i]);
            m[i] = b1 * m[i] + (1.0 - b1) * g;
            v[i] = b2 * v[i] + (1.0 - b2) * g * g;
            w[i] -= lr * (m[i] / c1) / ((v[i] / c2).sqrt() + 1e-8);
        }
    }
    w.iter().zip(target).map(|(a, b)| (a - b).powi(2)).sum()
}

/// One scalar Kalman filter update: the posterior mean's squared error and its variance.
#[grad]
fn kalman(mean: f64, var: f64, z: f64, noise: f64) -> f64 {
    let gain = var / (var + noise);
    let (m, p) = (mean + gain * (z - mean), (1.0 - gain) * var);
    (m - z).powi(2) + p
}

/// Catmull–Rom evaluation of a curve through `ys` at the parameter `t`.
#[grad(wrt(ys, t))]
fn catmull_rom(ys: &[f64], t: f64) -> f64 {
    let seg = (t.floor() as usize).min(ys.len() - 4);
    let u = t - seg as f64;
    let w = &ys[seg..seg + 4];
    let (u2, u3) = (u * u, u * u * u);
    0.5 * (2.0 * w[1]
        + (w[2] - w[0]) * u
        + (2.0 * w[0] - 5.0 * w[1] + 4.0 * w[2] - w[3]) * u2
        + (3.0 * w[1] - w[0] - 3.0 * w[2] + w[3]) * u3)
}

/// Velocity-Verlet steps of two bodies on a spring in 2D; the final kinetic energy.
#[grad(wrt(q0))]
fn verlet(q0: &[f64], k: f64, dt: f64) -> f64 {
    let mut q = [0.0; 4];
    for (qi, &v) in q.iter_mut().zip(q0) {
        *qi = v;
    }
    let mut vel = [0.0; 4];
    let force = |a: f64, b: f64| -k * (a - b);
    for _ in 0..5 {
        let (f0, f1) = (force(q[0], q[2]), force(q[1], q[3]));
        vel[0] += 0.5 * dt * f0;
        vel[1] += 0.5 * dt * f1;
        vel[2] -= 0.5 * dt * f0;
        vel[3] -= 0.5 * dt * f1;
        for (qi, vi) in q.iter_mut().zip(vel) {
            *qi += dt * vi;
        }
        let (g0, g1) = (force(q[0], q[2]), force(q[1], q[3]));
        vel[0] += 0.5 * dt * g0;
        vel[1] += 0.5 * dt * g1;
        vel[2] -= 0.5 * dt * g0;
        vel[3] -= 0.5 * dt * g1;
    }
    0.5 * vel.iter().map(|v| v * v).sum::<f64>()
}

/// Gaussian log-likelihood of residuals, with a `fold` for the largest one.
#[grad(wrt(mu, log_sigma))]
fn gaussian_nll(data: &[f64], mu: f64, log_sigma: f64) -> f64 {
    let sigma = log_sigma.exp();
    let nll: f64 = data
        .iter()
        .map(|&x| 0.5 * ((x - mu) / sigma).powi(2) + log_sigma)
        .sum();
    let worst = data.iter().fold(0.0f64, |m, &x| m.max((x - mu).abs()));
    nll + 0.01 * worst
}

/// A Gaussian process's negative log marginal likelihood, through a small Cholesky
/// factorisation of its squared-exponential kernel.
#[grad(wrt(xs, log_ell))]
fn gp_nll(xs: &[f64], ys: &[f64], log_ell: f64, noise: f64) -> f64 {
    let n = xs.len();
    let ell = log_ell.exp();
    let mut l = vec![0.0; n * n];
    for (i, &xi) in xs.iter().enumerate() {
        for (j, &xj) in xs.iter().enumerate().take(i + 1) {
            let k = (-0.5 * ((xi - xj) / ell).powi(2)).exp() + if i == j { noise } else { 0.0 };
            let dot: f64 = (0..j).map(|m| l[i * n + m] * l[j * n + m]).sum();
            l[i * n + j] = if i == j {
                (k - dot).sqrt()
            } else {
                (k - dot) / l[j * n + j]
            };
        }
    }
    // Forward substitution L α = y, then ½ αᵀα + Σ log Lᵢᵢ.
    let mut alpha = vec![0.0; n];
    for i in 0..n {
        let dot: f64 = (0..i).map(|m| l[i * n + m] * alpha[m]).sum();
        alpha[i] = (ys[i] - dot) / l[i * n + i];
    }
    let fit: f64 = alpha.iter().map(|a| a * a).sum();
    let logdet: f64 = (0..n).map(|i| l[i * n + i].ln()).sum();
    0.5 * fit + logdet
}

/// Pairwise gravitational potential of bodies in 3D, rows of `&[[f64; 3]]`, softened.
#[grad(wrt(p))]
fn potential(p: &[[f64; 3]], masses: &[f64]) -> f64 {
    let mut e = 0.0;
    for (i, (pi, mi)) in p.iter().zip(masses).enumerate() {
        for (pj, mj) in p.iter().zip(masses).skip(i + 1) {
            let r2: f64 = pi.iter().zip(pj).map(|(a, b)| (a - b) * (a - b)).sum();
            e -= mi * mj / (r2 + 0.01).sqrt();
        }
    }
    e
}

fn tol() -> Tolerance {
    Tolerance {
        step: 1e-6,
        rel: 1e-5,
        abs: 1e-6,
    }
}

#[test]
fn svm_loss_against_central_differences() {
    let (x, y) = (points(12, -1.0, 1.0, 1), [1.0, -1.0, 1.0, -1.0]);
    let w = points(3, -0.5, 0.5, 2);
    let (_, g) = svm_loss_grad(&w, &x, &y, 0.1);
    gradcheck(|w: &[f64]| svm_loss(w, &x, &y, 0.1), &w, &g, &tol()).unwrap();
}

#[test]
fn cloth_energy_against_central_differences() {
    let flat = points(12, -1.0, 1.0, 3);
    let p: Vec<[f64; 3]> = flat.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
    let springs = [0, 1, 1, 2, 2, 3, 3, 0, 0, 2];
    let (_, g) = cloth_energy_grad(&p, &springs, 0.5, 3.0);
    let unflat = |q: &[f64]| -> Vec<[f64; 3]> { q.chunks(3).map(|c| [c[0], c[1], c[2]]).collect() };
    let gflat: Vec<f64> = g.iter().flatten().copied().collect();
    gradcheck(
        |q: &[f64]| cloth_energy(&unflat(q), &springs, 0.5, 3.0),
        &flat,
        &gflat,
        &tol(),
    )
    .unwrap();
}

#[test]
fn reprojection_against_central_differences() {
    let (c, obs) = ([0.1, -0.2], [0.3, 0.4]);
    let (_, (gp, gf)) = reprojection_grad([0.5, -0.3, 2.0], 1.5, c, obs);
    let q = [0.5, -0.3, 2.0, 1.5];
    let f = |q: &[f64]| reprojection([q[0], q[1], q[2]], q[3], c, obs);
    gradcheck(f, &q, &[gp[0], gp[1], gp[2], gf], &tol()).unwrap();
}

#[test]
fn ray_sphere_hit_and_miss_against_central_differences() {
    for center in [[0.1, 0.2, 3.0], [2.0, 1.5, 3.0]] {
        let (_, (go, gd, gc, gr)) = ray_sphere_grad([0.0, 0.0, 0.0], [0.1, 0.05, 1.0], center, 0.8);
        let q: Vec<f64> = [[0.0, 0.0, 0.0], [0.1, 0.05, 1.0], center].concat();
        let mut q = q;
        q.push(0.8);
        let g: Vec<f64> = [go, gd, gc].concat().into_iter().chain([gr]).collect();
        let f = |q: &[f64]| {
            ray_sphere(
                [q[0], q[1], q[2]],
                [q[3], q[4], q[5]],
                [q[6], q[7], q[8]],
                q[9],
            )
        };
        gradcheck(f, &q, &g, &tol()).unwrap();
    }
}

#[test]
fn gru_against_central_differences() {
    let (x, h) = (points(3, -1.0, 1.0, 4), points(2, -1.0, 1.0, 5));
    let (wz, wh) = (points(6, -0.5, 0.5, 6), points(6, -0.5, 0.5, 7));
    let (_, (gz, gh)) = gru_grad(&x, &h, &wz, &wh);
    let q: Vec<f64> = [wz.clone(), wh.clone()].concat();
    let g: Vec<f64> = [gz, gh].concat();
    gradcheck(|q: &[f64]| gru(&x, &h, &q[..6], &q[6..]), &q, &g, &tol()).unwrap();
}

#[test]
fn adam_steps_against_central_differences() {
    // Away from `w = target`, where Adam's `m / √v` turns on the `1e-8` and the derivative
    // is steep enough to defeat central differences.
    let (w0, target) = ([0.3, -0.5, 0.8], [0.1, 0.4, -0.2]);
    let (_, g) = adam_grad(&w0, &target, 0.05);
    gradcheck(|w: &[f64]| adam(w, &target, 0.05), &w0, &g, &tol()).unwrap();
}

#[test]
fn kalman_update_against_central_differences() {
    let (_, (a, b, c, d)) = kalman_grad(0.3, 0.8, 1.1, 0.4);
    let f = |q: &[f64]| kalman(q[0], q[1], q[2], q[3]);
    gradcheck(f, &[0.3, 0.8, 1.1, 0.4], &[a, b, c, d], &tol()).unwrap();
}

#[test]
fn catmull_rom_against_central_differences() {
    let ys = points(7, -1.0, 1.0, 10);
    for t in [0.3, 1.6, 2.9] {
        let (_, (gy, gt)) = catmull_rom_grad(&ys, t);
        let mut q = ys.clone();
        q.push(t);
        let mut g = gy;
        g.push(gt);
        gradcheck(|q: &[f64]| catmull_rom(&q[..7], q[7]), &q, &g, &tol()).unwrap();
    }
}

#[test]
fn verlet_against_central_differences() {
    let q0 = [0.0, 0.1, 1.0, -0.2];
    let (_, g) = verlet_grad(&q0, 2.0, 0.05);
    gradcheck(|q: &[f64]| verlet(q, 2.0, 0.05), &q0, &g, &tol()).unwrap();
}

#[test]
fn gaussian_nll_against_central_differences() {
    let data = points(8, -2.0, 2.0, 11);
    let (_, (gm, gs)) = gaussian_nll_grad(&data, 0.2, -0.1);
    let f = |q: &[f64]| gaussian_nll(&data, q[0], q[1]);
    gradcheck(f, &[0.2, -0.1], &[gm, gs], &tol()).unwrap();
}

#[test]
fn gp_negative_log_likelihood_against_central_differences() {
    let xs = [-1.2, -0.3, 0.4, 1.5];
    let ys = [0.3, -0.1, 0.8, 0.2];
    let (_, (gx, gl)) = gp_nll_grad(&xs, &ys, 0.1, 0.05);
    let mut q = xs.to_vec();
    q.push(0.1);
    let mut g = gx;
    g.push(gl);
    gradcheck(|q: &[f64]| gp_nll(&q[..4], &ys, q[4], 0.05), &q, &g, &tol()).unwrap();
}

#[test]
fn potential_against_central_differences() {
    let flat = points(9, -1.0, 1.0, 12);
    let p: Vec<[f64; 3]> = flat.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
    let masses = [1.0, 2.0, 0.5];
    let (_, g) = potential_grad(&p, &masses);
    let unflat = |q: &[f64]| -> Vec<[f64; 3]> { q.chunks(3).map(|c| [c[0], c[1], c[2]]).collect() };
    let gflat: Vec<f64> = g.iter().flatten().copied().collect();
    gradcheck(
        |q: &[f64]| potential(&unflat(q), &masses),
        &flat,
        &gflat,
        &tol(),
    )
    .unwrap();
}

/// How many bodies [`nbody_energy`] integrates.
const BODIES: usize = 3;

/// A leapfrog N-body integration (kick, then drift): the state copied from the inputs, the
/// accelerations in a buffer made anew each step, the kinetic plus potential energy at the end.
#[grad(wrt(pos, vel))]
fn nbody_energy(pos: &[[f64; 3]], vel: &[[f64; 3]], mass: &[f64], dt: f64, steps: usize) -> f64 {
    let mut x = pos.to_vec();
    let mut v = vel.to_vec();
    for _ in 0..steps {
        let mut acc = [[0.0; 3]; BODIES];
        for i in 0..BODIES {
            for j in 0..BODIES {
                if i != j {
                    let d = [x[j][0] - x[i][0], x[j][1] - x[i][1], x[j][2] - x[i][2]];
                    let r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2] + 0.01;
                    let s = mass[j] / (r2 * r2.sqrt());
                    for k in 0..3 {
                        acc[i][k] += s * d[k];
                    }
                }
            }
        }
        for i in 0..BODIES {
            for k in 0..3 {
                v[i][k] += dt * acc[i][k];
                x[i][k] += dt * v[i][k];
            }
        }
    }
    let kinetic: f64 = v
        .iter()
        .zip(mass)
        .map(|(vi, m)| 0.5 * m * vi.iter().map(|c| c * c).sum::<f64>())
        .sum();
    let mut potential = 0.0;
    for i in 0..BODIES {
        for j in i + 1..BODIES {
            let [dx, dy, dz] = [x[j][0] - x[i][0], x[j][1] - x[i][1], x[j][2] - x[i][2]];
            potential -= mass[i] * mass[j] / (dx * dx + dy * dy + dz * dz + 0.01).sqrt();
        }
    }
    kinetic + potential
}

#[test]
fn nbody_against_central_differences() {
    let flat = points(18, -1.0, 1.0, 13);
    let rows = |q: &[f64]| -> Vec<[f64; 3]> { q.chunks(3).map(|c| [c[0], c[1], c[2]]).collect() };
    let mass = [1.0, 0.5, 2.0];
    let (_, (gp, gv)) = nbody_energy_grad(&rows(&flat[..9]), &rows(&flat[9..]), &mass, 0.01, 5);
    let g: Vec<f64> = gp.iter().chain(&gv).flatten().copied().collect();
    let f = |q: &[f64]| nbody_energy(&rows(&q[..9]), &rows(&q[9..]), &mass, 0.01, 5);
    gradcheck(f, &flat, &g, &tol()).unwrap();
}

/// A Monte Carlo price of a European call with antithetic normals, the payoff a closure.
#[grad(wrt(s0, sigma, rate))]
fn mc_call_price(s0: f64, sigma: f64, rate: f64, strike: f64, t: f64, normals: &[f64]) -> f64 {
    let drift = (rate - 0.5 * sigma * sigma) * t;
    let vol = sigma * t.sqrt();
    let payoff = |z: f64| (s0 * (drift + vol * z).exp() - strike).max(0.0);
    let total: f64 = normals
        .iter()
        .map(|&z| 0.5 * (payoff(z) + payoff(-z)))
        .sum();
    (-rate * t).exp() * total / normals.len() as f64
}

/// The squared distance from a two-link arm's hand to a target: forward kinematics as a
/// closure returning a tuple, the elbow's side chosen by a branch that gives a tuple.
#[grad(wrt(theta))]
fn reach_error(theta: [f64; 2], lengths: [f64; 2], target: [f64; 2], elbow_up: bool) -> f64 {
    let [l1, l2] = lengths;
    let [t1, t2] = theta;
    let hand = |a: f64, b: f64| {
        (
            l1 * a.cos() + l2 * (a + b).cos(),
            l1 * a.sin() + l2 * (a + b).sin(),
        )
    };
    let (x, y) = if elbow_up {
        hand(t1, t2)
    } else {
        hand(t1, -t2)
    };
    let (dx, dy) = (x - target[0], y - target[1]);
    dx * dx + dy * dy
}

/// How far a unit quaternion (normalised first) rotates `v` from `target`: the rotation
/// matrix a nested literal, applied row by row.
#[grad(wrt(q))]
fn rotation_error(q: [f64; 4], v: [f64; 3], target: [f64; 3]) -> f64 {
    let [w, x, y, z] = q;
    let n = (w * w + x * x + y * y + z * z).sqrt();
    let (w, x, y, z) = (w / n, x / n, y / n, z / n);
    let r = [
        [
            1.0 - 2.0 * (y * y + z * z),
            2.0 * (x * y - w * z),
            2.0 * (x * z + w * y),
        ],
        [
            2.0 * (x * y + w * z),
            1.0 - 2.0 * (x * x + z * z),
            2.0 * (y * z - w * x),
        ],
        [
            2.0 * (x * z - w * y),
            2.0 * (y * z + w * x),
            1.0 - 2.0 * (x * x + y * y),
        ],
    ];
    let mut e = 0.0;
    for (row, t) in r.iter().zip(&target) {
        let rv: f64 = row.iter().zip(&v).map(|(a, b)| a * b).sum();
        e += (rv - t).powi(2);
    }
    e
}

/// A cubic Hermite spline at `at`: the segment found by a `while`, the basis as a tuple.
#[grad(wrt(ys, slopes))]
fn hermite(xs: &[f64], ys: &[f64], slopes: &[f64], at: f64) -> f64 {
    let mut k = 0;
    while k + 2 < xs.len() && at > xs[k + 1] {
        k += 1;
    }
    let (x0, x1) = (xs[k], xs[k + 1]);
    let h = x1 - x0;
    let t = (at - x0) / h;
    let (t2, t3) = (t * t, t * t * t);
    let (h00, h10, h01, h11) = (
        2.0 * t3 - 3.0 * t2 + 1.0,
        t3 - 2.0 * t2 + t,
        -2.0 * t3 + 3.0 * t2,
        t3 - t2,
    );
    h00 * ys[k] + h10 * h * slopes[k] + h01 * ys[k + 1] + h11 * h * slopes[k + 1]
}

/// The 1-D wave equation by leapfrog, three buffers rotated with `std::mem::swap`.
#[grad(wrt(u0, c))]
fn wave_energy(u0: &[f64], c: f64, steps: usize) -> f64 {
    let n = u0.len();
    let mut prev = u0.to_vec();
    let mut cur = u0.to_vec();
    let mut next = vec![0.0; n];
    let r = c * c;
    for _ in 0..steps {
        for i in 1..n - 1 {
            next[i] = 2.0 * cur[i] - prev[i] + r * (cur[i - 1] - 2.0 * cur[i] + cur[i + 1]);
        }
        std::mem::swap(&mut prev, &mut cur);
        std::mem::swap(&mut cur, &mut next);
    }
    let strain: f64 = cur.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum();
    cur.iter().map(|u| u * u).sum::<f64>() + r * strain
}

/// A trimmed mean: an insertion sort of a copy with `swap`, then the mean of the middle.
#[grad]
fn trimmed_mean(x: &[f64], trim: usize) -> f64 {
    let mut s = x.to_vec();
    for i in 1..s.len() {
        let mut j = i;
        while j > 0 && s[j - 1] > s[j] {
            s.swap(j - 1, j);
            j -= 1;
        }
    }
    let kept = &s[trim..s.len() - trim];
    kept.iter().sum::<f64>() / kept.len() as f64
}

/// One head of softmax attention: scores collected, shifted by their maximum, weighed.
#[grad(wrt(q, keys, values))]
fn attention(q: &[f64], keys: &[Vec<f64>], values: &[f64]) -> f64 {
    let scale = 1.0 / (q.len() as f64).sqrt();
    let scores: Vec<f64> = keys
        .iter()
        .map(|k| k.iter().zip(q).map(|(a, b)| a * b).sum::<f64>() * scale)
        .collect();
    let top = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = scores.iter().map(|s| (s - top).exp()).collect();
    let z: f64 = weights.iter().sum();
    weights.iter().zip(values).map(|(w, v)| w * v).sum::<f64>() / z
}

#[test]
fn mc_call_price_against_central_differences() {
    let normals = points(16, -2.0, 2.0, 14);
    let (_, (gs, gsig, gr)) = mc_call_price_grad(100.0, 0.2, 0.03, 95.0, 1.0, &normals);
    let f = |q: &[f64]| mc_call_price(q[0], q[1], q[2], 95.0, 1.0, &normals);
    gradcheck(f, &[100.0, 0.2, 0.03], &[gs, gsig, gr], &tol()).unwrap();
}

#[test]
fn reach_error_against_central_differences() {
    for elbow_up in [true, false] {
        let (theta, lengths, target) = ([0.4, 0.9], [1.0, 0.7], [0.8, 1.1]);
        let (_, g) = reach_error_grad(theta, lengths, target, elbow_up);
        let f = |q: &[f64]| reach_error([q[0], q[1]], lengths, target, elbow_up);
        gradcheck(f, &theta, &g, &tol()).unwrap();
    }
}

#[test]
fn rotation_error_against_central_differences() {
    let q = [0.9, 0.1, -0.3, 0.2];
    let (v, target) = ([1.0, -0.5, 0.25], [0.3, 0.8, -0.6]);
    let (_, g) = rotation_error_grad(q, v, target);
    let f = |p: &[f64]| rotation_error([p[0], p[1], p[2], p[3]], v, target);
    gradcheck(f, &q, &g, &tol()).unwrap();
}

#[test]
fn hermite_against_central_differences() {
    let xs = [0.0, 0.5, 1.25, 2.0];
    let (ys, slopes) = ([0.2, -0.4, 0.9, 0.1], [1.0, 0.0, -0.5, 0.3]);
    for at in [0.3, 0.9, 1.7] {
        let (_, (gy, gs)) = hermite_grad(&xs, &ys, &slopes, at);
        let both: Vec<f64> = ys.iter().chain(&slopes).copied().collect();
        let g: Vec<f64> = gy.iter().chain(&gs).copied().collect();
        let f = |q: &[f64]| hermite(&xs, &q[..4], &q[4..], at);
        gradcheck(f, &both, &g, &tol()).unwrap();
    }
}

#[test]
fn wave_energy_against_central_differences() {
    let u0 = points(8, -1.0, 1.0, 15);
    let (_, (gu, gc)) = wave_energy_grad(&u0, 0.4, 6);
    let mut q = u0.clone();
    q.push(0.4);
    let mut g = gu;
    g.push(gc);
    gradcheck(|q: &[f64]| wave_energy(&q[..8], q[8], 6), &q, &g, &tol()).unwrap();
}

#[test]
fn trimmed_mean_against_central_differences() {
    let x = points(9, -2.0, 2.0, 16);
    let (v, g) = trimmed_mean_grad(&x, 2);
    let mut sorted = x.clone();
    sorted.sort_by(f64::total_cmp);
    let expect: f64 = sorted[2..7].iter().sum::<f64>() / 5.0;
    approx::assert_relative_eq!(v, expect, max_relative = 1e-15);
    gradcheck(|q: &[f64]| trimmed_mean(q, 2), &x, &g, &tol()).unwrap();
}

#[test]
fn attention_against_central_differences() {
    let flat = points(12, -1.0, 1.0, 17);
    let rows = |q: &[f64]| -> Vec<Vec<f64>> { q.chunks(3).map(|c| c.to_vec()).collect() };
    let (q, values) = ([0.5, -0.2, 0.8], [1.0, -1.0, 0.5, 2.0]);
    let (_, (gq, gk, gv)) = attention_grad(&q, &rows(&flat), &values);
    let all: Vec<f64> = q.iter().chain(&flat).chain(&values).copied().collect();
    let g: Vec<f64> = gq
        .iter()
        .chain(gk.iter().flatten())
        .chain(&gv)
        .copied()
        .collect();
    let f = |p: &[f64]| attention(&p[..3], &rows(&p[3..15]), &p[15..]);
    gradcheck(f, &all, &g, &tol()).unwrap();
}
