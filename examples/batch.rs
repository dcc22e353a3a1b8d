//! Batches: several users' rate limits and a leaderboard update in one round trip (a pipeline), then a
//! job claimed and its counters updated atomically (a transaction). Each call keeps its own reply type.
//!
//! Run: `cargo run --example batch` (uses `REDIS_URL`, or starts a throwaway `redis-server`).

use redis_script::{Pipeline, Script, Transaction, lua_script};
use redis_script_examples::{BoxError, connect, report};

lua_script! {
    /// A fixed window: `Window { requests, ttl }`.
    static RATE_LIMIT: Script<Window, RateLimit> = "lua/rate_limit.lua";
}
lua_script! {
    /// `[score, rank]` after adding points; the score arrives as text (ZINCRBY), decoded as a float.
    static LEADERBOARD: Script<Placed, Leaderboard> = "lua/leaderboard.lua";
}
lua_script! {
    /// The job moved from the queue to in-progress, if there was one.
    static CLAIM_JOB: Script<Option<String>, ClaimJob> = "lua/claim_job.lua";
}

const LIMIT: i64 = 2;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    report(run().await)
}

async fn run() -> Result<(), BoxError> {
    let redis = connect().await?;
    let conn = &redis.conn;
    let run_id = std::process::id();
    let board = format!("batch:leaderboard:{run_id}");
    let users = ["alice", "bob", "alice", "alice"];

    // One round trip: a rate limit per request, the leaderboard, and a plain command in between.
    // Each script is loaded (SCRIPT LOAD) in front of its first call inside the pipeline, so every
    // entry runs once and in order whatever the server's script cache holds.
    let mut pipe = Pipeline::new();
    let limits: Vec<_> = users
        .iter()
        .map(|user| {
            let key = format!("batch:ratelimit:{run_id}:{user}");
            let limit = RateLimit {
                key: &key,
                limit: LIMIT,
                window: 60,
            };
            pipe.exec_typed(&RATE_LIMIT, limit)
        })
        .collect();
    let scored = pipe.exec_typed(
        &LEADERBOARD,
        Leaderboard {
            board: &board,
            player: "alice",
            points: 50,
        },
    );
    let also = pipe.exec_typed(
        &LEADERBOARD,
        Leaderboard {
            board: &board,
            player: "bob",
            points: 70,
        },
    );
    let top = pipe.cmd::<Vec<String>>(("ZREVRANGE", &board, 0, 2));
    let mut replies = pipe.run(conn).await?;
    for (user, limit) in users.iter().zip(limits) {
        let Window { requests, ttl } = replies.take(limit)?;
        let verdict = if requests <= LIMIT {
            "allowed"
        } else {
            "limited"
        };
        println!("{user}: request {requests} of {LIMIT} in this window ({ttl} s left): {verdict}");
    }
    // `Placed` is the struct the script's `---@return` line declares: its fields, read by name.
    let alice = replies.take(scored)?;
    println!("alice scores {}, rank {}", alice.score, alice.rank);
    let bob = replies.take(also)?;
    println!("bob scores {}, rank {}", bob.score, bob.rank);
    println!("top: {:?}", replies.take(top)?);

    // Atomically: a job claimed from the queue and counted, and the queue's length read after it.
    let (queue, working, stats) = (
        format!("batch:queue:{run_id}"),
        format!("batch:working:{run_id}"),
        format!("batch:stats:{run_id}"),
    );
    redis::cmd("RPUSH")
        .arg(&queue)
        .arg(&["job-1", "job-2"][..])
        .query_async::<()>(&mut conn.clone())
        .await?;
    let mut tx = Transaction::new();
    let claim = ClaimJob {
        queue: &queue,
        working: &working,
        stats: &stats,
        field: "claimed",
    };
    let job = tx.exec_typed(&CLAIM_JOB, claim);
    let left = tx.cmd::<i64>(("LLEN", &queue));
    let mut replies = tx.run(conn).await?;
    println!(
        "claimed {:?}, {} job(s) left in the queue",
        replies.take(job)?,
        replies.take(left)?
    );

    // A command's words can be any list: DEL and every key.
    let mut del = vec!["DEL".to_owned()];
    del.extend(
        users
            .iter()
            .map(|user| format!("batch:ratelimit:{run_id}:{user}")),
    );
    del.extend([board, queue, working, stats]);
    let mut cleanup = Pipeline::new();
    let deleted = cleanup.cmd::<i64>(del);
    cleanup.run(conn).await?.take(deleted)?;
    Ok(())
}
