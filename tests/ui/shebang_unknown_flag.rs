use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/shebang_unknown_flag.lua");

fn main() {
    let _ = &SCRIPT;
}
