use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/bitwise_not.lua");

fn main() {
    let _ = &SCRIPT;
}
