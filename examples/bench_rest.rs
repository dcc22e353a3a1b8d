//! REST benchmark: `Script::exec` through `redis_script::rest::Upstash` against the official
//! `@upstash/redis` SDK (its defaults: auto-pipelining on), both calling the same script through the
//! same `upstash-local` in front of the same throwaway `redis-server`, with 1 and with 50 calls in
//! flight. The server runs on a Tokio runtime of its own, so that neither client shares its threads;
//! the calls are made from tasks of a multi-threaded runtime, as a service's handlers make them (the
//! SDK makes its calls on Node's one thread). Targets: at least 4x the SDK with one call in flight,
//! at least 2.5x with 50, in every round.
//!
//! Run: `cargo run --release -p redis-script-examples --example bench_rest [ROUNDS]` (needs
//! `redis-server`, Node.js and npm; installs the pinned SDK into tests/conformance with `npm ci` when
//! it is missing). Rounds alternate between the two clients; each client's min / median / max is
//! shown, and the ratio of each round (ours against the SDK's run just before it), so that a
//! machine busy with something else shows as the spread it causes. Two more lines time the same
//! client sending through a `reqwest::Client` (`http_client`, as when the environment names a
//! proxy): what its own connections buy; and the same `EVALSHA` as one bare `reqwest` POST per call
//! (no decoding, fallback or auto-pipelining): what a client built on `reqwest` starts from.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use redis_script::rest::{TOKEN_ENV, URL_ENV, Upstash};
use redis_script::{Script, lua_script};
use redis_script_examples::{BoxError, median, report, throwaway};

static INCR_TTL: Script<i64> = lua_script!("lua/incr_ttl.lua");

const ROUNDS: usize = 7;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    report(run().await)
}

async fn run() -> Result<(), BoxError> {
    let sdk = sdk_dir();
    install_sdk(&sdk)?;
    let redis = throwaway().await?;
    let token = format!("bench-{}", std::process::id());
    let config = upstash_local::Config::new(redis.url.clone(), token.clone());
    let url = serve(config)?;
    let upstash = Upstash::new(url.as_str(), token.as_str())?;
    INCR_TTL.exec(&upstash, ["bench:rest:warm"], [3600]).await?;
    // The same client sending through `reqwest`'s pool and connection tasks, as it does when the
    // environment names a proxy: what its own connections buy.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let over_reqwest = Upstash::builder(url.as_str(), token.as_str())
        .http_client(reqwest::Client::builder().build()?)
        .build()?;
    INCR_TTL
        .exec(&over_reqwest, ["bench:rest:warm"], [3600])
        .await?;

    let rounds: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => ROUNDS,
    };
    for (in_flight, calls) in [(1, 2_000), (50, 20_000)] {
        let (mut anchor, mut ours, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        let (mut bare, mut through_reqwest) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let theirs = sdk_rate(&sdk, &url, &token, in_flight, calls)?;
            let mine = rate(&upstash, in_flight, calls).await?;
            through_reqwest.push(rate(&over_reqwest, in_flight, calls).await?);
            bare.push(bare_reqwest_rate(&url, &token, in_flight, calls).await?);
            anchor.push(theirs);
            ours.push(mine);
            ratios.push(mine / theirs);
        }
        let target = if in_flight == 1 { 4.0 } else { 2.5 };
        println!(
            "\n{in_flight} in flight, {calls} calls per round, {rounds} rounds: min / median / max"
        );
        println!(
            "   anchor: @upstash/redis, auto-pipelining on  {} calls/s",
            spread(&anchor, 0)
        );
        println!(
            "   redis_script::rest::Upstash, exec            {} calls/s",
            spread(&ours, 0)
        );
        println!(
            "   the same, through a reqwest::Client          {} calls/s",
            spread(&through_reqwest, 0)
        );
        println!(
            "   the same EVALSHA, one bare reqwest POST      {} calls/s",
            spread(&bare, 0)
        );
        let worst = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        println!(
            "   ratio per round                              {} (target >= {target} in every round): {}",
            spread(&ratios, 2),
            if worst >= target { "met" } else { "NOT met" }
        );
    }
    Ok(())
}

/// Starts `upstash-local` on a runtime of its own, as its own process would run it: the client under
/// test does not share its threads with the server, as the SDK (a process of its own) does not.
/// Returns the server's URL; the server runs until this program ends.
fn serve(config: upstash_local::Config) -> Result<String, BoxError> {
    let (bound, url) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let serving = async {
            let server = upstash_local::Server::bind(([127, 0, 0, 1], 0).into(), config).await;
            match server {
                Ok(server) => {
                    let _ = bound.send(Ok(server.url()));
                    let _ = server.run().await;
                }
                Err(e) => {
                    let _ = bound.send(Err(e.to_string()));
                }
            }
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .thread_name("upstash-local")
            .enable_all()
            .build();
        match runtime {
            Ok(runtime) => runtime.block_on(serving),
            Err(e) => {
                let _ = bound.send(Err(e.to_string()));
            }
        }
    });
    Ok(url.recv()??)
}

/// `min / median / max` of `values`, with `decimals` decimals.
fn spread(values: &[f64], decimals: usize) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let median = median(values.to_vec());
    format!("{min:>8.decimals$} / {median:>8.decimals$} / {max:>8.decimals$}")
}

/// Calls per second through this crate's client: `in_flight` tasks, each awaiting its call, as the
/// handlers of a service make them.
async fn rate(upstash: &Upstash, in_flight: usize, calls: usize) -> Result<f64, BoxError> {
    let per_loop = calls / in_flight;
    let start = Instant::now();
    let loops: Vec<_> = (0..in_flight)
        .map(|i| {
            let upstash = upstash.clone();
            tokio::spawn(async move {
                let key = format!("bench:rest:ours:{i}");
                for _ in 0..per_loop {
                    INCR_TTL.exec(&upstash, [&key], [3600]).await?;
                }
                Ok::<_, redis_script::Error>(())
            })
        })
        .collect();
    for result in futures_util::future::join_all(loops).await {
        result??;
    }
    Ok((per_loop * in_flight) as f64 / start.elapsed().as_secs_f64())
}

/// Calls per second of the same `EVALSHA` as one bare `reqwest` POST per call, its body written by
/// `format!` and its reply read but not decoded (no fallback, no auto-pipelining), from as many
/// tasks: what a client built on `reqwest` starts from.
async fn bare_reqwest_rate(
    url: &str,
    token: &str,
    in_flight: usize,
    calls: usize,
) -> Result<f64, BoxError> {
    let http = reqwest::Client::builder().build()?;
    // Parsed once, as the client under test parses its URLs once.
    let url = reqwest::Url::parse(url)?;
    let auth = format!("Bearer {token}");
    let per_loop = calls / in_flight;
    let start = Instant::now();
    let loops = (0..in_flight).map(|i| {
        let (http, auth, url) = (http.clone(), auth.clone(), url.clone());
        tokio::spawn(async move {
            let body = format!(
                r#"["EVALSHA","{}","1","bench:rest:bare:{i}","3600"]"#,
                INCR_TTL.sha1()
            );
            for _ in 0..per_loop {
                let reply = http
                    .post(url.clone())
                    .header("authorization", auth.as_str())
                    .body(body.clone())
                    .send()
                    .await?;
                if !reply.status().is_success() {
                    return Err(format!("the bare request failed: {}", reply.status()).into());
                }
                reply.bytes().await?;
            }
            Ok::<_, BoxError>(())
        })
    });
    for result in futures_util::future::join_all(loops).await {
        result??;
    }
    Ok((per_loop * in_flight) as f64 / start.elapsed().as_secs_f64())
}

/// Calls per second of the official SDK, run by `tests/conformance/bench.mjs`.
fn sdk_rate(
    sdk: &Path,
    url: &str,
    token: &str,
    in_flight: usize,
    calls: usize,
) -> Result<f64, BoxError> {
    let output = Command::new("node")
        .arg(sdk.join("bench.mjs"))
        .args([in_flight.to_string(), calls.to_string()])
        .env(URL_ENV, url)
        .env(TOKEN_ENV, token)
        .output()
        .map_err(|e| format!("node could not be run ({e}); install Node.js"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let number = |field: &str| -> Option<f64> {
        let rest = text.split(&format!("\"{field}\":")).nth(1)?;
        rest.split([',', '}']).next()?.trim().parse().ok()
    };
    match (number("calls"), number("seconds")) {
        (Some(calls), Some(seconds)) if seconds > 0.0 => Ok(calls / seconds),
        _ => Err(format!(
            "the SDK benchmark printed no rate: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into()),
    }
}

fn sdk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance")
}

/// `npm ci` of the pinned SDK, unless it is there.
fn install_sdk(dir: &Path) -> Result<(), BoxError> {
    if dir.join("node_modules/@upstash/redis").exists() {
        return Ok(());
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(dir)
        .status()
        .map_err(|e| format!("npm could not be run ({e}); install Node.js and npm"))?;
    if !status.success() {
        return Err("npm ci of the pinned @upstash/redis failed".into());
    }
    Ok(())
}
