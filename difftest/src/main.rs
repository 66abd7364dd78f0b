//! `cargo run -p difftest --release -- --count 10000 --seed 1 [--out DIR] [--shrink N]`:
//! generates and checks programs, prints the counts, shrinks up to N failures of each distinct
//! class and writes their reproducers to DIR. `--only INDEX` prints and re-checks one program,
//! `--print INDEX` only prints it.

use difftest::emit::source;
use difftest::run::Runner;
use difftest::shrink;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn main() {
    let mut count = 1000u64;
    let mut seed = 1u64;
    let mut out = PathBuf::from("target/difftest/failures");
    let mut work = PathBuf::from("target/difftest");
    let mut per_class = 1usize;
    let mut only: Option<u64> = None;
    let mut print_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--count" => count = val().parse().expect("--count N"),
            "--seed" => seed = val().parse().expect("--seed N"),
            "--out" => out = PathBuf::from(val()),
            "--work" => work = PathBuf::from(val()),
            "--shrink" => per_class = val().parse().expect("--shrink N"),
            "--only" => only = Some(val().parse().expect("--only INDEX")),
            // Prints program INDEX without building anything.
            "--print" => {
                only = Some(val().parse().expect("--print INDEX"));
                print_only = true;
            }
            other => panic!("unknown argument {other}; see the crate's docs"),
        }
    }
    let runner = Runner::new(&work);
    if let Some(index) = only {
        // One program, printed and re-checked: what a report's `seed`/`index` reproduce.
        let first = index / difftest::BATCH * difftest::BATCH;
        let funcs = difftest::batch(seed, first, index - first + 1);
        let prog = shrink::extract(&funcs, funcs.len() - 1);
        println!("{}", source(&prog, prog.len() - 1));
        if print_only {
            return;
        }
        println!("// outcome: {:?}", shrink::recheck(&runner, &prog));
        return;
    }
    let t0 = std::time::Instant::now();
    let report = difftest::test(&runner, seed, count, |r, done| {
        eprintln!(
            "difftest: {done}/{count} programs, {} failures, {:.0?}",
            r.failed(),
            t0.elapsed()
        );
    });
    println!("seed {seed}, {count} programs, {:.0?}", t0.elapsed());
    for (k, v) in &report.counts {
        println!("  {k:<40} {v}");
    }
    let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, f) in report.failures.iter().enumerate() {
        by_key.entry(&f.0).or_default().push(i);
    }
    std::fs::create_dir_all(&out).expect("create the output directory");
    for (key, idxs) in &by_key {
        for &i in idxs {
            let f = &report.failures[i];
            println!("  {key}: seed {} index {}: {}", f.1, f.2, f.3);
        }
        let first = &report.failures[idxs[0]];
        println!(
            "\n== {key}: {} programs (first: seed {}, index {}: {})",
            idxs.len(),
            first.1,
            first.2,
            first.3
        );
        // Smallest first: they shrink fastest and are likely the clearest.
        let mut idxs = idxs.clone();
        idxs.sort_by_key(|&i| shrink::size(&report.failures[i].4));
        for &i in idxs.iter().take(per_class) {
            let (key, seed, index, detail, prog) = &report.failures[i];
            let small = shrink::shrink(&runner, prog.clone(), key, difftest::shrink_budget());
            let outcome = shrink::recheck(&runner, &small);
            let text = format!(
                "// difftest seed {seed} index {index}: {key}\n// original: {detail}\n// shrunk: {}\n{}",
                outcome.detail(),
                source(&small, small.len() - 1)
            );
            println!("{text}");
            let file = out.join(format!(
                "{}-{seed}-{index}.rs",
                key.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            ));
            std::fs::write(&file, &text).expect("write a reproducer");
        }
    }
    if report.failed() > 0 {
        std::process::exit(1);
    }
}
