use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/ok.lua", read_only);

fn main() {
    let _ = &SCRIPT;
}
