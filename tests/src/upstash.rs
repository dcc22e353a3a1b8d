//! [`UpstashLocal`]: the local Upstash REST server (`upstash-local`) in front of a [`RedisServer`], run
//! in-process on its own thread so tests get a real HTTP endpoint without building or spawning a binary.

use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;
pub use upstash_local::{Config as UpstashConfig, RecordedRequest, RequestLog};

use crate::server::RedisServer;

/// A running `upstash-local` server on a free loopback port, recording every request it receives.
/// Stopped on drop.
///
/// ```no_run
/// let redis = redis_script_tests::RedisServer::start();
/// let upstash = redis_script_tests::upstash::UpstashLocal::start(&redis);
/// // UPSTASH_REDIS_REST_URL = upstash.url(), UPSTASH_REDIS_REST_TOKEN = upstash.token()
/// let sent: Vec<Option<String>> = upstash.sync_tokens_received();
/// ```
#[derive(Debug)]
pub struct UpstashLocal {
    url: String,
    token: String,
    log: RequestLog,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl UpstashLocal {
    /// Serves the REST API in front of `redis`, with a fresh token and request recording on.
    pub fn start(redis: &RedisServer) -> UpstashLocal {
        UpstashLocal::start_for_url(&redis.url())
    }

    /// Like [`start`](Self::start), for any Redis URL (it need not be up yet: the server connects on
    /// the first request and answers 500 while Redis cannot be reached).
    pub fn start_for_url(redis_url: &str) -> UpstashLocal {
        let token = format!("local-test-token-{}-{}", std::process::id(), unique());
        UpstashLocal::start_with(UpstashConfig::new(redis_url, token).record_requests(true))
    }

    /// Starts a server with explicit settings.
    pub fn start_with(config: UpstashConfig) -> UpstashLocal {
        let token = config.token.clone();
        let (ready_tx, ready_rx) = mpsc::channel();
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("upstash-local".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("tokio runtime for upstash-local");
                runtime.block_on(async move {
                    let bound =
                        upstash_local::Server::bind("127.0.0.1:0".parse().unwrap(), config).await;
                    let server = match bound {
                        Ok(server) => server,
                        Err(err) => {
                            let _ = ready_tx.send(Err(err.to_string()));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok((server.url(), server.requests())));
                    tokio::select! {
                        _ = server.run() => {}
                        _ = shutdown_rx => {}
                    }
                });
                // Dropping the runtime cancels open connections: no waiting on idle keep-alives.
                drop(runtime);
            })
            .expect("spawn upstash-local thread");
        let (url, log) = ready_rx
            .recv()
            .expect("upstash-local thread ended before binding")
            .unwrap_or_else(|err| panic!("upstash-local failed to bind: {err}"));
        UpstashLocal {
            url,
            token,
            log,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        }
    }

    /// Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash): the `UPSTASH_REDIS_REST_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The loopback port it listens on, for a proxy to stand in front of it.
    pub fn port(&self) -> u16 {
        self.url
            .rsplit(':')
            .next()
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("no port in {}", self.url))
    }

    /// The bearer token the server accepts: the `UPSTASH_REDIS_REST_TOKEN`.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Every request received so far (oldest first, last 1024): method, path, headers without
    /// `authorization`, parsed JSON body.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.log.snapshot()
    }

    /// The `upstash-sync-token` header each request carried (`None` when absent), oldest first.
    pub fn sync_tokens_received(&self) -> Vec<Option<String>> {
        self.requests().into_iter().map(|r| r.sync_token).collect()
    }

    /// Forgets the requests recorded so far.
    pub fn clear_requests(&self) {
        self.log.clear();
    }
}

impl Drop for UpstashLocal {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
