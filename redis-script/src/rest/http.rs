//! One HTTP exchange with the REST API: headers, the read-your-writes token, retries, and the
//! classification of failures into [`Error`].

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};

use super::RetryPolicy;
use super::decode::Encoding;
use crate::{Error, TransportError, TransportErrorKind};

/// The header that carries the read-your-writes position, in both directions.
pub(crate) const SYNC_TOKEN: HeaderName = HeaderName::from_static("upstash-sync-token");
const ENCODING: HeaderName = HeaderName::from_static("upstash-encoding");

/// Longest excerpt of an unexpected body kept in an error message.
const EXCERPT_CHARS: usize = 200;

/// May a failed request be sent again? Decided per request by what it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Idempotence {
    /// EVAL_RO / EVALSHA_RO: the server refuses writes, so running it twice changes nothing.
    ReadOnly,
    /// Anything that may write: sent again only when it certainly was not sent.
    MayWrite,
}

/// A response whose status and body are read in full.
pub(crate) struct Response {
    pub(crate) status: StatusCode,
    pub(crate) body: Vec<u8>,
}

/// The shared state of an [`Upstash`](super::Upstash) client and its clones.
pub(crate) struct Inner {
    http: reqwest::Client,
    url: Url,
    auth: HeaderValue,
    timeout: Option<Duration>,
    read_your_writes: bool,
    pub(crate) encoding: Encoding,
    retry: RetryPolicy,
    sync_token: Mutex<Option<HeaderValue>>,
}

impl Inner {
    pub(crate) fn new(
        http: reqwest::Client,
        url: Url,
        auth: HeaderValue,
        timeout: Option<Duration>,
        read_your_writes: bool,
        encoding: Encoding,
        retry: RetryPolicy,
    ) -> Self {
        Inner {
            http,
            url,
            auth,
            timeout,
            read_your_writes,
            encoding,
            retry,
            sync_token: Mutex::new(None),
        }
    }

    /// The URL of a route below the base URL (`pipeline`, `multi-exec`), or the base URL itself, without
    /// a trailing slash (as the official SDKs send it).
    pub(crate) fn route(&self, route: Option<&str>) -> Url {
        let base = self.url.path().trim_end_matches('/');
        let path = match route {
            Some(route) => format!("{base}/{route}"),
            None if base.is_empty() => "/".to_owned(),
            None => base.to_owned(),
        };
        let mut url = self.url.clone();
        url.set_path(&path);
        url
    }

    /// POSTs `body` to `url`, sending it again only as `idempotence` and the retry policy allow.
    /// `secrets` are the values no error message may contain (keys, arguments); the token is added here.
    pub(crate) async fn post(
        &self,
        url: Url,
        body: Vec<u8>,
        idempotence: Idempotence,
        secrets: &[&[u8]],
    ) -> Result<Response, Error> {
        let mut retry = 0;
        let response = loop {
            let outcome = self.attempt(url.clone(), body.clone()).await;
            let again = retry < self.retry.max_retries
                && match &outcome {
                    Ok(response) => {
                        idempotence == Idempotence::ReadOnly && is_transient(response.status)
                    }
                    Err(failure) => {
                        failure.kind == TransportErrorKind::Connect
                            || (idempotence == Idempotence::ReadOnly
                                && failure.kind != TransportErrorKind::Config)
                    }
                };
            if !again {
                break outcome.map_err(|failure| failure.into_error(retry + 1))?;
            }
            tokio::time::sleep(self.retry.backoff(retry)).await;
            retry += 1;
        };
        self.check_status(response, secrets)
    }

    /// Keeps 2xx and 400 (whose body carries the server's error reply); turns any other status into an
    /// error.
    fn check_status(&self, response: Response, secrets: &[&[u8]]) -> Result<Response, Error> {
        let status = response.status;
        if status.is_success() || status == StatusCode::BAD_REQUEST {
            return Ok(response);
        }
        if status == StatusCode::UNAUTHORIZED {
            return Err(Error::Transport(TransportError::new(
                TransportErrorKind::Unauthorized,
                format!(
                    "the REST API refused the token (HTTP 401); check {}",
                    super::TOKEN_ENV
                ),
                false,
            )));
        }
        // A redirect or a 4xx means the request was refused as a whole; a 5xx may come after the command
        // ran.
        let may_have_run = status.is_server_error();
        Err(Error::Transport(TransportError::new(
            TransportErrorKind::Protocol,
            format!(
                "HTTP {status} from the REST API: {}",
                self.excerpt(&response.body, secrets)
            ),
            may_have_run,
        )))
    }

    /// A protocol error for a body that could not be read, with the status and a bounded excerpt.
    pub(crate) fn bad_body(&self, response: &Response, what: &str, secrets: &[&[u8]]) -> Error {
        Error::Transport(TransportError::new(
            TransportErrorKind::Protocol,
            format!(
                "{what} (HTTP {}): {}",
                response.status,
                self.excerpt(&response.body, secrets)
            ),
            true,
        ))
    }

    /// One try: send, record the sync token, read the whole body.
    async fn attempt(&self, url: Url, body: Vec<u8>) -> Result<Response, Failure> {
        let mut request = self
            .http
            .post(url)
            .header(AUTHORIZATION, self.auth.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if self.encoding == Encoding::Base64 {
            request = request.header(ENCODING, HeaderValue::from_static("base64"));
        }
        if let Some(token) = self.sync_token().filter(|_| self.read_your_writes) {
            request = request.header(SYNC_TOKEN, token);
        }
        if let Some(timeout) = self.timeout {
            request = request.timeout(timeout);
        }
        let response = request.body(body).send().await.map_err(Failure::from)?;
        if let Some(token) = response
            .headers()
            .get(SYNC_TOKEN)
            .filter(|_| self.read_your_writes)
        {
            self.set_sync_token(token.clone());
        }
        let status = response.status();
        let body = response.bytes().await.map_err(Failure::from)?;
        Ok(Response {
            status,
            body: body.to_vec(),
        })
    }

    /// The latest sync token received, if any.
    pub(crate) fn sync_token(&self) -> Option<HeaderValue> {
        match self.sync_token.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_sync_token(&self, token: HeaderValue) {
        match self.sync_token.lock() {
            Ok(mut guard) => *guard = Some(token),
            Err(poisoned) => *poisoned.into_inner() = Some(token),
        }
    }

    /// At most [`EXCERPT_CHARS`] characters of `body`, on one line, with the token and every secret
    /// replaced, so that an echoing proxy can not leak them into an error.
    fn excerpt(&self, body: &[u8], secrets: &[&[u8]]) -> String {
        let mut text = String::from_utf8_lossy(body).into_owned();
        let token = self
            .auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        for secret in secrets
            .iter()
            .filter_map(|s| std::str::from_utf8(s).ok())
            .chain([token])
            .filter(|s| !s.is_empty())
        {
            text = text.replace(secret, "<redacted>");
        }
        let mut excerpt: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(EXCERPT_CHARS)
            .collect();
        if text.chars().count() > EXCERPT_CHARS {
            excerpt.push_str("...");
        }
        if excerpt.trim().is_empty() {
            excerpt = "empty body".to_owned();
        }
        excerpt
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upstash")
            .field("url", &self.url.as_str())
            .field("token", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("read_your_writes", &self.read_your_writes)
            .field("base64", &(self.encoding == Encoding::Base64))
            .field("retry", &self.retry)
            .finish()
    }
}

/// Statuses after which a read-only request is worth sending again.
fn is_transient(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

/// A failed try, classified; it becomes an [`Error`] once no retry follows.
struct Failure {
    kind: TransportErrorKind,
    source: reqwest::Error,
}

impl From<reqwest::Error> for Failure {
    fn from(e: reqwest::Error) -> Self {
        let kind = if e.is_builder() {
            TransportErrorKind::Config
        } else if e.is_connect() {
            TransportErrorKind::Connect
        } else if e.is_timeout() {
            TransportErrorKind::Timeout
        } else {
            TransportErrorKind::Io
        };
        // The URL is no secret, but a user may have put one in it: keep it out of every message.
        Failure {
            kind,
            source: e.without_url(),
        }
    }
}

impl Failure {
    fn into_error(self, tries: u32) -> Error {
        let what = match self.kind {
            TransportErrorKind::Connect => "the Upstash REST API could not be reached",
            TransportErrorKind::Timeout => "no reply from the Upstash REST API in time",
            TransportErrorKind::Config => "the request could not be built",
            _ => "the connection to the Upstash REST API failed",
        };
        let message = if tries > 1 {
            format!("{what} ({tries} tries)")
        } else {
            what.to_owned()
        };
        let may_have_run = !matches!(
            self.kind,
            TransportErrorKind::Connect | TransportErrorKind::Config
        );
        Error::Transport(
            TransportError::new(self.kind, message, may_have_run).with_source(self.source),
        )
    }
}
