//! The checks of libraries, each against what Redis (or Valkey) answers.

use super::*;

fn check(text: &str) -> Result<Library, Vec<String>> {
    check_library("lib.lua", text, &Options::default())
        .map_err(|problems| problems.iter().map(|p| p.message().to_owned()).collect())
}

fn refused(text: &str, expected: &str) {
    let Err(problems) = check(text) else {
        panic!("accepted: {text:?}")
    };
    assert!(
        problems.iter().any(|p| p.contains(expected)),
        "{text:?}: {problems:?}"
    );
}

#[test]
fn a_library_names_its_functions_and_their_flags() {
    let text = "#!lua name=counters\nlocal function get(keys) return redis.call('GET', keys[1]) end\nredis.register_function('incr_by', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)\nredis.register_function{function_name = \"get\", callback = get, flags = {'no-writes'}}\n";
    let library = check(text).unwrap();
    assert_eq!(library.name(), "counters");
    let names: Vec<_> = library
        .functions()
        .iter()
        .map(|f| (f.name(), f.no_writes(), f.line()))
        .collect();
    assert_eq!(names, [("incr_by", false, 3), ("get", true, 4)]);
    let versioned = library.versioned(text, "v1");
    assert_eq!(
        versioned,
        text.replacen("name=counters", "name=counters__v1", 1)
            .replacen("'incr_by'", "'incr_by__v1'", 1)
            .replacen("\"get\"", "\"get__v1\"", 1)
    );
}

#[test]
fn metadata_is_read_as_redis_reads_it() {
    assert_eq!(
        check("#!LUA NAME=x\nredis.register_function('f', function() return 1 end)")
            .unwrap()
            .name(),
        "x"
    );
    assert_eq!(
        check("#!lua name=\"q\"\nredis.register_function('f', function() return 1 end)")
            .unwrap()
            .name(),
        "q"
    );
    refused("return 1", "Missing library metadata");
    refused("#!lua name=x", "Invalid library metadata");
    refused("#!lua\nreturn 1", "Library name was not given");
    refused("#!lua name=a name=b\n", "given multiple times");
    refused(
        "#!lua name=a flags=no-writes\n",
        "Invalid metadata value given: flags=no-writes",
    );
    refused("#!lua name=a-b\n", "Library names can only contain");
    refused("#!luax name=a\n", "Engine 'luax' not found");
}

#[test]
fn registrations_redis_refuses_are_problems() {
    let f = "function() return 1 end";
    refused("#!lua name=l\nlocal x = 1", "No functions registered");
    refused(
        &format!(
            "#!lua name=l\nredis.register_function('f', {f})\nredis.register_function('f', {f})"
        ),
        "registered twice",
    );
    refused(
        &format!("#!lua name=l\nredis.register_function('f-1', {f})"),
        "Library names can only contain",
    );
    refused(
        &format!("#!lua name=l\nredis.register_function('f' .. 'g', {f})"),
        "computed",
    );
    refused(
        &format!(
            "#!lua name=l\nredis.register_function{{function_name='f', callback={f}, flags={{'no-writes', 'bad'}}}}"
        ),
        "unknown function flag \"bad\"",
    );
    refused(
        &format!(
            "#!lua name=l\nredis.register_function{{function_name='f', callback={f}, flags='no-writes'}}"
        ),
        "must be a table",
    );
    refused(
        &format!(
            "#!lua name=l\nredis.register_function{{function_name='f', callback={f}, extra=1}}"
        ),
        "unknown argument",
    );
    refused(
        &format!("#!lua name=l\nredis.register_function{{callback={f}}}"),
        "function name argument",
    );
    refused(
        "#!lua name=l\nredis.register_function('f')",
        "single argument",
    );
    refused(
        "#!lua name=l\nredis.register_function('f', 'x')",
        "must be a function",
    );
    refused(
        &format!(
            "#!lua name=l\nredis.register_function{{function_name='f', callback={f}, flags={{'allow-key-locking'}}}}"
        ),
        "allow_key_locking",
    );
    let options = Options {
        allow_key_locking: true,
        ..Options::default()
    };
    assert!(check_library("l", &format!("#!lua name=l\nredis.register_function{{function_name='f', callback={f}, flags={{'allow-key-locking'}}}}"), &options).is_ok());
}

#[test]
fn what_functions_can_not_do_is_a_problem() {
    refused(
        "#!lua name=l\nredis.call('SET', 'a', 1)\nredis.register_function('f', function() return 1 end)",
        "used while the library loads",
    );
    refused(
        "#!lua name=l\nlocal rcall = redis.call\nredis.register_function('f', function() return 1 end)",
        "used while the library loads",
    );
    refused(
        "#!lua name=l\nredis.register_function('f', function() return KEYS[1] end)",
        "no global KEYS",
    );
    assert!(
        check(
            "#!lua name=l\nredis.register_function('f', function(KEYS, ARGV) return KEYS[1] end)"
        )
        .is_ok()
    );
    refused(
        "#!lua name=l\nredis.register_function{function_name='f', callback=function(keys) return redis.call('SET', keys[1], 1) end, flags={'no-writes'}}",
        "function \"f\" is flagged no-writes",
    );
    refused(
        "#!lua name=l\nlocal function w(keys) return redis.call('DEL', keys[1]) end\nredis.register_function{function_name='f', callback=w, flags={'no-writes'}}",
        "DEL writes",
    );
    refused(
        "#!lua name=l\nredis.register_function('f', function() return redis.call('NOSUCH') end)",
        "unknown command NOSUCH",
    );
    refused(
        "#!lua name=l\nredis.register_function('f', function() return redis.register_function('g', function() end) end)",
        "only while the library loads",
    );
    refused(
        "#!lua name=l\nredis.register_function('f', function() return redis.error_reply('ERR Function not found') end)",
        "ERR Function not found",
    );
    refused(
        "#!lua name=l\nredis.register_function('f', function() return {err = 'ERR Function not found'} end)",
        "ERR Function not found",
    );
    refused("#!lua name=l\nlocal x = = 1", "Error compiling function");
}

/// The names, flags and lines a library registers.
fn registered(text: &str) -> Vec<(String, Vec<String>, usize)> {
    let library = check(text).unwrap_or_else(|problems| panic!("{text:?}: {problems:?}"));
    library
        .functions()
        .iter()
        .map(|f| (f.name().to_owned(), f.flags().to_vec(), f.line()))
        .collect()
}

/// `(line, message)` of the problems Redis finds at load.
fn at_load(text: &str) -> Vec<(Option<usize>, String)> {
    check_library("lib.lua", text, &Options::default())
        .err()
        .unwrap_or_default()
        .iter()
        .filter(|p| p.redis_refuses_loading())
        .map(|p| (p.line(), p.message().to_owned()))
        .collect()
}

/// Refused at load on `line`, saying `expected` (Redis's text).
fn refused_at(text: &str, line: Option<usize>, expected: &str) {
    let problems = at_load(text);
    assert!(
        problems
            .iter()
            .any(|(at, message)| *at == line && message.contains(expected)),
        "{text:?}: {problems:?}"
    );
}

fn redis_only() -> Options {
    Options {
        servers: vec!["redis-7.0".into(), "redis-8.2".into()],
        ..Options::default()
    }
}

#[test]
fn named_arguments_and_flags_are_read_in_any_case() {
    let f = "function() return 1 end";
    assert_eq!(
        registered(&format!(
            "#!lua name=l\nredis.register_function{{FUNCTION_NAME = 'f', Callback = {f}, FLAGS = {{'No-Writes', 'no-writes', 'ALLOW-OOM'}}}}"
        )),
        [("f".into(), vec!["no-writes".into(), "allow-oom".into()], 2)]
    );
    assert!(
        check(&format!("#!lua name=l\nredis.register_function{{function_name = 'f', callback = {f}, flags = {{'NO-WRITES'}}}}"))
            .unwrap()
            .function("f")
            .unwrap()
            .no_writes()
    );
    // Redis reads the entries 1, 2, ... up to the first nil, and no named one.
    assert_eq!(
        registered(&format!(
            "#!lua name=l\nredis.register_function{{function_name = 'f', callback = {f}, flags = {{'no-writes', nil, 'bad', x = 'bad'}}}}"
        ))[0]
        .1,
        ["no-writes"]
    );
    // A key set again in the table: the last value is the one there.
    assert_eq!(
        registered(&format!(
            "#!lua name=l\nredis.register_function{{function_name = 'f', callback = {f}, flags = {{'bad'}}, flags = {{'no-writes'}}}}"
        ))[0]
        .1,
        ["no-writes"]
    );
    // A field set to nil is not there.
    registered(&format!(
        "#!lua name=l\nredis.register_function{{function_name = 'f', callback = {f}, description = nil, flags = nil}}"
    ));
}

#[test]
fn each_argument_is_refused_as_redis_refuses_it() {
    let f = "function() return 1 end";
    let l = Some(2);
    for name in ["nil", "true", "{}", f] {
        refused_at(
            &format!("#!lua name=l\nredis.register_function({name}, {f})"),
            l,
            "\"first argument to redis.register_function must be a string\"",
        );
    }
    for callback in ["'g'", "1", "{}", "nil", "not function() end"] {
        refused_at(
            &format!("#!lua name=l\nredis.register_function('f', {callback})"),
            l,
            "\"second argument to redis.register_function must be a function\"",
        );
    }
    refused_at(
        "#!lua name=l\nredis.register_function 'f'",
        l,
        "\"calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).\"",
    );
    refused_at(
        "#!lua name=l\nredis.register_function('f', ...)",
        l,
        "with a single argument",
    );
    let named = |fields: &str| format!("#!lua name=l\nredis.register_function{{{fields}}}");
    for (fields, redis) in [
        (
            format!("function_name = {{}}, callback = {f}"),
            "function_name argument given to redis.register_function must be a string",
        ),
        (
            format!("function_name = 'f', callback = {f}, description = true"),
            "description argument given to redis.register_function must be a string",
        ),
        (
            format!("function_name = 'f', callback = {f}, flags = 1"),
            "flags argument to redis.register_function must be a table",
        ),
        (
            format!("function_name = 'f', callback = {f}, flags = {{1}}"),
            "unknown flag given",
        ),
        (
            format!("function_name = 'f', callback = {f}, [true] = 1"),
            "named argument key given to redis.register_function is not a string",
        ),
        (
            format!("'f', {f}"),
            "unknown argument given to redis.register_function",
        ),
        (
            format!("function_name = ..., callback = {f}"),
            "redis.register_function must get a function name argument",
        ),
    ] {
        refused_at(&named(&fields), l, redis);
    }
}

#[test]
fn names_are_what_lua_makes_of_the_literal() {
    let f = "function() return 1 end";
    let text = format!(
        "#!lua name=l\nredis.register_function('f\\65', {f})\nredis.register_function([[\ng]], {f})"
    );
    let library = check(&text).unwrap();
    let names: Vec<_> = library.functions().iter().map(Function::name).collect();
    assert_eq!(names, ["fA", "g"]);
    assert!(library.versioned(&text, "v1").contains("'fA__v1'"));
    for name in ["'f\\45'", "'f\\0'", "1.5", "1e20", "'f' .. '-'"] {
        refused_at(
            &format!("#!lua name=l\nredis.register_function({name}, {f})"),
            Some(2),
            NAME_RULE,
        );
    }
    refused_at(
        &format!("#!lua name=l\nlocal name = 'f-g'\nredis.register_function(name, {f})"),
        Some(3),
        NAME_RULE,
    );
    // Names Redis takes but the file does not write as one literal can not be typed.
    let problems = check_library(
        "l",
        &format!(
            "#!lua name=l\nredis.register_function(0x10, {f})\nredis.register_function('16', {f})"
        ),
        &Options::default(),
    )
    .unwrap_err();
    assert_eq!(problems[0].kind(), Kind::Computed);
    // 0x10 is "16" to Redis.
    assert!(
        problems[1].message().contains("already exists"),
        "{problems:?}"
    );
    refused_at(
        &format!(
            "#!lua name=l\nredis.register_function('f' .. 'g', {f})\nredis.register_function('fg', {f})"
        ),
        Some(3),
        "Function already exists in the library",
    );
    refused_at(
        &format!("#!lua name=l\nfor i = 1, 2 do redis.register_function('f', {f}) end"),
        Some(2),
        "Function already exists in the library",
    );
}

#[test]
fn the_code_outside_functions_runs_with_nothing_but_redis() {
    let r = "redis.register_function('f', function() return 1 end)";
    for (code, global) in [
        ("local n = tonumber('1')", "tonumber"),
        ("local s = string.rep('a', 2)", "string"),
        ("local k = KEYS[1]", "KEYS"),
        ("local r = redis.call", "call"),
        ("redis.setresp(3)", "setresp"),
        ("local s = server", "server"),
        ("local x = redis[1]", "1"),
        ("redis.register_function('f', undefined)", "undefined"),
    ] {
        refused_at(
            &format!("#!lua name=l\n{code}\n{r}"),
            Some(2),
            &format!("\"Script attempted to access nonexistent global variable '{global}'\""),
        );
    }
    // The line Lua names: where it reads the field, or stores the global.
    refused_at(
        &format!("#!lua name=l\nlocal y = redis\n.call\n{r}"),
        Some(3),
        "'call'",
    );
    refused_at(
        &format!("#!lua name=l\nx =\n 1\n{r}"),
        Some(3),
        "Attempt to modify a readonly table",
    );
    refused_at(
        &format!("#!lua name=l\nfunction helper()\n  return 1\nend\n{r}"),
        Some(2),
        "Attempt to modify a readonly table",
    );
    refused_at(
        &format!("#!lua name=l\n{r}\nredis.x = 1"),
        Some(3),
        "Attempt to modify a readonly table",
    );
    // Through a method call, redis.register_function gets the redis table first.
    refused_at(
        "#!lua name=l\nredis:register_function{function_name = 'f', callback = function() end}",
        Some(2),
        "\"first argument to redis.register_function must be a string\"",
    );
    refused_at(
        "#!lua name=l\nredis:register_function('f', function() return 1 end)",
        Some(2),
        "\"wrong number of arguments to redis.register_function\"",
    );
    // A local function called while the library loads runs then, and what it assigns stays.
    refused_at(
        &format!("#!lua name=l\nlocal function g() return redis.call('PING') end\ng()\n{r}"),
        Some(2),
        "'call'",
    );
    // What the library may touch, and code that never runs.
    for code in [
        "local v = {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM, redis.LOG_WARNING}",
        "local t = {} t.x = 1 function t.g() end",
        "local KEYS = {'k'} local k = KEYS[1]",
        "if false then local n = tonumber('1') end",
        "local x = false and undefined",
        "local function g() return 1 end g()",
        "local cb local function set() cb = function() end end set() local reg = \
         redis.register_function reg('g', cb)",
        "local s = ('x'):upper()",
        "return",
    ] {
        registered(&format!("#!lua name=l\n{code}\n{r}"));
    }
    refused_at(
        &format!("#!lua name=l\nif redis then return end\n{r}"),
        None,
        "No functions registered",
    );
    refused_at(
        &format!("#!lua name=l\n{r}\nrepeat until not true"),
        Some(3),
        "\"FUNCTION LOAD timeout\"",
    );
}

#[test]
fn type_errors_while_loading_are_lua_s() {
    let r = "redis.register_function('f', function() return 1 end)";
    for (code, error) in [
        (
            "local n = 1 + nil",
            "attempt to perform arithmetic on a nil value",
        ),
        (
            "local s = 'a' .. {}",
            "attempt to concatenate a table value",
        ),
        (
            "local n = 1 + redis",
            "attempt to perform arithmetic on global 'redis' (a table value)",
        ),
        ("local n = 1 < 'x'", "attempt to compare number with string"),
        (
            "local t = {} t.a.b = 1",
            "attempt to index field 'a' (a nil value)",
        ),
        (
            "local t = {} t[1]()",
            "attempt to call field '?' (a nil value)",
        ),
        (
            "local s = ('x'):nope()",
            "attempt to call method 'nope' (a nil value)",
        ),
        (
            "local x = redis'run'",
            "attempt to call global 'redis' (a table value)",
        ),
        ("local x\nx()", "attempt to call local 'x' (a nil value)"),
    ] {
        let last = 2 + code.matches('\n').count();
        refused_at(&format!("#!lua name=l\n{code}\n{r}"), Some(last), error);
    }
    // It returns nothing: what follows calls nil.
    refused_at(
        &format!("#!lua name=l\n{r}{{'x'}}"),
        Some(2),
        "attempt to call a nil value",
    );
    let shadowed = "#!lua name=l\nlocal t = {}\nfunction t.g() return 1 end\nlocal t = {x = 1}\nredis.register_function('f', t.g)";
    refused_at(
        shadowed,
        Some(5),
        "second argument to redis.register_function must be a function",
    );
    // Flags read through a local table the code does not change.
    assert_eq!(
        registered("#!lua name=l\nlocal flags = {'no-writes'}\nredis.register_function{function_name = 'f', callback = function() return 1 end, flags = flags}")[0].1,
        ["no-writes"]
    );
    refused_at(
        "#!lua name=l\nlocal flags = {'bad'}\nredis.register_function{function_name = 'f', callback = function() return 1 end, flags = flags}",
        Some(3),
        "unknown flag given",
    );
}

#[test]
fn redis_log_while_loading_is_checked_as_redis_and_valkey_do() {
    let r = "redis.register_function('f', function() return 1 end)";
    let log = format!("#!lua name=l\nredis.log(redis.LOG_NOTICE, 'loading')\n{r}");
    refused_at(&log, Some(2), "crashes Valkey 9.1");
    assert!(check_library("l", &log, &redis_only()).is_ok());
    for (call, error) in [
        (
            "redis.log(redis.LOG_WARNING)",
            "redis.log() requires two arguments or more.",
        ),
        (
            "redis.log('x', 'y')",
            "First argument must be a number (log level).",
        ),
        ("redis.log(7, 'y')", "Invalid debug level."),
    ] {
        let problems =
            check_library("l", &format!("#!lua name=l\n{call}\n{r}"), &redis_only()).unwrap_err();
        assert!(problems[0].message().contains(error), "{problems:?}");
    }
    // Nothing registered is Redis's answer, whatever else Valkey does.
    refused_at(
        "#!lua name=l\nredis.log(redis.LOG_NOTICE, 'x')",
        None,
        "No functions registered",
    );
}

#[test]
fn valkey_reads_code_up_to_a_nul_and_metadata_quotes_as_a_shell() {
    let r = "redis.register_function('f', function() return 1 end)";
    for text in [
        format!("#!lua name=l\n{r}\n-- \0 after all"),
        format!("#!lua name=l\n{r} -- \0"),
    ] {
        assert!(check(&text).is_ok(), "{text:?}");
    }
    for text in [
        format!("#!lua name=l\n-- \0\n{r}"),
        "#!lua name=l\nredis.register_function('f', function() return '\0' end)".to_owned(),
        format!("#!lua name=l\n{r}\n-- \0\nredis.register_function('g', function() return 1 end)"),
    ] {
        refused_at(
            &text,
            Some(2 + text.split('\0').next().unwrap().matches('\n').count() - 1),
            "NUL byte",
        );
        assert!(check_library("l", &text, &redis_only()).is_ok(), "{text:?}");
    }
    // Lua reads `.` and a NUL as `..`.
    refused_at(
        &format!("#!lua name=l\n{r}\nlocal x = redis.\0l"),
        Some(3),
        "'l'",
    );
    // Valkey goes on after a closing quote up to a space, tab or line break; Redis also ends the
    // word at the other blanks C knows.
    let quoted = format!("#!lua 'name=l'\u{b}\n{r}");
    refused_at(
        &quoted,
        Some(1),
        "Valkey 9.1 splits the metadata line otherwise",
    );
    assert_eq!(
        check_library("l", &quoted, &redis_only()).unwrap().name(),
        "l"
    );
    // Redis prints an unknown word up to a NUL an escape put in it.
    refused_at(
        &format!("#!lua x=\"a\\x00b\" name=l\n{r}"),
        Some(1),
        "\"Invalid metadata value given: x=a\"",
    );
}

#[test]
fn lines_are_where_lua_reads_a_variable() {
    let r = "redis.register_function('f', function() return 1 end)";
    for (code, line, name) in [
        // The last argument of a call once `)` is read, the others at their comma.
        ("redis.register_function('f', undefined\n)", 3, "undefined"),
        ("redis.register_function(\nundefined\n, 1)", 4, "undefined"),
        // A list item of a table once its separator or `}` is read, and a name that starts one
        // at the token after it (Lua looks ahead for `=`).
        ("local t = {flag\n}", 3, "flag"),
        ("local t = {flag,\n1}", 2, "flag"),
        ("local t = {x = 1, flag\n{1}}", 3, "flag"),
        ("local t = {x = flag\n}", 2, "flag"),
        // What a method is called on, once the method's name is read; `(x)` at its `)`.
        ("local t = flag\n:m()", 3, "flag"),
        ("local t = (flag\n)", 3, "flag"),
        ("local t = flag\n.x", 2, "flag"),
        // A lone CR ends a line, and a comment, as a newline does.
        (
            "-- a c\redis.register_function('f', function() end)",
            3,
            "edis",
        ),
    ] {
        refused_at(
            &format!("#!lua name=l\n{code}\n{r}"),
            Some(line),
            &format!("nonexistent global variable '{name}'"),
        );
    }
}

#[test]
fn values_the_load_run_knows() {
    let r = "redis.register_function('f', function() return 1 end)";
    for (code, line, error) in [
        ("for i = 1, true do end", 2, "'for' limit must be a number"),
        (
            "local t = {} t[redis]()",
            2,
            "attempt to call field '?' (a nil value)",
        ),
        (
            "local s = ('x'):upper()\n.nope()",
            3,
            "attempt to call field 'nope' (a nil value)",
        ),
        (
            "local function set() end\nset()'f'",
            3,
            "attempt to call a nil value",
        ),
        (
            "for k, v in {}, 1\ndo end",
            2,
            "attempt to call a table value",
        ),
        (
            "local v = -redis.REDIS_VERSION",
            2,
            "attempt to perform arithmetic on field 'REDIS_VERSION' (a string value)",
        ),
        (
            "local x = false and undefined\nx.y = 1",
            3,
            "attempt to index local 'x' (a boolean value)",
        ),
    ] {
        refused_at(&format!("#!lua name=l\n{code}\n{r}"), Some(line), error);
    }
    // A table written since its constructor: the fields written are unknown, not the others.
    refused_at(
        "#!lua name=l\nlocal t = {}\nfunction t.h() end\nredis.register_function('f', t.g)",
        Some(4),
        "second argument to redis.register_function must be a function",
    );
    assert_eq!(
        registered(
            "#!lua name=l\nlocal t = {}\nfunction t.g() end\nredis.register_function('f', t.g)"
        )[0]
        .0,
        "f"
    );
    refused_at(
        "#!lua name=l\nlocal t = {}\nfunction t.g() end\nredis.register_function(t.g)",
        Some(4),
        "with a single argument",
    );
    // Redis goes on past what only Valkey refuses in the metadata line.
    refused_at(
        "#!lua name='l'\u{b}\nlocal n = tonumber('1')\nredis.register_function('f', function() end)",
        Some(2),
        "'tonumber'",
    );
    refused_at(
        "#!lua name=l\nredis.log('f' .. 'g', 1)\nredis.register_function('f', function() end)",
        Some(2),
        "First argument must be a number (log level).",
    );
    // What a function run as the library loads returns, and what it can not see out of scope.
    refused_at(
        "#!lua name=l\nredis.register_function('f', (function() return function() return 1 end end)()'x')",
        Some(2),
        "second argument to redis.register_function must be a function",
    );
    registered(
        "#!lua name=l\nlocal f\ndo local a = 1 f = function() return a end end\nlocal b = f()\nlocal function make(x) return function() return x end end\nlocal n = make(1)() + 1\nredis.register_function('f', function() return 1 end)",
    );
    // A registration inside another's table runs first and leaves nil there, which is no field.
    let names: Vec<String> = registered(
        "#!lua name=l\nredis.register_function{function_name = 'p', callback = function() end,\nredis.register_function('e', function() end)}",
    )
    .into_iter()
    .map(|(name, ..)| name)
    .collect();
    assert_eq!(names, ["e", "p"]);
}
