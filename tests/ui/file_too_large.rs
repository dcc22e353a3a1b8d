use redis_script::{Script, lua_script};

static SCRIPT: Script<i64> = lua_script!("lua/generated/too_large.lua");

fn main() {
    let _ = &SCRIPT;
}
