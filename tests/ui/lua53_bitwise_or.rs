use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/bitwise_or.lua");

fn main() {
    let _ = &SCRIPT;
}
