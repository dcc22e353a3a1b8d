use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/refused_everywhere.lua");

fn main() {
    let _ = &SCRIPT;
}
