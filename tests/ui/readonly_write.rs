use redis_script::{ScriptRO, lua_script};

static SCRIPT: ScriptRO = lua_script!("lua/readonly_write.lua", readonly);

fn main() {
    let _ = &SCRIPT;
}
