use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/ok.lua", name = rate_limit);

fn main() {
    let _ = &SCRIPT;
}
