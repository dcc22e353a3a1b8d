use redis_script::{ScriptRO, lua_script};

static SCRIPT: ScriptRO = lua_script!("lua/shebang_writer.lua", readonly);

fn main() {
    let _ = &SCRIPT;
}
