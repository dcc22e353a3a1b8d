use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/noscript_error_reply.lua");

fn main() {
    let _ = &SCRIPT;
}
