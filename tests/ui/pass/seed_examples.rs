//! Every script from the Upstash `Script`/`ScriptRO` documentation builds, read-only ones as `ScriptRO`.

use redis_script::{Reply, Script, ScriptRO, lua_script};

static RETURN_ARGV: Script<String> = lua_script!("lua/seed_return_argv.lua");
static RETURN_ARGV_RO: ScriptRO<String> = lua_script!("lua/seed_return_argv.lua", readonly);
static INCR: Script<i64> = lua_script!("lua/seed_incr.lua");
static HELLO: Script<String> = lua_script!("lua/seed_hello.lua");
static INCR_EXPIRE: Script<i64> = lua_script!("lua/seed_exec_incr_expire.lua");
static LRANGE: ScriptRO<Vec<String>> = lua_script!("lua/seed_lrange_ro.lua", readonly);
static GET: ScriptRO<Option<String>> = lua_script!("lua/seed_get_ro.lua", readonly);
static GREETING: Script<String> = lua_script!("lua/seed_greeting.lua");
static COUNTER_TTL: Script<i64> = lua_script!("lua/seed_counter_ttl.lua");
static SET_IF_HIGHER: Script<i64> = lua_script!("lua/seed_set_if_higher.lua");
static POST_STATS: ScriptRO<(i64, i64, i64)> = lua_script!("lua/seed_post_stats_ro.lua", readonly);
static BATCH_INCREMENT: Script<Vec<i64>> = lua_script!("lua/seed_batch_increment.lua");
static RATE_LIMIT: Script<(i64, i64)> = lua_script!("lua/seed_rate_limit.lua");
static USER_ACTIVITY: Script<Reply> = lua_script!("lua/seed_user_activity.lua");
static COUNT_TIME: Script<(i64, String)> = lua_script!("lua/seed_count_time.lua");

fn main() {
    let sha1s = [
        RETURN_ARGV.sha1(),
        INCR.sha1(),
        HELLO.sha1(),
        INCR_EXPIRE.sha1(),
        LRANGE.sha1(),
        GET.sha1(),
        GREETING.sha1(),
        COUNTER_TTL.sha1(),
        SET_IF_HIGHER.sha1(),
        POST_STATS.sha1(),
        BATCH_INCREMENT.sha1(),
        RATE_LIMIT.sha1(),
        USER_ACTIVITY.sha1(),
        COUNT_TIME.sha1(),
    ];
    for (i, sha1) in sha1s.iter().enumerate() {
        assert_eq!(sha1.len(), 40);
        assert!(
            sha1.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert!(
            sha1s[..i].iter().all(|other| other != sha1),
            "distinct scripts, distinct sha1"
        );
    }
    assert_eq!(RETURN_ARGV.sha1(), RETURN_ARGV_RO.sha1());
    assert_eq!(RETURN_ARGV.script(), "return ARGV[1];\n");
}
