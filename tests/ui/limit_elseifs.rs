use redis_script::{Script, lua_script};

static SCRIPT: Script<i64> = lua_script!("lua/generated/many_elseifs.lua");

fn main() {
    let _ = &SCRIPT;
}
