use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/ok.lua", servers = ["redis-6.2"]);

fn main() {
    let _ = &SCRIPT;
}
