use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/label.lua");

fn main() {
    let _ = &SCRIPT;
}
