use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/blank.lua");

fn main() {
    let _ = &SCRIPT;
}
