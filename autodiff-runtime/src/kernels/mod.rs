//! Dense `f64` kernels on row-major slices, each with a hand-written vector-Jacobian product and
//! a hand-written Jacobian-vector product (forward mode, [`forward`]).
//!
//! A `#[grad]` function calls a kernel like any other function (`kernels::matmul(&w, &x, m, k, n)`);
//! in the reverse sweep the macro calls the kernel's rule `NAME_vjp` instead of differentiating
//! the kernel's loops one scalar at a time. One GEMM or one fused pass replaces thousands of
//! recorded scalar operations, and the rules are the numerically stable ones (softmax and
//! cross-entropy subtract the row maximum, so logits of magnitude 1000 are fine).
//!
//! Matrices are row-major slices: entry `(i, j)` of an `m×n` matrix is `a[i * n + j]`.
//!
//! # The shape of a rule
//!
//! Every kernel `NAME` has a rule
//!
//! ```text
//! NAME_vjp(<NAME's parameters>, seed, <one bar per float parameter, in parameter order>)
//! ```
//!
//! - If `NAME` returns `f64`, `seed` is an `f64` and the rule returns `NAME`'s value (it
//!   recomputes the forward pass as it needs).
//! - If `NAME` returns `Vec<f64>`, `seed` is `ȳ: &[f64]`, with the output's length, and the rule
//!   returns `()`.
//! - A slice parameter's bar is a `&mut [f64]`; integer parameters (dimensions) get no bar.
//! - Rules *accumulate*: each bar receives `+= ȳᵀ J` (for a scalar kernel, `+= seed · ∂NAME/∂param`);
//!   nothing is overwritten, so one bar can collect the adjoints of several uses.
//! - **Empty bars**: a bar of length 0 for a non-empty argument means that argument's adjoint is
//!   not wanted, and the rule skips its computation entirely (`matmul_vjp` with an empty `a_bar`
//!   does one GEMM, not two). Otherwise a bar's length must equal its argument's length.
//!
//! Every kernel and rule checks its dimensions and panics with a message saying which one is
//! wrong (see each `# Panics` section).
//!
//! ```
//! use autodiff_runtime::kernels::{matmul, matmul_vjp};
//!
//! // y = A B with A = [[1, 2]] (1×2) and B = [[3], [4]] (2×1).
//! let (a, b) = ([1.0, 2.0], [3.0, 4.0]);
//! assert_eq!(matmul(&a, &b, 1, 2, 1), vec![11.0]);
//!
//! // Ā += ȳ Bᵀ; B̄ is not wanted, so its GEMM is skipped.
//! let mut a_bar = [10.0, 10.0];
//! matmul_vjp(&a, &b, 1, 2, 1, &[1.0], &mut a_bar, &mut []);
//! assert_eq!(a_bar, [13.0, 14.0]);
//! ```

mod forward;
mod second;
pub use forward::*;
pub use second::*;

/// A read-only strided view of a matrix, as `dgemm` takes it.
#[derive(Clone, Copy)]
struct Mat<'a> {
    data: &'a [f64],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Mat<'a> {
    /// The `rows × cols` row-major matrix stored in `data`.
    fn new(data: &'a [f64], rows: usize, cols: usize) -> Self {
        Mat {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose, as a view of the same storage (no copy).
    fn t(self) -> Self {
        Mat {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    /// One past the largest index the view reads, or `None` if that overflows `usize`.
    fn span(&self) -> Option<usize> {
        if self.rows == 0 || self.cols == 0 {
            return Some(0);
        }
        let last_row = (self.rows - 1).checked_mul(self.row_stride)?;
        let last_col = (self.cols - 1).checked_mul(self.col_stride)?;
        last_row.checked_add(last_col)?.checked_add(1)
    }
}

fn stride(s: usize) -> isize {
    isize::try_from(s).expect("a stride within a slice fits in isize")
}

/// `C ← A B + β C`, with `C` the contiguous row-major `a.rows × b.cols` matrix in `c`.
#[allow(unsafe_code)]
fn gemm(a: Mat<'_>, b: Mat<'_>, beta: f64, c: &mut [f64]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "gemm: inner dimensions differ");
    assert!(
        a.span().is_some_and(|s| s <= a.data.len()),
        "gemm: A's view reaches past its slice"
    );
    assert!(
        b.span().is_some_and(|s| s <= b.data.len()),
        "gemm: B's view reaches past its slice"
    );
    assert!(
        m.checked_mul(n) == Some(c.len()),
        "gemm: C must have m·n entries"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        // A B is the m×n zero matrix; β = 0 means C is not read (as dgemm's contract says).
        if beta == 0.0 {
            c.fill(0.0);
        } else {
            c.iter_mut().for_each(|ci| *ci *= beta);
        }
        return;
    }
    // SAFETY: the asserts above checked, with overflow-checked arithmetic, that every index
    // dgemm reads, `i·rs + j·cs` for `i < rows`, `j < cols`, lies inside `a.data` and `b.data`,
    // and that `c` holds exactly the m·n entries of C, written with the contiguous row-major
    // strides (n, 1), which do not alias since n ≥ 1 here. All dimensions are nonzero here, so
    // every stride is at most a slice length and converts to isize. `c` is a unique borrow, so
    // it cannot overlap `a.data` or `b.data`.
    unsafe {
        matrixmultiply::dgemm(
            m,
            k,
            n,
            1.0,
            a.data.as_ptr(),
            stride(a.row_stride),
            stride(a.col_stride),
            b.data.as_ptr(),
            stride(b.row_stride),
            stride(b.col_stride),
            beta,
            c.as_mut_ptr(),
            stride(n),
            1,
        );
    }
}

/// Whether `bar` asks for an adjoint: `false` if it is empty, `true` if it has `len` entries.
///
/// # Panics
///
/// If `bar` is neither empty nor `len` long.
fn wanted(bar: &[f64], len: usize, rule: &str, arg: &str) -> bool {
    present(bar, len, rule, arg, "bar", "its adjoint is not wanted")
}

/// Whether a forward rule's tangent `dot` is given: `false` if it is empty (a zero tangent),
/// `true` if it has `len` entries.
///
/// # Panics
///
/// If `dot` is neither empty nor `len` long.
fn given(dot: &[f64], len: usize, rule: &str, arg: &str) -> bool {
    present(dot, len, rule, arg, "tangent", "it is zero")
}

fn present(s: &[f64], len: usize, rule: &str, arg: &str, what: &str, empty: &str) -> bool {
    if s.is_empty() {
        return false;
    }
    assert!(
        s.len() == len,
        "{rule}: the {what} of `{arg}` has length {}, but `{arg}` has length {len} \
         (pass an empty {what} if {empty})",
        s.len()
    );
    true
}

fn check_seed(seed: &[f64], len: usize, rule: &str) {
    assert!(
        seed.len() == len,
        "{rule}: the seed ȳ has length {}, but the output has length {len}",
        seed.len()
    );
}

fn check_rows(x: &[f64], n: usize, kernel: &str, arg: &str) {
    assert!(n > 0, "{kernel}: the row length n must be positive");
    assert!(
        x.len().is_multiple_of(n),
        "{kernel}: `{arg}` has length {}, not a multiple of the row length n = {n}",
        x.len()
    );
}

/// `(max, Σ exp(xⱼ − max))` of a row: the pieces of a stable softmax and log-sum-exp.
fn row_max_sum(row: &[f64]) -> (f64, f64) {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum = row.iter().map(|&v| (v - max).exp()).sum();
    (max, sum)
}

/// `log Σ exp(xⱼ)` of one row, stably.
fn lse_row(row: &[f64]) -> f64 {
    let (max, sum) = row_max_sum(row);
    max + sum.ln()
}

/// Writes `softmax(row)` into `p` and returns the row's log-sum-exp, stably.
fn softmax_row(row: &[f64], p: &mut [f64]) -> f64 {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for (pj, &v) in p.iter_mut().zip(row) {
        *pj = (v - max).exp();
        sum += *pj;
    }
    p.iter_mut().for_each(|pj| *pj /= sum);
    max + sum.ln()
}

/// The inner product `⟨x, y⟩ = Σ xᵢ yᵢ`.
///
/// # Panics
///
/// If `x` and `y` have different lengths.
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    assert!(
        x.len() == y.len(),
        "dot: `x` has length {} but `y` has length {}",
        x.len(),
        y.len()
    );
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// The rule of [`dot`]: `x̄ += seed · y`, `ȳ += seed · x`; returns `⟨x, y⟩`.
///
/// # Panics
///
/// As [`dot`], or if a bar is neither empty nor its argument's length.
pub fn dot_vjp(x: &[f64], y: &[f64], seed: f64, x_bar: &mut [f64], y_bar: &mut [f64]) -> f64 {
    let value = dot(x, y);
    if wanted(x_bar, x.len(), "dot_vjp", "x") {
        x_bar.iter_mut().zip(y).for_each(|(b, v)| *b += seed * v);
    }
    if wanted(y_bar, y.len(), "dot_vjp", "y") {
        y_bar.iter_mut().zip(x).for_each(|(b, v)| *b += seed * v);
    }
    value
}

fn check_matvec(a: &[f64], x: &[f64], m: usize, n: usize, kernel: &str) {
    assert!(
        m.checked_mul(n) == Some(a.len()),
        "{kernel}: `a` has length {}, but an m×n = {m}×{n} matrix needs {}",
        a.len(),
        m.saturating_mul(n)
    );
    assert!(
        x.len() == n,
        "{kernel}: `x` has length {}, but `a` has n = {n} columns",
        x.len()
    );
}

/// The matrix-vector product `A x`: `a` is `m×n` row-major, `x` has length `n`, the result
/// has length `m`.
///
/// # Panics
///
/// If `a.len() != m·n` or `x.len() != n`.
pub fn matvec(a: &[f64], x: &[f64], m: usize, n: usize) -> Vec<f64> {
    check_matvec(a, x, m, n, "matvec");
    (0..m).map(|i| dot(&a[i * n..(i + 1) * n], x)).collect()
}

/// The rule of [`matvec`]: `ā += ȳ xᵀ`, `x̄ += Aᵀ ȳ`.
///
/// # Panics
///
/// As [`matvec`], if `seed.len() != m`, or if a bar is neither empty nor its argument's length.
pub fn matvec_vjp(
    a: &[f64],
    x: &[f64],
    m: usize,
    n: usize,
    seed: &[f64],
    a_bar: &mut [f64],
    x_bar: &mut [f64],
) {
    check_matvec(a, x, m, n, "matvec_vjp");
    check_seed(seed, m, "matvec_vjp");
    if wanted(a_bar, a.len(), "matvec_vjp", "a") {
        for (i, &s) in seed.iter().enumerate() {
            let row = &mut a_bar[i * n..(i + 1) * n];
            row.iter_mut().zip(x).for_each(|(b, &xj)| *b += s * xj);
        }
    }
    if wanted(x_bar, x.len(), "matvec_vjp", "x") {
        for (i, &s) in seed.iter().enumerate() {
            let row = &a[i * n..(i + 1) * n];
            x_bar
                .iter_mut()
                .zip(row)
                .for_each(|(b, &aij)| *b += aij * s);
        }
    }
}

fn check_matmul(a: &[f64], b: &[f64], m: usize, k: usize, n: usize, kernel: &str) {
    assert!(
        m.checked_mul(k) == Some(a.len()),
        "{kernel}: `a` has length {}, but an m×k = {m}×{k} matrix needs {}",
        a.len(),
        m.saturating_mul(k)
    );
    assert!(
        k.checked_mul(n) == Some(b.len()),
        "{kernel}: `b` has length {}, but a k×n = {k}×{n} matrix needs {}",
        b.len(),
        k.saturating_mul(n)
    );
    assert!(
        m.checked_mul(n).is_some(),
        "{kernel}: the m×n = {m}×{n} result overflows usize"
    );
}

/// The matrix product `A B` (by `matrixmultiply::dgemm`): `a` is `m×k`, `b` is `k×n`, the
/// result is `m×n`, all row-major.
///
/// # Panics
///
/// If `a.len() != m·k` or `b.len() != k·n`.
///
/// ```
/// use autodiff_runtime::kernels::matmul;
///
/// // [[1, 2, 3],  ·  [[1, 0],      [[4, 5],
/// //  [4, 5, 6]]      [0, 1],   =   [10, 11]]
/// //                  [1, 1]]
/// let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
/// let b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
/// assert_eq!(matmul(&a, &b, 2, 3, 2), vec![4.0, 5.0, 10.0, 11.0]);
/// ```
pub fn matmul(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
    check_matmul(a, b, m, k, n, "matmul");
    let mut c = vec![0.0; m * n];
    gemm(Mat::new(a, m, k), Mat::new(b, k, n), 0.0, &mut c);
    c
}

/// The rule of [`matmul`]: `Ā += Ȳ Bᵀ` and `B̄ += Aᵀ Ȳ`, one GEMM each, accumulating into the
/// bars (β = 1) and reading the transposes through strides, without copies. An empty bar skips
/// its GEMM.
///
/// # Panics
///
/// As [`matmul`], if `seed.len() != m·n`, or if a bar is neither empty nor its argument's
/// length.
#[allow(clippy::too_many_arguments)] // The rule's shape is fixed by what #[grad] generates.
pub fn matmul_vjp(
    a: &[f64],
    b: &[f64],
    m: usize,
    k: usize,
    n: usize,
    seed: &[f64],
    a_bar: &mut [f64],
    b_bar: &mut [f64],
) {
    check_matmul(a, b, m, k, n, "matmul_vjp");
    check_seed(seed, m * n, "matmul_vjp");
    let y_bar = Mat::new(seed, m, n);
    if wanted(a_bar, a.len(), "matmul_vjp", "a") {
        gemm(y_bar, Mat::new(b, k, n).t(), 1.0, a_bar);
    }
    if wanted(b_bar, b.len(), "matmul_vjp", "b") {
        gemm(Mat::new(a, m, k).t(), y_bar, 1.0, b_bar);
    }
}

fn check_bias(y: &[f64], b: &[f64], kernel: &str) {
    assert!(
        !b.is_empty(),
        "{kernel}: the bias `b` must not be empty (its length is the row length)"
    );
    assert!(
        y.len().is_multiple_of(b.len()),
        "{kernel}: `y` has length {}, not a multiple of the bias length {}",
        y.len(),
        b.len()
    );
}

/// Adds the bias `b` to every row of `y`: `y` is `rows×n` row-major with `n = b.len()`.
///
/// # Panics
///
/// If `b` is empty or `y.len()` is not a multiple of `b.len()`.
pub fn add_bias(y: &[f64], b: &[f64]) -> Vec<f64> {
    check_bias(y, b, "add_bias");
    y.chunks_exact(b.len())
        .flat_map(|row| row.iter().zip(b).map(|(v, bj)| v + bj))
        .collect()
}

/// The rule of [`add_bias`]: `ȳ_in += ȳ` and `b̄ += ` the column sums of `ȳ`.
///
/// # Panics
///
/// As [`add_bias`], if `seed.len() != y.len()`, or if a bar is neither empty nor its argument's
/// length.
pub fn add_bias_vjp(y: &[f64], b: &[f64], seed: &[f64], y_bar: &mut [f64], b_bar: &mut [f64]) {
    check_bias(y, b, "add_bias_vjp");
    check_seed(seed, y.len(), "add_bias_vjp");
    if wanted(y_bar, y.len(), "add_bias_vjp", "y") {
        y_bar.iter_mut().zip(seed).for_each(|(yb, s)| *yb += s);
    }
    if wanted(b_bar, b.len(), "add_bias_vjp", "b") {
        for row in seed.chunks_exact(b.len()) {
            b_bar.iter_mut().zip(row).for_each(|(bb, s)| *bb += s);
        }
    }
}

/// The rule of an elementwise kernel whose derivative is `d(x)`: `x̄ += ȳ ∘ d(x)`.
fn elementwise_vjp(x: &[f64], seed: &[f64], x_bar: &mut [f64], rule: &str, d: impl Fn(f64) -> f64) {
    check_seed(seed, x.len(), rule);
    if wanted(x_bar, x.len(), rule, "x") {
        for ((b, &xi), &s) in x_bar.iter_mut().zip(x).zip(seed) {
            *b += s * d(xi);
        }
    }
}

/// The rectified linear unit `max(xᵢ, 0)`, entry by entry.
///
/// ```
/// use autodiff_runtime::kernels::{relu, relu_vjp};
///
/// let x = [-1.0, 0.0, 2.0];
/// assert_eq!(relu(&x), vec![0.0, 0.0, 2.0]);
/// // The derivative is 1 where x > 0, and 0 elsewhere, including at 0.
/// let mut x_bar = [0.0; 3];
/// relu_vjp(&x, &[5.0, 5.0, 5.0], &mut x_bar);
/// assert_eq!(x_bar, [0.0, 0.0, 5.0]);
/// ```
pub fn relu(x: &[f64]) -> Vec<f64> {
    x.iter().map(|&v| crate::relu(v)).collect()
}

/// The rule of [`relu`]: `x̄ += ȳ · 1[x > 0]`, a mask: exactly nothing is added where `x ≤ 0`.
///
/// # Panics
///
/// If `seed.len() != x.len()`, or if `x_bar` is neither empty nor `x`'s length.
pub fn relu_vjp(x: &[f64], seed: &[f64], x_bar: &mut [f64]) {
    check_seed(seed, x.len(), "relu_vjp");
    if wanted(x_bar, x.len(), "relu_vjp", "x") {
        for ((b, &xi), &s) in x_bar.iter_mut().zip(x).zip(seed) {
            if xi > 0.0 {
                *b += s;
            }
        }
    }
}

/// The logistic sigmoid `σ(xᵢ) = 1 / (1 + e^(−xᵢ))`, entry by entry, without overflow for any
/// `xᵢ` (as [`crate::sigmoid`]).
pub fn sigmoid(x: &[f64]) -> Vec<f64> {
    x.iter().map(|&v| crate::sigmoid(v)).collect()
}

/// The rule of [`sigmoid`]: `x̄ += ȳ · σ(x)(1 − σ(x))`, from the recomputed outputs.
///
/// # Panics
///
/// If `seed.len() != x.len()`, or if `x_bar` is neither empty nor `x`'s length.
pub fn sigmoid_vjp(x: &[f64], seed: &[f64], x_bar: &mut [f64]) {
    elementwise_vjp(x, seed, x_bar, "sigmoid_vjp", sigmoid_d);
}

/// `σ'(v) = σ(v)(1 − σ(v))`.
fn sigmoid_d(v: f64) -> f64 {
    let s = crate::sigmoid(v);
    s * (1.0 - s)
}

/// The hyperbolic tangent `tanh(xᵢ)`, entry by entry.
pub fn tanh(x: &[f64]) -> Vec<f64> {
    x.iter().map(|v| v.tanh()).collect()
}

/// The rule of [`tanh`]: `x̄ += ȳ · (1 − t²)` with `t = tanh(x)` recomputed.
///
/// # Panics
///
/// If `seed.len() != x.len()`, or if `x_bar` is neither empty nor `x`'s length.
pub fn tanh_vjp(x: &[f64], seed: &[f64], x_bar: &mut [f64]) {
    elementwise_vjp(x, seed, x_bar, "tanh_vjp", tanh_d);
}

/// `tanh'(v) = 1 − tanh²(v)`.
fn tanh_d(v: f64) -> f64 {
    let t = v.tanh();
    1.0 - t * t
}

/// The softmax of each row: `x` is `rows×n` row-major, and row `r` of the result is
/// `exp(x_rj − max_j x_rj) / Σ_j exp(x_rj − max_j x_rj)`, stable for any finite inputs.
///
/// # Panics
///
/// If `n == 0` or `x.len()` is not a multiple of `n`.
pub fn softmax(x: &[f64], n: usize) -> Vec<f64> {
    check_rows(x, n, "softmax", "x");
    let mut p = vec![0.0; x.len()];
    for (row, p_row) in x.chunks_exact(n).zip(p.chunks_exact_mut(n)) {
        softmax_row(row, p_row);
    }
    p
}

/// The rule of [`softmax`]: `x̄ += p ∘ (ȳ − ⟨ȳ, p⟩)`, row by row, with `p` recomputed.
///
/// # Panics
///
/// As [`softmax`], if `seed.len() != x.len()`, or if `x_bar` is neither empty nor `x`'s length.
pub fn softmax_vjp(x: &[f64], n: usize, seed: &[f64], x_bar: &mut [f64]) {
    check_rows(x, n, "softmax_vjp", "x");
    check_seed(seed, x.len(), "softmax_vjp");
    if !wanted(x_bar, x.len(), "softmax_vjp", "x") {
        return;
    }
    let mut p = vec![0.0; n];
    let rows = x.chunks_exact(n).zip(seed.chunks_exact(n));
    for ((row, s_row), b_row) in rows.zip(x_bar.chunks_exact_mut(n)) {
        softmax_row(row, &mut p);
        let inner = dot(s_row, &p);
        for ((b, &pj), &sj) in b_row.iter_mut().zip(&p).zip(s_row) {
            *b += pj * (sj - inner);
        }
    }
}

/// The log-sum-exp of each row, `log Σ_j exp(x_rj)`: `x` is `rows×n` row-major, the result has
/// one entry per row. Computed as `max + log Σ exp(x − max)`, stable for any finite inputs.
///
/// # Panics
///
/// If `n == 0` or `x.len()` is not a multiple of `n`.
pub fn logsumexp(x: &[f64], n: usize) -> Vec<f64> {
    check_rows(x, n, "logsumexp", "x");
    x.chunks_exact(n).map(lse_row).collect()
}

/// The rule of [`logsumexp`]: `x̄_r += ȳ_r · softmax(x_r)`, row by row.
///
/// # Panics
///
/// As [`logsumexp`], if `seed.len()` is not the number of rows, or if `x_bar` is neither empty
/// nor `x`'s length.
pub fn logsumexp_vjp(x: &[f64], n: usize, seed: &[f64], x_bar: &mut [f64]) {
    check_rows(x, n, "logsumexp_vjp", "x");
    check_seed(seed, x.len() / n, "logsumexp_vjp");
    if !wanted(x_bar, x.len(), "logsumexp_vjp", "x") {
        return;
    }
    let mut p = vec![0.0; n];
    let rows = x.chunks_exact(n).zip(seed);
    for ((row, &s), b_row) in rows.zip(x_bar.chunks_exact_mut(n)) {
        softmax_row(row, &mut p);
        b_row.iter_mut().zip(&p).for_each(|(b, pj)| *b += s * pj);
    }
}

fn check_cross_entropy(logits: &[f64], targets: &[f64], n: usize, kernel: &str) {
    check_rows(logits, n, kernel, "logits");
    assert!(
        !logits.is_empty(),
        "{kernel}: the mean needs at least one row of logits"
    );
    assert!(
        targets.len() == logits.len(),
        "{kernel}: `targets` has length {}, but `logits` has length {}",
        targets.len(),
        logits.len()
    );
}

/// The mean softmax cross-entropy of `B = logits.len() / n` rows:
/// `(1/B) Σ_r −Σ_j t_rj log softmax(z_r)_j`, computed stably as
/// `(1/B) Σ_r Σ_j t_rj (lse(z_r) − z_rj)`. `logits` and `targets` are both `B×n` row-major;
/// targets are one-hot rows or probability rows (any weights work).
///
/// # Panics
///
/// If `n == 0`, `logits` is empty or not a multiple of `n` long, or `targets` has another
/// length than `logits`.
///
/// ```
/// use autodiff_runtime::kernels::{softmax_cross_entropy, softmax_cross_entropy_vjp};
///
/// // Logits this large overflow exp(); the stable form does not.
/// let z = [1000.0, 0.0, -1000.0];
/// let t = [1.0, 0.0, 0.0];
/// let loss = softmax_cross_entropy(&z, &t, 3);
/// assert_eq!(loss, 0.0);
///
/// // The gradient is (P − T) / B.
/// let mut z_bar = [0.0; 3];
/// softmax_cross_entropy_vjp(&z, &t, 3, 1.0, &mut z_bar, &mut []);
/// assert_eq!(z_bar, [0.0, 0.0, 0.0]);
/// let z = [1.0, 1.0];
/// let mut z_bar = [0.0; 2];
/// let loss = softmax_cross_entropy_vjp(&z, &[0.0, 1.0], 2, 1.0, &mut z_bar, &mut []);
/// assert!((loss - 2f64.ln()).abs() < 1e-15);
/// assert_eq!(z_bar, [0.5, -0.5]);
/// ```
pub fn softmax_cross_entropy(logits: &[f64], targets: &[f64], n: usize) -> f64 {
    check_cross_entropy(logits, targets, n, "softmax_cross_entropy");
    let rows = logits.len() / n;
    let total: f64 = logits
        .chunks_exact(n)
        .zip(targets.chunks_exact(n))
        .map(|(z, t)| {
            let lse = lse_row(z);
            z.iter().zip(t).map(|(zj, tj)| tj * (lse - zj)).sum::<f64>()
        })
        .sum();
    total / rows as f64
}

/// The rule of [`softmax_cross_entropy`], fused and stable:
/// `z̄ += seed · (p · Σ_j t_j − t) / B` (that is `seed · (P − T) / B` when each target row sums
/// to 1) and `t̄ += seed · (lse(z) − z) / B`; returns the loss.
///
/// # Panics
///
/// As [`softmax_cross_entropy`], or if a bar is neither empty nor its argument's length.
pub fn softmax_cross_entropy_vjp(
    logits: &[f64],
    targets: &[f64],
    n: usize,
    seed: f64,
    logits_bar: &mut [f64],
    targets_bar: &mut [f64],
) -> f64 {
    const RULE: &str = "softmax_cross_entropy_vjp";
    check_cross_entropy(logits, targets, n, RULE);
    let want_z = wanted(logits_bar, logits.len(), RULE, "logits");
    let want_t = wanted(targets_bar, targets.len(), RULE, "targets");
    let rows = logits.len() / n;
    let b = rows as f64;
    let mut p = vec![0.0; if want_z { n } else { 0 }];
    let mut total = 0.0;
    for r in 0..rows {
        let range = r * n..(r + 1) * n;
        let (z, t) = (&logits[range.clone()], &targets[range.clone()]);
        let lse = if want_z {
            softmax_row(z, &mut p)
        } else {
            lse_row(z)
        };
        total += z.iter().zip(t).map(|(zj, tj)| tj * (lse - zj)).sum::<f64>();
        if want_z {
            let t_sum: f64 = t.iter().sum();
            let bar = &mut logits_bar[range.clone()];
            for ((zb, &pj), &tj) in bar.iter_mut().zip(&p).zip(t) {
                *zb += (pj * t_sum - tj) * seed / b;
            }
        }
        if want_t {
            let bar = &mut targets_bar[range];
            for (tb, &zj) in bar.iter_mut().zip(z) {
                *tb += (lse - zj) * seed / b;
            }
        }
    }
    total / b
}

fn check_mse(pred: &[f64], target: &[f64], kernel: &str) {
    assert!(
        !pred.is_empty(),
        "{kernel}: the mean needs at least one entry"
    );
    assert!(
        pred.len() == target.len(),
        "{kernel}: `pred` has length {} but `target` has length {}",
        pred.len(),
        target.len()
    );
}

/// The mean squared error `(1/N) Σ (predᵢ − targetᵢ)²` over all `N` entries.
///
/// # Panics
///
/// If `pred` is empty or `target` has another length.
pub fn mse(pred: &[f64], target: &[f64]) -> f64 {
    check_mse(pred, target, "mse");
    let sum: f64 = pred
        .iter()
        .zip(target)
        .map(|(p, t)| (p - t) * (p - t))
        .sum();
    sum / pred.len() as f64
}

/// The rule of [`mse`]: `p̄ += seed · 2(pred − target)/N`, `t̄ −= seed · 2(pred − target)/N`;
/// returns the loss.
///
/// # Panics
///
/// As [`mse`], or if a bar is neither empty nor its argument's length.
pub fn mse_vjp(
    pred: &[f64],
    target: &[f64],
    seed: f64,
    pred_bar: &mut [f64],
    target_bar: &mut [f64],
) -> f64 {
    let value = mse(pred, target);
    let scale = 2.0 * seed / pred.len() as f64;
    if wanted(pred_bar, pred.len(), "mse_vjp", "pred") {
        for ((b, p), t) in pred_bar.iter_mut().zip(pred).zip(target) {
            *b += scale * (p - t);
        }
    }
    if wanted(target_bar, target.len(), "mse_vjp", "target") {
        for ((b, p), t) in target_bar.iter_mut().zip(pred).zip(target) {
            *b -= scale * (p - t);
        }
    }
    value
}
