use redis_script::{Script, lua_script};

static SCRIPT: Script = lua_script!("lua/key_origin_slots.lua", keys_from_keys);

fn main() {
    let _ = &SCRIPT;
}
