use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/arity.lua");

fn main() {
    let _ = &SCRIPT;
}
