//! Building an [`Upstash`] client: URL and token checks, environment variables, options.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderValue;

use super::decode::Encoding;
use super::http::{Http, Inner, Settings};
use super::http1;
use super::{AutoPipeline, Upstash};
use crate::{Error, TransportError, TransportErrorKind};

/// The environment variable holding the REST URL, as the Upstash console names it.
pub const URL_ENV: &str = "UPSTASH_REDIS_REST_URL";
/// The environment variable holding the REST token, as the Upstash console names it.
pub const TOKEN_ENV: &str = "UPSTASH_REDIS_REST_TOKEN";

/// When a failed request is sent again.
///
/// A request that may have reached the server is sent again only for read-only commands (EVAL_RO,
/// EVALSHA_RO), which can not write; a request that could not even connect is sent again for any
/// command, since nothing was sent. The wait before retry `n` (from 0) is `base_backoff * 2^n`, at most
/// [`RetryPolicy::MAX_BACKOFF`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// How many times a request is sent again after the first try.
    pub max_retries: u32,
    /// The wait before the first retry; it doubles with each further one.
    pub base_backoff: Duration,
}

impl RetryPolicy {
    /// The longest wait between two tries.
    pub const MAX_BACKOFF: Duration = Duration::from_secs(2);

    /// Up to `max_retries` retries, the first after `base_backoff`.
    pub const fn new(max_retries: u32, base_backoff: Duration) -> Self {
        RetryPolicy {
            max_retries,
            base_backoff,
        }
    }

    /// Never send a request twice.
    pub const fn none() -> Self {
        RetryPolicy::new(0, Duration::ZERO)
    }

    /// The wait before retry `retry` (counted from 0).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        self.base_backoff
            .saturating_mul(1u32 << retry.min(16))
            .min(Self::MAX_BACKOFF)
    }
}

impl Default for RetryPolicy {
    /// Three retries, waiting 50 ms, 100 ms and 200 ms.
    fn default() -> Self {
        RetryPolicy::new(3, Duration::from_millis(50))
    }
}

/// Where the URL and token came from, so that an error can name the variable to fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Arguments,
    Environment,
}

/// Options of an [`Upstash`] client; [`build`](Self::build) checks them.
///
/// ```no_run
/// use std::time::Duration;
/// use redis_script::rest::{RetryPolicy, Upstash};
///
/// # fn f() -> redis_script::Result<()> {
/// let upstash = Upstash::builder_from_env()?
///     .timeout(Some(Duration::from_secs(5)))
///     .retry(RetryPolicy::new(2, Duration::from_millis(100)))
///     .build()?;
/// # Ok(()) }
/// ```
#[must_use]
pub struct UpstashBuilder {
    url: String,
    token: String,
    origin: Origin,
    timeout: Option<Duration>,
    http: Option<reqwest::Client>,
    tls: Option<rustls::ClientConfig>,
    read_your_writes: bool,
    base64: bool,
    retry: RetryPolicy,
    auto_pipeline: Option<AutoPipeline>,
}

impl UpstashBuilder {
    /// The default request timeout.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    pub(crate) fn new(url: String, token: String) -> Self {
        UpstashBuilder {
            url,
            token,
            origin: Origin::Arguments,
            timeout: Some(Self::DEFAULT_TIMEOUT),
            http: None,
            tls: None,
            read_your_writes: true,
            base64: true,
            retry: RetryPolicy::default(),
            auto_pipeline: Some(AutoPipeline::DEFAULT),
        }
    }

    pub(crate) fn from_env() -> Result<Self, Error> {
        let url = env_var(URL_ENV)?;
        let token = env_var(TOKEN_ENV)?;
        let mut builder = UpstashBuilder::new(url, token);
        builder.origin = Origin::Environment;
        Ok(builder)
    }

    /// How long one request may take, from sending it to reading the whole reply; `None` waits for
    /// ever. Default: [`DEFAULT_TIMEOUT`](Self::DEFAULT_TIMEOUT). A request that timed out may have run.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sends through this `reqwest` client instead of the client's own connections (e.g. to share a
    /// connection pool, set a proxy, or use another TLS library). The request timeout above still
    /// applies per request.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Speaks TLS as `config` says, instead of with the platform's roots and the process's crypto
    /// provider: roots of your own (a private CA), a client certificate, a provider of your choice. Its
    /// ALPN protocols are set to HTTP/1.1. Not used with [`http_client`](Self::http_client), whose
    /// client has its TLS set up already.
    pub fn tls_config(mut self, config: rustls::ClientConfig) -> Self {
        self.tls = Some(config);
        self
    }

    /// Sends the latest `upstash-sync-token` with each request, so that a read sees the writes made
    /// before it through this client (and its clones) even when a replica serves it. Default: on.
    pub fn read_your_writes(mut self, on: bool) -> Self {
        self.read_your_writes = on;
        self
    }

    /// Asks for base64-encoded strings in replies (`Upstash-Encoding: base64`), which keeps binary values
    /// intact. Off saves a little work when every value is UTF-8 text; other bytes are then lost by the
    /// server's JSON encoding. Default: on.
    pub fn base64(mut self, on: bool) -> Self {
        self.base64 = on;
        self
    }

    /// Gathers script commands issued while a request is on its way (or at the same moment) into one
    /// `/pipeline` request, within `Some(limits)`; `None` sends every command as a request of its own.
    /// Default: on, with [`AutoPipeline::DEFAULT`]. Explicit [`Pipeline`](crate::Pipeline)s and
    /// [`Transaction`](crate::Transaction)s are always requests of their own.
    pub fn auto_pipeline(mut self, limits: Option<AutoPipeline>) -> Self {
        self.auto_pipeline = limits;
        self
    }

    /// When failed requests are sent again. Default: [`RetryPolicy::default`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Checks the URL and the token and builds the client.
    ///
    /// # Errors
    ///
    /// A [`Config`](crate::TransportErrorKind::Config) transport error, saying what is wrong, when
    /// the URL is not a bare http(s) URL, the token is empty or not sendable in a header, or the
    /// HTTP client can not be built.
    pub fn build(self) -> Result<Upstash, Error> {
        let (url_name, token_name) = match self.origin {
            Origin::Environment => (URL_ENV, TOKEN_ENV),
            Origin::Arguments => ("the REST URL", "the REST token"),
        };
        let url = parse_url(&self.url).map_err(|why| config(format!("{url_name} {why}")))?;
        let auth = bearer(&self.token).map_err(|why| config(format!("{token_name} {why}")))?;
        let http = match self.http {
            Some(http) => Http::Reqwest(http),
            None => default_http(&url, self.timeout, self.tls).map_err(|why| match why {
                Why::Url(why) => config(format!("{url_name} {why}")),
                Why::Other(error) => error,
            })?,
        };
        let encoding = if self.base64 {
            Encoding::Base64
        } else {
            Encoding::Plain
        };
        let inner = Inner::new(
            http,
            url,
            auth,
            Settings {
                timeout: self.timeout,
                read_your_writes: self.read_your_writes,
                encoding,
                retry: self.retry,
                auto_pipeline: self.auto_pipeline,
            },
        )
        .map_err(|why| config(format!("{url_name} {why}")))?;
        Ok(Upstash {
            inner: Arc::new(inner),
        })
    }
}

impl fmt::Debug for UpstashBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The raw URL may carry a token (`https://:TOKEN@..`, `?_token=..`) that `build` would refuse.
        let url = match Url::parse(self.url.trim()) {
            Ok(url) => super::http::shown_url(&url),
            Err(_) => "<not a valid URL>".to_owned(),
        };
        f.debug_struct("UpstashBuilder")
            .field("url", &url)
            .field("token", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("http_client", &self.http.is_some())
            .field("tls_config", &self.tls.is_some())
            .field("read_your_writes", &self.read_your_writes)
            .field("base64", &self.base64)
            .field("retry", &self.retry)
            .field("auto_pipeline", &self.auto_pipeline)
            .finish()
    }
}

fn config(message: String) -> Error {
    Error::Transport(TransportError::new(
        TransportErrorKind::Config,
        message,
        false,
    ))
}

fn env_var(name: &str) -> Result<String, Error> {
    match std::env::var(name) {
        Ok(value) => Ok(value),
        Err(std::env::VarError::NotPresent) => {
            Err(config(format!("environment variable {name} is not set")))
        }
        Err(std::env::VarError::NotUnicode(_)) => Err(config(format!(
            "environment variable {name} is not valid Unicode"
        ))),
    }
}

/// Checks the REST URL; the reason for a refusal never repeats the URL, which may carry a token.
fn parse_url(text: &str) -> Result<Url, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("is empty".to_owned());
    }
    let url = Url::parse(text).map_err(|e| format!("is not a valid URL ({e})"))?;
    if !matches!(url.scheme(), "https" | "http") {
        // Not echoed: `default:TOKEN@host` parses with `default` as its scheme.
        return Err("must start with https:// (or http:// for a local server)".to_owned());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("has no host".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry a user or password (pass the token separately)".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(
            "must be the bare endpoint, without query or fragment (pass the token separately)"
                .to_owned(),
        );
    }
    Ok(url)
}

/// `Bearer <token>` as a header value marked sensitive, so `http` never prints it.
fn bearer(token: &str) -> Result<HeaderValue, String> {
    let token = token.trim();
    if token.is_empty() {
        return Err("is empty".to_owned());
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| "contains characters that can not be sent in an HTTP header".to_owned())?;
    value.set_sensitive(true);
    Ok(value)
}

/// The rustls crypto provider: the one the application installed for the process, if any (its choice,
/// as rustls's own builder respects it), else aws-lc-rs with the `rest` feature, which offers the
/// post-quantum X25519MLKEM768 key exchange first. With `rest-no-provider` alone there is no other.
fn crypto_provider() -> Result<Arc<rustls::crypto::CryptoProvider>, Error> {
    if let Some(installed) = rustls::crypto::CryptoProvider::get_default() {
        return Ok(Arc::clone(installed));
    }
    #[cfg(feature = "rest")]
    return Ok(Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    #[cfg(not(feature = "rest"))]
    Err(Error::Transport(TransportError::new(
        TransportErrorKind::Config,
        "no rustls crypto provider is installed: with the `rest-no-provider` feature, install one \
         before building the client (e.g. `rustls::crypto::ring::default_provider().install_default()`), \
         or enable the `rest` feature (aws-lc-rs)",
        false,
    )))
}

/// Why the default transport could not be set up: something about the URL, or another error.
enum Why {
    Url(String),
    Other(Error),
}

/// The client's own keep-alive HTTP/1.1 connections over rustls (`tls`, else the platform's roots);
/// `reqwest` when the environment names a proxy, which it applies as curl does (`NO_PROXY` too).
fn default_http(
    url: &Url,
    timeout: Option<Duration>,
    tls: Option<rustls::ClientConfig>,
) -> Result<Http, Why> {
    let mut tls = match tls {
        Some(tls) => tls,
        None => platform_tls().map_err(Why::Other)?,
    };
    let connect_timeout = timeout
        .unwrap_or(UpstashBuilder::DEFAULT_TIMEOUT)
        .min(UpstashBuilder::DEFAULT_TIMEOUT);
    if proxy_in_environment(url.scheme()) {
        return default_http_client(tls, connect_timeout)
            .map(Http::Reqwest)
            .map_err(Why::Other);
    }
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    http1::Pool::new(url, Some(Arc::new(tls)), connect_timeout)
        .map(Http::Own)
        .map_err(Why::Url)
}

/// Whether a proxy variable that `reqwest` reads for `scheme` is set.
fn proxy_in_environment(scheme: &str) -> bool {
    let names: &[&str] = match scheme {
        "https" => &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"],
        _ => &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"],
    };
    names
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

/// rustls with the platform's roots and the crypto provider of [`crypto_provider`].
fn platform_tls() -> Result<rustls::ClientConfig, Error> {
    use rustls_platform_verifier::BuilderVerifierExt as _;
    let tls_error = |e: rustls::Error| {
        Error::Transport(
            TransportError::new(TransportErrorKind::Config, "TLS could not be set up", false)
                .with_source(e),
        )
    };
    Ok(
        rustls::ClientConfig::builder_with_provider(crypto_provider()?)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_platform_verifier()
            .map_err(tls_error)?
            .with_no_client_auth(),
    )
}

/// A pooled keep-alive HTTP/1.1 `reqwest` client over `tls`, which does not follow redirects.
fn default_http_client(
    tls: rustls::ClientConfig,
    connect_timeout: Duration,
) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        // The REST API never redirects; following one could send the command (and token) elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
        .pool_idle_timeout(Duration::from_secs(60))
        .tcp_keepalive(Duration::from_secs(30))
        .build()
        .map_err(|e| {
            Error::Transport(
                TransportError::new(
                    TransportErrorKind::Config,
                    "the HTTP client could not be built",
                    false,
                )
                .with_source(e.without_url()),
            )
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config_message(result: Result<Upstash, Error>) -> String {
        let err = result.unwrap_err();
        let Error::Transport(t) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(t.kind(), TransportErrorKind::Config);
        assert!(!err.may_have_run());
        format!("{err} | {err:?}")
    }

    #[test]
    fn urls_must_be_http_or_https_and_bare() {
        let msg = config_message(Upstash::new("ftp://x.upstash.io", "tok3n"));
        assert!(
            msg.contains("REST URL") && msg.contains("must start with https://"),
            "{msg}"
        );
        let msg = config_message(Upstash::new("not a url", "tok3n"));
        assert!(msg.contains("not a valid URL"), "{msg}");
        let msg = config_message(Upstash::new("", "tok3n"));
        assert!(msg.contains("empty"), "{msg}");
        let msg = config_message(Upstash::new("https://x.upstash.io/?_token=s3cr3t", "tok3n"));
        assert!(!msg.contains("s3cr3t") && !msg.contains("tok3n"), "{msg}");
        for url in [
            "https://:s3cr3t@x.upstash.io",
            "https://user:s3cr3t@x.upstash.io",
            "https://s3cr3t@x.upstash.io",
            "https://x.upstash.io/#s3cr3t",
            "https://x.upstash.io?s3cr3t",
        ] {
            let msg = config_message(Upstash::new(url, "tok3n"));
            assert!(!msg.contains("s3cr3t") && !msg.contains("tok3n"), "{msg}");
            assert!(msg.contains("REST URL"), "{msg}");
        }
        assert!(Upstash::new("https://x.upstash.io", "tok3n").is_ok());
        assert!(Upstash::new("http://127.0.0.1:8080/", "tok3n").is_ok());
    }

    #[test]
    fn tokens_must_be_header_safe_and_are_never_shown() {
        let msg = config_message(Upstash::new("https://x.upstash.io", " "));
        assert!(msg.contains("token is empty"), "{msg}");
        let msg = config_message(Upstash::new("https://x.upstash.io", "s3cr3t\n1"));
        assert!(
            msg.contains("HTTP header") && !msg.contains("s3cr3t"),
            "{msg}"
        );
    }

    #[test]
    fn debug_redacts_the_token() {
        let builder = Upstash::builder("https://x.upstash.io", "s3cr3t-t0ken");
        let debug = format!("{builder:?}");
        assert!(
            !debug.contains("s3cr3t") && debug.contains("redacted"),
            "{debug}"
        );
        let client = builder.build().unwrap();
        let debug = format!("{client:?} {client:#?}");
        assert!(
            !debug.contains("s3cr3t") && debug.contains("redacted"),
            "{debug}"
        );
        assert!(debug.contains("x.upstash.io"), "{debug}");
    }

    #[test]
    fn debug_shows_only_scheme_host_port_and_path_of_the_url() {
        for url in [
            "https://:s3cr3t@x.upstash.io:8443/base",
            "https://x.upstash.io:8443/base?_token=s3cr3t#s3cr3t",
        ] {
            let debug = format!("{:?}", Upstash::builder(url, "t0ken"));
            assert!(!debug.contains("s3cr3t"), "{debug}");
            assert!(
                debug.contains("\"https://x.upstash.io:8443/base\""),
                "{debug}"
            );
        }
        let debug = format!("{:?}", Upstash::builder("not a url s3cr3t", "t0ken"));
        assert!(!debug.contains("s3cr3t"), "{debug}");
        // Without a scheme, a user and password parse as a scheme and a path; neither is shown,
        // nor named by `build`'s error.
        let bare = "default:s3cr3t@x.upstash.io";
        let debug = format!("{:?}", Upstash::builder(bare, "t0ken"));
        assert!(
            !debug.contains("s3cr3t") && !debug.contains("default"),
            "{debug}"
        );
        let err = Upstash::builder(bare, "t0ken").build().unwrap_err();
        assert!(!format!("{err} {err:?}").contains("default"), "{err:?}");
        let client = Upstash::new("http://127.0.0.1:8079/base/", "t0ken").unwrap();
        let debug = format!("{client:?}");
        assert!(debug.contains("\"http://127.0.0.1:8079/base\""), "{debug}");
    }

    /// The documented defaults: 3 retries, 50 ms doubling, at most 2 s between tries, 10 s timeout.
    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.max_retries, 3);
        assert_eq!(policy.base_backoff, Duration::from_millis(50));
        assert_eq!(policy.backoff(0), Duration::from_millis(50));
        assert_eq!(policy.backoff(1), Duration::from_millis(100));
        assert_eq!(policy.backoff(2), Duration::from_millis(200));
        assert_eq!(policy.backoff(5), Duration::from_millis(1600));
        assert_eq!(policy.backoff(6), Duration::from_secs(2));
        assert_eq!(policy.backoff(40), Duration::from_secs(2));
        assert_eq!(RetryPolicy::MAX_BACKOFF, Duration::from_secs(2));
        let slow = RetryPolicy::new(2, Duration::from_secs(3));
        assert_eq!(slow.backoff(0), Duration::from_secs(2));
        assert_eq!(RetryPolicy::none().max_retries, 0);
        assert_eq!(UpstashBuilder::DEFAULT_TIMEOUT, Duration::from_secs(10));
        let builder = Upstash::builder("https://x.upstash.io", "t0ken");
        assert_eq!(builder.timeout, Some(Duration::from_secs(10)));
        assert_eq!(
            builder.retry,
            RetryPolicy::new(3, Duration::from_millis(50))
        );
    }
}
