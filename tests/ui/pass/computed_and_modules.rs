use redis_script::{Script, lua_script};

static COMPUTED: Script<Option<String>> = lua_script!("../lua/computed_calls.lua");
static MODULES: Script<i64> = lua_script!("../lua/module_families.lua", keys_from_keys);

fn main() {
    let _ = (&COMPUTED, &MODULES);
}
