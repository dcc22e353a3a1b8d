//! The rules written twice, once in the macro (for `lua_script!` at compile time) and once in the
//! runtime (for scripts built at run time), held to each other input for input: the SHA-1 that names
//! a script, and what a script's name may be.
//!
//! The macro crate is a proc-macro crate, which can export nothing but macros, so its rules file is
//! compiled here as it is (it depends on `sha1_smol` and `std` alone); the runtime's side is its public API.

#![allow(clippy::unwrap_used)]

#[path = "../../redis-script-macros/src/rules.rs"]
mod macro_rules_file;

use redis_script::Script;
use redis_script::script::MAX_NAME_LEN;

/// Texts at the edges: empty, one byte, SHA-1's block boundaries (55, 56, 63, 64, 65 bytes), NUL,
/// multi-byte UTF-8, line ends of every kind, and a large file.
fn edge_texts() -> Vec<String> {
    let mut texts: Vec<String> = [
        "",
        "r",
        "return 1",
        "\0",
        "return 'é⏱🦀'",
        "\r\n\n\r",
        "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])",
    ]
    .map(String::from)
    .to_vec();
    for len in [55, 56, 57, 63, 64, 65, 119, 120, 128, 1000] {
        texts.push("x".repeat(len));
    }
    texts.push("local a = 1\n".repeat(100_000));
    texts
}

/// Names at the edges: empty, exactly and just over the limit (in bytes, with a character of
/// several bytes across the boundary), control characters of C0 and C1, and printable Unicode.
fn edge_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "",
        "a",
        "lua/rate_limit.lua",
        "débit ⏱",
        "rate\nlimit",
        "tab\there",
        "nul\0",
        "del\u{7f}",
        "next line\u{85}",
        "zero width\u{200b} joiner",
        "right-to-left\u{202e}",
        " ",
    ]
    .map(String::from)
    .to_vec();
    for len in [MAX_NAME_LEN - 1, MAX_NAME_LEN, MAX_NAME_LEN + 1, 1000] {
        names.push("n".repeat(len));
    }
    // 127 bytes then a 2-byte character: 129 bytes in 128 characters.
    names.push(format!("{}é", "n".repeat(MAX_NAME_LEN - 1)));
    names.push(format!("{}é", "n".repeat(MAX_NAME_LEN - 2)));
    names
}

/// Random text of ASCII and of characters of 2, 3 and 4 bytes, with a control character now and
/// then (C0 and C1), so that every branch of both rules is taken.
fn random_text(rng: &mut fastrand::Rng, max_chars: usize) -> String {
    const PRINTABLE: &[char] = &[
        'a',
        'Z',
        '0',
        ' ',
        '/',
        '.',
        'é',
        'ß',
        '⏱',
        '\u{200b}',
        '🦀',
        '\u{10ffff}',
    ];
    const CONTROL: &[char] = &['\n', '\t', '\r', '\0', '\u{7f}', '\u{85}', '\u{9f}'];
    let len = rng.usize(0..=max_chars);
    let with_control = rng.bool();
    (0..len)
        .map(|_| match with_control && rng.usize(..50) == 0 {
            true => CONTROL[rng.usize(..CONTROL.len())],
            false => PRINTABLE[rng.usize(..PRINTABLE.len())],
        })
        .collect()
}

#[test]
fn the_macro_and_the_runtime_hash_every_text_alike() {
    let mut rng = fastrand::Rng::with_seed(0x05ee_d5a1);
    let mut texts = edge_texts();
    texts.extend((0..2_000).map(|_| random_text(&mut rng, 200)));
    for text in texts {
        let runtime = Script::<()>::new(text.clone());
        assert_eq!(
            macro_rules_file::sha1_hex(&text),
            runtime.sha1(),
            "{text:?}"
        );
    }
    // Both are Redis's own: `redis-cli SCRIPT LOAD "return 1"`.
    assert_eq!(
        macro_rules_file::sha1_hex("return 1"),
        "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"
    );
}

#[test]
fn the_macro_and_the_runtime_accept_the_same_names() {
    assert_eq!(macro_rules_file::MAX_NAME_LEN, MAX_NAME_LEN);
    let mut rng = fastrand::Rng::with_seed(0x0a3e);
    let mut names = edge_names();
    names.extend((0..5_000).map(|_| random_text(&mut rng, 140)));
    let (mut accepted, mut refused) = (0, 0);
    for name in names {
        let at_compile_time = macro_rules_file::name_problem(&name);
        let at_run_time = Script::<()>::new("return 1").with_name(name.clone());
        assert_eq!(
            at_compile_time.is_none(),
            at_run_time.is_ok(),
            "{name:?}: the macro says {at_compile_time:?}, the runtime {:?}",
            at_run_time.err()
        );
        if at_run_time.is_ok() {
            accepted += 1;
        } else {
            refused += 1;
        }
    }
    // Both outcomes are exercised, many times over.
    assert!(
        accepted > 500 && refused > 500,
        "{accepted} accepted, {refused} refused"
    );
}
