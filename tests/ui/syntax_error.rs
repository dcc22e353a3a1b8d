use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/syntax_error.lua");

fn main() {
    let _ = &SCRIPT;
}
