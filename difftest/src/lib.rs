//! A random-program differential tester for `#[grad]`: it generates programs over the supported
//! syntax, prints each as `#[grad]` Rust and as a dual-number twin (the independent forward-mode
//! reference), builds them in crates of many functions, and checks `_grad`'s value against the
//! primal, its gradient against the duals, `_vjp` accumulating into non-zero bars, and `_jvp`
//! (forward mode) along a random direction. Programs hold iterator chains with closures, whose twin
//! runs the same chain in `std` over duals, closures bound with `let` (`move`, over floats), and
//! destructuring assignments. Half of the loops of the `#[grad]` programs carry a
//! `#[checkpoint(..)]`, which must change nothing. Programs that compile without `#[grad]` but
//! not with it are failures too. Failures shrink to small reproducers.

pub mod ast;
pub mod emit;
pub mod gen;
pub mod harness;
pub mod rng;
pub mod run;
pub mod shrink;
pub mod walk;

use ast::Func;
use run::{Outcome, Runner};
use std::collections::BTreeMap;
use std::time::Duration;

/// Functions per generated crate: enough to amortise a build, and fixed, so that program
/// `(seed, index)` is the same whatever the count (a function calls earlier ones of its batch).
pub const BATCH: u64 = 60;

/// The batch that holds program `index`: functions `b·BATCH ..` up to `index`, the calls of each
/// into earlier ones.
pub fn batch(seed: u64, first: u64, count: u64) -> Vec<Func> {
    let mut funcs: Vec<Func> = Vec::new();
    for i in first..first + count {
        let f = gen::func(seed, i, &funcs);
        funcs.push(f);
    }
    funcs
}

/// What a run found.
#[derive(Default)]
pub struct Report {
    pub counts: BTreeMap<&'static str, usize>,
    /// `(key, seed, index, detail, program)` of each failure.
    pub failures: Vec<(String, u64, u64, String, Vec<Func>)>,
}

impl Report {
    fn add(&mut self, what: &'static str) {
        *self.counts.entry(what).or_default() += 1;
    }

    /// Failures of the tested code (not the generator's), which must be zero.
    pub fn failed(&self) -> usize {
        self.failures
            .iter()
            .filter(|f| f.0 != "generator-bug")
            .count()
    }
}

/// Generates, builds and checks programs `0..count` of run `seed`.
pub fn test(
    runner: &Runner,
    seed: u64,
    count: u64,
    mut progress: impl FnMut(&Report, u64),
) -> Report {
    let mut report = Report::default();
    let mut first = 0;
    while first < count {
        let n = BATCH.min(count - first);
        let funcs = batch(seed, first, n);
        let outcomes = runner.run(&funcs);
        for (i, o) in outcomes.iter().enumerate() {
            report.add("generated");
            report.add(match o {
                Outcome::Pass => "passed",
                Outcome::Skipped => "skipped (inputs outside the domain)",
                Outcome::Blocked => "blocked (a callee failed)",
                Outcome::GenBug(_) => "generator bugs",
                Outcome::Rejected { .. } => "rejected with #[grad] (rustc error)",
                Outcome::MacroError(_) => "macro errors (compile_error!)",
                Outcome::Unsupported(_) => "documented limitations (spanned errors)",
                Outcome::WrongValue(_) => "wrong value",
                Outcome::WrongDerivative(_) => "wrong derivative",
                Outcome::WrongVjp(_) => "wrong vjp",
                Outcome::WrongJvp(_) => "wrong jvp",
                Outcome::WrongHvp(_) => "wrong hvp",
                Outcome::Panic(_) => "panics",
                Outcome::Hang(_) => "hangs",
            });
            if let Some(key) = o.key() {
                let prog = shrink::extract(&funcs, i);
                report
                    .failures
                    .push((key, seed, first + i as u64, o.detail(), prog));
            }
        }
        first += n;
        progress(&report, first);
    }
    report
}

/// The shrink budget per failure.
pub fn shrink_budget() -> Duration {
    Duration::from_secs(
        std::env::var("AUTODIFF_DIFFTEST_SHRINK_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(240),
    )
}
