use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/unknown_command.lua");

fn main() {
    let _ = &SCRIPT;
}
