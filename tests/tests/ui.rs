//! Compile-time behaviour of `lua_script!`: scripts that must build (`ui/pass`) and scripts that must
//! fail with a precise error (`ui/*.rs`, snapshots in `ui/*.stderr`; bless with `TRYBUILD=overwrite`).

#![allow(clippy::unwrap_used)]

#[test]
fn ui_pass() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
}

/// Writes the scripts too large to keep in the repository into `ui/lua/generated/`: each just past
/// a limit of the checks.
fn generate_limit_cases() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/lua/generated");
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "too_large.lua",
            format!(
                "return 1\n{}",
                "-- padding\n".repeat(redis_script_check::MAX_SCRIPT_BYTES / 11)
            ),
        ),
        (
            "long_expression.lua",
            format!(
                "local a = tonumber(ARGV[1])\nreturn a{}\n",
                " + a".repeat(redis_script_check::MAX_OPERATOR_DEPTH + 1)
            ),
        ),
        (
            "many_elseifs.lua",
            format!(
                "local a = ARGV[1]\nif a == '0' then return 0\n{}end\n",
                (1..=redis_script_check::MAX_ELSEIFS + 1)
                    .map(|i| format!("elseif a == '{i}' then return {i}\n"))
                    .collect::<String>()
            ),
        ),
        (
            "many_breaks.lua",
            format!(
                "local n = 0\nwhile true do\n  n = n + 1\n{}end\nreturn n\n",
                (1..=redis_script_check::MAX_BREAKS + 1)
                    .map(|i| format!("  if n == {i} then break end\n"))
                    .collect::<String>()
            ),
        ),
    ];
    for (name, text) in cases {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(path, text).unwrap();
        }
    }
}

#[test]
fn ui_fail() {
    generate_limit_cases();
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
}

/// Declared scripts: the typed calls that must build, and one file per mistake a call or a
/// declaration can make (`ui/typed`).
#[test]
fn ui_typed_pass() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/typed/pass/*.rs");
}

#[test]
fn ui_typed_fail() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/typed/*.rs");
}

/// Positional calls of scripts and functions whose type carries what they read on every run
/// (`Undeclared<KEYS, ARGS>`): the calls that build, and one file per call that falls short. Those
/// errors are raised where a call is compiled to code, which `cargo check` does not do; with a case
/// that must pass among them, trybuild builds every case.
#[test]
fn ui_positional_arity() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/positional/pass/*.rs");
    cases.compile_fail("ui/positional/*.rs");
}
