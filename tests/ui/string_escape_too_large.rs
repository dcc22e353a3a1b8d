use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/escape_too_large.lua");

fn main() {
    let _ = &SCRIPT;
}
