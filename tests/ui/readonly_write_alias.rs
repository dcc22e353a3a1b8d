use redis_script::{ScriptRO, lua_script};

static SCRIPT: ScriptRO = lua_script!("lua/readonly_write_alias.lua", readonly);

fn main() {
    let _ = &SCRIPT;
}
