use redis_script::{Script, lua_script};

static SCRIPT: Script<i64> = lua_script!("lua/generated/long_expression.lua");

fn main() {
    let _ = &SCRIPT;
}
