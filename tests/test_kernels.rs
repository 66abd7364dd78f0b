//! The dense kernels of `autodiff::kernels` and their hand-written rules: every value against a
//! naive computation, every `NAME_vjp` against central differences of `⟨ȳ, NAME(·)⟩` in every
//! argument (odd sizes, random points, random seeds), the accumulate semantics, the empty-bar
//! skip, the dimension checks, and the stability of softmax cross-entropy at logits of 1000;
//! every `NAME_jvp` against central differences along random tangents, against its `NAME_vjp`
//! (`⟨ȳ, J ẋ⟩ = ⟨Jᵀȳ, ẋ⟩`), and with empty tangents read as zeros.

use approx::assert_relative_eq;
use autodiff::check::{directional_derivative, numeric_gradient};
use autodiff::kernels::*;

mod common;
use common::points;

const M: usize = 3;
const K: usize = 5;
const N: usize = 4;

/// Central differences in `f64`: good to about eight digits here.
const FD_REL: f64 = 1e-6;
const FD_ABS: f64 = 1e-7;
/// Two ways of computing the same sums: a few roundings apart.
const EXACT_REL: f64 = 1e-12;
const EXACT_ABS: f64 = 1e-13;

fn assert_all_close(actual: &[f64], expected: &[f64], rel: f64, abs: f64) {
    assert_eq!(actual.len(), expected.len(), "lengths differ");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            approx::relative_eq!(*a, *e, epsilon = abs, max_relative = rel),
            "entry {i}: {a} vs {e} (rel {rel:e}, abs {abs:e})\n actual   {actual:?}\n expected {expected:?}"
        );
    }
}

fn inner(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// A kernel over its float arguments, its value as a vector (one entry for a scalar kernel).
type Forward = dyn Fn(&[Vec<f64>]) -> Vec<f64>;
/// A rule over its float arguments, the seed `ȳ` and one bar per argument.
type Rule = dyn Fn(&[Vec<f64>], &[f64], &mut [Vec<f64>]);
/// A forward rule over its float arguments and one tangent per argument: the value and its
/// tangent, as vectors.
type Jvp = dyn Fn(&[Vec<f64>], &[Vec<f64>]) -> (Vec<f64>, Vec<f64>);

/// A second-order rule over its float arguments, their tangents, the seed and the tangent seed
/// (for a scalar kernel, one entry each; empty is zero) and the bars of both: the value as a
/// vector.
type Second =
    dyn Fn(&[Vec<f64>], &[Vec<f64>], &[f64], &[f64], &mut [Vec<f64>], &mut [Vec<f64>]) -> Vec<f64>;

/// A scalar kernel's seed from [`Second`]'s: an empty one is zero.
fn scalar(seed: &[f64]) -> f64 {
    seed.first().copied().unwrap_or(0.0)
}

/// A kernel under test: its arguments at a random point and a random seed.
struct Case {
    args: Vec<Vec<f64>>,
    seed: Vec<f64>,
    forward: Box<Forward>,
    rule: Box<Rule>,
    jvp: Box<Jvp>,
    second: Box<Second>,
}

impl Case {
    fn new(
        args: Vec<Vec<f64>>,
        forward: impl Fn(&[Vec<f64>]) -> Vec<f64> + 'static,
        rule: impl Fn(&[Vec<f64>], &[f64], &mut [Vec<f64>]) + 'static,
        jvp: impl Fn(&[Vec<f64>], &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) + 'static,
        second: impl Fn(
                &[Vec<f64>],
                &[Vec<f64>],
                &[f64],
                &[f64],
                &mut [Vec<f64>],
                &mut [Vec<f64>],
            ) -> Vec<f64>
            + 'static,
    ) -> Self {
        let out_len = forward(&args).len();
        Case {
            seed: points(out_len, -1.0, 1.0, 0x5eed + out_len as u64),
            args,
            forward: Box::new(forward),
            rule: Box::new(rule),
            jvp: Box::new(jvp),
            second: Box::new(second),
        }
    }

    /// The bars the rule fills, starting from `start(i)` for argument `i`.
    fn run(&self, start: impl Fn(usize) -> Vec<f64>) -> Vec<Vec<f64>> {
        let mut bars: Vec<Vec<f64>> = (0..self.args.len()).map(start).collect();
        (self.rule)(&self.args, &self.seed, &mut bars);
        bars
    }

    fn zero_bars(&self) -> Vec<Vec<f64>> {
        self.run(|i| vec![0.0; self.args[i].len()])
    }

    /// `ȳᵀ J` against central differences of `⟨ȳ, f(·)⟩`, in every argument.
    fn check_vjp(&self) {
        let bars = self.zero_bars();
        for (i, bar) in bars.iter().enumerate() {
            let along = |v: &[f64]| {
                let mut args = self.args.clone();
                args[i] = v.to_vec();
                inner(&self.seed, &(self.forward)(&args))
            };
            let numeric = numeric_gradient(along, &self.args[i], 1e-6);
            assert_all_close(bar, &numeric, FD_REL, FD_ABS);
        }
    }

    /// Bars that already hold values are added to, not overwritten.
    fn check_accumulates(&self) {
        let fresh = self.zero_bars();
        let prefill = |i: usize| points(self.args[i].len(), -3.0, 3.0, 77 + i as u64);
        let added = self.run(prefill);
        for (i, (got, g)) in added.iter().zip(&fresh).enumerate() {
            let expected: Vec<f64> = prefill(i).iter().zip(g).map(|(p, g)| p + g).collect();
            assert_all_close(got, &expected, EXACT_REL, EXACT_ABS);
        }
    }

    /// An empty bar skips that argument and leaves the other adjoints as they were.
    fn check_empty_bars(&self) {
        let full = self.zero_bars();
        for skipped in 0..self.args.len() {
            let bars = self.run(|i| {
                if i == skipped {
                    Vec::new()
                } else {
                    vec![0.0; self.args[i].len()]
                }
            });
            for (i, (got, want)) in bars.iter().zip(&full).enumerate() {
                if i == skipped {
                    assert!(got.is_empty(), "the skipped bar was resized");
                } else {
                    assert_all_close(got, want, EXACT_REL, EXACT_ABS);
                }
            }
        }
        // All of them at once is fine too.
        let none = self.run(|_| Vec::new());
        assert!(none.iter().all(Vec::is_empty));
    }

    /// `J ẋ` against central differences along random tangents, and against the reverse rule:
    /// `⟨ȳ, J ẋ⟩ = ⟨Jᵀȳ, ẋ⟩`; an empty tangent is a zero one.
    fn check_jvp(&self) {
        let value = (self.forward)(&self.args);
        let jt_y = self.zero_bars();
        for trial in 0..3 {
            let dots: Vec<Vec<f64>> = (self.args.iter().enumerate())
                .map(|(i, a)| points(a.len(), -1.0, 1.0, 900 + 10 * trial + i as u64))
                .collect();
            let (v, t) = (self.jvp)(&self.args, &dots);
            assert_all_close(&v, &value, EXACT_REL, EXACT_ABS);
            let flat: Vec<f64> = self.args.concat();
            let along = |q: &[f64]| {
                let mut args = Vec::new();
                let mut rest = q;
                for a in &self.args {
                    let (head, tail) = rest.split_at(a.len());
                    args.push(head.to_vec());
                    rest = tail;
                }
                (self.forward)(&args)
            };
            let numeric = directional_derivative(along, &flat, &dots.concat(), 1e-6);
            assert_all_close(&t, &numeric, FD_REL, FD_ABS);
            let forward = inner(&self.seed, &t);
            let reverse: f64 = jt_y.iter().zip(&dots).map(|(b, d)| inner(b, d)).sum();
            assert_relative_eq!(
                forward,
                reverse,
                epsilon = EXACT_ABS,
                max_relative = EXACT_REL
            );
            for skipped in 0..dots.len() {
                let mut zeroed = dots.clone();
                zeroed[skipped].iter_mut().for_each(|d| *d = 0.0);
                let mut empty = dots.clone();
                empty[skipped] = Vec::new();
                let (_, want) = (self.jvp)(&self.args, &zeroed);
                let (_, got) = (self.jvp)(&self.args, &empty);
                assert_all_close(&got, &want, EXACT_REL, EXACT_ABS);
            }
        }
    }

    /// Zero vectors of the arguments' lengths.
    fn zeros(&self) -> Vec<Vec<f64>> {
        self.args.iter().map(|a| vec![0.0; a.len()]).collect()
    }

    /// Random vectors of the arguments' lengths.
    fn random(&self, seed: u64) -> Vec<Vec<f64>> {
        (self.args.iter().enumerate())
            .map(|(i, a)| points(a.len(), -1.0, 1.0, seed + i as u64))
            .collect()
    }

    /// The second-order rule against central differences of the forward rule:
    /// `⟨x̄, u⟩ + ⟨ẋ̄, u̇⟩ = d/dε [⟨ȳ, y⟩ + ⟨w, ẏ⟩]` at `(x + εu, ẋ + εu̇)`, with every tangent
    /// given or empty and every seed given or empty. The tangents' bars are the first-order rule's
    /// with seed `w`; bars accumulate; an empty bar leaves the others as they were.
    fn check_second(&self) {
        let value = (self.forward)(&self.args);
        let dots = self.random(300);
        let w = points(value.len(), -1.0, 1.0, 400);
        let mut patterns = vec![
            (dots.clone(), self.seed.clone(), w.clone()),
            (dots.clone(), vec![], w.clone()),
            (dots.clone(), self.seed.clone(), vec![]),
        ];
        for i in 0..dots.len() {
            let mut some = dots.clone();
            some[i] = vec![];
            patterns.push((some, self.seed.clone(), w.clone()));
        }
        let (u, u_dot) = (self.random(500), self.random(600));
        for (dots, seed, w) in patterns {
            let run = |mut bars: Vec<Vec<f64>>, mut dot_bars: Vec<Vec<f64>>| {
                let v = (self.second)(&self.args, &dots, &seed, &w, &mut bars, &mut dot_bars);
                (v, bars, dot_bars)
            };
            let (v, bars, dot_bars) = run(self.zeros(), self.zeros());
            assert_all_close(&v, &value, EXACT_REL, EXACT_ABS);

            let at = |e: f64| {
                let shift = |a: &[Vec<f64>], d: &[Vec<f64>]| -> Vec<Vec<f64>> {
                    // A tangent left empty stays zero.
                    (a.iter().zip(d))
                        .map(|(a, d)| a.iter().zip(d).map(|(a, d)| a + e * d).collect())
                        .collect()
                };
                let (y, t) = (self.jvp)(&shift(&self.args, &u), &shift(&dots, &u_dot));
                inner(&seed, &y) + inner(&w, &t)
            };
            let h = 1e-5;
            let numeric = (at(h) - at(-h)) / (2.0 * h);
            let exact: f64 = (0..dots.len())
                .map(|i| {
                    // A tangent that stays empty is not moved.
                    let along_dot = if dots[i].is_empty() {
                        0.0
                    } else {
                        inner(&dot_bars[i], &u_dot[i])
                    };
                    inner(&bars[i], &u[i]) + along_dot
                })
                .sum();
            assert_relative_eq!(exact, numeric, max_relative = 1e-7, epsilon = 1e-8);

            let first = if w.is_empty() {
                self.zeros()
            } else {
                let mut bars = self.zeros();
                (self.rule)(&self.args, &w, &mut bars);
                bars
            };
            for (got, want) in dot_bars.iter().zip(&first) {
                assert_all_close(got, want, EXACT_REL, EXACT_ABS);
            }

            let (prefill, dot_prefill) = (self.random(700), self.random(800));
            let (_, more, dot_more) = run(prefill.clone(), dot_prefill.clone());
            let sums = [
                (&more, &prefill, &bars),
                (&dot_more, &dot_prefill, &dot_bars),
            ];
            for (got, start, fresh) in sums {
                for ((g, p), f) in got.iter().zip(start).zip(fresh) {
                    let want: Vec<f64> = p.iter().zip(f).map(|(p, f)| p + f).collect();
                    assert_all_close(g, &want, EXACT_REL, EXACT_ABS);
                }
            }

            for skipped in 0..2 * dots.len() {
                let mut all = [self.zeros(), self.zeros()];
                all[skipped / dots.len()][skipped % dots.len()] = vec![];
                let [b, d] = all;
                let (_, b, d) = run(b, d);
                let got = b.iter().chain(&d);
                for (k, (g, want)) in got.zip(bars.iter().chain(&dot_bars)).enumerate() {
                    if k == skipped {
                        assert!(g.is_empty(), "the skipped bar was resized");
                    } else {
                        assert_all_close(g, want, EXACT_REL, EXACT_ABS);
                    }
                }
            }
        }
    }

    fn check_rule(&self) {
        self.check_vjp();
        self.check_accumulates();
        self.check_empty_bars();
        self.check_jvp();
        self.check_second();
    }
}

fn naive_matmul(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
    let mut c = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            for p in 0..k {
                c[i * n + j] += a[i * k + p] * b[p * n + j];
            }
        }
    }
    c
}

fn transpose(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let mut t = vec![0.0; a.len()];
    for i in 0..rows {
        for j in 0..cols {
            t[j * rows + i] = a[i * cols + j];
        }
    }
    t
}

/// The textbook softmax, `exp(x) / Σ exp(x)`, without the max shift: fine for moderate x only.
fn naive_softmax_row(row: &[f64]) -> Vec<f64> {
    let sum: f64 = row.iter().map(|v| v.exp()).sum();
    row.iter().map(|v| v.exp() / sum).collect()
}

/// `−Σ t log softmax(z)` averaged over rows, the textbook way.
fn naive_cross_entropy(z: &[f64], t: &[f64], n: usize) -> f64 {
    let rows = z.len() / n;
    let total: f64 = z
        .chunks(n)
        .zip(t.chunks(n))
        .map(|(zr, tr)| {
            let p = naive_softmax_row(zr);
            -tr.iter().zip(&p).map(|(tj, pj)| tj * pj.ln()).sum::<f64>()
        })
        .sum();
    total / rows as f64
}

/// Random probability rows (positive, each summing to 1).
fn probability_rows(rows: usize, n: usize, seed: u64) -> Vec<f64> {
    let mut t = points(rows * n, 0.1, 1.0, seed);
    for row in t.chunks_mut(n) {
        let s: f64 = row.iter().sum();
        row.iter_mut().for_each(|v| *v /= s);
    }
    t
}

fn one_hot(classes: &[usize], n: usize) -> Vec<f64> {
    let mut t = vec![0.0; classes.len() * n];
    for (r, &c) in classes.iter().enumerate() {
        t[r * n + c] = 1.0;
    }
    t
}

// ---------------------------------------------------------------------------------------------
// dot

#[test]
fn dot_value_and_rule() {
    let (x, y) = (points(7, -2.0, 2.0, 1), points(7, -2.0, 2.0, 2));
    let mut naive = 0.0;
    for i in 0..7 {
        naive += x[i] * y[i];
    }
    assert_relative_eq!(
        dot(&x, &y),
        naive,
        epsilon = EXACT_ABS,
        max_relative = EXACT_REL
    );
    assert_eq!(dot(&[], &[]), 0.0);

    let case = Case::new(
        vec![x, y],
        |a| vec![dot(&a[0], &a[1])],
        |a, s, bars| {
            let [xb, yb] = bars else { unreachable!() };
            let value = dot_vjp(&a[0], &a[1], s[0], xb, yb);
            assert_eq!(value, dot(&a[0], &a[1]), "dot_vjp returns the value");
        },
        |a, d| {
            let (v, t) = dot_jvp(&a[0], &a[1], &d[0], &d[1]);
            (vec![v], vec![t])
        },
        |a, d, s, w, bars, dbars| {
            let ([xb, yb], [xdb, ydb]) = (bars, dbars) else {
                unreachable!()
            };
            vec![dot_jvp_vjp(
                &a[0],
                &a[1],
                &d[0],
                &d[1],
                scalar(s),
                scalar(w),
                xb,
                yb,
                xdb,
                ydb,
            )]
        },
    );
    case.check_rule();
}

// ---------------------------------------------------------------------------------------------
// matvec

#[test]
fn matvec_value_and_rule() {
    let (a, x) = (points(M * K, -2.0, 2.0, 3), points(K, -2.0, 2.0, 4));
    let naive: Vec<f64> = (0..M)
        .map(|i| (0..K).map(|j| a[i * K + j] * x[j]).sum())
        .collect();
    assert_all_close(&matvec(&a, &x, M, K), &naive, EXACT_REL, EXACT_ABS);
    assert_eq!(matvec(&[], &[], 3, 0), vec![0.0; 3]);

    let case = Case::new(
        vec![a, x],
        |a| matvec(&a[0], &a[1], M, K),
        |a, s, bars| {
            let [ab, xb] = bars else { unreachable!() };
            matvec_vjp(&a[0], &a[1], M, K, s, ab, xb);
        },
        |a, d| matvec_jvp(&a[0], &a[1], M, K, &d[0], &d[1]),
        |a, d, s, w, bars, dbars| {
            let ([ab, xb], [adb, xdb]) = (bars, dbars) else {
                unreachable!()
            };
            matvec_jvp_vjp(&a[0], &a[1], M, K, &d[0], &d[1], s, w, ab, xb, adb, xdb)
        },
    );
    case.check_rule();
}

// ---------------------------------------------------------------------------------------------
// matmul

#[test]
fn matmul_value_and_rule() {
    let (a, b) = (points(M * K, -2.0, 2.0, 5), points(K * N, -2.0, 2.0, 6));
    assert_all_close(
        &matmul(&a, &b, M, K, N),
        &naive_matmul(&a, &b, M, K, N),
        EXACT_REL,
        EXACT_ABS,
    );
    let case = Case::new(
        vec![a, b],
        |a| matmul(&a[0], &a[1], M, K, N),
        |a, s, bars| {
            let [ab, bb] = bars else { unreachable!() };
            matmul_vjp(&a[0], &a[1], M, K, N, s, ab, bb);
        },
        |a, d| matmul_jvp(&a[0], &a[1], M, K, N, &d[0], &d[1]),
        |a, d, s, w, bars, dbars| {
            let ([ab, bb], [adb, bdb]) = (bars, dbars) else {
                unreachable!()
            };
            matmul_jvp_vjp(&a[0], &a[1], M, K, N, &d[0], &d[1], s, w, ab, bb, adb, bdb)
        },
    );
    case.check_rule();
}

/// Sizes past dgemm's register blocks (and vectors and 1×1), so the packed paths and the
/// strided transposes are exercised: Ā = Ȳ Bᵀ and B̄ = Aᵀ Ȳ against naive products.
#[test]
fn matmul_rule_at_larger_and_degenerate_sizes() {
    for (i, &(m, k, n)) in [(17, 33, 9), (1, 7, 1), (6, 1, 5), (1, 1, 1), (13, 2, 31)]
        .iter()
        .enumerate()
    {
        let s = 100 + 3 * i as u64;
        let a = points(m * k, -2.0, 2.0, s);
        let b = points(k * n, -2.0, 2.0, s + 1);
        let ybar = points(m * n, -1.0, 1.0, s + 2);
        assert_all_close(
            &matmul(&a, &b, m, k, n),
            &naive_matmul(&a, &b, m, k, n),
            EXACT_REL,
            EXACT_ABS,
        );
        let (mut a_bar, mut b_bar) = (vec![0.0; m * k], vec![0.0; k * n]);
        matmul_vjp(&a, &b, m, k, n, &ybar, &mut a_bar, &mut b_bar);
        let want_a = naive_matmul(&ybar, &transpose(&b, k, n), m, n, k);
        let want_b = naive_matmul(&transpose(&a, m, k), &ybar, k, m, n);
        assert_all_close(&a_bar, &want_a, EXACT_REL, EXACT_ABS);
        assert_all_close(&b_bar, &want_b, EXACT_REL, EXACT_ABS);
    }
}

#[test]
fn matmul_with_an_empty_inner_dimension_is_zero() {
    assert_eq!(matmul(&[], &[], 2, 0, 3), vec![0.0; 6]);
    assert_eq!(matmul(&[], &[], 0, 4, 0), Vec::<f64>::new());
    // ȳ is 2×3, A is 2×0, B is 0×3: nothing to add, and the bars stay as they were.
    let (mut a_bar, mut b_bar) = (Vec::new(), Vec::new());
    matmul_vjp(&[], &[], 2, 0, 3, &[1.0; 6], &mut a_bar, &mut b_bar);
    // A zero seed adds exactly nothing to prefilled bars.
    let (a, b) = (points(6, -1.0, 1.0, 9), points(6, -1.0, 1.0, 10));
    let (mut a_bar, mut b_bar) = (vec![1.5; 6], vec![-2.5; 6]);
    matmul_vjp(&a, &b, 2, 3, 2, &[0.0; 4], &mut a_bar, &mut b_bar);
    assert_eq!((a_bar, b_bar), (vec![1.5; 6], vec![-2.5; 6]));
}

#[test]
#[should_panic(expected = "matmul: `b` has length 11, but a k×n = 5×2 matrix needs 10")]
fn matmul_checks_dimensions() {
    matmul(&[0.0; 15], &[0.0; 11], 3, 5, 2);
}

#[test]
#[should_panic(expected = "matmul_vjp: the bar of `a` has length 14, but `a` has length 15")]
fn matmul_vjp_checks_bar_lengths() {
    let (mut a_bar, mut b_bar) = (vec![0.0; 14], vec![0.0; 10]);
    matmul_vjp(
        &[0.0; 15], &[0.0; 10], 3, 5, 2, &[1.0; 6], &mut a_bar, &mut b_bar,
    );
}

#[test]
#[should_panic(expected = "matmul_vjp: the seed ȳ has length 5, but the output has length 6")]
fn matmul_vjp_checks_the_seed() {
    matmul_vjp(&[0.0; 15], &[0.0; 10], 3, 5, 2, &[1.0; 5], &mut [], &mut []);
}

// ---------------------------------------------------------------------------------------------
// add_bias

#[test]
fn add_bias_value_and_rule() {
    let (y, b) = (points(M * N, -2.0, 2.0, 11), points(N, -2.0, 2.0, 12));
    let mut naive = y.clone();
    for r in 0..M {
        for j in 0..N {
            naive[r * N + j] += b[j];
        }
    }
    assert_eq!(add_bias(&y, &b), naive);

    let case = Case::new(
        vec![y, b],
        |a| add_bias(&a[0], &a[1]),
        |a, s, bars| {
            let [yb, bb] = bars else { unreachable!() };
            add_bias_vjp(&a[0], &a[1], s, yb, bb);
        },
        |a, d| add_bias_jvp(&a[0], &a[1], &d[0], &d[1]),
        |a, d, s, w, bars, dbars| {
            let ([yb, bb], [ydb, bdb]) = (bars, dbars) else {
                unreachable!()
            };
            add_bias_jvp_vjp(&a[0], &a[1], &d[0], &d[1], s, w, yb, bb, ydb, bdb)
        },
    );
    case.check_rule();
}

#[test]
#[should_panic(expected = "add_bias: `y` has length 10, not a multiple of the bias length 4")]
fn add_bias_checks_dimensions() {
    add_bias(&[0.0; 10], &[0.0; 4]);
}

// ---------------------------------------------------------------------------------------------
// relu, sigmoid, tanh

/// An elementwise kernel's forward rule: the value and the tangent.
type ElementwiseJvp = fn(&[f64], &[f64]) -> (Vec<f64>, Vec<f64>);
/// An elementwise kernel's second-order rule.
type ElementwiseSecond = fn(&[f64], &[f64], &[f64], &[f64], &mut [f64], &mut [f64]) -> Vec<f64>;

fn elementwise_case(
    x: Vec<f64>,
    f: fn(&[f64]) -> Vec<f64>,
    rule: fn(&[f64], &[f64], &mut [f64]),
    (jvp, second): (ElementwiseJvp, ElementwiseSecond),
) -> Case {
    Case::new(
        vec![x],
        move |a| f(&a[0]),
        move |a, s, bars| rule(&a[0], s, &mut bars[0]),
        move |a, d| jvp(&a[0], &d[0]),
        move |a, d, s, w, bars, dbars| second(&a[0], &d[0], s, w, &mut bars[0], &mut dbars[0]),
    )
}

#[test]
fn relu_value_and_rule() {
    // Points in [-2, 2] that are not within a finite-difference step of the kink.
    let x: Vec<f64> = points(9, -2.0, 2.0, 13)
        .into_iter()
        .map(|v| if v.abs() < 1e-3 { 0.5 } else { v })
        .collect();
    let naive: Vec<f64> = x.iter().map(|&v| if v > 0.0 { v } else { 0.0 }).collect();
    assert_eq!(relu(&x), naive);
    elementwise_case(x, relu, relu_vjp, (relu_jvp, relu_jvp_vjp)).check_rule();
}

#[test]
fn relu_rule_is_a_mask_exactly_zero_at_zero() {
    let x = [0.0, -0.0, -1.0, 1e-300, 2.0];
    let mut x_bar = [1.0; 5];
    relu_vjp(&x, &[7.0, 7.0, 7.0, 7.0, 7.0], &mut x_bar);
    assert_eq!(x_bar, [1.0, 1.0, 1.0, 8.0, 8.0]);
    // Masked entries get nothing at all, not 0 · ȳ: an infinite seed stays out of them.
    let mut x_bar = [0.0; 5];
    relu_vjp(&x, &[f64::INFINITY; 5], &mut x_bar);
    assert_eq!(&x_bar[..3], &[0.0, 0.0, 0.0]);
}

#[test]
fn sigmoid_value_and_rule() {
    let x = points(9, -4.0, 4.0, 14);
    let naive: Vec<f64> = x.iter().map(|v| 1.0 / (1.0 + (-v).exp())).collect();
    assert_all_close(&sigmoid(&x), &naive, EXACT_REL, EXACT_ABS);
    elementwise_case(x, sigmoid, sigmoid_vjp, (sigmoid_jvp, sigmoid_jvp_vjp)).check_rule();
}

#[test]
fn sigmoid_is_stable_for_any_input() {
    let s = sigmoid(&[-1000.0, 1000.0, -700.0, 0.0]);
    assert_eq!(s[..2], [0.0, 1.0]);
    // σ(−700) ≈ e^−700 ≈ 1e−304: no 1 − 1 cancellation, no overflow of e^700.
    assert_relative_eq!(s[2], (-700.0f64).exp(), max_relative = 1e-15);
    assert_eq!(s[3], 0.5);
    let mut x_bar = [0.0; 2];
    sigmoid_vjp(&[-1000.0, 1000.0], &[1.0, 1.0], &mut x_bar);
    assert_eq!(x_bar, [0.0, 0.0]);
}

#[test]
fn tanh_value_and_rule() {
    let x = points(9, -3.0, 3.0, 15);
    let naive: Vec<f64> = x
        .iter()
        .map(|v| (v.exp() - (-v).exp()) / (v.exp() + (-v).exp()))
        .collect();
    assert_all_close(&tanh(&x), &naive, EXACT_REL, EXACT_ABS);
    elementwise_case(x, tanh, tanh_vjp, (tanh_jvp, tanh_jvp_vjp)).check_rule();
}

#[test]
#[should_panic(expected = "tanh_vjp: the seed ȳ has length 2, but the output has length 3")]
fn elementwise_rules_check_the_seed() {
    tanh_vjp(&[0.0; 3], &[1.0; 2], &mut []);
}

// ---------------------------------------------------------------------------------------------
// softmax, logsumexp

#[test]
fn softmax_value_and_rule() {
    let x = points(M * K, -3.0, 3.0, 16);
    let naive: Vec<f64> = x.chunks(K).flat_map(naive_softmax_row).collect();
    let p = softmax(&x, K);
    assert_all_close(&p, &naive, EXACT_REL, EXACT_ABS);
    for row in p.chunks(K) {
        assert_relative_eq!(row.iter().sum::<f64>(), 1.0, epsilon = 1e-15);
    }
    let case = Case::new(
        vec![x],
        |a| softmax(&a[0], K),
        |a, s, bars| softmax_vjp(&a[0], K, s, &mut bars[0]),
        |a, d| softmax_jvp(&a[0], K, &d[0]),
        |a, d, s, w, bars, dbars| {
            softmax_jvp_vjp(&a[0], K, &d[0], s, w, &mut bars[0], &mut dbars[0])
        },
    );
    case.check_rule();
}

#[test]
fn softmax_and_logsumexp_are_stable_at_large_inputs() {
    let x = [1000.0, 1000.0, -1000.0, 999.0];
    let p = softmax(&x, 4);
    assert!(p.iter().all(|v| v.is_finite()));
    let e = (-1.0f64).exp();
    let want = [1.0 / (2.0 + e), 1.0 / (2.0 + e), 0.0, e / (2.0 + e)];
    assert_all_close(&p, &want, EXACT_REL, EXACT_ABS);
    assert_relative_eq!(
        logsumexp(&x, 4)[0],
        1000.0 + (2.0 + e).ln(),
        max_relative = 1e-15
    );
    // The textbook forms overflow: exp(1000) = ∞.
    assert!(naive_softmax_row(&x).iter().any(|v| v.is_nan()));
    assert_eq!(x.iter().map(|v| v.exp()).sum::<f64>().ln(), f64::INFINITY);
}

#[test]
fn logsumexp_value_and_rule() {
    let x = points(M * K, -3.0, 3.0, 17);
    let naive: Vec<f64> = x
        .chunks(K)
        .map(|row| row.iter().map(|v| v.exp()).sum::<f64>().ln())
        .collect();
    let lse = logsumexp(&x, K);
    assert_eq!(lse.len(), M);
    assert_all_close(&lse, &naive, EXACT_REL, EXACT_ABS);
    let case = Case::new(
        vec![x],
        |a| logsumexp(&a[0], K),
        |a, s, bars| logsumexp_vjp(&a[0], K, s, &mut bars[0]),
        |a, d| logsumexp_jvp(&a[0], K, &d[0]),
        |a, d, s, w, bars, dbars| {
            logsumexp_jvp_vjp(&a[0], K, &d[0], s, w, &mut bars[0], &mut dbars[0])
        },
    );
    case.check_rule();
}

#[test]
#[should_panic(expected = "softmax: `x` has length 7, not a multiple of the row length n = 3")]
fn softmax_checks_dimensions() {
    softmax(&[0.0; 7], 3);
}

#[test]
#[should_panic(expected = "logsumexp_vjp: the seed ȳ has length 3, but the output has length 2")]
fn logsumexp_vjp_checks_the_seed() {
    logsumexp_vjp(&[0.0; 6], 3, &[1.0; 3], &mut []);
}

#[test]
#[should_panic(expected = "logsumexp: the row length n must be positive")]
fn row_kernels_need_a_positive_row_length() {
    logsumexp(&[], 0);
}

// ---------------------------------------------------------------------------------------------
// softmax_cross_entropy

#[test]
fn softmax_cross_entropy_value_and_rule() {
    let z = points(M * K, -3.0, 3.0, 18);
    for t in [probability_rows(M, K, 19), one_hot(&[4, 0, 2], K)] {
        assert_relative_eq!(
            softmax_cross_entropy(&z, &t, K),
            naive_cross_entropy(&z, &t, K),
            epsilon = EXACT_ABS,
            max_relative = EXACT_REL
        );
    }
    // Arbitrary (unnormalised) target weights: the rule is p · Σt − t, not p − t.
    for t in [probability_rows(M, K, 20), points(M * K, 0.0, 2.0, 21)] {
        let case = Case::new(
            vec![z.clone(), t],
            |a| vec![softmax_cross_entropy(&a[0], &a[1], K)],
            |a, s, bars| {
                let [zb, tb] = bars else { unreachable!() };
                let value = softmax_cross_entropy_vjp(&a[0], &a[1], K, s[0], zb, tb);
                let forward = softmax_cross_entropy(&a[0], &a[1], K);
                assert_relative_eq!(value, forward, max_relative = 1e-15);
            },
            |a, d| {
                let (v, t) = softmax_cross_entropy_jvp(&a[0], &a[1], K, &d[0], &d[1]);
                (vec![v], vec![t])
            },
            |a, d, s, w, bars, dbars| {
                let ([zb, tb], [zdb, tdb]) = (bars, dbars) else {
                    unreachable!()
                };
                let (s, w) = (scalar(s), scalar(w));
                let v = softmax_cross_entropy_jvp_vjp(
                    &a[0], &a[1], K, &d[0], &d[1], s, w, zb, tb, zdb, tdb,
                );
                vec![v]
            },
        );
        case.check_rule();
    }
}

#[test]
fn softmax_cross_entropy_is_stable_at_logits_of_1000() {
    const B: usize = 4;
    let z = points(B * K, -1000.0, 1000.0, 22);
    let t = one_hot(&[1, 3, 0, 4], K);
    let loss = softmax_cross_entropy(&z, &t, K);
    assert!(loss.is_finite() && loss >= 0.0, "loss = {loss}");

    // The same loss, computed row by row from lse − z_target with the max taken out by hand.
    let by_hand: f64 = z
        .chunks(K)
        .zip([1, 3, 0, 4])
        .map(|(row, c)| {
            let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            m + row.iter().map(|v| (v - m).exp()).sum::<f64>().ln() - row[c]
        })
        .sum::<f64>()
        / B as f64;
    assert_relative_eq!(loss, by_hand, epsilon = 1e-12, max_relative = EXACT_REL);

    // The gradient is exactly (P − T) / B.
    let p = softmax(&z, K);
    let want: Vec<f64> = p
        .iter()
        .zip(&t)
        .map(|(pj, tj)| (pj - tj) / B as f64)
        .collect();
    let mut z_bar = vec![0.0; B * K];
    let value = softmax_cross_entropy_vjp(&z, &t, K, 1.0, &mut z_bar, &mut []);
    assert_eq!(value, loss);
    assert_eq!(z_bar, want);
    assert!(z_bar.iter().all(|v| v.is_finite()));
    // Each row of the gradient sums to 0, as Σ_j (p_j − t_j) = 1 − 1.
    for row in z_bar.chunks(K) {
        assert_relative_eq!(row.iter().sum::<f64>(), 0.0, epsilon = 1e-15);
    }

    // Shifting a row by a constant changes nothing, however large the shift.
    let shifted: Vec<f64> = z.iter().map(|v| v + 1000.0).collect();
    assert_relative_eq!(
        softmax_cross_entropy(&shifted, &t, K),
        loss,
        epsilon = 1e-10,
        max_relative = 1e-9
    );

    // Why the stable rule matters: the textbook −Σ t log(exp(z) / Σ exp(z)) is not finite here.
    let naive = naive_cross_entropy(&z, &t, K);
    assert!(!naive.is_finite(), "the naive form gave {naive}");
}

#[test]
#[should_panic(
    expected = "softmax_cross_entropy: `targets` has length 6, but `logits` has length 8"
)]
fn softmax_cross_entropy_checks_dimensions() {
    softmax_cross_entropy(&[0.0; 8], &[0.0; 6], 4);
}

#[test]
#[should_panic(expected = "softmax_cross_entropy_vjp: the bar of `targets` has length 3")]
fn softmax_cross_entropy_vjp_checks_bar_lengths() {
    softmax_cross_entropy_vjp(&[0.0; 4], &[0.5; 4], 2, 1.0, &mut [], &mut [0.0; 3]);
}

// ---------------------------------------------------------------------------------------------
// mse

#[test]
fn mse_value_and_rule() {
    let (pred, target) = (points(11, -2.0, 2.0, 23), points(11, -2.0, 2.0, 24));
    let mut naive = 0.0;
    for i in 0..11 {
        naive += (pred[i] - target[i]).powi(2);
    }
    naive /= 11.0;
    assert_relative_eq!(
        mse(&pred, &target),
        naive,
        epsilon = EXACT_ABS,
        max_relative = EXACT_REL
    );
    let case = Case::new(
        vec![pred, target],
        |a| vec![mse(&a[0], &a[1])],
        |a, s, bars| {
            let [pb, tb] = bars else { unreachable!() };
            let value = mse_vjp(&a[0], &a[1], s[0], pb, tb);
            assert_eq!(value, mse(&a[0], &a[1]));
        },
        |a, d| {
            let (v, t) = mse_jvp(&a[0], &a[1], &d[0], &d[1]);
            (vec![v], vec![t])
        },
        |a, d, s, w, bars, dbars| {
            let ([pb, tb], [pdb, tdb]) = (bars, dbars) else {
                unreachable!()
            };
            vec![mse_jvp_vjp(
                &a[0],
                &a[1],
                &d[0],
                &d[1],
                scalar(s),
                scalar(w),
                pb,
                tb,
                pdb,
                tdb,
            )]
        },
    );
    case.check_rule();
}

#[test]
#[should_panic(expected = "mse: `pred` has length 3 but `target` has length 2")]
fn mse_checks_dimensions() {
    mse(&[0.0; 3], &[0.0; 2]);
}

/// The kernels with a second-order rule, called from `#[grad(hvp)]`.
#[autodiff::grad(hvp)]
fn kernel_loss(w: &[f64], target: &[f64]) -> f64 {
    let mut pred = vec![0.0; w.len()];
    for i in 0..w.len() {
        pred[i] = w[i] * w[i] * dot(w, target);
    }
    mse(&pred, target) + dot(w, w) * 0.5 + softmax_cross_entropy(&pred, target, 2)
}

#[test]
fn kernels_under_hvp_against_differences_of_the_gradient() {
    let (w, t, v) = (
        points(4, -1.0, 1.0, 21),
        points(4, -1.0, 1.0, 22),
        points(4, -1.0, 1.0, 23),
    );
    let (_, (gw, _), (hw, ht)) = kernel_loss_hvp(&w, &t, &v, &[0.0; 4]);
    assert_all_close(&gw, &kernel_loss_grad(&w, &t).1 .0, 1e-13, 1e-13);
    let h = 1e-6;
    let shifted = |e: f64| -> (Vec<f64>, Vec<f64>) {
        let x: Vec<f64> = w.iter().zip(&v).map(|(a, b)| a + e * h * b).collect();
        kernel_loss_grad(&x, &t).1
    };
    let (plus, minus) = (shifted(1.0), shifted(-1.0));
    let fd = |p: &[f64], m: &[f64]| -> Vec<f64> {
        p.iter().zip(m).map(|(p, m)| (p - m) / (2.0 * h)).collect()
    };
    assert_all_close(&hw, &fd(&plus.0, &minus.0), 1e-6, 1e-6);
    assert_all_close(&ht, &fd(&plus.1, &minus.1), 1e-6, 1e-6);
}

/// Every vector kernel, called from `#[grad(hvp)]`: a two-layer network on a batch of two.
#[autodiff::grad(hvp, wrt(w1, b1, w2))]
fn network(w1: &[f64], b1: &[f64], w2: &[f64], x: &[f64]) -> f64 {
    let z1 = matmul(x, w1, 2, 3, 4);
    let h = add_bias(&z1, b1);
    let a = tanh(&h);
    let s = sigmoid(&h);
    let r = relu(&h);
    let z2 = matvec(w2, &a, 3, 8);
    let p = softmax(&z2, 3);
    let l = logsumexp(&h, 4);
    dot(&p, &z2) + l[0] * l[1] + dot(&s, &r) + dot(&s, &a)
}

#[test]
fn vector_kernels_under_hvp_against_differences_of_the_gradient() {
    let (w1, b1, w2, x) = (
        points(12, -1.0, 1.0, 31),
        points(4, -1.0, 1.0, 32),
        points(24, -1.0, 1.0, 33),
        points(6, -1.0, 1.0, 34),
    );
    let (v1, vb, v2) = (
        points(12, -1.0, 1.0, 35),
        points(4, -1.0, 1.0, 36),
        points(24, -1.0, 1.0, 37),
    );
    let (value, grad, hv) = network_hvp(&w1, &b1, &w2, &x, &v1, &vb, &v2);
    let (want_value, want_grad) = network_grad(&w1, &b1, &w2, &x);
    assert_eq!(value, want_value);
    assert_all_close(&grad.0, &want_grad.0, 1e-13, 1e-13);
    assert_all_close(&grad.2, &want_grad.2, 1e-13, 1e-13);
    let h = 1e-6;
    let shift = |a: &[f64], d: &[f64], e: f64| -> Vec<f64> {
        a.iter().zip(d).map(|(a, d)| a + e * h * d).collect()
    };
    let at = |e: f64| {
        let (w1, b1, w2) = (shift(&w1, &v1, e), shift(&b1, &vb, e), shift(&w2, &v2, e));
        network_grad(&w1, &b1, &w2, &x).1
    };
    let (plus, minus) = (at(1.0), at(-1.0));
    let fd = |p: &[f64], m: &[f64]| -> Vec<f64> {
        p.iter().zip(m).map(|(p, m)| (p - m) / (2.0 * h)).collect()
    };
    assert_all_close(&hv.0, &fd(&plus.0, &minus.0), 1e-6, 1e-7);
    assert_all_close(&hv.1, &fd(&plus.1, &minus.1), 1e-6, 1e-7);
    assert_all_close(&hv.2, &fd(&plus.2, &minus.2), 1e-6, 1e-7);
}
