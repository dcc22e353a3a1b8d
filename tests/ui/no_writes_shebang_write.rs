use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/no_writes_write.lua");

fn main() {
    let _ = &SCRIPT;
}
