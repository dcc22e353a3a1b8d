use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/blocking_pop.lua");

fn main() {
    let _ = &SCRIPT;
}
