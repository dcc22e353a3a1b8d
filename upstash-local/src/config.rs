//! Server settings.

use std::fmt;
use std::time::Duration;

/// How the server reaches Redis and whom it lets in.
///
/// `Debug` shows neither the token nor the password of the Redis URL.
#[derive(Clone)]
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

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("redis_url", &redact_url(&self.redis_url))
            .field("token", &"<redacted>")
            .field("record_requests", &self.record_requests)
            .field("request_log_capacity", &self.request_log_capacity)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout)
            .finish()
    }
}

/// `url` with its user info (`user:password@`) and query (which may carry `pass=`) replaced, so it can
/// be shown.
pub(crate) fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    // User info ends at the last `@` before the query, even when a password holds a raw `/`.
    let query_start = rest.find(['?', '#']).unwrap_or(rest.len());
    let (host, tail) = match rest[..query_start].rfind('@') {
        Some(at) => {
            let rest = &rest[at + 1..];
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            (format!("<redacted>@{}", &rest[..end]), &rest[end..])
        }
        None => {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            (rest[..end].to_owned(), &rest[end..])
        }
    };
    let tail = match tail.split_once(['?', '#']) {
        Some((path, _)) => format!("{path}?<redacted>"),
        None => tail.to_owned(),
    };
    match scheme {
        Some(scheme) => format!("{scheme}://{host}{tail}"),
        None => format!("{host}{tail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_token_and_the_redis_password() {
        let config = Config::new("redis://user:pa55word@127.0.0.1:6390/2", "t0ken-s3cret");
        let debug = format!("{config:?} {config:#?}");
        assert!(!debug.contains("pa55word"), "{debug}");
        assert!(!debug.contains("t0ken-s3cret"), "{debug}");
        assert!(debug.contains("127.0.0.1:6390/2"), "{debug}");
    }

    #[test]
    fn redacted_urls_keep_host_and_path_only() {
        assert_eq!(redact_url("redis://:pw@h:1/0"), "redis://<redacted>@h:1/0");
        assert_eq!(redact_url("redis://h:1"), "redis://h:1");
        assert_eq!(
            redact_url("redis+unix:///tmp/r.sock?db=1&pass=pw"),
            "redis+unix:///tmp/r.sock?<redacted>"
        );
        assert_eq!(redact_url("rediss://u:p@w@h/"), "rediss://<redacted>@h/");
        assert_eq!(redact_url("redis://:p/w@h/1"), "redis://<redacted>@h/1");
    }
}
