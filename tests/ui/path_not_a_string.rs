use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!(lua_file);

fn main() {
    let _ = &SCRIPT;
}
