use redis_script::{Script, lua_script};

static SCRIPT: Script<i64> = lua_script!("lua/zero_index.lua");

fn main() {
    let _ = &SCRIPT;
}
