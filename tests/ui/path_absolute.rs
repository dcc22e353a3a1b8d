use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("/etc/hosts");

fn main() {
    let _ = &SCRIPT;
}
