use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/arity_module.lua");

fn main() {
    let _ = &SCRIPT;
}
