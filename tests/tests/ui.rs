//! Compile-time behaviour of `lua_script!`: scripts that must build (`ui/pass`) and scripts that must
//! fail with a precise error (`ui/*.rs`, snapshots in `ui/*.stderr`; bless with `TRYBUILD=overwrite`).

#![allow(clippy::unwrap_used)]

#[test]
fn ui_pass() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
}

#[test]
fn ui_fail() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
}
