//! Libraries for the differential test of the library checks: the repo's library files, its scripts
//! made into one-function libraries, corner cases of the `#!lua name=` line and of
//! `redis.register_function` written by hand, and seeded mutations of all of them. The judge of each is
//! a real server's `FUNCTION LOAD`, not this module: nothing here says what a case should give.

use crate::lua_cases;
pub use crate::lua_cases::Case;

/// Every UTF-8 `.lua` file of the repo's Lua folders, sorted by path, as `(path from the root, text)`.
fn lua_files() -> Vec<(String, String)> {
    lua_cases::lua_files(&[
        "examples/lua",
        "tests/lua",
        "tests/ui/lua",
        "tests/ui/pass/lua",
    ])
}

/// The repo's libraries as they are, and each of its scripts as the body of a one-function library:
/// its shebang flags become the function's flags, and every other script gets its keys and arguments
/// as `KEYS, ARGV` parameters, the others keep the globals functions do not have.
pub fn corpus() -> Vec<(String, String)> {
    let mut corpus = Vec::new();
    for (i, (path, text)) in lua_files().into_iter().enumerate() {
        if text.contains("register_function") {
            corpus.push((path, text));
            continue;
        }
        let (flags, body) = match text.strip_prefix("#!") {
            Some(rest) => {
                let (line, body) = rest.split_once('\n').unwrap_or((rest, ""));
                let flags = line
                    .split_whitespace()
                    .find_map(|word| word.strip_prefix("flags="))
                    .map(|list| {
                        list.split(',')
                            .filter(|flag| !flag.is_empty())
                            .map(|flag| format!("'{flag}'"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    });
                (flags, body)
            }
            None => (None, text.as_str()),
        };
        let parameters = if i % 2 == 0 {
            "KEYS, ARGV"
        } else {
            "keys, args"
        };
        let library = match flags {
            Some(flags) => format!(
                "#!lua name=script_{i}\nredis.register_function{{function_name = 'run', flags = {{{flags}}}, callback = function({parameters})\n{body}\nend}}\n"
            ),
            None => format!(
                "#!lua name=script_{i}\nredis.register_function('run', function({parameters})\n{body}\nend)\n"
            ),
        };
        corpus.push((format!("{path} as a function"), library));
    }
    corpus
}

/// A function that registers fine, for the corners that vary something else.
const REGISTER: &str = "redis.register_function('f', function(keys, args) return 1 end)";

/// What the corners of the `#!lua` line put after it.
const BODY: &str = "\nredis.register_function('f', function(keys, args) return 1 end)\n";

/// First lines of a library, valid and not: the engine, `name=` in every case, quotes as Redis splits
/// them, blanks (tabs, CR, vertical tab, form feed), unknown metadata, names Redis refuses.
const METADATA: &[&str] = &[
    "#!lua name=lib",
    "#!LUA name=lib",
    "#!Lua NAME=lib",
    "#!lua Name=lib",
    "#!lua nAmE=lib",
    "#!lua name=LIB_2",
    "#!lua name=_",
    "#!lua name=0",
    "#!lua name=\"lib\"",
    "#!lua name='lib'",
    "#!lua \"name=lib\"",
    "#!lua 'name=lib'",
    "#!lua na\"me=li\"b",
    "#!lua name=\"lib\"x",
    "#!lua name='lib'x",
    "#!lua name=\"lib\" ",
    "#!lua name=\"unbalanced",
    "#!lua name='unbalanced",
    "#!lua name=\"l\\x69b\"",
    "#!lua name=\"l\\\"ib\"",
    "#!lua name='l\\'ib'",
    "#!lua name=\"lib\\n\"",
    "#!lua name=\"lib\\x00\"",
    "#!lua name=\"\"",
    "#!lua \"\" name=lib",
    "#!lua name=lib ''",
    "#!\"lua\" name=lib",
    "#!lua  name=lib  ",
    "#!lua\tname=lib",
    "#!lua name=lib\t",
    "#!lua name=lib\r",
    "#!lua\rname=lib",
    "#!lua name=lib\r\r",
    "#!lua name=li\rb",
    "#!lua\u{b}name=lib",
    "#!lua name=lib\u{c}",
    "#! lua name=lib",
    "#!\tlua name=lib",
    " #!lua name=lib",
    "#!luajit name=lib",
    "#!python name=lib",
    "#!LUA5.1 name=lib",
    "#! name=lib",
    "#!name=lib",
    "#!",
    "#!lua",
    "#!lua ",
    "#!lua name",
    "#!lua name=",
    "#!lua name==lib",
    "#!lua lib",
    "#!lua name=lib name=other",
    "#!lua name=lib NAME=lib",
    "#!lua name=lib flags=no-writes",
    "#!lua flags=no-writes name=lib",
    "#!lua name=lib description=x",
    "#!luajit name=bad-name",
    "#!lua name=my-lib",
    "#!lua name=my.lib",
    "#!lua name=my lib",
    "#!lua name=\"my lib\"",
    "#!lua name=lib$",
    "#!lua name=lib:x",
    "#!lua name=é",
    "#!lua name=lib\u{0}",
    "#!lua\u{0} name=lib",
    "#lua name=lib",
    "!#lua name=lib",
    "--#!lua name=lib",
    "\u{FEFF}#!lua name=lib",
];

/// Corner cases of whole libraries: the first line's end, `redis.register_function` in both forms with
/// every argument Redis reads (and some it refuses), what code may touch while the library loads, and
/// the problems Redis finds only when a function runs.
pub fn corners() -> Vec<String> {
    let mut corners: Vec<String> = METADATA
        .iter()
        .map(|line| format!("{line}{BODY}"))
        .collect();
    let f = "function(keys, args) return 1 end";
    let lib = "#!lua name=lib\n";
    // Where the first line ends, and what follows it.
    corners.extend(
        [
            "",
            "#!lua name=lib",
            "#!lua name=lib\n",
            "#!lua name=lib\n\n\n",
            "#!lua name=lib\r\n",
            "#!lua name=lib redis.register_function('f', function() return 1 end)",
            "#!lua name=lib\r\nredis.register_function('f', function() return 1 end)",
            "#!lua name=lib\n\n\nredis.register_function('f', function() return 1 end)\n\n",
            "#!lua name=lib\rredis.register_function('f', function() return 1 end)",
            "#!lua name=lib\n\rredis.register_function('f', function() return 1 end)",
            "redis.register_function('f', function() return 1 end)",
            "\n#!lua name=lib\nredis.register_function('f', function() return 1 end)",
            "-- a library\n#!lua name=lib\nredis.register_function('f', function() return 1 end)",
            "#!lua name=lib\n#!lua name=lib\nredis.register_function('f', function() return 1 end)",
            "#!lua name=lib\n-- only a comment",
            "#!lua name=lib\nlocal x = 1",
            "#!lua name=lib\nreturn 1",
            "#!lua name=lib\nreturn\nredis.register_function('f', function() return 1 end)",
            "#!lua name=lib\nredis.register_function('f', function() return 1 end)\nreturn 1",
            "#!lua name=lib\nlocal x = = 1\nredis.register_function('f', function() return 1 end)",
            "#!lua name=lib\nredis.register_function('f', function() return 1 end",
            "#!lua name=lib\nredis.register_function('f', function() goto done ::done:: end)",
            "#!lua name=lib\nredis.register_function('f', function() return 7 // 2 end)",
            "#!lua name=lib\nredis.register_function('f', function() return 'unfinished end)",
            "#!lua name=lib\r\nredis.register_function('f', function()\r\n  return = 1\r\nend)",
            "#!lua name=lib\nredis.register_function('f', function() return 'nul\0byte' end)",
            "#!lua name=lib\nredis.register_function('f', function() return 1 end) -- \0 after",
            "#!lua name=lib\n-- \0\nredis.register_function('f', function() return 1 end)",
            "#!lua name=lib\nredis.register_function('f', function() return 1 end)\0",
            "#!lua name=lib\n\u{1b}Lua",
            "#!lua name=lib\n\u{FEFF}redis.register_function('f', function() return 1 end)",
        ]
        .iter()
        .map(|s| (*s).to_owned()),
    );
    // redis.register_function: positional, named, and what Redis makes of each argument.
    let registrations = [
        format!("redis.register_function('f', {f})"),
        format!("redis.register_function(\"f\", {f})"),
        format!("redis.register_function([[f]], {f})"),
        format!("redis.register_function([==[f]==], {f})"),
        format!("redis.register_function([[\nf]], {f})"),
        format!("redis.register_function('f\\65', {f})"),
        format!("redis.register_function('f\\45', {f})"),
        format!("redis.register_function('f\\0', {f})"),
        format!("redis.register_function('\\102', {f})"),
        format!("redis.register_function(1, {f})"),
        format!("redis.register_function(0x10, {f})"),
        format!("redis.register_function(1.5, {f})"),
        format!("redis.register_function(1e2, {f})"),
        format!("redis.register_function(1e20, {f})"),
        format!("redis.register_function(1e400, {f})"),
        format!("redis.register_function(nil, {f})"),
        format!("redis.register_function(true, {f})"),
        format!("redis.register_function({{}}, {f})"),
        format!("redis.register_function({f}, 'f')"),
        format!("redis.register_function('f' .. 'g', {f})"),
        "redis.register_function('f', 'g')".to_owned(),
        "redis.register_function('f', 1)".to_owned(),
        "redis.register_function('f', {})".to_owned(),
        "redis.register_function('f', nil)".to_owned(),
        "redis.register_function('f', true)".to_owned(),
        "redis.register_function('f-', 1)".to_owned(),
        "redis.register_function()".to_owned(),
        "redis.register_function('f')".to_owned(),
        "redis.register_function 'f'".to_owned(),
        "redis.register_function [[f]]".to_owned(),
        "redis.register_function(1)".to_owned(),
        format!("redis.register_function('f', {f}, 3)"),
        format!("redis.register_function('f', {f}, nil)"),
        format!("redis.register_function({{function_name = 'f', callback = {f}}}, 2)"),
        format!("redis.register_function{{function_name = 'f', callback = {f}}}"),
        format!("redis.register_function({{function_name = 'f', callback = {f}}})"),
        format!("redis.register_function{{FUNCTION_NAME = 'f', Callback = {f}, FLAGS = {{'NO-WRITES'}}}}"),
        format!("redis.register_function{{['function_name'] = 'f', [\"callback\"] = {f}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, description = 'counts'}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, description = 1}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, description = {{}}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, description = true}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, description = nil}}"),
        format!("redis.register_function{{function_name = 1, callback = {f}}}"),
        format!("redis.register_function{{function_name = 1.5, callback = {f}}}"),
        format!("redis.register_function{{function_name = {{}}, callback = {f}}}"),
        format!("redis.register_function{{function_name = true, callback = {f}}}"),
        format!("redis.register_function{{function_name = nil, callback = {f}}}"),
        format!("redis.register_function{{function_name = 'f-g', callback = {f}}}"),
        format!("redis.register_function{{function_name = '', callback = {f}}}"),
        format!("redis.register_function{{callback = {f}}}"),
        "redis.register_function{function_name = 'f'}".to_owned(),
        "redis.register_function{function_name = 'f', callback = 'g'}".to_owned(),
        "redis.register_function{function_name = 'f', callback = 1}".to_owned(),
        "redis.register_function{function_name = 'f', callback = nil}".to_owned(),
        "redis.register_function{}".to_owned(),
        format!("redis.register_function{{'f', {f}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, 'extra'}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, name = 'g'}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, [1] = 'x'}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, [true] = 1}}"),
        format!("redis.register_function{{function_name = 'f', function_name = 'g', callback = {f}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{}}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{'no-writes'}}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{'No-Writes'}}}}"),
        format!(
            "redis.register_function{{function_name = 'f', callback = {f}, flags = {{'no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}}}}"
        ),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{'no-writes', 'no-writes'}}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{'no-writes',}}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{'no-writes'; 'allow-oom'}}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{'no-write'}}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{'read-only'}}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{'no-writes '}}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{'allow-key-locking'}}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{'no-writes', 'allow-key-locking'}}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = 'no-writes'}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = 1}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = true}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = nil}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{1}}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{true}}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{{{}}}}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{x = 'bad'}}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{'no-writes', nil, 'bad'}}}}"),
        format!("redis.register_function{{function_name = 'f', callback = {f}, flags = {{'no-writes', 'bad'}}}}"),
        // Function names Redis refuses.
        format!("redis.register_function('f-1', {f})"),
        format!("redis.register_function('f.g', {f})"),
        format!("redis.register_function('f g', {f})"),
        format!("redis.register_function('', {f})"),
        format!("redis.register_function('é', {f})"),
        format!("redis.register_function('f:g', {f})"),
        format!("redis.register_function('F_1', {f})"),
        format!("redis.register_function('_', {f})"),
        format!("redis.register_function('123', {f})"),
        format!("redis.register_function('{}', {f})", "n".repeat(1000)),
        // Names registered twice (the case counts), or once per loop iteration.
        format!("redis.register_function('f', {f})\nredis.register_function('f', {f})"),
        format!("redis.register_function('f', {f})\nredis.register_function('F', {f})"),
        format!("redis.register_function('f', {f})\nredis.register_function{{function_name = 'f', callback = {f}}}"),
        format!("redis.register_function('f', {f})\nredis.register_function('f', 1)"),
        format!("for i = 1, 2 do redis.register_function('f', {f}) end"),
        format!("if true then redis.register_function('f', {f}) end"),
        format!("do redis.register_function('f', {f}) end"),
        // Callbacks defined elsewhere, or not functions.
        "local function g(keys) return redis.call('GET', keys[1]) end\nredis.register_function('f', g)".to_owned(),
        "local g = function(keys) return redis.call('GET', keys[1]) end\nredis.register_function{function_name = 'f', callback = g, flags = {'no-writes'}}".to_owned(),
        "local g = 1\nredis.register_function('f', g)".to_owned(),
        "local g = 'text'\nredis.register_function{function_name = 'f', callback = g}".to_owned(),
        "redis.register_function('f', g)\nlocal function g() return 1 end".to_owned(),
        "redis.register_function('f', undefined_callback)".to_owned(),
        "local t = {}\nfunction t.g() return 1 end\nredis.register_function('f', t.g)".to_owned(),
        "local t = {g = function(keys) return 1 end}\nredis.register_function('f', t.g)".to_owned(),
        "local t = {g = 1}\nredis.register_function('f', t.g)".to_owned(),
        format!("local r = redis\nr.register_function('f', {f})"),
        format!("redis:register_function('f', {f})"),
        format!("redis:register_function{{function_name = 'f', callback = {f}}}"),
        "redis:register_function()".to_owned(),
        format!("local reg = redis.register_function\nreg('f', {f})"),
        format!("local cb\nlocal function set() cb = {f} end\nset()\nredis.register_function('f', cb)"),
        format!("redis.register_function('f', (function() return {f} end)())"),
        format!("local name = 'f'\nredis.register_function(name, {f})"),
        format!("local flags = {{'no-writes'}}\nredis.register_function{{function_name = 'f', callback = {f}, flags = flags}}"),
        // Registration inside a function: only FUNCTION LOAD has it, so it fails when the function runs.
        format!("redis.register_function('f', function() redis.register_function('g', {f}) return 1 end)"),
        format!("local function later() redis.register_function('g', {f}) end\n{REGISTER}"),
    ];
    corners.extend(registrations.iter().map(|r| format!("{lib}{r}\n")));
    // What the code may touch while the library loads: `redis.register_function`, `redis.log` and the
    // version and log-level constants, its own locals; nothing else.
    let at_load = [
        "redis.call('SET', 'k', 1)",
        "redis.pcall('GET', 'k')",
        "local rcall = redis.call",
        "local x = redis.setresp",
        "redis.setresp(3)",
        "local e = redis.error_reply('x')",
        "local s = redis.status_reply('x')",
        "local h = redis.sha1hex('x')",
        "redis.set_repl(redis.REPL_ALL)",
        "redis.replicate_commands()",
        "redis.breakpoint()",
        "redis.debug('x')",
        "local a = redis.acl_check_cmd('GET')",
        "local v = redis.REDIS_VERSION",
        "local v = redis.REDIS_VERSION_NUM",
        "local l = {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}",
        "local l = redis.log",
        "local v = redis.SERVER_NAME",
        "local v = redis.SERVER_VERSION",
        "local s = server",
        "server.register_function('g', function() return 1 end)",
        "local s = string.format('%d', 1)",
        "local r = math.random()",
        "local t = {} table.insert(t, 1)",
        "local n = tonumber('1')",
        "local s = tostring(1)",
        "for k, v in pairs({}) do end",
        "for i, v in ipairs({}) do end",
        "local t = type(1)",
        "error('stop')",
        "assert(true)",
        "local ok = pcall(function() end)",
        "local n = select('#')",
        "local a = unpack({})",
        "local j = cjson.encode({})",
        "local b = bit.band(1, 3)",
        "local p = struct.pack('>I', 1)",
        "local m = cmsgpack.pack(1)",
        "print('x')",
        "local f = loadstring('return 1')",
        "local g = _G",
        "local k = KEYS[1]",
        "local a = ARGV[1]",
        "local keys = {} local k = keys[1]",
        "local KEYS = {'k'} local k = KEYS[1]",
        "setmetatable({}, {})",
        "local t = {} t.x = 1",
        "local t = {} t[1] = 2",
        "x = 1",
        "KEYS = {}",
        "function helper() return 1 end",
        "local function helper() return 1 end",
        "local function helper() return redis.call('PING') end",
        "local function helper() return 1 end\nhelper()",
        "local function helper() return redis.call('PING') end\nhelper()",
        "local function helper() return tonumber('1') end\nlocal n = helper()",
        "(function() return 1 end)()",
        "(function() return redis.call('PING') end)()",
        "local helper = function() return string.rep('a', 2) end\nhelper()",
        "local t = {}\nfunction t.helper() return 1 end",
        "function undefined_table.helper() return 1 end",
        "redis.x = 1",
        "redis.register_function = nil",
        "local t = {x = y}",
        "local n = #undefined_value",
        "local s = 'a' .. undefined_value",
        "if undefined_value then end",
        "while undefined_value do end",
        "repeat until not undefined_value",
        "for i = 1, undefined_value do end",
        "local x = false and undefined_value",
        "if false then local n = tonumber('1') end",
        "do local n = tonumber('1') end",
        "local n = 1 + nil",
        "local n = 1 + redis",
        "local n = 1 < 'x'",
        "local s = 'a' .. {}",
        "local n = -{}",
        "local n = #1",
        "local t = {} t.a.b = 1",
        "local t = {} t[1]()",
        "local x\nx()",
        "local x = redis[1]",
        "local x = redis'run'",
        "local s = ('x'):nope()",
        "if redis then return end",
        "local s = ('x'):upper()",
        "local v = ...",
        "return",
    ];
    for code in at_load {
        corners.push(format!("{lib}{code}\n{REGISTER}\n"));
        corners.push(format!("{lib}{REGISTER}\n{code}\n"));
    }
    corners.push(format!(
        "{lib}local x =\n  1 +\n  undefined_value\n{REGISTER}\n"
    ));
    corners.push(format!("{lib}x =\n 1\n{REGISTER}\n"));
    corners.push(format!(
        "{lib}function helper()\n  return 1\nend\n{REGISTER}\n"
    ));
    corners.push(format!("{lib}local y = redis\n.call\n{REGISTER}\n"));
    corners.push(format!("{lib}local y = redis.\ncall\n{REGISTER}\n"));
    corners.push(format!(
        "{lib}redis.register_function(\n  'f-',\n  {f}\n)\n"
    ));
    corners.push(format!(
        "{lib}redis.register_function(\n  undefined_name,\n  {f}\n)\n"
    ));
    // A loop that never ends, which Redis stops after 500 ms, and redis.log, which crashes Valkey 9.1
    // while a library loads: each once, never mutated, to keep the run short.
    corners.push(format!("{lib}{REGISTER}\nwhile true do end\n"));
    for log in [
        "redis.log(redis.LOG_NOTICE, 'loading')",
        "local f = redis.log\nf(redis.LOG_NOTICE, 'x')",
        "redis.log(redis.LOG_WARNING)",
        "redis.log('x', 'y')",
        "redis.log(7, 'y')",
    ] {
        corners.push(format!("{lib}{log}\n{REGISTER}\n"));
    }
    // What Redis finds only when a function runs.
    let at_run = [
        "redis.register_function('f', function() return KEYS[1] end)",
        "redis.register_function('f', function() return ARGV[1] end)",
        "redis.register_function('f', function(KEYS, ARGV) return KEYS[1] end)",
        "redis.register_function('f', function() return redis.call('NOT.A.COMMAND') end)",
        "redis.register_function('f', function(keys) return redis.call('HEXPIRE', keys[1], 60, 'FIELDS', 1, 'f') end)",
        "redis.register_function('f', function(keys) return redis.call('BLPOP', keys[1], 0) end)",
        "redis.register_function{function_name = 'f', callback = function(keys) return redis.call('SET', keys[1], 1) end, flags = {'no-writes'}}",
        "redis.register_function{function_name = 'f', callback = function(keys) return redis.call('GET', keys[1]) end, flags = {'no-writes'}}",
        "local function w(keys) return redis.call('DEL', keys[1]) end\nredis.register_function{function_name = 'f', callback = w, flags = {'no-writes'}}",
        "redis.register_function('f', function() return redis.error_reply('ERR Function not found') end)",
        "redis.register_function('f', function() return {err = 'ERR Function not found'} end)",
        "redis.register_function('f', function() return redis.error_reply('NOSCRIPT x') end)",
        "redis.register_function('f', function() return string.format('%d', 1) end)",
        "redis.register_function('f', function() x = 1 return x end)",
        "redis.register_function('f', function() return redis.setresp(3) end)",
        "redis.register_function('f', function() redis.log(redis.LOG_WARNING, 'run') return 1 end)",
    ];
    corners.extend(at_run.iter().map(|r| format!("{lib}{r}\n")));
    // Many functions in one library, and a callback nested deep.
    let many: Vec<String> = (0..200)
        .map(|i| format!("redis.register_function('f{i}', {f})"))
        .collect();
    corners.push(format!("{lib}{}\n", many.join("\n")));
    corners.push(format!(
        "{lib}redis.register_function('f', function() return {}1{} end)\n",
        "(".repeat(150),
        ")".repeat(150)
    ));
    corners
}

/// Text inserted by mutations: Lua tokens, bytes that trip parsers, and the words of a library.
const FRAGMENTS: &[&str] = &[
    "and",
    "do",
    "end",
    "false",
    "function",
    "local",
    "nil",
    "not",
    "or",
    "return",
    "then",
    "true",
    "=",
    "==",
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
    "-",
    "--",
    "\"",
    "'",
    "\\",
    "[[",
    "]]",
    "\n",
    "\r",
    "\r\n",
    "\t",
    " ",
    "\0",
    "é",
    "$",
    "x",
    "1",
    "0x10",
    "1.5",
    "self",
    "keys",
    "KEYS[1]",
    "redis",
    "server",
    "redis.call('GET', 'k')",
    "tonumber('1')",
    "register_function",
    "function_name",
    "callback",
    "flags",
    "description",
    "'no-writes'",
    "'NO-WRITES'",
    "'allow-oom'",
    "'bad-flag'",
    "{'no-writes'}",
    "'f'",
    "'f-g'",
    "name=",
    "NAME=",
    "#!lua",
];

/// Whole statements, or blanks, inserted at the start of a line, that mostly keep a library loadable.
const STATEMENTS: &[&str] = &[
    "local _ = 1\n",
    "do end\n",
    "-- a comment\n",
    "--[[ a\nblock ]]\n",
    "\n",
    "  ",
    "\t",
    "\r\n",
    "local function helper(...) return ... end\n",
    "if false then return end\n",
    "local t = {1, 2; x = [[s]]}\n",
    "redis.register_function('extra', function() return 1 end)\n",
    "redis.register_function{function_name = 'extra_ro', callback = function(keys) return redis.call('GET', keys[1]) end, flags = {'no-writes'}}\n",
    "local v = redis.REDIS_VERSION\n",
];

/// Statements inserted at the start of a line that Redis refuses at the top level, or in a function.
const REFUSED_STATEMENTS: &[&str] = &[
    "redis.register_function('f', function() return 2 end)\n",
    "local n = tonumber('1')\n",
    "x = 1\n",
    "redis.call('PING')\n",
    "redis.pcall('GET', KEYS[1])\n",
    "return redis.call('GET', keys[1])\n",
    "redis.call('SET', keys[1], args[1])\n",
    "local s = 'a' .. nil\n",
];

/// Names a mutation gives a string literal: valid and not.
const NAMES: &[&str] = &[
    "f",
    "F",
    "f_2",
    "_",
    "1",
    "",
    "f-g",
    "f.g",
    "f g",
    "é",
    "no-writes",
    "allow-oom",
    "NO-WRITES",
    "bad",
    "bump",
    "peek",
    "incr",
];

/// `count` cases from `seed`: the corners and the corpus as they are, then mutations of both.
pub fn cases(seed: u64, count: usize) -> Vec<Case> {
    let corners: Vec<Case> = corners()
        .into_iter()
        .enumerate()
        .map(|(i, text)| Case {
            origin: format!("corner {i}"),
            text,
        })
        .collect();
    let corpus: Vec<Case> = corpus()
        .into_iter()
        .map(|(origin, text)| Case { origin, text })
        .collect();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut cases: Vec<Case> = corners.iter().chain(&corpus).take(count).cloned().collect();
    // Mutate the short seeds only, half of the time a real library: most corners are refused.
    let small = |seeds: &[Case]| -> Vec<Case> {
        seeds
            .iter()
            .filter(|c| {
                c.text.len() < 4096
                    && !c.text.contains("while true do end")
                    && !c.text.contains("redis.log(")
                    && !c.text.contains("f(redis.LOG")
            })
            .cloned()
            .collect()
    };
    let (corners, corpus) = (small(&corners), small(&corpus));
    while cases.len() < count && !(corners.is_empty() && corpus.is_empty()) {
        let seeds = if corpus.is_empty() || (rng.bool() && !corners.is_empty()) {
            &corners
        } else {
            &corpus
        };
        let base = &seeds[rng.usize(..seeds.len())];
        let mut text = base.text.clone();
        let mut operations = Vec::new();
        let changes = [1, 1, 1, 1, 1, 1, 2, 2, 3][rng.usize(..9)];
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
    let bounds = lua_cases::char_bounds(text);
    let at = bounds[rng.usize(..bounds.len())];
    let fragment = FRAGMENTS[rng.usize(..FRAGMENTS.len())];
    let first_line_end = text.find('\n').unwrap_or(text.len());
    match rng.u8(0..18) {
        // Changes that mostly keep a library loadable, so that the cases mix both kinds.
        9..=14 => {
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            // Never before the first line: that would only take the metadata away.
            let line_start = if line_start == 0 {
                (first_line_end + 1).min(text.len())
            } else {
                line_start
            };
            let statement = if rng.u8(0..4) == 0 {
                REFUSED_STATEMENTS[rng.usize(..REFUSED_STATEMENTS.len())]
            } else {
                STATEMENTS[rng.usize(..STATEMENTS.len())]
            };
            text.insert_str(line_start, statement);
            format!("insert {statement:?} at the line starting at {line_start}")
        }
        15 => {
            let line = METADATA[rng.usize(..METADATA.len())];
            text.replace_range(..first_line_end, line);
            format!("first line becomes {line:?}")
        }
        16 | 17 => {
            // The content of a string literal (a function's name, a flag) becomes another name.
            let quotes: Vec<usize> = text.match_indices(['\'', '"']).map(|(i, _)| i).collect();
            let name = NAMES[rng.usize(..NAMES.len())];
            match quotes.len() {
                0 | 1 => "no string to rename".to_owned(),
                n => {
                    let i = rng.usize(..n - 1);
                    let (open, close) = (quotes[i], quotes[i + 1]);
                    text.replace_range(open + 1..close, name);
                    format!("string at {open}..{close} becomes {name:?}")
                }
            }
        }
        kind @ 0..=6 => lua_cases::edit(kind, rng, text, (&bounds, at), fragment),
        7 => {
            // Within the first line: the bytes Redis splits metadata on, and quotes.
            let within: Vec<usize> = bounds
                .iter()
                .copied()
                .filter(|&b| b <= first_line_end)
                .collect();
            let at = within[rng.usize(..within.len())];
            let byte = [
                " ", "\t", "\r", "\"", "'", "=", "-", "x", "N", "\\", "\u{b}", "é",
            ][rng.usize(..12)];
            text.insert_str(at, byte);
            format!("insert {byte:?} at {at} in the first line")
        }
        _ => replace_word(rng, text, at),
    }
}

/// Replaces the word at `at` by a keyword or a name a library uses; returns what it did.
fn replace_word(rng: &mut fastrand::Rng, text: &mut String, at: usize) -> String {
    let words = [
        "nil",
        "true",
        "local",
        "function",
        "end",
        "x",
        "redis",
        "server",
        "keys",
        "KEYS",
        "self",
        "tonumber",
        "register_function",
        "call",
        "log",
    ];
    lua_cases::replace_word(rng, text, at, &words)
}
