use redis_script::{ScriptRO, lua_script};

static SCRIPT: ScriptRO = lua_script!("lua/readonly_xgroup.lua", readonly);

fn main() {
    let _ = &SCRIPT;
}
