//! Three production-sized scripts: a sliding-window rate limiter, a reliable queue claim with a
//! visibility timeout, and a lock with a fencing token.

use redis_script::{Script, lua_script};

static SLIDING_WINDOW: Script<(i64, i64, i64)> = lua_script!("lua/sliding_window_rate_limit.lua");
static CLAIM_JOB: Script<Option<(String, i64)>> = lua_script!("lua/job_queue_move.lua");
static FENCING_LOCK: Script<Option<i64>> = lua_script!("lua/fencing_lock.lua");

fn main() {
    assert!(SLIDING_WINDOW.script().contains("ZREMRANGEBYSCORE"));
    assert!(CLAIM_JOB.script().contains("LMOVE"));
    assert!(FENCING_LOCK.script().contains("INCR"));
}
