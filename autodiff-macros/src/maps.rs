//! `HashMap` and `HashSet` keyed by the IR's entities (`Var`, `Local`, `BlockId`, … small
//! integers) with a multiplicative hash instead of SipHash: the passes look values up in every
//! statement, and in a debug build of the macro (what `cargo build` runs) SipHash was a quarter
//! of its time. Keys come from the macro, never from an adversary, so no flooding to resist.

use std::hash::{BuildHasherDefault, Hasher};

pub type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<IdHasher>>;
pub type HashSet<K> = std::collections::HashSet<K, BuildHasherDefault<IdHasher>>;

/// Fibonacci hashing of each integer written, folded into one word (FxHash's scheme).
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

const K: u64 = 0x9e37_79b9_7f4a_7c15;

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(K);
    }

    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }

    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
