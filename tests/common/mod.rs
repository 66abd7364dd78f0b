//! What the integration tests share: deterministic pseudo-random points.
// Each test crate uses what it needs of this module.
#![allow(dead_code)]

/// Deterministic xorshift64 numbers, uniform in `[lo, hi)`.
pub fn uniform(seed: u64, lo: f64, hi: f64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        lo + (hi - lo) * ((state >> 11) as f64 / (1u64 << 53) as f64)
    }
}

/// `n` deterministic points in `[lo, hi)`.
pub fn points(n: usize, lo: f64, hi: f64, seed: u64) -> Vec<f64> {
    let mut next = uniform(seed, lo, hi);
    (0..n).map(|_| next()).collect()
}
