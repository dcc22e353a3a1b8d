use redis_script::{ScriptRO, lua_script};

static SCRIPT: ScriptRO = lua_script!(
    "lua/readonly_module.lua",
    readonly,
    commands = ["FT.SEARCH"]
);

fn main() {
    let _ = &SCRIPT;
}
