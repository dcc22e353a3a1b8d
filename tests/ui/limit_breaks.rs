use redis_script::{Script, lua_script};

static SCRIPT: Script<i64> = lua_script!("lua/generated/many_breaks.lua");

fn main() {
    let _ = &SCRIPT;
}
