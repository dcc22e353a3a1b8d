use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/shebang_option.lua");

fn main() {
    let _ = &SCRIPT;
}
