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
