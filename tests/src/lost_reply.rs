//! A script whose reply is lost after it ran: it INCRs `KEYS[1]` and then replies more than the server
//! lets a client buffer, so the server drops the connection instead of replying. The INCR counts how
//! many times it ran, which is what a transport must not get wrong when it cannot tell.

use redis_script::Script;

use crate::RedisServer;

/// Caches the script on `server` (so that EVALSHA runs it), limits the output buffer of normal clients
/// to 64 KiB (its 1 MiB reply never arrives), resets the command stats, and returns the script.
pub async fn prepare(server: &RedisServer) -> Script<Vec<u8>> {
    let script =
        Script::<Vec<u8>>::new("redis.call('INCR', KEYS[1]) return string.rep('x', 1024 * 1024)");
    assert_eq!(server.script_load(script.script()).await, script.sha1());
    let () = server
        .query(
            redis::cmd("CONFIG")
                .arg("SET")
                .arg("client-output-buffer-limit")
                .arg("normal 65536 65536 0"),
        )
        .await;
    server.reset_stats().await;
    script
}
