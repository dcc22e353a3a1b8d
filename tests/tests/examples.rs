//! The examples run end to end against a real server, print what they promise, and leave nothing behind.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use redis_script_tests::{ClosedPort, RedisServer};

/// `target/<profile>`, from the path of this test binary (`target/<profile>/deps/examples-<hash>`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_owned()
}

/// Builds the examples (a no-op when they are fresh; `cargo test -p redis-script-tests` does not build
/// another package's examples) into this binary's target directory, once per run.
fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    let profile = profile_dir();
    BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["build", "--offline", "-p", "redis-script-examples"])
            .args(["--example", "quickstart", "--example", "seed"])
            .args([
                "--example",
                "upstash",
                "--example",
                "batch",
                "--example",
                "scripts",
                "--example",
                "functions",
                "--example",
                "blocking",
            ])
            .env("CARGO_TARGET_DIR", profile.parent().unwrap());
        if profile.file_name().is_some_and(|n| n == "release") {
            command.arg("--release");
        }
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "building the examples failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    });
    let path = profile.join("examples").join(name);
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// Runs an example with `REDIS_URL` set and no Upstash variables; panics with its output unless it
/// exits with 0. Returns its stdout and stderr.
fn run(path: &Path, redis_url: &str) -> (String, String) {
    run_with(path, redis_url, &[])
}

/// [`run`] with arguments.
fn run_with(path: &Path, redis_url: &str, args: &[&str]) -> (String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(path)
        .args(args)
        .env("REDIS_URL", redis_url)
        .env_remove("UPSTASH_REDIS_REST_URL")
        .env_remove("UPSTASH_REDIS_REST_TOKEN")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    );
    assert!(
        status.success(),
        "{} exited with {status}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        path.display()
    );
    (stdout, stderr)
}

/// Panics unless `stdout` has a line for which `matches` holds.
fn assert_line(stdout: &str, what: &str, matches: impl Fn(&str) -> bool) {
    assert!(stdout.lines().any(matches), "no line {what} in:\n{stdout}");
}

async fn dbsize(server: &RedisServer) -> i64 {
    server.query(&redis::cmd("DBSIZE")).await
}

#[tokio::test]
async fn quickstart_counts_rate_limits_and_cleans_up() {
    let server = RedisServer::start();
    server.reset_stats().await;
    let (stdout, _) = run(&example("quickstart"), &server.url());

    assert_line(&stdout, "connected to REDIS_URL", |l| {
        l == format!("connected to {}", server.url())
    });
    for n in 1..=3 {
        assert_line(&stdout, &format!("with count {n}"), |l| {
            l.starts_with("quickstart:views:") && l.ends_with(&format!(" = {n}"))
        });
    }
    assert_line(&stdout, "with 1 request", |l| {
        l.contains(": 1 request(s) in this window, resets in 60 s")
    });
    assert_line(&stdout, "with the post stats", |l| {
        l.ends_with(": 1000 views, 150 likes, ratio 0.15")
    });
    // INCR_TTL: NOSCRIPT, EVAL, then 2 EVALSHA; RATE_LIMIT: NOSCRIPT, EVAL; POST_STATS read-only.
    assert_eq!(server.commandstats().await.scripts(), (2, 4, 1, 1));
    assert_eq!(dbsize(&server).await, 0, "keys left behind");
}

#[tokio::test]
async fn quickstart_starts_its_own_server_when_nothing_answers() {
    let closed = ClosedPort::new();
    let url = format!("redis://127.0.0.1:{}", closed.port());
    let (stdout, stderr) = run(&example("quickstart"), &url);
    assert!(
        stderr.contains("starting a throwaway redis-server"),
        "{stderr}"
    );
    let connected = stdout
        .lines()
        .find_map(|l| l.strip_prefix("connected to "))
        .unwrap();
    assert_ne!(connected, url);
    assert_line(&stdout, "with count 3", |l| l.ends_with(" = 3"));
    assert_line(&stdout, "with the ratio", |l| l.ends_with("ratio 0.15"));
    // The throwaway server was stopped when the example ended.
    let port = connected.rsplit(':').next().unwrap();
    assert!(std::net::TcpStream::connect(format!("127.0.0.1:{port}")).is_err());
}

#[tokio::test]
async fn seed_runs_every_documented_script() {
    let server = RedisServer::start();
    server.reset_stats().await;
    let (stdout, _) = run(&example("seed"), &server.url());

    assert_line(&stdout, "Hello, World!", |l| l == "Hello, World!");
    assert_line(&stdout, "with the counter", |l| {
        l.ends_with(":page:views:homepage = 1 (expires in an hour)")
    });
    for line in [
        "offered 1500, high score is 1500",
        "offered 1200, high score is 1500",
        "offered 1800, high score is 1800",
        "1000 views, 150 likes, ratio 0.15",
        "[1, 1, 1]",
        "request 1 of 100, window resets in 60 s",
    ] {
        assert_line(&stdout, line, |l| l == line);
    }
    assert_line(&stdout, "with the user activity", |l| {
        l.starts_with("recorded activity of user seed:")
    });
    // Six writing scripts, each loaded once (SET_IF_HIGHER runs three times); one read-only script.
    assert_eq!(server.commandstats().await.scripts(), (6, 8, 1, 1));
    assert_eq!(dbsize(&server).await, 0, "keys left behind");
}

#[tokio::test]
async fn batch_checks_rate_limits_updates_a_leaderboard_and_claims_a_job() {
    let server = RedisServer::start();
    server.reset_stats().await;
    let (stdout, _) = run(&example("batch"), &server.url());

    for line in [
        "alice: request 1 of 2 in this window (60 s left): allowed",
        "bob: request 1 of 2 in this window (60 s left): allowed",
        "alice: request 2 of 2 in this window (60 s left): allowed",
        "alice: request 3 of 2 in this window (60 s left): limited",
        "alice scores 50, rank 0",
        "bob scores 70, rank 0",
        r#"top: ["bob", "alice"]"#,
        r#"claimed Some("job-1"), 1 job(s) left in the queue"#,
    ] {
        assert_line(&stdout, line, |l| l == line);
    }
    // Two scripts loaded inside the pipeline, one inside the transaction; never EVAL.
    let stats = server.commandstats().await;
    assert_eq!(stats.scripts(), (0, 7, 0, 0));
    assert_eq!(stats.calls("script|load"), 3);
    assert_eq!((stats.calls("multi"), stats.calls("exec")), (1, 1));
    assert_eq!(dbsize(&server).await, 0, "keys left behind");
}

#[tokio::test]
async fn blocking_runs_scripts_and_a_pipeline_on_a_connection_and_a_pool() {
    let server = RedisServer::start();
    server.reset_stats().await;
    let (stdout, _) = run(&example("blocking"), &server.url());
    for line in [
        "request 1: 1 of 2 in this window (60 s left): allowed",
        "request 2: 2 of 2 in this window (60 s left): allowed",
        "request 3: 3 of 2 in this window (60 s left): limited",
        "counted in one round trip: [1, 2, 3]",
        "post: 10 views, 4 likes, ratio 0.4",
    ] {
        assert_line(&stdout, line, |l| l == line);
    }
    // The rate limit fell back once; the pipeline loaded its script in front of its first call; the
    // read-only script fell back once, to EVAL_RO. (EVAL, EVALSHA, EVAL_RO, EVALSHA_RO)
    let stats = server.commandstats().await;
    assert_eq!(stats.scripts(), (1, 6, 1, 1));
    assert_eq!(stats.calls("script|load"), 1);
    assert_eq!(dbsize(&server).await, 0, "keys left behind");
}

#[tokio::test]
async fn upstash_runs_over_a_local_rest_server_in_front_of_redis_url() {
    let server = RedisServer::start();
    server.reset_stats().await;
    let (stdout, _) = run(&example("upstash"), &server.url());

    assert_line(&stdout, "naming the REST server", |l| {
        l.contains("is not set: serving the Upstash REST API at http://127.0.0.1:")
            && l.ends_with(&format!("in front of {}", server.url()))
    });
    assert_line(&stdout, "Hello, Upstash!", |l| l == "Hello, Upstash!");
    for n in 1..=3 {
        assert_line(&stdout, &format!("with request {n}"), |l| {
            l.contains(&format!(": request {n} of 100, window resets in 60 s"))
        });
    }
    assert_line(&stdout, "with the GET", |l| {
        l.starts_with("GET upstash-example:ratelimit:") && l.ends_with(" -> Some(\"3\")")
    });
    // Through the REST server to this Redis: GREETING and RATE_LIMIT loaded once each, GET read-only.
    assert_eq!(server.commandstats().await.scripts(), (2, 4, 1, 1));
    assert_eq!(dbsize(&server).await, 0, "keys left behind");
}

#[tokio::test]
async fn scripts_lists_the_binary_s_scripts_and_preloads_them() {
    let server = RedisServer::start();
    let (stdout, _) = run(&example("scripts"), &server.url());
    let listed: Vec<&str> = stdout.lines().collect();
    // SHA-1, kind, name; sorted by name; then the library, as it is loaded.
    assert_eq!(listed.len(), 4, "{stdout}");
    assert!(listed[0].ends_with(" rw lua/incr_ttl.lua"), "{stdout}");
    assert!(listed[1].ends_with(" ro lua/post_stats.lua"), "{stdout}");
    assert!(listed[2].ends_with(" rw rate_limit"), "{stdout}");
    let library = listed[3].split(' ').collect::<Vec<_>>();
    assert_eq!(library[1], "library", "{stdout}");
    assert!(library[2].starts_with("seed__"), "{stdout}");
    let listed = &listed[..3];
    let sha1 = |line: &str| line.split(' ').next().unwrap().to_owned();

    let (missing, _) = run_with(&example("scripts"), &server.url(), &["--missing"]);
    assert_line(&missing, "3 missing", |l| {
        l == "3 of 3 not cached on the server"
    });
    assert_line(&missing, "library missing", |l| {
        l == "1 of 1 libraries missing on the server"
    });
    server.reset_stats().await;
    let (preloaded, _) = run_with(&example("scripts"), &server.url(), &["--preload"]);
    assert_line(&preloaded, "loaded", |l| {
        l == "loaded 3 scripts on 1 server(s)"
    });
    assert_line(&preloaded, "none missing", |l| {
        l == "0 of 3 not cached on the server"
    });
    assert_line(&preloaded, "library loaded", |l| {
        l == "loaded 1 libraries on 1 server(s)"
    });
    assert_line(&preloaded, "no library missing", |l| {
        l == "0 of 1 libraries missing on the server"
    });
    let stats = server.commandstats().await;
    assert_eq!(stats.calls("script|load"), 3);
    assert_eq!(stats.calls("function|load"), 1);
    let listed_libraries: Vec<Vec<redis::Value>> =
        server.query(redis::cmd("FUNCTION").arg("LIST")).await;
    assert_eq!(listed_libraries.len(), 1);
    for line in listed.iter().copied() {
        let flags: Vec<i64> = server
            .query(redis::cmd("SCRIPT").arg("EXISTS").arg(sha1(line)))
            .await;
        assert_eq!(flags, [1], "{line}");
    }
}

#[tokio::test]
async fn functions_calls_the_seed_library_and_leaves_nothing_behind() {
    let server = RedisServer::start();
    let (stdout, _) = run(&example("functions"), &server.url());
    assert_line(&stdout, "library", |l| {
        l.starts_with("library seed loads as seed__")
    });
    assert_line(&stdout, "greeting", |l| l == "Hello, World!");
    assert_line(&stdout, "counter", |l| {
        l.ends_with(" = 1 (expires in an hour)")
    });
    assert_line(&stdout, "stats", |l| {
        l == "1000 views, 150 likes, ratio 0.15 (FCALL_RO)"
    });
    assert_line(&stdout, "rate limit", |l| l.starts_with("request 1 of 100"));
    assert_line(&stdout, "pipeline", |l| {
        l.starts_with("pipeline: request 2 of 100, ") && l.ends_with(" = 2")
    });
    let stats = server.commandstats().await;
    assert_eq!(
        stats.calls("function|load"),
        2,
        "the first call's, and the pipeline's (already exists): {stdout}"
    );
    assert_eq!(
        stats.calls("fcall_ro"),
        3,
        "the first call twice, POST_STATS once"
    );
    assert_eq!(stats.calls("fcall"), 4);
    assert_eq!(dbsize(&server).await, 0, "keys and library removed");
    let libraries: Vec<redis::Value> = server.query(redis::cmd("FUNCTION").arg("LIST")).await;
    assert!(libraries.is_empty());
}
