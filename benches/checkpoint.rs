//! Checkpointing's trade of time for memory, on the recurrence `h ← tanh(a·h + b)`:
//! the taped gradient (8 bytes of tape per step), `#[checkpoint(every = K)]` at K = 1000 and
//! K = ⌈√T⌉, and `#[checkpoint(snapshots = 32)]` (the binomial schedule), at T = 10⁶ and 10⁷.
//!
//! A counting allocator measures each gradient's peak heap (one call each, printed first);
//! criterion then times them. Every checkpointed gradient is checked bit-for-bit against the
//! taped one before anything is timed. Read the ratios to the taped gradient.
//!
//! Run: `cargo bench --bench checkpoint -- --warm-up-time 1 --measurement-time 3`.

use autodiff::grad;
use criterion::{criterion_group, criterion_main, Criterion};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes live and the most live since the last reset.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most heap `f` holds at once beyond what was live before it.
fn peak_heap<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let r = f();
    (r, PEAK.load(Ordering::Relaxed) - before)
}

#[grad(wrt(a, b, h0))]
fn taped(a: f64, b: f64, h0: f64, steps: usize) -> f64 {
    let mut h = h0;
    for _ in 0..steps {
        h = (a * h + b).tanh();
    }
    h
}

#[grad(wrt(a, b, h0))]
fn every(a: f64, b: f64, h0: f64, steps: usize, k: usize) -> f64 {
    let mut h = h0;
    #[checkpoint(every = k)]
    for _ in 0..steps {
        h = (a * h + b).tanh();
    }
    h
}

#[grad(wrt(a, b, h0))]
fn binomial(a: f64, b: f64, h0: f64, steps: usize) -> f64 {
    let mut h = h0;
    #[checkpoint(snapshots = 32)]
    for _ in 0..steps {
        h = (a * h + b).tanh();
    }
    h
}

const A: f64 = 0.9;
const B: f64 = 0.1;
const H0: f64 = 0.3;

type Gradient = (f64, (f64, f64, f64));

/// Each variant's name and gradient at `t` steps.
fn variants(t: usize) -> Vec<(String, Box<dyn Fn() -> Gradient>)> {
    let root = t.isqrt() + usize::from(t.isqrt() * t.isqrt() < t);
    vec![
        ("taped".into(), Box::new(move || taped_grad(A, B, H0, t))),
        (
            "every = 1000".into(),
            Box::new(move || every_grad(A, B, H0, t, 1000)),
        ),
        (
            format!("every = {root} (⌈√T⌉)"),
            Box::new(move || every_grad(A, B, H0, t, root)),
        ),
        (
            "snapshots = 32".into(),
            Box::new(move || binomial_grad(A, B, H0, t)),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    for t in [1_000_000, 10_000_000] {
        let variants = variants(t);
        let (reference, _) = peak_heap(&variants[0].1);
        println!("T = {t}: peak heap of one gradient");
        for (name, f) in &variants {
            let (g, peak) = peak_heap(f);
            assert_eq!(g, reference, "{name} differs from the taped gradient");
            println!("  {name:<22} {:>12.3} MiB", peak as f64 / (1 << 20) as f64);
        }
        let mut group = c.benchmark_group(format!("checkpoint T={t}"));
        group.sample_size(10);
        group.bench_function("primal", |bch| {
            bch.iter(|| taped(black_box(A), black_box(B), black_box(H0), t))
        });
        for (name, f) in &variants {
            group.bench_function(name.as_str(), |bch| bch.iter(|| black_box(f())));
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
