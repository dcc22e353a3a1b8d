use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/several_unknown_commands.lua");

fn main() {
    let _ = &SCRIPT;
}
