//! `upstash-local`: serve the Upstash Redis REST API in front of a Redis.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use upstash_local::{Config, Server};

/// A local server that speaks the Upstash Redis REST API in front of a real Redis.
///
/// Point an Upstash SDK at it with UPSTASH_REDIS_REST_URL=http://<listen> and
/// UPSTASH_REDIS_REST_TOKEN=<token>.
#[derive(Debug, Parser)]
#[command(name = "upstash-local", version)]
struct Cli {
    /// Address to listen on (port 0 picks a free port; the chosen one is printed).
    #[arg(long, env = "UPSTASH_LOCAL_LISTEN", default_value = "127.0.0.1:8079")]
    listen: SocketAddr,

    /// Bearer token clients must send [env: UPSTASH_LOCAL_TOKEN, else SRH_TOKEN]
    #[arg(long)]
    token: Option<String>,

    /// URL of the Redis to forward commands to.
    #[arg(
        long,
        env = "UPSTASH_LOCAL_REDIS_URL",
        hide_env_values = true,
        default_value = "redis://127.0.0.1:6379"
    )]
    redis_url: String,

    /// Seconds to wait for Redis to answer before replying 500 (0: no limit).
    /// Blocking commands (BLPOP ...) are never cut off.
    #[arg(long, env = "UPSTASH_LOCAL_RESPONSE_TIMEOUT", default_value_t = 30)]
    response_timeout_secs: u64,

    /// Keep the last requests (headers without Authorization, bodies) and
    /// serve them at GET /__requests (DELETE clears them; both need the token).
    #[arg(long)]
    record_requests: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(token) = cli
        .token
        .or_else(|| std::env::var("UPSTASH_LOCAL_TOKEN").ok())
        .or_else(|| std::env::var("SRH_TOKEN").ok())
        .filter(|t| !t.is_empty())
    else {
        eprintln!("upstash-local: a token is required (--token, UPSTASH_LOCAL_TOKEN or SRH_TOKEN)");
        return ExitCode::from(2);
    };
    let mut config = Config::new(cli.redis_url, token).record_requests(cli.record_requests);
    config.response_timeout =
        (cli.response_timeout_secs > 0).then(|| Duration::from_secs(cli.response_timeout_secs));
    let server = match Server::bind(cli.listen, config).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("upstash-local: cannot listen on {}: {err}", cli.listen);
            return ExitCode::FAILURE;
        }
    };
    println!("upstash-local listening on {}", server.url());
    let shutdown = async {
        // If the signal handler cannot be installed, serve until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    match server.run_until(shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("upstash-local: {err}");
            ExitCode::FAILURE
        }
    }
}
