//! The differential tester as a test: a bounded number of generated programs (about a minute
//! on two cores once `autodiff` is built), more with `AUTODIFF_DIFFTEST_COUNT=10000`, another
//! run with `AUTODIFF_DIFFTEST_SEED`. Every failure is printed with its seed and index
//! (`cargo run -p difftest -- --seed S --only I` prints and re-checks that program) and the
//! test requires none.

use difftest::emit::source;
use difftest::run::Runner;
use std::path::Path;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

#[test]
fn generated_programs_match_the_dual_reference() {
    let count = env("AUTODIFF_DIFFTEST_COUNT", 120);
    let seed = env("AUTODIFF_DIFFTEST_SEED", 1);
    // Its own work directory: `cargo run -p difftest` may be running next to it.
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("difftest");
    let runner = Runner::new(&work);
    let report = difftest::test(&runner, seed, count, |_, _| {});
    for (k, v) in &report.counts {
        eprintln!("{k:<40} {v}");
    }
    for (key, seed, index, detail, prog) in &report.failures {
        eprintln!(
            "\n== {key} (seed {seed}, index {index}): {detail}\n{}",
            source(prog, prog.len() - 1)
        );
    }
    let generator = report.counts.get("generator bugs").copied().unwrap_or(0);
    assert_eq!(generator, 0, "the generator made invalid programs");
    assert_eq!(report.failed(), 0, "#[grad] failed on generated programs");
}
