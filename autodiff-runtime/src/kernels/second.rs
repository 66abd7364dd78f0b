//! The kernels' second-order rules: `NAME_jvp_vjp(<NAME's parameters>, <its tangents>, seed,
//! tangent_seed, <its bars>, <its tangents' bars>)`, the reverse of `NAME_jvp`, what a
//! `#[grad(hvp)]` caller calls. Into each bar goes `seedᵀ ∂y/∂x + tangent_seedᵀ ∂ẏ/∂x`, into each
//! tangent's bar `tangent_seedᵀ ∂ẏ/∂ẋ = tangent_seedᵀ ∂y/∂x`; the rule returns the value.
//!
//! - A kernel that returns `f64` takes `f64` seeds; one that returns `Vec<f64>` takes `&[f64]`
//!   seeds of the output's length, and an **empty** seed is a zero one (its work is skipped).
//! - Empty tangents are zero and empty bars unwanted, as in the forward and reverse rules.
//! - A bilinear kernel (`dot`, `matvec`, `matmul`) needs no rule of its own: its tangent is
//!   bilinear too, so its second-order rule is three calls of its first-order one.
//! - Elementwise kernels follow their second derivatives; `relu`'s is 0 everywhere, as its
//!   first is the step `1[x > 0]` in every mode.
//!
//! ```
//! use autodiff_runtime::kernels::dot_jvp_vjp;
//!
//! // y = ⟨x, x'⟩ along ẋ = (1, 0): ∂ẏ/∂x' = ẋ.
//! let (mut xb, mut yb, mut xdb) = ([0.0; 2], [0.0; 2], [0.0; 2]);
//! let y = dot_jvp_vjp(&[1.0, 2.0], &[3.0, 4.0], &[1.0, 0.0], &[], 0.0, 1.0,
//!                     &mut xb, &mut yb, &mut xdb, &mut []);
//! assert_eq!((y, xb, yb, xdb), (11.0, [0.0, 0.0], [1.0, 0.0], [3.0, 4.0]));
//! ```

use super::{
    add_bias, add_bias_vjp, check_bias, check_cross_entropy, check_matmul, check_matvec, check_mse,
    check_rows, dot, dot_vjp, given, matmul, matmul_vjp, matvec, matvec_vjp, mse, softmax_row,
    wanted,
};

/// Whether a vector seed is given: `false` if it is empty (a zero seed), `true` if it has the
/// output's `len` entries.
///
/// # Panics
///
/// If `seed` is neither empty nor `len` long.
fn seeded(seed: &[f64], len: usize, rule: &str, name: &str) -> bool {
    if seed.is_empty() {
        return false;
    }
    assert!(
        seed.len() == len,
        "{rule}: `{name}` has length {}, but the output has length {len} \
         (pass an empty seed if it is zero)",
        seed.len()
    );
    true
}

/// The second-order rule of a bilinear kernel `y = B(a, x)` with first-order rule `vjp(a, x,
/// ȳ, ā, x̄)`. As `ẏ = B(ȧ, x) + B(a, ẋ)` is bilinear too: `(ā, x̄) += vjp(a, x, ȳ)`,
/// `ā += vjp(a, ẋ, w)`, `x̄ += vjp(ȧ, x, w)` and `(ǡ, ẋ̄) += vjp(a, x, w)`, with `w` the tangent
/// seed. An empty seed, tangent or bar skips its calls.
#[allow(clippy::too_many_arguments)]
fn bilinear(
    (a, x): (&[f64], &[f64]),
    (a_dot, x_dot): (&[f64], &[f64]),
    (seed, tangent_seed): (&[f64], &[f64]),
    (a_bar, x_bar): (&mut [f64], &mut [f64]),
    (a_dot_bar, x_dot_bar): (&mut [f64], &mut [f64]),
    (rule, out_len): (&str, usize),
    vjp: impl Fn(&[f64], &[f64], &[f64], &mut [f64], &mut [f64]),
) {
    let (ad, xd) = (
        given(a_dot, a.len(), rule, "a"),
        given(x_dot, x.len(), rule, "x"),
    );
    if seeded(seed, out_len, rule, "seed") {
        vjp(a, x, seed, &mut *a_bar, &mut *x_bar);
    }
    if seeded(tangent_seed, out_len, rule, "tangent_seed") {
        if xd {
            vjp(a, x_dot, tangent_seed, &mut *a_bar, &mut []);
        }
        if ad {
            vjp(a_dot, x, tangent_seed, &mut [], &mut *x_bar);
        }
        vjp(a, x, tangent_seed, a_dot_bar, x_dot_bar);
    }
}

/// The second-order rule of [`dot`](super::dot): `x̄ += seed · y + tangent_seed · ẏ`,
/// `ȳ += seed · x + tangent_seed · ẋ`, `ẋ̄ += tangent_seed · y`, `ẏ̄ += tangent_seed · x`.
///
/// # Panics
///
/// As [`dot`](super::dot), or if a tangent or a bar is neither empty nor its argument's length.
#[allow(clippy::too_many_arguments)]
pub fn dot_jvp_vjp(
    x: &[f64],
    y: &[f64],
    x_dot: &[f64],
    y_dot: &[f64],
    seed: f64,
    tangent_seed: f64,
    x_bar: &mut [f64],
    y_bar: &mut [f64],
    x_dot_bar: &mut [f64],
    y_dot_bar: &mut [f64],
) -> f64 {
    let value = dot(x, y);
    bilinear(
        (x, y),
        (x_dot, y_dot),
        (&[seed], &[tangent_seed]),
        (x_bar, y_bar),
        (x_dot_bar, y_dot_bar),
        ("dot_jvp_vjp", 1),
        |x, y, s, xb, yb| {
            dot_vjp(x, y, s[0], xb, yb);
        },
    );
    value
}

/// The second-order rule of [`matvec`](super::matvec): `Ā += ȳ xᵀ + w ẋᵀ`, `x̄ += Aᵀ ȳ + Ȧᵀ w`,
/// `Ǡ += w xᵀ`, `ẋ̄ += Aᵀ w`, with `w` the tangent seed.
///
/// # Panics
///
/// As [`matvec`](super::matvec), or if a seed, a tangent or a bar is neither empty nor its
/// length.
#[allow(clippy::too_many_arguments)]
pub fn matvec_jvp_vjp(
    a: &[f64],
    x: &[f64],
    m: usize,
    n: usize,
    a_dot: &[f64],
    x_dot: &[f64],
    seed: &[f64],
    tangent_seed: &[f64],
    a_bar: &mut [f64],
    x_bar: &mut [f64],
    a_dot_bar: &mut [f64],
    x_dot_bar: &mut [f64],
) -> Vec<f64> {
    check_matvec(a, x, m, n, "matvec_jvp_vjp");
    bilinear(
        (a, x),
        (a_dot, x_dot),
        (seed, tangent_seed),
        (a_bar, x_bar),
        (a_dot_bar, x_dot_bar),
        ("matvec_jvp_vjp", m),
        |a, x, s, ab, xb| matvec_vjp(a, x, m, n, s, ab, xb),
    );
    matvec(a, x, m, n)
}

/// The second-order rule of [`matmul`](super::matmul): `Ā += Ȳ Bᵀ + W Ḃᵀ`, `B̄ += Aᵀ Ȳ + Ȧᵀ W`,
/// `Ǡ += W Bᵀ`, `Ḃ̄ += Aᵀ W`, with `W` the tangent seed: one GEMM each.
///
/// # Panics
///
/// As [`matmul`](super::matmul), or if a seed, a tangent or a bar is neither empty nor its
/// length.
#[allow(clippy::too_many_arguments)]
pub fn matmul_jvp_vjp(
    a: &[f64],
    b: &[f64],
    m: usize,
    k: usize,
    n: usize,
    a_dot: &[f64],
    b_dot: &[f64],
    seed: &[f64],
    tangent_seed: &[f64],
    a_bar: &mut [f64],
    b_bar: &mut [f64],
    a_dot_bar: &mut [f64],
    b_dot_bar: &mut [f64],
) -> Vec<f64> {
    check_matmul(a, b, m, k, n, "matmul_jvp_vjp");
    bilinear(
        (a, b),
        (a_dot, b_dot),
        (seed, tangent_seed),
        (a_bar, b_bar),
        (a_dot_bar, b_dot_bar),
        ("matmul_jvp_vjp", m * n),
        |a, b, s, ab, bb| matmul_vjp(a, b, m, k, n, s, ab, bb),
    );
    matmul(a, b, m, k, n)
}

/// The second-order rule of [`add_bias`](super::add_bias), which is linear: the seed goes
/// through its first-order rule into the bars, the tangent seed into the tangents' bars.
///
/// # Panics
///
/// As [`add_bias`](super::add_bias), or if a seed, a tangent or a bar is neither empty nor its
/// length.
#[allow(clippy::too_many_arguments)]
pub fn add_bias_jvp_vjp(
    y: &[f64],
    b: &[f64],
    y_dot: &[f64],
    b_dot: &[f64],
    seed: &[f64],
    tangent_seed: &[f64],
    y_bar: &mut [f64],
    b_bar: &mut [f64],
    y_dot_bar: &mut [f64],
    b_dot_bar: &mut [f64],
) -> Vec<f64> {
    const RULE: &str = "add_bias_jvp_vjp";
    check_bias(y, b, RULE);
    given(y_dot, y.len(), RULE, "y");
    given(b_dot, b.len(), RULE, "b");
    if seeded(seed, y.len(), RULE, "seed") {
        add_bias_vjp(y, b, seed, y_bar, b_bar);
    }
    if seeded(tangent_seed, y.len(), RULE, "tangent_seed") {
        add_bias_vjp(y, b, tangent_seed, y_dot_bar, b_dot_bar);
    }
    add_bias(y, b)
}

/// The second-order rule of an elementwise kernel, from `f(v) = (y, y', y'')`:
/// `x̄ += y' ȳ + y'' ẋ w` and `ẋ̄ += y' w`, with `w` the tangent seed.
#[allow(clippy::too_many_arguments)]
fn elementwise(
    x: &[f64],
    x_dot: &[f64],
    seed: &[f64],
    tangent_seed: &[f64],
    x_bar: &mut [f64],
    x_dot_bar: &mut [f64],
    rule: &str,
    f: impl Fn(f64) -> (f64, f64, f64),
) -> Vec<f64> {
    let len = x.len();
    let has_x = given(x_dot, len, rule, "x");
    let has_s = seeded(seed, len, rule, "seed");
    let has_w = seeded(tangent_seed, len, rule, "tangent_seed");
    let wants = [
        wanted(x_bar, len, rule, "x"),
        wanted(x_dot_bar, len, rule, "x_dot"),
    ];
    let mut value = Vec::with_capacity(len);
    for (i, &v) in x.iter().enumerate() {
        let (y, d1, d2) = f(v);
        value.push(y);
        let w = if has_w { tangent_seed[i] } else { 0.0 };
        if wants[0] {
            let s = if has_s { seed[i] } else { 0.0 };
            let xd = if has_x { x_dot[i] } else { 0.0 };
            x_bar[i] += d1 * s + d2 * xd * w;
        }
        if wants[1] {
            x_dot_bar[i] += d1 * w;
        }
    }
    value
}

/// The second-order rule of [`relu`](super::relu): the first-order rule's mask `1[x > 0]` on
/// both seeds (the second derivative is 0, at 0 as elsewhere).
///
/// # Panics
///
/// If a seed, the tangent or a bar is neither empty nor `x`'s length.
pub fn relu_jvp_vjp(
    x: &[f64],
    x_dot: &[f64],
    seed: &[f64],
    tangent_seed: &[f64],
    x_bar: &mut [f64],
    x_dot_bar: &mut [f64],
) -> Vec<f64> {
    let f = |v: f64| (crate::relu(v), if v > 0.0 { 1.0 } else { 0.0 }, 0.0);
    elementwise(
        x,
        x_dot,
        seed,
        tangent_seed,
        x_bar,
        x_dot_bar,
        "relu_jvp_vjp",
        f,
    )
}

/// The second-order rule of [`sigmoid`](super::sigmoid): `σ' = σ(1 − σ)`,
/// `σ'' = σ(1 − σ)(1 − 2σ)`.
///
/// # Panics
///
/// If a seed, the tangent or a bar is neither empty nor `x`'s length.
pub fn sigmoid_jvp_vjp(
    x: &[f64],
    x_dot: &[f64],
    seed: &[f64],
    tangent_seed: &[f64],
    x_bar: &mut [f64],
    x_dot_bar: &mut [f64],
) -> Vec<f64> {
    let f = |v: f64| {
        let s = crate::sigmoid(v);
        let d = s * (1.0 - s);
        (s, d, d * (1.0 - 2.0 * s))
    };
    elementwise(
        x,
        x_dot,
        seed,
        tangent_seed,
        x_bar,
        x_dot_bar,
        "sigmoid_jvp_vjp",
        f,
    )
}

/// The second-order rule of [`tanh`](super::tanh): `tanh' = 1 − t²`, `tanh'' = −2t(1 − t²)`.
///
/// # Panics
///
/// If a seed, the tangent or a bar is neither empty nor `x`'s length.
pub fn tanh_jvp_vjp(
    x: &[f64],
    x_dot: &[f64],
    seed: &[f64],
    tangent_seed: &[f64],
    x_bar: &mut [f64],
    x_dot_bar: &mut [f64],
) -> Vec<f64> {
    let f = |v: f64| {
        let t = v.tanh();
        let d = 1.0 - t * t;
        (t, d, -2.0 * t * d)
    };
    elementwise(
        x,
        x_dot,
        seed,
        tangent_seed,
        x_bar,
        x_dot_bar,
        "tanh_jvp_vjp",
        f,
    )
}

/// The seeds and tangent of one row of a row-wise kernel, zeros where not given.
struct Row<'a> {
    seed: Option<&'a [f64]>,
    tangent_seed: Option<&'a [f64]>,
    x_dot: Option<&'a [f64]>,
}

/// Runs `each(row, p, its seeds and tangent, x̄ row, ẋ̄ row)` over the rows of a row-wise kernel
/// with `p = softmax(row)`, `out` seed entries per row (`n` for softmax, 1 for log-sum-exp).
#[allow(clippy::too_many_arguments)]
fn rowwise(
    x: &[f64],
    n: usize,
    out: usize,
    x_dot: &[f64],
    seed: &[f64],
    tangent_seed: &[f64],
    x_bar: &mut [f64],
    x_dot_bar: &mut [f64],
    rule: &str,
    mut each: impl FnMut(&[f64], &Row<'_>, Option<&mut [f64]>, Option<&mut [f64]>),
) {
    check_rows(x, n, rule, "x");
    let (len, rows) = (x.len(), x.len() / n);
    let has_x = given(x_dot, len, rule, "x");
    let has_s = seeded(seed, rows * out, rule, "seed");
    let has_w = seeded(tangent_seed, rows * out, rule, "tangent_seed");
    let wants = [
        wanted(x_bar, len, rule, "x"),
        wanted(x_dot_bar, len, rule, "x_dot"),
    ];
    if !(wants[0] || wants[1]) {
        return;
    }
    let mut p = vec![0.0; n];
    for r in 0..rows {
        let (cols, outs) = (r * n..(r + 1) * n, r * out..(r + 1) * out);
        softmax_row(&x[cols.clone()], &mut p);
        let row = Row {
            seed: has_s.then(|| &seed[outs.clone()]),
            tangent_seed: has_w.then(|| &tangent_seed[outs]),
            x_dot: has_x.then(|| &x_dot[cols.clone()]),
        };
        let xb = wants[0].then(|| &mut x_bar[cols.clone()]);
        let xdb = wants[1].then(|| &mut x_dot_bar[cols]);
        each(&p, &row, xb, xdb);
    }
}

/// `bar += p ∘ (u − ⟨p, u⟩)`: the softmax's Jacobian (symmetric) applied to `u`, scaled by `a`.
fn add_softmax_jt(bar: &mut [f64], p: &[f64], a: f64, u: &[f64]) {
    let inner = dot(p, u);
    for ((b, pj), uj) in bar.iter_mut().zip(p).zip(u) {
        *b += a * pj * (uj - inner);
    }
}

/// The second-order rule of [`softmax`](super::softmax). Per row, with `p = softmax(x)`, `w`
/// the tangent seed and `J u = p ∘ (u − ⟨p, u⟩)` the softmax's (symmetric) Jacobian:
/// `x̄ += J ȳ + J (w ∘ ẋ) − ⟨p, ẋ⟩ J w − ⟨p, w⟩ J ẋ` (the gradient of `⟨w, ṗ⟩ = ⟨p, w ∘ ẋ⟩ −
/// ⟨p, w⟩⟨p, ẋ⟩`), and `ẋ̄ += J w`.
///
/// # Panics
///
/// As [`softmax`](super::softmax), or if a seed, the tangent or a bar is neither empty nor `x`'s
/// length.
pub fn softmax_jvp_vjp(
    x: &[f64],
    n: usize,
    x_dot: &[f64],
    seed: &[f64],
    tangent_seed: &[f64],
    x_bar: &mut [f64],
    x_dot_bar: &mut [f64],
) -> Vec<f64> {
    let mut wx = vec![0.0; n];
    let each = |p: &[f64], row: &Row<'_>, xb: Option<&mut [f64]>, xdb: Option<&mut [f64]>| {
        if let Some(xb) = xb {
            if let Some(s) = row.seed {
                add_softmax_jt(xb, p, 1.0, s);
            }
            if let (Some(w), Some(xd)) = (row.tangent_seed, row.x_dot) {
                wx.iter_mut()
                    .zip(w.iter().zip(xd))
                    .for_each(|(t, (w, d))| *t = w * d);
                add_softmax_jt(xb, p, 1.0, &wx);
                add_softmax_jt(xb, p, -dot(p, xd), w);
                add_softmax_jt(xb, p, -dot(p, w), xd);
            }
        }
        if let (Some(xdb), Some(w)) = (xdb, row.tangent_seed) {
            add_softmax_jt(xdb, p, 1.0, w);
        }
    };
    rowwise(
        x,
        n,
        n,
        x_dot,
        seed,
        tangent_seed,
        x_bar,
        x_dot_bar,
        "softmax_jvp_vjp",
        each,
    );
    super::softmax(x, n)
}

/// The second-order rule of [`logsumexp`](super::logsumexp). Per row, with `p = softmax(x)` and
/// `w` the row's tangent seed: `x̄ += ȳ p + w p ∘ (ẋ − ⟨p, ẋ⟩)`, `ẋ̄ += w p`.
///
/// # Panics
///
/// As [`logsumexp`](super::logsumexp), if a seed is neither empty nor one entry per row, or if
/// the tangent or a bar is neither empty nor `x`'s length.
pub fn logsumexp_jvp_vjp(
    x: &[f64],
    n: usize,
    x_dot: &[f64],
    seed: &[f64],
    tangent_seed: &[f64],
    x_bar: &mut [f64],
    x_dot_bar: &mut [f64],
) -> Vec<f64> {
    let each = |p: &[f64], row: &Row<'_>, xb: Option<&mut [f64]>, xdb: Option<&mut [f64]>| {
        if let Some(xb) = xb {
            if let Some(s) = row.seed {
                add_scaled(xb, s[0], p);
            }
            if let (Some(w), Some(xd)) = (row.tangent_seed, row.x_dot) {
                add_softmax_jt(xb, p, w[0], xd);
            }
        }
        if let (Some(xdb), Some(w)) = (xdb, row.tangent_seed) {
            add_scaled(xdb, w[0], p);
        }
    };
    rowwise(
        x,
        n,
        1,
        x_dot,
        seed,
        tangent_seed,
        x_bar,
        x_dot_bar,
        "logsumexp_jvp_vjp",
        each,
    );
    super::logsumexp(x, n)
}

/// `bar += a · u`.
fn add_scaled(bar: &mut [f64], a: f64, u: &[f64]) {
    for (b, u) in bar.iter_mut().zip(u) {
        *b += a * u;
    }
}

/// The second-order rule of [`mse`](super::mse): with `r = pred − target` and `ṙ` its tangent,
/// `p̄ += (seed · 2r + tangent_seed · 2ṙ)/N`, `t̄` the opposite, `ṗ̄ += tangent_seed · 2r/N`,
/// `ṫ̄` the opposite.
///
/// # Panics
///
/// As [`mse`](super::mse), or if a tangent or a bar is neither empty nor its argument's length.
#[allow(clippy::too_many_arguments)]
pub fn mse_jvp_vjp(
    pred: &[f64],
    target: &[f64],
    pred_dot: &[f64],
    target_dot: &[f64],
    seed: f64,
    tangent_seed: f64,
    pred_bar: &mut [f64],
    target_bar: &mut [f64],
    pred_dot_bar: &mut [f64],
    target_dot_bar: &mut [f64],
) -> f64 {
    check_mse(pred, target, "mse_jvp_vjp");
    let rule = "mse_jvp_vjp";
    let value = mse(pred, target);
    let scale = 2.0 / pred.len() as f64;
    let (pd, td) = (
        given(pred_dot, pred.len(), rule, "pred"),
        given(target_dot, target.len(), rule, "target"),
    );
    let wants = [
        wanted(pred_bar, pred.len(), rule, "pred"),
        wanted(target_bar, pred.len(), rule, "target"),
        wanted(pred_dot_bar, pred.len(), rule, "pred_dot"),
        wanted(target_dot_bar, pred.len(), rule, "target_dot"),
    ];
    for i in 0..pred.len() {
        let r = pred[i] - target[i];
        let r_dot = if pd { pred_dot[i] } else { 0.0 } - if td { target_dot[i] } else { 0.0 };
        let b = scale * (seed * r + tangent_seed * r_dot);
        let d = scale * tangent_seed * r;
        if wants[0] {
            pred_bar[i] += b;
        }
        if wants[1] {
            target_bar[i] -= b;
        }
        if wants[2] {
            pred_dot_bar[i] += d;
        }
        if wants[3] {
            target_dot_bar[i] -= d;
        }
    }
    value
}

/// The second-order rule of [`softmax_cross_entropy`](super::softmax_cross_entropy). Per row,
/// with `p = softmax(z)`, `S = Σ t`, `Ṡ = Σ ṫ` and all over the `B` rows:
/// `z̄ += seed · (S p − t) + tangent_seed · (S (p ⊙ ż − p ⟨p, ż⟩) + Ṡ p − ṫ)`,
/// `t̄ += seed · (lse − z) + tangent_seed · (⟨p, ż⟩ − ż)`, `ż̄ += tangent_seed · (S p − t)`,
/// `ṫ̄ += tangent_seed · (lse − z)`.
///
/// # Panics
///
/// As [`softmax_cross_entropy`](super::softmax_cross_entropy), or if a tangent or a bar is
/// neither empty nor its argument's length.
#[allow(clippy::too_many_arguments)]
pub fn softmax_cross_entropy_jvp_vjp(
    logits: &[f64],
    targets: &[f64],
    n: usize,
    logits_dot: &[f64],
    targets_dot: &[f64],
    seed: f64,
    tangent_seed: f64,
    logits_bar: &mut [f64],
    targets_bar: &mut [f64],
    logits_dot_bar: &mut [f64],
    targets_dot_bar: &mut [f64],
) -> f64 {
    const RULE: &str = "softmax_cross_entropy_jvp_vjp";
    check_cross_entropy(logits, targets, n, RULE);
    let len = logits.len();
    let has_z = given(logits_dot, len, RULE, "logits");
    let has_t = given(targets_dot, len, RULE, "targets");
    let wants = [
        wanted(logits_bar, len, RULE, "logits"),
        wanted(targets_bar, len, RULE, "targets"),
        wanted(logits_dot_bar, len, RULE, "logits_dot"),
        wanted(targets_dot_bar, len, RULE, "targets_dot"),
    ];
    let rows = len / n;
    let b = rows as f64;
    let (seed, tangent_seed) = (seed / b, tangent_seed / b);
    let mut p = vec![0.0; n];
    let mut total = 0.0;
    for r in 0..rows {
        let range = r * n..(r + 1) * n;
        let (z, t) = (&logits[range.clone()], &targets[range.clone()]);
        let lse = softmax_row(z, &mut p);
        total += z.iter().zip(t).map(|(zj, tj)| tj * (lse - zj)).sum::<f64>();
        let s: f64 = t.iter().sum();
        let s_dot: f64 = if has_t {
            targets_dot[range.clone()].iter().sum()
        } else {
            0.0
        };
        let zd = |j: usize| if has_z { logits_dot[r * n + j] } else { 0.0 };
        let td = |j: usize| if has_t { targets_dot[r * n + j] } else { 0.0 };
        let inner = if has_z {
            dot(&p, &logits_dot[range.clone()])
        } else {
            0.0
        };
        for j in 0..n {
            let k = r * n + j;
            let dz = s * p[j] - t[j];
            let dt = lse - z[j];
            if wants[0] {
                let curvature = s * (p[j] * zd(j) - p[j] * inner) + s_dot * p[j] - td(j);
                logits_bar[k] += seed * dz + tangent_seed * curvature;
            }
            if wants[1] {
                targets_bar[k] += seed * dt + tangent_seed * (inner - zd(j));
            }
            if wants[2] {
                logits_dot_bar[k] += tangent_seed * dz;
            }
            if wants[3] {
                targets_dot_bar[k] += tangent_seed * dt;
            }
        }
    }
    total / b
}
