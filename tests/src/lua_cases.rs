//! Scripts for the differential test of the compile-time checks: the repo's own Lua files, Lua 5.1
//! corner cases written by hand, and seeded mutations of both, valid and invalid alike. The judge of each
//! is a real server's `SCRIPT LOAD`, not this module: nothing here says what a case should give.

use std::path::{Path, PathBuf};

/// One script to judge, and where it came from.
#[derive(Clone, Debug)]
pub struct Case {
    /// `corner 12`, `examples/lua/incr_ttl.lua`, or `mutation of <origin>: <operations>`.
    pub origin: String,
    pub text: String,
}

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_owned)
        .unwrap_or_default()
}

/// Every UTF-8 `.lua` file of the repo's scripts, sorted by path, as `(path from the root, text)`.
pub fn corpus() -> Vec<(String, String)> {
    lua_files(&["examples/lua", "tests/ui/lua", "tests/ui/pass/lua"])
}

/// Every UTF-8 `.lua` file in the folders `dirs` (from the workspace root), sorted by path, as
/// `(path from the root, text)`.
pub fn lua_files(dirs: &[&str]) -> Vec<(String, String)> {
    let root = root();
    let mut files = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "lua")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                let name = path.strip_prefix(&root).unwrap_or(&path);
                files.push((name.display().to_string(), text));
            }
        }
    }
    files.sort();
    files
}

/// Lua 5.1 (and Redis) corner cases, valid and not: lexer, grammar, the compiler's limits, shebangs.
pub fn corners() -> Vec<String> {
    let mut corners: Vec<String> = [
        // Numerals: strtod's hexadecimal floats, trailing letters, dots.
        "return 0x1p4",
        "return 0x1p-2",
        "return 0x1P+4",
        "return 1e+5, 1E-5, .5, 3., 0xA, 0Xff, 08",
        "return 1e",
        "return 1.2.3",
        "return 0x",
        "return 0xG",
        "return 1..2",
        "return 1 .. 2",
        "if ttl == -1then return 1 end",
        "return 1e400, -1e400",
        "return 0xFFFFFFFFFFFFFFFFFFFF",
        // Strings and escapes.
        "return '\\65\\066\\0677'",
        "return '\\255', '\\256'",
        "return '\\400'",
        "return \"\\z\", \"\\x41\", \"\\q\"",
        "return 'a\\\nb'",
        "return 'unfinished",
        "return \"line\nbreak\"",
        "return [[long]], [==[ ]] ]=] ]==], [[\nfirst newline skipped]]",
        "return [[unfinished",
        "return [=[ mismatched ]]",
        "return [=",
        "--[[ block ]] return 1",
        "--[==[ block ]] still ]==] return 1",
        "--[[ unfinished block",
        "--[=[ nested [[ ]] ]=] return 2",
        "return 'nul\0byte'",
        "return \0",
        "return 1\u{1}",
        "\u{FEFF}return 1",
        "# a comment Lua files allow, not chunks\nreturn 1",
        "return 'é', \"ü\"",
        "local é = 1",
        "return `x`",
        // Grammar.
        "return x break",
        "do return end return 1",
        "return",
        "return;",
        "x = 1;",
        ";",
        "x = 1;;",
        "break",
        "while true do break end",
        "while true do break break end",
        "repeat local y = 1 until y",
        "for i = 1, 10, 2 do end",
        "for k, v in pairs({}) do end",
        "for i = 1 do end",
        "for a.b = 1, 2 do end",
        "if a then elseif b then else end",
        "if a then else elseif b then end",
        "local a, b = 1",
        "a, b = b, a",
        "a.b, c[1] = 1, 2",
        "f() = 1",
        "(a) = 1",
        "a.b:c(d)",
        "a.b:c = 1",
        "a:b",
        "f{1, 2} f'x' f[[y]] f\"z\"",
        "f(a,)",
        "f(a b)",
        "assert(a)\n(b)()",
        "local x = a\n(f)()",
        "local t = {1, 2, 3,}",
        "local t = {1; 2; [3] = 3; x = 4,}",
        "local t = {,}",
        "local t = {[1] = }",
        "local t = {1 2}",
        "local function f(...) return select('#', ...), ... end",
        "function f() return ... end",
        "local f = function(a, ...) local b = ... end",
        "function f(a,) end",
        "function f(..., a) end",
        "function a.b.c:d(e) return self end",
        "function a:b.c() end",
        "local function a.b() end",
        "local function() end",
        "return function() end",
        "return ...",
        "return #KEYS, -2^-3, not not nil, 2^3^2, -x^2",
        "return 1 +",
        "return + 1",
        "return a == = b",
        "return a ~= b, a ~ b",
        "return a != b",
        "return a and or b",
        "x = }",
        "local 1 = 2",
        "local x <const> = 1",
        "local f <close> = nil",
        "goto done",
        "::done::",
        "return 7 // 2",
        "return 1 & 2, 1 | 2, 1 << 2, 1 >> 2",
        "return ~1",
        "local a = {} a[1] = nil a.b = nil",
        "x = 1 x = 2",
        "return redis.call('GET', KEYS[1])",
        "return redis.call('HEXPIRE', KEYS[1], 60, 'FIELDS', 1, 'f')",
        "return redis.call('NOT.A.COMMAND')",
        "return redis.error_reply('NOSCRIPT fake')",
        "return {err = 'NOSCRIPT'}",
        "return redis.call('BLPOP', KEYS[1], 0)",
        "return redis.call('SUBSCRIBE', 'x')",
        "return redis.call('WAITAOF', 0, 0, 0)",
        // Line endings, as Lua counts them.
        "a = 1\r\nb = = 2",
        "a = 1\rb = = 2",
        "a = 1\n\rb = = 2",
        "a = 1\r\rb = = 2",
        "a = 1\n\nb = = 2\r\n",
        // Shebangs, as Redis reads them.
        "#!lua\nreturn 1",
        "#!lua flags=no-writes\nreturn 1",
        "#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\nreturn 1",
        "#!lua flags=\nreturn 1",
        "#!lua flags=,\nreturn 1",
        "#!lua flags=no-writes,\nreturn 1",
        "#!lua flags=read-only\nreturn 1",
        "#!lua flags=allow-key-locking\nreturn 1",
        "#!lua flags=no-writes flags=allow-oom\nreturn 1",
        "#!lua  flags=no-writes\nreturn 1",
        "#!lua name=x\nreturn 1",
        "#!lua \"flags=no-writes\"\nreturn 1",
        "#!lua 'flags=no-writes'\nreturn 1",
        "#!lua \"unbalanced\nreturn 1",
        "#!lua\r\nreturn 1",
        "#!lua\treturn 1",
        "#!lua",
        "#!luajit\nreturn 1",
        "#!python\nreturn 1",
        "#! lua\nreturn 1",
        "#!/usr/bin/env lua\nreturn 1",
        " #!lua\nreturn 1",
        "#!lua\n#!lua\nreturn 1",
        "#!lua flags=no-writes\nreturn = 1",
        "-- comment only",
        "\u{1b}Lua",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // The compiler's limits: syntax levels, locals, upvalues, registers, constants, jumps.
    for depth in [197, 198, 199, 200] {
        corners.push(format!(
            "return {}1{}",
            "(".repeat(depth),
            ")".repeat(depth)
        ));
        corners.push(format!(
            "return {}1{}",
            "{".repeat(depth),
            "}".repeat(depth)
        ));
        corners.push(format!(
            "{}return 1{}",
            "do ".repeat(depth),
            " end".repeat(depth)
        ));
    }
    for depth in [98, 99, 100] {
        corners.push(format!(
            "return {}1{}",
            "function() return ".repeat(depth),
            " end".repeat(depth)
        ));
    }
    for count in [199, 200, 201] {
        let names: Vec<String> = (0..count).map(|i| format!("v{i}")).collect();
        corners.push(format!("local {} = 1", names.join(", ")));
    }
    for count in [59, 60, 61] {
        let names: Vec<String> = (0..count).map(|i| format!("u{i}")).collect();
        corners.push(format!(
            "local {} = 1\nreturn function() return {} end",
            names.join(", "),
            names.join(" + ")
        ));
    }
    for count in [248, 249, 250, 251] {
        let values: Vec<String> = (0..count).map(|i| i.to_string()).collect();
        corners.push(format!("return f({})", values.join(", ")));
    }
    corners.push(format!("return {{{}}}", "1, ".repeat(100_000)));
    corners.push(format!("if x then {} end", "y = y + 1 ".repeat(30_000)));
    corners.push(format!("return [[{}]]", "x".repeat(1 << 20)));
    corners
}

/// Text inserted by mutations: Lua 5.1 to 5.4 tokens and the bytes that tripped parsers before.
const FRAGMENTS: &[&str] = &[
    "and",
    "break",
    "do",
    "else",
    "elseif",
    "end",
    "false",
    "for",
    "function",
    "if",
    "in",
    "local",
    "nil",
    "not",
    "or",
    "repeat",
    "return",
    "then",
    "true",
    "until",
    "while",
    "goto",
    "::",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
    "#",
    "==",
    "~=",
    "<=",
    ">=",
    "<",
    ">",
    "=",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ";",
    ":",
    ",",
    ".",
    "..",
    "...",
    "//",
    "&",
    "|",
    "~",
    "<<",
    ">>",
    "<const>",
    "1then",
    "0x1p4",
    "0x1p-2",
    "1e",
    ".5",
    "3.",
    "0x",
    "'\\400'",
    "'\\255'",
    "\"\\z\"",
    "[[",
    "]]",
    "[==[",
    "]==]",
    "--[[",
    "--",
    "\"",
    "'",
    "\n",
    "\n(",
    "\r",
    "\r\n",
    "\t",
    "`",
    "$",
    "@",
    "!",
    "?",
    "\\",
    "\u{1}",
    "\0",
    "é",
    "\u{FEFF}",
    "x",
    "self",
    "KEYS[1]",
    "ARGV[1]",
    "redis.call('GET', KEYS[1])",
    "return x",
    "local y = 1",
    "function() end",
    "a.b:c(d)",
    "{f = 1}",
    " ",
];

/// Whole statements, or blanks, inserted at the start of a line.
const STATEMENTS: &[&str] = &[
    "local _ = 1\n",
    "do end\n",
    "-- a comment\n",
    "--[[ a\nblock ]]\n",
    "\n",
    "  ",
    "\t",
    "local function helper(...) return ... end\n",
    "if false then return end\n",
    "local t = {1, 2; x = [[s]]}\n",
    "redis.call('SET', KEYS[1], ARGV[1])\n",
    "redis.pcall('HGET', KEYS[1], 'f')\n",
    "for i = 1, #KEYS do end\n",
];

/// `count` cases from `seed`: the corners and the corpus as they are, then mutations of both.
pub fn cases(seed: u64, count: usize) -> Vec<Case> {
    let corpus = corpus();
    let mut seeds: Vec<Case> = corners()
        .into_iter()
        .enumerate()
        .map(|(i, text)| Case {
            origin: format!("corner {i}"),
            text,
        })
        .collect();
    seeds.extend(
        corpus
            .into_iter()
            .map(|(origin, text)| Case { origin, text }),
    );
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut cases: Vec<Case> = seeds.iter().take(count).cloned().collect();
    // Mutate the short seeds only: the huge corners would make every mutant huge.
    let small: Vec<&Case> = seeds.iter().filter(|c| c.text.len() < 4096).collect();
    while cases.len() < count && !small.is_empty() {
        let base = small[rng.usize(..small.len())];
        let mut text = base.text.clone();
        let mut operations = Vec::new();
        // Mostly one change: each one more makes a script that loads rarer.
        let changes = [1, 1, 1, 1, 2, 2, 3][rng.usize(..7)];
        for _ in 0..changes {
            operations.push(mutate(&mut rng, &mut text));
        }
        cases.push(Case {
            origin: format!("mutation of {}: {}", base.origin, operations.join(", ")),
            text,
        });
    }
    cases
}

/// Applies one random change to `text`; returns what it did.
fn mutate(rng: &mut fastrand::Rng, text: &mut String) -> String {
    let bounds = char_bounds(text);
    let at = bounds[rng.usize(..bounds.len())];
    let fragment = FRAGMENTS[rng.usize(..FRAGMENTS.len())];
    match rng.u8(0..12) {
        // Changes that mostly keep a script valid, so that the cases mix both kinds.
        8..=11 => {
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let statement = STATEMENTS[rng.usize(..STATEMENTS.len())];
            text.insert_str(line_start, statement);
            format!("insert {statement:?} at the line starting at {line_start}")
        }
        kind @ 0..=6 => edit(kind, rng, text, (&bounds, at), fragment),
        _ => replace_word(rng, text, at, &FRAGMENTS[..21]),
    }
}

/// Where each character of `text` starts, and its end.
pub fn char_bounds(text: &str) -> Vec<usize> {
    text.char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect()
}

/// Edit number `kind` (0 to 6) of `text` at `at` (one of `bounds`, from [`char_bounds`]): insert,
/// delete or replace by `fragment`, truncate, break a line before a `(`, glue two tokens, move a
/// line; returns what it did. Shared by the scripts' and the libraries' mutations.
pub fn edit(
    kind: u8,
    rng: &mut fastrand::Rng,
    text: &mut String,
    (bounds, at): (&[usize], usize),
    fragment: &str,
) -> String {
    // Up to 12 characters on from `at`.
    let span_end = |rng: &mut fastrand::Rng| {
        let from = bounds.binary_search(&at).unwrap_or(0);
        bounds[(from + rng.usize(0..12)).min(bounds.len() - 1)]
    };
    match kind {
        0 => {
            text.insert_str(at, fragment);
            format!("insert {fragment:?} at {at}")
        }
        1 => {
            let end = span_end(rng);
            text.replace_range(at..end, "");
            format!("delete {at}..{end}")
        }
        2 => {
            let end = span_end(rng);
            text.replace_range(at..end, fragment);
            format!("replace {at}..{end} by {fragment:?}")
        }
        3 => {
            text.truncate(at);
            format!("truncate at {at}")
        }
        4 => {
            // A call whose `(` starts a new line: Lua 5.1's ambiguous syntax.
            match text[at..].find('(').map(|i| at + i) {
                Some(paren) => {
                    text.insert(paren, '\n');
                    format!("newline before the ( at {paren}")
                }
                None => {
                    text.insert(at, '\n');
                    format!("newline at {at}")
                }
            }
        }
        5 => {
            // Glue two tokens: `1 then` becomes `1then`.
            match text[at..].find([' ', '\t']).map(|i| at + i) {
                Some(space) => {
                    text.remove(space);
                    format!("remove the blank at {space}")
                }
                None => "nothing to glue".to_owned(),
            }
        }
        _ => {
            let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
            let i = rng.usize(..lines.len());
            let j = rng.usize(..lines.len());
            match rng.u8(0..3) {
                0 => {
                    lines.swap(i, j);
                    *text = lines.join("\n");
                    format!("swap lines {} and {}", i + 1, j + 1)
                }
                1 => {
                    let line = lines[i].clone();
                    lines.insert(j, line);
                    *text = lines.join("\n");
                    format!("copy line {} before line {}", i + 1, j + 1)
                }
                _ => {
                    lines.remove(i);
                    *text = lines.join("\n");
                    format!("remove line {}", i + 1)
                }
            }
        }
    }
}

/// Replaces the word at `at` by one of `words` (a keyword or a name); returns what it did.
pub fn replace_word(
    rng: &mut fastrand::Rng,
    text: &mut String,
    at: usize,
    words: &[&str],
) -> String {
    let start = text[..at]
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = text[at..]
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(text.len(), |i| at + i);
    let word = words[rng.usize(..words.len())];
    text.replace_range(start..end, word);
    format!("word at {start}..{end} becomes {word:?}")
}
