use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/does_not_exist.lua");

fn main() {
    let _ = &SCRIPT;
}
