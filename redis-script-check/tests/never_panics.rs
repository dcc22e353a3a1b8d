//! `check` never panics and every problem it reports is well formed, whatever the input: random bytes,
//! any UTF-8, soups of Lua tokens, deep nesting, huge files, any options.
//!
//! Bounded for CI (`PROPTEST_CASES`, default 256 per property); a longer campaign:
//! `PROPTEST_CASES=100000 cargo test --release -p redis-script-check --test never_panics`.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use redis_script_check::{
    Kind, Options, check, check_library, declaration, function_arity, function_declaration,
    function_reads, servers,
};

/// Lua's reserved words, and Lua 5.2+'s `goto`.
const KEYWORDS: &[&str] = &[
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "if", "in", "local",
    "nil", "not", "or", "repeat", "return", "then", "true", "until", "while", "goto",
];

/// One token-like piece: a keyword, a name, a numeral, punctuation, a quote or long bracket, a blank or
/// control character, a shebang, or a Redis call.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(KEYWORDS).prop_map(str::to_owned),
        "[A-Za-z_][A-Za-z0-9_]{0,5}",
        "[0-9.][0-9a-fA-FxXpPeE.+-]{0,6}",
        "[-+*/%^#=~<>(){}\\[\\];:,.&|!?@$`\\\\]{1,3}",
        "[\"'][a-z\\\\0-9]{0,4}[\"']?",
        "--?\\[=?\\[|\\]=?\\]",
        "[ \t\r\n\u{0}\u{1}\u{1b}\u{feff}é]{1,2}",
        Just("#!lua flags=no-writes\n".to_owned()),
        Just("#!lua flags=allow-key-locking\n".to_owned()),
        "redis\\.(p?call|error_reply)\\('(GET|SET|HEXPIRE|XGROUP|BLPOP|NOSCRIPT x|NOPE)'",
        "(local [a-z] = )?(tonumber\\()?(KEYS|ARGV)\\[[0-3]\\]\\)?( \\.\\. | \\+ | or )?",
        "(#|ipairs\\(|unpack\\(|table\\.insert\\()(KEYS|ARGV)",
        "\n?---@(key|arg|return|type) ?[a-z_.?]{0,6} ?(string|integer|number|boolean|bytes|table)? ?[a-z#]{0,4}\n",
        "\n?---@(key|arg) (\\.\\.\\.)?[a-z]{0,3}(\\?|\\.{1,3})? ?(string|integer|bytes)?\n",
        "local [a-z]{1,3} = (tonumber\\()?(KEYS|ARGV)\\[[0-9]{1,2}\\]\\)?\n",
        "\n?---@return ?\\{?([a-z_]{0,4} ?:? ?(string|integer|number|boolean|table)?,? ?){0,3}\\}? ?[a-z{}]{0,3}\n",
        "return \\{(([a-z]{1,3} ?= ?|\\[[0-9'a-z]{1,3}\\] ?= ?)?('[a-z]{0,3}'|[0-9]|f\\(\\)|\\.\\.\\.|\\{),? ?){0,4}\\}?( end)?",
    ]
}

fn any_options() -> impl Strategy<Value = Options> {
    let names = servers();
    (
        any::<bool>(),
        any::<bool>(),
        proptest::sample::subsequence(names.clone(), 0..=names.len()),
        proptest::collection::vec("[A-Za-z.|]{0,12}", 0..3),
        proptest::collection::vec("[A-Za-z.|]{0,12}", 0..3),
    )
        .prop_map(|(readonly, allow_key_locking, servers, commands, reads)| {
            let mut options = Options::default();
            options.readonly = readonly;
            options.allow_key_locking = allow_key_locking;
            options.servers = servers;
            options.commands = commands;
            options.readonly_commands = reads;
            options
        })
}

fn token_soup() -> impl Strategy<Value = String> {
    proptest::collection::vec((piece(), any::<bool>()), 0..200).prop_map(|pieces| {
        pieces
            .into_iter()
            .map(|(piece, blank)| if blank { piece + " " } else { piece })
            .collect()
    })
}

/// Nested constructs up to past the compiler's 200 levels, with junk inside.
fn deep() -> impl Strategy<Value = String> {
    let shapes: &[(&str, &str)] = &[
        ("(", ")"),
        ("{", "}"),
        ("f(", ")"),
        ("a[", "]"),
        ("function() return ", " end"),
        ("not ", ""),
        ("{x = ", "}"),
        ("(redis.call('GET', ", "))"),
    ];
    let blocks: &[(&str, &str)] = &[
        ("if x then ", " end"),
        ("do ", " end"),
        ("while x do ", " end"),
        ("repeat ", " until x"),
        ("for i = 1, 2 do ", " end"),
        ("local function g() ", " end"),
    ];
    (
        proptest::collection::vec(proptest::sample::select(shapes), 0..260),
        proptest::collection::vec(proptest::sample::select(blocks), 0..260),
        piece(),
    )
        .prop_map(|(shapes, blocks, inner)| {
            let mut lua = String::new();
            for (open, _) in &blocks {
                lua.push_str(open);
            }
            lua.push_str("return ");
            for (open, _) in &shapes {
                lua.push_str(open);
            }
            lua.push_str(&inner);
            for (_, close) in shapes.iter().rev() {
                lua.push_str(close);
            }
            for (_, close) in blocks.iter().rev() {
                lua.push_str(close);
            }
            lua
        })
}

/// Lines as Lua counts them: `\n`, `\r`, `\r\n` and `\n\r` each end one, read from the left.
fn lua_lines(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut lines, mut i) = (1, 0);
    while i < bytes.len() {
        if let first @ (b'\n' | b'\r') = bytes[i] {
            let pair = bytes
                .get(i + 1)
                .is_some_and(|&next| matches!(next, b'\n' | b'\r') && next != first);
            i += usize::from(pair);
            lines += 1;
        }
        i += 1;
    }
    lines
}

/// What every problem must satisfy: a message, and a line inside the file; the same for the
/// problems of the declared parameters.
fn well_formed(text: &str, options: &Options) {
    let arity = redis_script_check::arity(text);
    assert!(arity.keys() <= arity.highest_key() && arity.args() <= arity.highest_arg());
    let lines = text.split('\n').count().max(lua_lines(text));
    if let Err(problems) = declaration("fuzz.lua", text) {
        assert!(!problems.is_empty());
        for problem in problems {
            assert!(!problem.message().is_empty());
            assert!(
                problem
                    .line()
                    .is_some_and(|line| line >= 1 && line <= lines),
                "{problem}"
            );
        }
    }
    if let Err(problems) = check("fuzz.lua", text, options) {
        assert!(!problems.is_empty());
        // Lua also ends a line at a lone \r (\r\n and \n\r count once), the command checks only at \n.
        let lines = text.split('\n').count().max(lua_lines(text));
        for problem in problems {
            assert!(!problem.message().is_empty());
            if let Some(line) = problem.line() {
                assert!(
                    line >= 1 && line <= lines,
                    "line {line} of {lines}: {problem}"
                );
            }
        }
    }
}

/// A declared reply at the top, then blocks of soup around literal `return {...}` tables: what the
/// reply's check walks.
fn declared_reply() -> impl Strategy<Value = String> {
    let header = "---@key k\n---@return \\{([a-z]{1,3}: (integer|string|number|boolean), ){0,3}[a-z]{1,3}: integer\\}\n";
    let block = prop_oneof![
        Just(("do ", " end")),
        Just(("if x then ", " end")),
        Just(("while x do ", " end")),
        Just(("local f = function() ", " end")),
        Just(("for i = 1, 2 do ", " end")),
        Just(("", "")),
    ];
    (
        header,
        proptest::collection::vec((block, prop_oneof![Just(String::new()), token_soup()]), 0..4),
        "return \\{(([a-z]{1,3} ?= ?|\\['[a-z]{1,3}'\\] ?= ?)?('[a-z]{1,3}'|[0-9]|f\\(\\)|\\.\\.\\.),? ?){0,6}\\}",
    )
        .prop_map(|(header, blocks, last)| {
            let mut text = header;
            for ((open, close), soup) in blocks {
                text.push_str(&format!("{open}{soup} return {{1}}{close}\n"));
            }
            text + &last
        })
}

/// A library whose functions declare their parameters and replies above registrations whose
/// callbacks are written in the call, with soup in their bodies: what a function's declaration reads.
fn declared_functions() -> impl Strategy<Value = String> {
    let annotation = prop_oneof![
        "---@(key|arg) [a-z]{1,3}(\\?|\\.\\.\\.)? (string|integer|bytes)?",
        "---@return \\{([a-z]{1,3}: (integer|string|bytes), ){0,2}[a-z]{1,3}: integer\\}",
        token_soup(),
    ];
    let registration = prop_oneof![
        Just((
            "redis.register_function('f', function(keys, args) ",
            " end)"
        )),
        Just((
            "redis.register_function{function_name = 'g', callback = function(keys, args) ",
            " end}"
        )),
        Just(("do redis.register_function('h', function() ", " end) end")),
        Just((
            "local function n(keys) ",
            " end\n---@return {a: integer}\nredis.register_function('n', n)"
        )),
    ];
    proptest::collection::vec(
        (
            proptest::collection::vec(annotation, 0..4),
            registration,
            prop_oneof![Just(String::new()), token_soup()],
            "return \\{([0-9]|'[a-z]{1,3}'|f\\(\\)|\\.\\.\\.|[a-z] = 1)?(, ?[0-9]){0,3}\\}",
        ),
        0..4,
    )
    .prop_map(|functions| {
        let mut text = "#!lua name=lib\n".to_owned();
        for (annotations, (open, close), soup, last) in functions {
            for annotation in annotations {
                text.push_str(&annotation);
                text.push('\n');
            }
            text.push_str(&format!("{open}if x then {soup} end {last}{close}\n"));
        }
        text
    })
}

proptest! {
    #[test]
    fn declared_replies(text in declared_reply()) {
        well_formed(&text, &Options::default());
    }

    #[test]
    fn declared_function_replies(text in declared_functions()) {
        let lines = text.split('\n').count().max(lua_lines(&text));
        for line in 0..=lines + 1 {
            if let Err(problems) = function_declaration("fuzz.lua", &text, line) {
                prop_assert!(!problems.is_empty());
                for problem in problems {
                    prop_assert!(!problem.message().is_empty());
                    prop_assert!(
                        problem.line().is_some_and(|line| line >= 1 && line <= lines),
                        "{}", problem
                    );
                }
            }
            let reads = function_reads("fuzz.lua", &text, line);
            prop_assert_eq!(reads.arity(), function_arity(&text, line));
            for problem in reads.zero_reads() {
                prop_assert!(problem.line().is_some_and(|line| line >= 1 && line <= lines));
            }
        }
    }

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048), options in any_options()) {
        well_formed(&String::from_utf8_lossy(&bytes), &options);
    }

    #[test]
    fn any_utf8(text in any::<String>(), options in any_options()) {
        well_formed(&text, &options);
    }

    #[test]
    fn lua_token_soup(text in token_soup(), options in any_options()) {
        well_formed(&text, &options);
    }

    #[test]
    fn deep_nesting(text in deep(), options in any_options()) {
        well_formed(&text, &options);
    }
}

#[test]
fn huge_files() {
    let options = Options::default();
    let limit = redis_script_check::MAX_SCRIPT_BYTES;
    // Up to the limit, calls on one line, and the same over many lines, then broken at the very end.
    let call = "redis.call('INCR', KEYS[1]) ";
    let one_line = call.repeat(limit / call.len());
    well_formed(&one_line, &options);
    assert!(check("huge.lua", &one_line, &options).is_ok());
    let many_lines = call.replace(' ', "\n").repeat(limit / call.len());
    assert!(check("huge.lua", &many_lines, &options).is_ok());
    let broken = format!("{} = =", &one_line[..one_line.len() - 4]);
    let problems = check("huge.lua", &broken, &options).unwrap_err();
    assert!(
        problems[0].message().contains("near '='"),
        "{}",
        problems[0]
    );
    // A long string and a single token as long as a script may be.
    let long_string = format!("return [[{}]]", "x".repeat(limit - 11));
    assert!(check("huge.lua", &long_string, &options).is_ok());
    let long_name = format!("return {}", "x".repeat(limit - 7));
    assert!(check("huge.lua", &long_name, &options).is_ok());
    // One byte more is refused, by size, whatever the text (scripts and libraries alike).
    for text in [
        format!("{long_name}x"),
        "\0".repeat(limit + 1),
        "x".repeat(64 << 20),
    ] {
        let problems = check("huge.lua", &text, &options).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind(), Kind::Limit);
        assert!(
            problems[0]
                .message()
                .contains("bytes (1 MiB) the checks take")
        );
        let problems = check_library("huge.lua", &text, &options).unwrap_err();
        assert_eq!(problems[0].kind(), Kind::Limit);
    }
}

/// The inputs that cost the most under the limits: chains of operators as long and as nested as
/// allowed, `elseif`s and `break`s at their limits, filling the largest file. Each is checked whole
/// (the point is that it ends, without overflowing a stack), and one past each limit is refused.
#[test]
fn the_costliest_inputs_under_the_limits_are_checked() {
    let options = Options::default();
    let fill = |unit: &str| {
        let n = redis_script_check::MAX_SCRIPT_BYTES / (unit.len() + 1);
        format!("{}\n", unit).repeat(n)
    };
    let chain = |op: &str, n: usize| format!("x = a{}", format!(" {op} a").repeat(n));
    let max = redis_script_check::MAX_OPERATOR_DEPTH;
    let nested_expression = format!(
        "{}a{}",
        "(".repeat(150),
        format!(" + a){}", " + a".repeat(max / 150 - 1)).repeat(150)
    );
    let nested = format!("x = {nested_expression}");
    let elseifs = format!(
        "if a then{} end",
        " elseif a then".repeat(redis_script_check::MAX_ELSEIFS)
    );
    let breaks = format!(
        "while a do{} end",
        " if a then break end".repeat(redis_script_check::MAX_BREAKS)
    );
    for unit in [
        chain("+", max),
        chain("and", max),
        chain("or", max),
        nested.clone(),
        elseifs,
        breaks,
    ] {
        let text = fill(&unit);
        assert!(text.len() <= redis_script_check::MAX_SCRIPT_BYTES);
        if let Err(problems) = check("costly.lua", &text, &options) {
            assert!(
                problems.iter().all(|p| p.kind() != Kind::Limit),
                "{}",
                problems[0]
            );
        }
        well_formed(&text, &options);
    }
    // Three million terms (Lua compiles them; the tree they make is three million levels deep).
    let deep = format!("local a = 1 return a{}", " + a".repeat(3_000_000));
    for text in [
        chain("+", max + 1),
        chain("and", max + 1),
        format!("x = ({nested_expression}){}", " + a".repeat(101)),
        deep,
    ] {
        let tail = &text[text.len().saturating_sub(40)..];
        let problems = check("costly.lua", &text, &options).unwrap_err();
        assert_eq!(problems[0].kind(), Kind::Limit, "{tail}");
    }
}

#[test]
fn nesting_at_the_compilers_limit_is_walked() {
    // 198 nested `if`s are the most Lua 5.1 takes; the walk over them must not exhaust a stack.
    let depth = 190;
    let lua = format!(
        "{}return redis.call('SET', KEYS[1], 1){}",
        "if x then ".repeat(depth),
        " end".repeat(depth)
    );
    let mut readonly = Options::default();
    readonly.readonly = true;
    let problems = check("deep.lua", &lua, &readonly).unwrap_err();
    assert!(
        problems.iter().any(|p| p.message().contains("SET writes")),
        "{problems:?}"
    );
    let deeper = format!("{}return 1{}", "if x then ".repeat(199), " end".repeat(199));
    let problems = check("deep.lua", &deeper, &Options::default()).unwrap_err();
    assert!(
        problems[0]
            .message()
            .contains("chunk has too many syntax levels"),
        "{}",
        problems[0]
    );
}

/// 199 names that are not Lua keywords (`a`..`Z`, then two letters).
fn local_names() -> Vec<String> {
    let letters: Vec<char> = ('a'..='z').chain('A'..='Z').collect();
    let mut names: Vec<String> = letters.iter().map(char::to_string).collect();
    for a in &letters {
        for b in &letters {
            let name = format!("{a}{b}");
            if !KEYWORDS.contains(&name.as_str()) {
                names.push(name);
            }
        }
    }
    names.truncate(199);
    names
}

/// A library whose load runs a chain of `per_level` local functions, each calling the one before
/// (wrapped in `parens` parentheses), `levels` deep: the first function of each level holds the next.
fn call_chain(per_level: usize, levels: usize, parens: usize) -> String {
    fn level(names: &[String], levels: usize, parens: usize, out: &mut String) {
        out.push_str(&format!("local function {}()", names[0]));
        if levels > 1 {
            level(names, levels - 1, parens, out);
        }
        out.push_str("end\n");
        for pair in names.windows(2) {
            let (open, close) = ("(".repeat(parens), ")".repeat(parens));
            out.push_str(&format!(
                "local function {}() return {open}{}(){close} end\n",
                pair[1], pair[0]
            ));
        }
        out.push_str(&format!("{}()\n", names[names.len() - 1]));
    }
    let names = local_names();
    let mut text = String::from("#!lua name=chain\n");
    level(&names[..per_level], levels, parens, &mut text);
    text.push_str("redis.register_function('f', function() return 1 end)\n");
    text
}

/// A chain of local function calls run at load time, nested past any stack (each level is walked
/// again): it once crashed rustc; the walk follows calls only so deep.
#[test]
fn a_load_time_call_chain_past_any_stack_is_checked() {
    let options = Options::default();
    for text in [call_chain(199, 4, 150), call_chain(190, 150, 0)] {
        assert!(text.len() <= redis_script_check::MAX_SCRIPT_BYTES);
        let library = check_library("chain.lua", &text, &options).unwrap();
        assert_eq!(library.functions().len(), 1);
    }
}

/// A name folded from locals read again and again (`v1 = v0..v0..v0`, ten times over: gigabytes): it
/// once ran rustc out of memory; folding stops at a few KiB.
#[test]
fn a_string_folded_past_any_memory_is_checked() {
    let mut folded = format!("#!lua name=folded\nlocal v0 = '{}'\n", "x".repeat(100_000));
    for i in 1..=10 {
        folded.push_str(&format!("local v{i} = v{0}..v{0}..v{0}\n", i - 1));
    }
    folded.push_str("redis.register_function(v10, function() return 1 end)\n");
    folded.push_str("redis.register_function('f', function() return 1 end)\n");
    let started = std::time::Instant::now();
    let _ = check_library("folded.lua", &folded, &Options::default());
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

/// A chain of 200,000 operators with a NUL after a dot every 900 (Lua reads `.\0` as `..`): it once
/// slipped past the limit on operators and overflowed the walk's stack; it is refused by the limit,
/// in a library and in a script.
#[test]
fn an_operator_chain_hidden_by_a_nul_is_refused() {
    let options = Options::default();
    let mut chain = String::from("a");
    for i in 0..200_000 {
        chain.push_str(if i % 900 == 899 { ".\0a" } else { "<a" });
    }
    let library = format!(
        "#!lua name=nul\nlocal function f(a) return {chain} end\nf(1)\nredis.register_function('f', f)\n"
    );
    let script = format!("local a = KEYS[1]\nreturn {chain}\n");
    let limited = |problems: Vec<redis_script_check::Problem>| {
        problems.iter().any(|p| p.kind() == Kind::Limit)
    };
    assert!(limited(
        check_library("nul.lua", &library, &options).unwrap_err()
    ));
    assert!(limited(check("nul.lua", &script, &options).unwrap_err()));
}
