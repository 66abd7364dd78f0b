//! Compile-fail tests: every error message of `#[grad]`, pinned with its span in `tests/ui/`.
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test --test test_ui`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
