//! Commands of servers newer than Redis 7.0 build by default (any covered server runs them), and with
//! `servers = [...]` naming servers that run them; Upstash's `allow-key-locking` builds when asked for.

use redis_script::{Script, lua_script};

static HASH_FIELD_EXPIRY: Script<Vec<i64>> = lua_script!("lua/newer_hash_field_expiry.lua");
static ON_CURRENT: Script<Vec<i64>> = lua_script!(
    "lua/newer_hash_field_expiry.lua",
    servers = ["redis-8.2", "valkey-9.1"]
);
static BLOCKING_POP: Script<Option<Vec<String>>> = lua_script!("lua/newer_blocking_pop.lua");
static KEY_LOCKING: Script<i64> = lua_script!("lua/newer_key_locking.lua", allow_key_locking);

fn main() {
    assert_eq!(HASH_FIELD_EXPIRY.sha1(), ON_CURRENT.sha1());
    assert!(BLOCKING_POP.script().contains("BLPOP"));
    assert!(KEY_LOCKING.script().starts_with("#!lua flags=allow-key-locking\n"));
}
