use redis_script::{Script, lua_script};

// Redis 7.0 refuses blocking commands inside scripts; 8.2 and Valkey run them without blocking.
static SCRIPT: Script = lua_script!("lua/blocking_pop.lua", servers = ["redis-7.0"]);

fn main() {
    let _ = &SCRIPT;
}
