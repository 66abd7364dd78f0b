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

/// A callee that fails with `#[grad]` is replaced by its plain version and a rule made from its
/// dual. That rule stands for a hand-written one, which takes a bar for every float parameter;
/// for a callee with `wrt` it took bars for the `wrt` ones only, and its callers, passing one
/// per float argument, failed with E0061 (seed 29, indices 1733 and 2922).
#[test]
fn a_rule_made_from_a_dual_takes_a_bar_for_every_float_parameter() {
    let funcs = difftest::batch(29, 2880, 9);
    let f = funcs.last().expect("f2888");
    assert!(f.wrt.is_some(), "f2888 has `wrt`: {:?}", f.wrt);
    let last = funcs.len() - 1;
    let src = difftest::harness::sources(&funcs, &[last], true, &[last]);
    let rule = src
        .progs
        .lines()
        .find(|l| l.starts_with("fn f2888_vjp("))
        .expect("the rule");
    let floats = f.params.iter().filter(|p| p.kind.is_float()).count();
    assert_eq!(rule.matches("&mut ").count(), floats, "{rule}");
}
