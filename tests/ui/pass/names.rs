//! A script is named after its path as written, or its `name = ".."`; the registry lists both.

use redis_script::{Script, ScriptRO, lua_script, scripts};

static BY_PATH: Script<i64> = lua_script!("lua/seed_incr.lua");
static BY_NAME: ScriptRO<Option<String>> = lua_script!("lua/seed_get_ro.lua", readonly, name = "get");

fn main() {
    assert_eq!(BY_PATH.name(), Some("lua/seed_incr.lua"));
    assert_eq!(BY_NAME.name(), Some("get"));
    let registered: Vec<(&str, &str, bool)> = scripts()
        .iter()
        .map(|s| (s.name(), s.sha1(), s.is_read_only()))
        .collect();
    assert!(registered.contains(&("lua/seed_incr.lua", BY_PATH.sha1(), false)));
    assert!(registered.contains(&("get", BY_NAME.sha1(), true)));
}
