use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/unknown_subcommand.lua");

fn main() {
    let _ = &SCRIPT;
}
