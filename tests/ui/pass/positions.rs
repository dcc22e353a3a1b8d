//! `lua_script!` in static, const, let and expression position, with the result type inferred from the
//! annotation, and with the path passed through a user's `macro_rules!`.

use redis_script::{Script, ScriptRO, lua_script};

/// `redis-cli -x SCRIPT LOAD < lua/seed_exec_incr_expire.lua`
const INCR_EXPIRE_SHA1: &str = "be99df58b120e942c27af8790241fac7f74817a2";
/// `redis-cli -x SCRIPT LOAD < lua/seed_get_ro.lua`
const GET_SHA1: &str = "b4e82ca290e49ece9d97fde8bca8cda04045e267";

static INCR: Script<i64> = lua_script!("lua/seed_exec_incr_expire.lua");
const GET: ScriptRO<Option<String>> = lua_script!("lua/seed_get_ro.lua", readonly);

macro_rules! my_script {
    ($path:literal) => {
        lua_script!($path)
    };
}

fn sha1_of(script: &Script<i64>) -> &str {
    script.sha1()
}

fn main() {
    let local: Script<i64> = lua_script!("lua/seed_exec_incr_expire.lua");
    let through_macro: Script<i64> = my_script!("lua/seed_exec_incr_expire.lua");
    let renamed = redis_script::lua_script!("lua/seed_exec_incr_expire.lua",);

    assert_eq!(INCR.sha1(), INCR_EXPIRE_SHA1);
    assert_eq!(local.sha1(), INCR_EXPIRE_SHA1);
    assert_eq!(through_macro.sha1(), INCR_EXPIRE_SHA1);
    assert_eq!(sha1_of(&renamed), INCR_EXPIRE_SHA1);
    assert_eq!(
        sha1_of(&lua_script!("lua/seed_exec_incr_expire.lua")),
        INCR_EXPIRE_SHA1
    );
    assert_eq!(INCR.script(), include_str!("lua/seed_exec_incr_expire.lua"));

    assert_eq!(GET.sha1(), GET_SHA1);
    assert_eq!(GET.script(), include_str!("lua/seed_get_ro.lua"));
}
