//! What the benchmarks share: fixed pseudo-random inputs.

/// `n` deterministic pseudo-random numbers in `[-2, 2)` (a 64-bit LCG; no dependency, no seed
/// from the clock, so every run times the same points).
pub fn uniform(n: usize, mut state: u64) -> Vec<f64> {
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
            4.0 * unit - 2.0
        })
        .collect()
}
