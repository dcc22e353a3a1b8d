use redis_script::{Script, lua_script};

// A name goes into log lines and span fields: no line breaks.
static SCRIPT: Script = lua_script!("lua/ok.lua", name = "rate\nlimit");

fn main() {
    let _ = &SCRIPT;
}
