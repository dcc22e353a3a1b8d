//! Server settings.

use std::time::Duration;

/// How the server reaches Redis and whom it lets in.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// URL of the Redis behind the server, e.g. `redis://127.0.0.1:6379`.
    pub redis_url: String,
    /// The bearer token clients must present.
    pub token: String,
    /// Keep a log of received requests and serve it at `GET /__requests`.
    pub record_requests: bool,
    /// How many requests the log keeps; older ones are dropped first.
    pub request_log_capacity: usize,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// How long to wait for a TCP connection to Redis before answering 500.
    pub connect_timeout: Duration,
    /// How long to wait for Redis to answer a request before answering 500
    /// (`None`: wait as long as it takes). Blocking commands (`BLPOP` ...) run on
    /// a connection of their own and always wait as long as they ask to.
    pub response_timeout: Option<Duration>,
}

impl Config {
    /// Settings for `redis_url` and `token`, with request recording off.
    pub fn new(redis_url: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            redis_url: redis_url.into(),
            token: token.into(),
            record_requests: false,
            request_log_capacity: 1024,
            max_body_bytes: 64 * 1024 * 1024,
            connect_timeout: Duration::from_secs(2),
            response_timeout: Some(Duration::from_secs(30)),
        }
    }

    /// Turns the request log and its `GET /__requests` route on or off.
    #[must_use]
    pub fn record_requests(mut self, on: bool) -> Self {
        self.record_requests = on;
        self
    }
}
