//! `match` on enums and `if let` over data that is not differentiated: a pattern is tested as
//! written and the names it binds are copied out of the value; each arm is differentiated as a
//! branch. Checked against the same function written with flags and floats, and against
//! central differences.

use autodiff::check::{gradcheck, Tolerance};
use autodiff::grad;

/// A loss chosen by an enum, some of whose variants carry parameters.
#[derive(Clone, Copy, Debug)]
pub enum Loss {
    L2,
    Huber(f64),
    PseudoHuber { delta: f64 },
}

#[grad(wrt(x))]
fn loss(x: &[f64], y: &[f64], kind: Loss) -> f64 {
    let mut s = 0.0;
    for (a, b) in x.iter().zip(y) {
        let r = a - b;
        s += match kind {
            Loss::L2 => 0.5 * r * r,
            Loss::Huber(d) => {
                if r.abs() <= d {
                    0.5 * r * r
                } else {
                    d * (r.abs() - 0.5 * d)
                }
            }
            Loss::PseudoHuber { delta } => {
                delta * delta * ((1.0 + (r / delta).powi(2)).sqrt() - 1.0)
            }
        };
    }
    s
}

#[grad(wrt(x))]
fn loss_twin(x: &[f64], y: &[f64], which: usize, d: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len().min(y.len()) {
        let r = x[i] - y[i];
        s += if which == 0 {
            0.5 * r * r
        } else if which == 1 {
            if r.abs() <= d {
                0.5 * r * r
            } else {
                d * (r.abs() - 0.5 * d)
            }
        } else {
            d * d * ((1.0 + (r / d).powi(2)).sqrt() - 1.0)
        };
    }
    s
}

/// `if let` on an `Option`, a tuple pattern, and a name that binds the whole scrutinee, by
/// reference and by value.
#[grad(wrt(x))]
fn options(x: f64, scale: Option<f64>, shift: &Option<(f64, usize)>, k: usize) -> f64 {
    let mut y = x * x;
    if let Some(s) = scale {
        y *= s;
    } else {
        y += 1.0;
    }
    if let &Some((t, n)) = shift {
        y += t * x * n as f64;
    }
    let z = match k {
        0 => x,
        n => x * n as f64,
    };
    y + z
}

fn tol() -> Tolerance {
    Tolerance::default()
}

#[test]
fn match_on_an_enum_is_its_branches() {
    let (x, y) = ([0.5, 2.0, -1.5, 0.1], [0.0, 0.5, 0.25, 0.3]);
    for (kind, which, d) in [
        (Loss::L2, 0, 1.0),
        (Loss::Huber(1.0), 1, 1.0),
        (Loss::PseudoHuber { delta: 0.7 }, 2, 0.7),
    ] {
        let (v, g) = loss_grad(&x, &y, kind);
        let (u, h) = loss_twin_grad(&x, &y, which, d);
        assert_eq!(v.to_bits(), u.to_bits());
        assert_eq!(g, h);
        assert_eq!(v.to_bits(), loss(&x, &y, kind).to_bits());
        gradcheck(|q: &[f64]| loss(q, &y, kind), &x, &g, &tol()).unwrap();
    }
}

#[test]
fn if_let_binds_what_it_matches() {
    for (scale, shift, k) in [
        (Some(2.0), Some((0.5, 3)), 3),
        (None, None, 0),
        (Some(-1.0), None, 2),
    ] {
        let x = 1.5;
        let (v, g) = options_grad(x, scale, &shift, k);
        assert_eq!(v.to_bits(), options(x, scale, &shift, k).to_bits());
        let ds = scale.map_or(2.0 * x, |s| 2.0 * x * s);
        let dt = shift.map_or(0.0, |(t, n)| t * n as f64);
        let dz = if k == 0 { 1.0 } else { k as f64 };
        assert_eq!(g, ds + dt + dz);
    }
}

/// Guards, reading what the pattern binds and the floats in scope.
#[grad(wrt(x))]
fn guarded(x: f64, kind: Loss, k: i32) -> f64 {
    let a = match kind {
        Loss::Huber(d) if d > x => x * d,
        Loss::PseudoHuber { delta } if delta < 0.0 => -x,
        _ => x * x,
    };
    let b = match k {
        n if n < 0 => x.sin(),
        0 => 1.0,
        n => x * n as f64,
    };
    a + b
}

#[test]
fn guards_run_where_their_pattern_matches() {
    let x: f64 = 0.5;
    for (kind, k, expect) in [
        (Loss::Huber(2.0), -1, 2.0 + x.cos()),
        (Loss::Huber(0.25), 0, 2.0 * x),
        (Loss::PseudoHuber { delta: -1.0 }, 3, -1.0 + 3.0),
        (Loss::L2, 2, 2.0 * x + 2.0),
    ] {
        let (v, g) = guarded_grad(x, kind, k);
        assert_eq!(v.to_bits(), guarded(x, kind, k).to_bits());
        approx::assert_relative_eq!(g, expect, max_relative = 1e-15);
    }
}

/// An `Option` and an enum made in the body by an `if` and a `match`, inside a loop, then
/// matched: a branch's value of a type that is not a number.
#[grad(wrt(x))]
fn made_in_body(x: &[f64], cut: f64, k: usize) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        let weight = if (i as f64) < cut {
            Some(0.5 * i as f64)
        } else {
            None
        };
        let kind = match i % 3 {
            0 => Loss::L2,
            1 => Loss::Huber(-1.0),
            n => Loss::Huber(n as f64 - 1.5),
        };
        let r = match kind {
            Loss::L2 => v * v,
            Loss::Huber(d) if d > 0.0 => d * (1.0 + v * v).sqrt(),
            Loss::Huber(d) => -d * v.abs(),
            Loss::PseudoHuber { delta } => delta * v,
        };
        if let Some(w) = weight {
            s += w * r;
        } else {
            s += r * k as f64;
        }
    }
    s
}

/// The same as index loops over flags, as the twin it is checked against.
#[allow(clippy::needless_range_loop)]
#[grad(wrt(x))]
fn made_in_body_twin(x: &[f64], cut: f64, k: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let v = x[i];
        let r = if i % 3 == 0 {
            v * v
        } else if i % 3 == 1 {
            1.0 * v.abs()
        } else {
            (2.0 - 1.5) * (1.0 + v * v).sqrt()
        };
        if (i as f64) < cut {
            s += 0.5 * i as f64 * r;
        } else {
            s += r * k as f64;
        }
    }
    s
}

#[test]
fn options_and_enums_made_in_the_body() {
    let x = [0.3, -1.2, 0.8, 2.0, -0.4, 1.1, 0.9];
    for (cut, k) in [(3.5, 2), (0.0, 1), (10.0, 0)] {
        let (v, g) = made_in_body_grad(&x, cut, k);
        let (u, h) = made_in_body_twin_grad(&x, cut, k);
        assert_eq!(v.to_bits(), made_in_body(&x, cut, k).to_bits());
        assert_eq!(v.to_bits(), u.to_bits());
        assert_eq!(g, h);
        gradcheck(|q: &[f64]| made_in_body(q, cut, k), &x, &g, &tol()).unwrap();
        let mut bar = vec![1.0; x.len()];
        made_in_body_vjp(&x, cut, k, 2.0, &mut bar);
        for (b, d) in bar.iter().zip(&g) {
            assert_eq!(*b, 1.0 + 2.0 * d);
        }
    }
}
