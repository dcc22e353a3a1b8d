use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/noscript_error_raised.lua");

fn main() {
    let _ = &SCRIPT;
}
