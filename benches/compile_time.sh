#!/usr/bin/env bash
# Compile time of #[grad] against the same function without it.
#
# Generates one function of N top-level statements (a realistic mix: `let`s, reassignments,
# compound assignments, float methods, array reads and writes, a branch every 50 statements and
# a loop every 100), builds it in a scratch crate that depends on this project by path, in debug
# and release, with and without `#[grad]`, and prints the build times, their ratio and whether
# rustc crashed (a stack overflow is a SIGSEGV) or ran out of time.
#
#   benches/compile_time.sh                 # N = 500 2000 10000, debug and release
#   SIZES="500 2000" PROFILES=dev TIMEOUT=300 benches/compile_time.sh
#
# At 10,000 statements rustc overflows its stack on the plain function (nested `let` scopes);
# RUST_MIN_STACK=1073741824 gives rustc room to compare both.
#
# Only the scratch crate is timed: the dependencies are built first. The scratch crate and its
# target directory live in $SCRATCH (default: a temporary directory, kept for inspection).
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIZES="${SIZES:-500 2000 10000}"
PROFILES="${PROFILES:-dev release}"
TIMEOUT="${TIMEOUT:-900}"
JOBS="${JOBS:-2}"
SCRATCH="${SCRATCH:-$(mktemp -d -t autodiff-compile-time.XXXXXX)}"
export CARGO_TARGET_DIR="$SCRATCH/target"
export CARGO_TERM_COLOR=never

mkdir -p "$SCRATCH/src"
cat > "$SCRATCH/Cargo.toml" <<EOF
[package]
name = "autodiff-compile-time"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
autodiff = { path = "$ROOT" }

[workspace]
EOF

# The function of $1 statements, with `#[grad]` when $2 is 1. Statement k is one of ten shapes;
# `v` chains through the lets so that every statement feeds the result.
generate() {
    awk -v n="$1" -v grad="$2" 'BEGIN {
        print "#![allow(unused_assignments, clippy::all)]"
        if (grad) print "use autodiff::grad;"
        print ""
        if (grad) print "#[grad]"
        print "pub fn f(x: &[f64], y: f64) -> f64 {"
        print "    let mut s = 0.5 * y;"
        print "    let mut buf = [0.0; 16];"
        print "    let v0 = x[0] * y;"
        last = 0
        for (k = 1; k < n - 4; k++) {
            if (k % 100 == 99) {
                printf "    for j in 0..4 {\n        s += x[j] * v%d * 0.001;\n    }\n", last
                continue
            }
            if (k % 50 == 49) {
                printf "    if v%d > 0.0 {\n        s += v%d * 0.01;\n    } else {\n        s -= v%d * 0.02;\n    }\n", last, last, last
                continue
            }
            m = k % 10
            if (m == 0 || m == 5) {
                printf "    let v%d = v%d * 0.999 + (x[%d] - y).sin() * 0.001;\n", k, last, k % 8; last = k
            } else if (m == 1) {
                printf "    s = s * 0.9 + v%d * 0.1;\n", last
            } else if (m == 2) {
                printf "    s += v%d.tanh() * 0.01;\n", last
            } else if (m == 3) {
                printf "    let v%d = v%d.mul_add(0.5, s * 0.001).cos();\n", k, last; last = k
            } else if (m == 4) {
                printf "    buf[%d] = v%d * 0.5 + buf[%d];\n", k % 16, last, (k + 3) % 16
            } else if (m == 6) {
                printf "    let v%d = (v%d * v%d + 1.0).sqrt() - buf[%d] * 0.01;\n", k, last, last, k % 16; last = k
            } else if (m == 7) {
                printf "    s *= 0.99;\n"
            } else if (m == 8) {
                printf "    let v%d = v%d.exp().ln_1p() * 0.5 + s * 1e-6;\n", k, last; last = k
            } else {
                printf "    let v%d = v%d / (1.0 + s.abs()) - y * 0.001;\n", k, last; last = k
            }
        }
        printf "    s += buf[3] * 0.5;\n"
        printf "    let w = v%d + s;\n", last
        printf "    w * 0.5 + buf[0]\n"
        print "}"
    }'
}

# Builds the crate as it is; prints "seconds status".
build() {
    local profile="$1" start end status
    start=$(date +%s.%N)
    timeout "$TIMEOUT" cargo build -q -j"$JOBS" --profile "$profile" \
        --manifest-path "$SCRATCH/Cargo.toml" > "$SCRATCH/build.log" 2>&1
    status=$?
    end=$(date +%s.%N)
    if [ "$status" -eq 0 ]; then
        status=ok
    elif [ "$status" -eq 124 ]; then
        status=timeout
    elif grep -qiE "SIGSEGV|stack overflow|signal: 11" "$SCRATCH/build.log"; then
        status=CRASH
    else
        status=error
    fi
    echo "$(echo "$end - $start" | bc) $status"
}

# Dependencies first, so that only the generated function is timed.
for profile in $PROFILES; do
    generate 10 1 > "$SCRATCH/src/lib.rs"
    cargo build -q -j"$JOBS" --profile "$profile" --manifest-path "$SCRATCH/Cargo.toml" || exit 1
done

printf "%-8s %7s %12s %12s %7s  %s\n" profile N "plain (s)" "#[grad] (s)" ratio status
for profile in $PROFILES; do
    for n in $SIZES; do
        generate "$n" 0 > "$SCRATCH/src/lib.rs"
        read -r plain plain_status < <(build "$profile")
        generate "$n" 1 > "$SCRATCH/src/lib.rs"
        read -r graded grad_status < <(build "$profile")
        [ "$grad_status" != ok ] && cp "$SCRATCH/build.log" "$SCRATCH/failed-$profile-$n.log"
        ratio=$(echo "scale=2; $graded / $plain" | bc)
        printf "%-8s %7d %12.2f %12.2f %7s  plain %s, #[grad] %s\n" \
            "$profile" "$n" "$plain" "$graded" "$ratio" "$plain_status" "$grad_status"
    done
done
echo "scratch crate: $SCRATCH"
