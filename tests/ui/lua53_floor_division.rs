use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/floor_division.lua");

fn main() {
    let _ = &SCRIPT;
}
