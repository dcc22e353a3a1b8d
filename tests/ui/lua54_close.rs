use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/close.lua");

fn main() {
    let _ = &SCRIPT;
}
