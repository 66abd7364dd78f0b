//! Builds and runs generated crates and turns rustc's errors and the harness's `RES` lines into
//! one outcome per function.
//!
//! The crates build in the dev profile: overflow checks and debug assertions then catch an
//! index computed wrong in a reverse sweep, and nothing is optimised, which is most of a build's
//! time for code that runs for milliseconds. One `CARGO_TARGET_DIR` is shared by every batch, so
//! `autodiff` and its dependencies compile once.

use crate::ast::Func;
use crate::emit::{callees, collect_callees};
use crate::harness::{sources, Span, SUPPORT};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What happened to one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// Every input case was outside the domain (non-finite primal or reference).
    Skipped,
    /// Not tested: a function it calls failed to compile.
    Blocked,
    /// The generator's fault: the plain program or its dual does not compile, or the primal
    /// panics. Should never happen.
    GenBug(String),
    /// Compiles without `#[grad]`, not with it, with rustc errors in the generated code.
    Rejected {
        code: String,
        msg: String,
    },
    /// The macro's own spanned `compile_error!` (no rustc error code).
    MacroError(String),
    /// The macro's spanned error for a construct the README lists as not supported yet (one of
    /// [`LIMITATIONS`]): what the issue allows, counted but not a failure.
    Unsupported(String),
    WrongValue(String),
    WrongDerivative(String),
    WrongVjp(String),
    /// `_jvp`'s value or tangent.
    WrongJvp(String),
    /// `_hvp`'s gradient or `H·v`.
    WrongHvp(String),
    /// `_grad`, `_vjp` or `_jvp` panicked.
    Panic(String),
    /// The harness did not finish this function (a hang or an abort).
    Hang(String),
}

impl Outcome {
    /// The class of a failure, used to tell distinct failures apart and to check that a
    /// shrunk candidate still fails the same way.
    pub fn key(&self) -> Option<String> {
        Some(match self {
            Outcome::Pass | Outcome::Skipped | Outcome::Blocked | Outcome::Unsupported(_) => {
                return None
            }
            Outcome::GenBug(_) => "generator-bug".into(),
            Outcome::Rejected { code, .. } => format!("rejected-{code}"),
            Outcome::MacroError(m) => format!("macro-error: {}", unnamed(m)),
            Outcome::WrongValue(_) => "wrong-value".into(),
            Outcome::WrongDerivative(_) => "wrong-derivative".into(),
            Outcome::WrongVjp(_) => "wrong-vjp".into(),
            Outcome::WrongJvp(_) => "wrong-jvp".into(),
            Outcome::WrongHvp(_) => "wrong-hvp".into(),
            Outcome::Panic(_) => "panic".into(),
            Outcome::Hang(_) => "hang".into(),
        })
    }

    pub fn detail(&self) -> String {
        match self {
            Outcome::GenBug(m)
            | Outcome::MacroError(m)
            | Outcome::Unsupported(m)
            | Outcome::WrongValue(m)
            | Outcome::WrongDerivative(m)
            | Outcome::WrongVjp(m)
            | Outcome::WrongJvp(m)
            | Outcome::WrongHvp(m)
            | Outcome::Panic(m)
            | Outcome::Hang(m) => m.clone(),
            Outcome::Rejected { msg, .. } => msg.clone(),
            _ => String::new(),
        }
    }
}

/// Where generated crates are written and built.
pub struct Runner {
    pub dir: PathBuf,
    pub verbose: bool,
}

/// One rustc error.
#[derive(Clone, Debug)]
struct Diag {
    file: String,
    line: usize,
    code: Option<String>,
    msg: String,
    /// In a dual twin's lines.
    dual: bool,
}

impl Runner {
    /// A runner under `dir` (the crate in `dir/crate`, the shared target in `dir/target`).
    pub fn new(dir: &Path) -> Runner {
        std::fs::create_dir_all(dir).expect("create the work directory");
        Runner {
            // Absolute: cargo runs in the crate's directory.
            dir: dir.canonicalize().expect("the work directory exists"),
            verbose: std::env::var_os("AUTODIFF_DIFFTEST_VERBOSE").is_some(),
        }
    }

    /// The workspace root, home of the `autodiff` crate the generated crates depend on.
    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("difftest sits in the workspace")
            .to_path_buf()
    }

    fn write_crate(&self, progs: &str, main: &str) -> PathBuf {
        let dir = self.dir.join("crate");
        std::fs::create_dir_all(dir.join("src")).expect("create the generated crate");
        let root = Self::root();
        let manifest = format!(
            "[package]\nname = \"difftest-generated\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nautodiff = {{ path = {:?} }}\n\n\
             # Its own workspace: it lives under the project's target directory.\n[workspace]\n\n\
             [profile.dev]\ndebug = 0\nincremental = false\n",
            root.display().to_string()
        );
        write_if_changed(&dir.join("Cargo.toml"), &manifest);
        if !dir.join("Cargo.lock").exists() {
            if let Ok(lock) = std::fs::read_to_string(root.join("Cargo.lock")) {
                write_if_changed(&dir.join("Cargo.lock"), &lock);
            }
        }
        write_if_changed(&dir.join("src/support.rs"), SUPPORT);
        write_if_changed(&dir.join("src/progs.rs"), progs);
        write_if_changed(&dir.join("src/main.rs"), main);
        dir
    }

    /// `cargo build` (or `check`) of the crate; the errors, or none.
    fn cargo(&self, dir: &Path, sub: &str) -> Result<(), (Vec<Diag>, String)> {
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .arg(sub)
            .args(["-j2", "--message-format=short"])
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", self.dir.join("target"))
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .stdin(Stdio::null())
            .output()
            .expect("run cargo");
        if out.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        if self.verbose {
            eprintln!("difftest: cargo {sub} failed:\n{stderr}");
        }
        let mut diags = Vec::new();
        for line in stderr.lines() {
            // `src/progs.rs:12:5: error[E0689]: can't call method …`
            let Some((loc, rest)) = line.split_once(": error") else {
                continue;
            };
            let mut parts = loc.split(':');
            let (Some(file), Some(l)) = (parts.next(), parts.next()) else {
                continue;
            };
            let Ok(l) = l.parse::<usize>() else { continue };
            let (code, msg) = match rest.strip_prefix('[') {
                Some(r) => {
                    let (c, m) = r.split_once("]: ").unwrap_or((r, ""));
                    (Some(c.to_string()), m.to_string())
                }
                None => (None, rest.trim_start_matches(": ").to_string()),
            };
            diags.push(Diag {
                file: file.trim_start_matches("src/").to_string(),
                line: l,
                code,
                msg,
                dual: false,
            });
        }
        Err((diags, stderr))
    }

    /// Builds and runs `funcs` (calls index into it); returns one outcome per function.
    pub fn run(&self, funcs: &[Func]) -> Vec<Outcome> {
        let n = funcs.len();
        let mut outcome: Vec<Option<Outcome>> = vec![None; n];
        let mut keep: Vec<usize> = (0..n).collect();
        let mut rejected: BTreeSet<usize> = BTreeSet::new();
        // Failed functions replaced by a plain copy with a rule made from the dual.
        let mut subst: Vec<usize> = Vec::new();
        // Functions whose dual failed with `#[grad]` on, with their errors.
        let mut suspects: BTreeMap<usize, Vec<Diag>> = BTreeMap::new();
        let mut unattributed: Option<String> = None;
        let mut ran = false;
        for _round in 0..8 {
            if keep.is_empty() {
                break;
            }
            let src = sources(funcs, &keep, true, &subst);
            let dir = self.write_crate(&src.progs, &src.main);
            match self.cargo(&dir, "build") {
                Ok(()) => {
                    self.execute(&dir, funcs, &keep, &mut outcome);
                    ran = true;
                    break;
                }
                Err((diags, stderr)) => {
                    let by_func = attribute(&diags, &src.spans);
                    if by_func.is_empty() {
                        // Judged below by a build without `#[grad]`.
                        eprintln!("difftest: a build failed with errors outside the generated functions:\n{stderr}");
                        unattributed = Some(
                            diags
                                .first()
                                .map(|d| d.msg.clone())
                                .unwrap_or_else(|| first_error(&stderr)),
                        );
                        break;
                    }
                    let failed: BTreeSet<usize> = by_func.keys().copied().collect();
                    // A substitute that fails too is the generator's (its plain form or dual).
                    let fresh: BTreeSet<usize> = failed
                        .iter()
                        .copied()
                        .filter(|i| !subst.contains(i))
                        .collect();
                    for (&i, (dual, ds)) in &by_func {
                        // A function whose callee failed too is retried with the callee
                        // substituted before it is judged.
                        let mut reach = Vec::new();
                        collect_callees(funcs, i, &mut reach);
                        let callee_failed = reach.iter().any(|c| *c != i && fresh.contains(c));
                        if subst.contains(&i) {
                            outcome[i] = Some(Outcome::GenBug(format!(
                                "its plain form or rule does not compile: {}",
                                ds[0].msg
                            )));
                            continue;
                        }
                        if callee_failed && !*dual {
                            continue;
                        }
                        outcome[i] = Some(if *dual {
                            // Provisional: a generator bug only if the plain/dual build
                            // without `#[grad]` fails too (checked below).
                            suspects.insert(i, ds.clone());
                            Outcome::GenBug(format!("dual does not compile: {}", ds[0].msg))
                        } else if callee_failed {
                            Outcome::Blocked
                        } else {
                            rejected.insert(i);
                            classify(ds)
                        });
                    }
                    // Rejected functions are substituted; generator bugs are removed with
                    // whatever calls them.
                    let mut gone = BTreeSet::new();
                    for &i in &failed {
                        match &outcome[i] {
                            Some(
                                Outcome::Rejected { .. }
                                | Outcome::MacroError(_)
                                | Outcome::Unsupported(_),
                            ) => subst.push(i),
                            Some(_) => {
                                gone.insert(i);
                            }
                            None => {}
                        }
                    }
                    let removed = with_dependents(funcs, &keep, &gone);
                    for &i in &removed {
                        outcome[i].get_or_insert(Outcome::Blocked);
                    }
                    keep.retain(|i| !removed.contains(i));
                }
            }
        }
        if !ran && unattributed.is_none() {
            for &i in &keep {
                outcome[i].get_or_insert(Outcome::Blocked);
            }
        }
        // Only a failure of the plain program or its dual, built without `#[grad]`, is the
        // generator's; a rejection counts only if that build succeeds.
        let mut judged: BTreeSet<usize> = rejected.iter().chain(suspects.keys()).copied().collect();
        if unattributed.is_some() {
            judged.extend(keep.iter().copied());
        }
        if !judged.is_empty() {
            let mut plain = Vec::new();
            for &i in &judged {
                collect_callees(funcs, i, &mut plain);
            }
            plain.sort();
            plain.dedup();
            let src = sources(funcs, &plain, false, &[]);
            let dir = self.write_crate(&src.progs, &src.main);
            let by_func = match self.cargo(&dir, "check") {
                Ok(()) => BTreeMap::new(),
                Err((diags, stderr)) => {
                    let by_func = attribute(&diags, &src.spans);
                    if by_func.is_empty() {
                        eprintln!("difftest: the build without #[grad] failed outside the generated functions:\n{stderr}");
                        for &i in &judged {
                            outcome[i] = Some(Outcome::GenBug(format!(
                                "unattributed build failure without #[grad]: {}",
                                first_error(&stderr)
                            )));
                        }
                        return finish(outcome);
                    }
                    by_func
                }
            };
            for &i in &judged {
                let mut reach = Vec::new();
                collect_callees(funcs, i, &mut reach);
                if let Some((_, ds)) = by_func.get(&i) {
                    outcome[i] = Some(Outcome::GenBug(format!(
                        "does not compile without #[grad]: {}",
                        ds[0].msg
                    )));
                } else if reach.iter().any(|c| by_func.contains_key(c)) {
                    outcome[i] = Some(Outcome::Blocked);
                } else if let Some(ds) = suspects.get(&i) {
                    // Its dual fails only next to the `#[grad]` expansion: the macro's doing.
                    let own: Vec<Diag> = ds.iter().filter(|d| !d.dual).cloned().collect();
                    outcome[i] = Some(classify(if own.is_empty() { ds } else { &own }));
                } else if let (Some(msg), None) = (&unattributed, &outcome[i]) {
                    outcome[i] = Some(Outcome::Rejected {
                        code: "unattributed".into(),
                        msg: format!("the batch fails to build only with #[grad], outside the generated functions: {msg}"),
                    });
                }
            }
        }
        finish(outcome)
    }

    /// Runs the built binary and reads its `RES` lines.
    fn execute(&self, dir: &Path, funcs: &[Func], keep: &[usize], outcome: &mut [Option<Outcome>]) {
        let exe = self.dir.join("target/debug/difftest-generated");
        let _ = dir;
        let mut child = Command::new(&exe)
            .stdout(Stdio::piped())
            .stderr(
                std::fs::File::create(self.dir.join("run.stderr"))
                    .map(Stdio::from)
                    .unwrap_or_else(|_| Stdio::null()),
            )
            .spawn()
            .expect("run the generated binary");
        let stdout = child.stdout.take().expect("piped stdout");
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut { stdout }, &mut s);
            s
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut timed_out = false;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() > deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    timed_out = true;
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(_) => break,
            }
        }
        let text = reader.join().unwrap_or_default();
        let index: BTreeMap<&str, usize> =
            keep.iter().map(|&i| (funcs[i].name.as_str(), i)).collect();
        let mut results: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
        for line in text.lines() {
            let mut it = line.splitn(5, ' ');
            if it.next() != Some("RES") {
                continue;
            }
            let (Some(name), Some(_case), Some(cat)) = (it.next(), it.next(), it.next()) else {
                continue;
            };
            let detail = it.next().unwrap_or("").to_string();
            if let Some(&i) = index.get(name) {
                results
                    .entry(i)
                    .or_default()
                    .push((cat.to_string(), detail));
            }
        }
        let mut hung = false;
        for &i in keep {
            // Unchecked helpers, and failed functions kept as substitutes, have no checks.
            if !funcs[i].check || outcome[i].is_some() {
                continue;
            }
            let rs = results.get(&i).cloned().unwrap_or_default();
            if rs.len() < crate::harness::CASES {
                let why = if timed_out {
                    "timed out"
                } else {
                    "the harness aborted"
                };
                outcome[i] = Some(if hung {
                    Outcome::Blocked
                } else {
                    hung = true;
                    Outcome::Hang(format!("{why} in this function's checks"))
                });
                continue;
            }
            let find = |c: &str| rs.iter().find(|(k, _)| k == c).map(|(_, d)| d.clone());
            outcome[i] = Some(
                if let Some(d) = find("GENPANIC").or_else(|| find("GENBUG")) {
                    Outcome::GenBug(d)
                } else if let Some(d) = find("PANIC") {
                    Outcome::Panic(d)
                } else if let Some(d) = find("VALUE") {
                    Outcome::WrongValue(d)
                } else if let Some(d) = find("DERIV") {
                    Outcome::WrongDerivative(d)
                } else if let Some(d) = find("VJP") {
                    Outcome::WrongVjp(d)
                } else if let Some(d) = find("JVP") {
                    Outcome::WrongJvp(d)
                } else if let Some(d) = find("HVP") {
                    Outcome::WrongHvp(d)
                } else if rs.iter().any(|(k, _)| k == "OK") {
                    Outcome::Pass
                } else {
                    Outcome::Skipped
                },
            );
        }
        for &i in keep {
            if !funcs[i].check {
                outcome[i].get_or_insert(Outcome::Pass);
            }
        }
        if self.verbose {
            eprintln!("difftest: ran {} functions", keep.len());
        }
    }
}

/// `m` with every `name` in backticks blanked, so that messages differing in names are one class.
fn unnamed(m: &str) -> String {
    let mut out = String::new();
    for (i, part) in m.split('`').enumerate() {
        out.push_str(if i % 2 == 1 { "_" } else { part });
    }
    out.chars().take(80).collect()
}

/// Every function's outcome, `Blocked` where none was decided.
fn finish(outcome: Vec<Option<Outcome>>) -> Vec<Outcome> {
    outcome
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::Blocked))
        .collect()
}

/// The first `error` line of a build's output.
fn first_error(stderr: &str) -> String {
    stderr
        .lines()
        .find(|l| l.contains("error"))
        .unwrap_or("no error line")
        .chars()
        .take(200)
        .collect()
}

fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).expect("write a generated file");
    }
}

/// The errors of each function, and whether they are in its dual.
fn attribute(diags: &[Diag], spans: &[Span]) -> BTreeMap<usize, (bool, Vec<Diag>)> {
    let mut out: BTreeMap<usize, (bool, Vec<Diag>)> = BTreeMap::new();
    for d in diags {
        if let Some(s) = spans
            .iter()
            .find(|s| s.file == d.file && s.lo <= d.line && d.line <= s.hi)
        {
            let e = out.entry(s.func).or_insert((false, Vec::new()));
            e.0 |= s.dual;
            e.1.push(Diag {
                dual: s.dual,
                ..d.clone()
            });
        }
    }
    out
}

/// The documented limitations the generator can reach, by a part of their message; each is
/// pinned by a `tests/ui` case. Any other spanned error of the macro is a failure. None is
/// reachable today: buffers below the top level, and arrays written after a call reads them,
/// were the last.
pub const LIMITATIONS: &[&str] = &[];

/// The message of `autodiff`'s compile-time check before a call passes an argument no bar.
const NO_BAR: &str = "cannot see that this argument is a float";

fn classify(ds: &[Diag]) -> Outcome {
    if let Some(d) = ds.iter().find(|d| d.code.is_none()) {
        if ds
            .iter()
            .all(|d| LIMITATIONS.iter().any(|l| d.msg.contains(l)))
        {
            return Outcome::Unsupported(d.msg.clone());
        }
        return Outcome::MacroError(d.msg.clone());
    }
    // tests/ui/untyped_call_argument.rs: our check on an argument whose type the macro cannot
    // see (a call's result passed straight on), and the arity error that follows it.
    let ours = |d: &Diag| d.msg.contains(NO_BAR) || d.code.as_deref() == Some("E0061");
    if ds.iter().any(|d| d.msg.contains(NO_BAR)) && ds.iter().all(ours) {
        return Outcome::Unsupported(ds[0].msg.clone());
    }
    let d = &ds[0];
    Outcome::Rejected {
        code: d.code.clone().unwrap_or_default(),
        msg: format!("{} (line {})", d.msg, d.line),
    }
}

/// `failed` and every function in `keep` that calls one of them, directly or not.
fn with_dependents(funcs: &[Func], keep: &[usize], failed: &BTreeSet<usize>) -> BTreeSet<usize> {
    let mut out = failed.clone();
    loop {
        let before = out.len();
        for &i in keep {
            if callees(&funcs[i]).iter().any(|c| out.contains(c)) {
                out.insert(i);
            }
        }
        if out.len() == before {
            return out;
        }
    }
}
