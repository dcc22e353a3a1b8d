use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/lua_global.lua");

fn main() {
    let _ = &SCRIPT;
}
