//! Lua 5.1 corner cases the checker must accept: long strings and comments, escapes, numbers, varargs,
//! method calls, shebangs, dynamic command names, and non-NOSCRIPT error replies.

use redis_script::{Reply, Script, ScriptRO, lua_script};

static STRINGS: Script<Vec<String>> = lua_script!("lua/corner_strings_comments.lua");
static NUMBERS: Script<String> = lua_script!("lua/corner_numbers_varargs.lua");
static METHODS: ScriptRO<Reply> = lua_script!("lua/corner_methods.lua", readonly);
static ALL_FLAGS: ScriptRO<Vec<Option<String>>> =
    lua_script!("lua/corner_shebang_flags.lua", readonly);
static BARE_SHEBANG: Script<Reply> = lua_script!("lua/corner_bare_shebang.lua");
static QUOTED_SHEBANG: ScriptRO<Option<String>> =
    lua_script!("lua/corner_shebang_quoted.lua", readonly);
static MODULES: ScriptRO<Reply> = lua_script!(
    "lua/corner_module_commands.lua",
    readonly,
    readonly_commands = ["FT.SEARCH", "json.get"],
);
static MODULES_RW: Script<Reply> = lua_script!(
    "lua/corner_module_commands.lua",
    commands = ["FT.SEARCH", "JSON.GET"]
);
static ERRORS: Script<String> = lua_script!("lua/corner_error_replies.lua");

fn main() {
    // The shebang is part of the text Redis hashes: it is embedded, not stripped.
    assert!(METHODS.script().starts_with("#!lua flags=no-writes\n"));
    assert!(ALL_FLAGS.script().starts_with("#!lua flags="));
    assert!(BARE_SHEBANG.script().starts_with("#!lua\n"));
    assert!(QUOTED_SHEBANG.script().starts_with("#!lua \"flags=no-writes"));
    assert_eq!(MODULES.sha1(), MODULES_RW.sha1());
    for script in [STRINGS.sha1(), NUMBERS.sha1(), ERRORS.sha1()] {
        assert_eq!(script.len(), 40);
    }
}
