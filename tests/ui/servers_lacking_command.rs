use redis_script::{Script, lua_script};

// Hash-field expiration came with Redis 7.4: a script that must also run on 7.0 can not use it.
static SCRIPT: Script<Vec<i64>> = lua_script!("lua/hash_field_expiry.lua", servers = ["redis-7.0", "redis-8.2"]);

fn main() {
    let _ = &SCRIPT;
}
