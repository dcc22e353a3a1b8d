use redis_script::{ScriptRO, lua_script};

static SCRIPT: ScriptRO = lua_script!("lua/module_write.lua", readonly);

fn main() {
    let _ = &SCRIPT;
}
