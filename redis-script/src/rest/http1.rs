//! The client's own HTTP/1.1 connections: keep-alive connections to the one endpoint, each driven by
//! the task whose request it carries.
//!
//! `reqwest` hands every request to a connection task of its own through its pool and channels, so a
//! call wakes another task (often on another thread) on the way out and again on the way back. Here the
//! calling task writes the request and reads the reply itself, through `hyper`'s HTTP/1.1 connection
//! (the one `reqwest` is built on, so nothing more is compiled); an idle connection waits in a
//! last-in-first-out list. What this path does not do (proxies), `reqwest` does: the client takes it
//! when the environment names a proxy or the application passes a `reqwest::Client` of its own.
//!
//! Exactly once: a request is sent again on another connection only when `hyper` hands it back unsent
//! (an idle connection the server had closed); any failure after that is the caller's to classify as
//! "may have run". A connection whose exchange did not finish (an error, a timeout, a caller that gave
//! up) is dropped with its task's future, never put back, so no reply can reach the wrong request.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, Connection, SendRequest};
use hyper::header::{HOST, HeaderMap, HeaderValue};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use reqwest::Url;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Idle connections kept for later requests; more are closed when their request is done.
const MAX_IDLE: usize = 64;

/// An idle connection older than this is closed rather than used: servers and load balancers close
/// idle connections after a minute or so, and a request sent on one they just closed may be lost.
const IDLE_TIMEOUT: Duration = Duration::from_secs(50);

/// TCP keep-alive probes after this long without traffic, so a dead peer is noticed.
const TCP_KEEPALIVE: Duration = Duration::from_secs(30);

/// The endpoint's connections.
pub(crate) struct Pool {
    endpoint: Endpoint,
    connect_timeout: Duration,
    idle: Mutex<Vec<Idle>>,
}

/// Where connections go, as the URL said when the client was built.
struct Endpoint {
    /// `host[:port]`, as the `Host` header carries it.
    host_header: HeaderValue,
    /// The host to resolve (a name), or the address itself.
    host: Host,
    port: u16,
    /// TLS with the server name to verify, for `https`.
    tls: Option<(TlsConnector, ServerName<'static>)>,
}

enum Host {
    Name(String),
    Address(std::net::IpAddr),
}

/// A keep-alive connection: the handle requests go through, and the connection itself, which the task
/// whose request is on it polls.
struct Conn {
    sender: SendRequest<Full<Bytes>>,
    connection: Connection<TokioIo<Stream>, Full<Bytes>>,
}

struct Idle {
    conn: Conn,
    since: Instant,
    /// The runtime whose I/O driver the connection's socket is registered with: only a task of that
    /// runtime takes it, since another runtime's task would wait on a driver that may not be driven
    /// (a `BlockingUpstash`'s, between calls) or gone.
    runtime: tokio::runtime::Id,
}

/// The head and the whole body of a response.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// Why an exchange failed; what it means for the command is the caller's to say.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Nothing was sent: the server could not be reached (name, TCP, TLS), or a new connection closed
    /// before the request went out.
    Connect(BoxError),
    /// No complete reply came within the request's timeout; the request may have been sent.
    Timeout(BoxError),
    /// The request may have been sent, in whole or part, and no complete reply came.
    Exchange(BoxError),
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What became of one request on one connection.
enum Outcome {
    Done(Reply),
    /// The connection took none of the request; it comes back to be sent elsewhere.
    NotSent(Request<Full<Bytes>>, BoxError),
    Failed(BoxError),
}

impl Pool {
    /// Connections to `url` (http or https), over TLS set up by `tls` for https.
    pub(crate) fn new(
        url: &Url,
        tls: Option<Arc<rustls::ClientConfig>>,
        connect_timeout: Duration,
    ) -> Result<Pool, String> {
        let port = url
            .port_or_known_default()
            .ok_or("has no port and no scheme with a known one")?;
        let shown = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("has no host")?;
        // `host_str` writes an IPv6 address in brackets, as a URL and the `Host` header do.
        let bare = shown.trim_start_matches('[').trim_end_matches(']');
        let host = match bare.parse::<std::net::IpAddr>() {
            Ok(ip) => Host::Address(ip),
            Err(_) => Host::Name(bare.to_owned()),
        };
        let name = bare.to_owned();
        let authority = match url.port() {
            Some(port) => format!("{shown}:{port}"),
            None => shown.to_owned(),
        };
        let host_header = HeaderValue::from_str(&authority)
            .map_err(|_| "has a host that can not be sent in an HTTP header".to_owned())?;
        let tls = match (url.scheme(), tls) {
            ("https", Some(config)) => {
                let server_name = ServerName::try_from(name)
                    .map_err(|_| "has a host that is no valid TLS server name".to_owned())?;
                Some((TlsConnector::from(config), server_name))
            }
            ("https", None) => return Err("is https, and no TLS was set up".to_owned()),
            _ => None,
        };
        Ok(Pool {
            endpoint: Endpoint {
                host_header,
                host,
                port,
                tls,
            },
            connect_timeout,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Sends `request` (its URI the path alone) and reads the whole reply, on an idle connection or a
    /// new one of `runtime` (the Tokio runtime the call runs on), all within `timeout`. A request an
    /// idle connection handed back unsent goes on the next one.
    pub(crate) async fn send(
        &self,
        mut request: Request<Full<Bytes>>,
        timeout: Option<Duration>,
        runtime: tokio::runtime::Id,
    ) -> Result<Reply, Failure> {
        let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
        request
            .headers_mut()
            .insert(HOST, self.endpoint.host_header.clone());
        loop {
            let (conn, reused) = match self.checkout(runtime) {
                Some(conn) => (conn, true),
                None => (self.connect(deadline).await?, false),
            };
            let exchange = conn.exchange(request);
            let (outcome, conn) = match deadline {
                None => exchange.await,
                // The connection goes with the exchange: its reply may still come, to no one.
                Some(deadline) => tokio::time::timeout_at(deadline, exchange)
                    .await
                    .map_err(|_| Failure::Timeout("no whole reply within the timeout".into()))?,
            };
            match outcome {
                Outcome::Done(reply) => {
                    if let Some(conn) = conn {
                        self.checkin(conn, runtime);
                    }
                    return Ok(reply);
                }
                Outcome::NotSent(unsent, _) if reused => request = unsent,
                Outcome::NotSent(_, error) => return Err(Failure::Connect(error)),
                Outcome::Failed(error) => return Err(Failure::Exchange(error)),
            }
        }
    }

    /// The most recently used idle connection of `runtime` that is still open; connections idle for too
    /// long are closed on the way.
    fn checkout(&self, runtime: tokio::runtime::Id) -> Option<Conn> {
        let mut idle = self.lock();
        idle.retain(|i| i.since.elapsed() < IDLE_TIMEOUT);
        while let Some(at) = idle.iter().rposition(|i| i.runtime == runtime) {
            let mut conn = idle.remove(at).conn;
            if conn.is_open() {
                return Some(conn);
            }
        }
        None
    }

    /// Keeps `conn` for a later request, unless it closed; the oldest idle one makes room. Whether the
    /// server closed it meanwhile is seen when it is taken again ([`Conn::is_open`]).
    fn checkin(&self, conn: Conn, runtime: tokio::runtime::Id) {
        if conn.sender.is_closed() {
            return;
        }
        let mut idle = self.lock();
        if idle.len() >= MAX_IDLE {
            idle.remove(0);
        }
        idle.push(Idle {
            conn,
            since: Instant::now(),
            runtime,
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Idle>> {
        // The list holds no invariant a panic elsewhere could break.
        match self.idle.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// A new connection: resolve, connect (each address in turn), TLS; within the connect timeout and
    /// before the request's deadline. Nothing of the request is sent, whatever fails.
    async fn connect(&self, deadline: Option<tokio::time::Instant>) -> Result<Conn, Failure> {
        let limit = tokio::time::Instant::now() + self.connect_timeout;
        let limit = deadline.map_or(limit, |deadline| deadline.min(limit));
        let connecting = async {
            let tcp = self.tcp(limit).await?;
            let stream = match &self.endpoint.tls {
                Some((connector, name)) => {
                    Stream::Tls(Box::new(connector.connect(name.clone(), tcp).await?))
                }
                None => Stream::Plain(tcp),
            };
            let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
            Ok::<_, BoxError>(Conn { sender, connection })
        };
        match tokio::time::timeout_at(limit, connecting).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(error)) => Err(Failure::Connect(error)),
            Err(_) => Err(Failure::Connect("no connection in time".into())),
        }
    }

    /// A TCP connection to the first address of the host that takes one, each address given an equal
    /// share of the time left (as `hyper-util` does), so that one that never answers (a broken IPv6
    /// route) leaves time for the next.
    async fn tcp(&self, limit: tokio::time::Instant) -> Result<TcpStream, BoxError> {
        let port = self.endpoint.port;
        let addresses: Vec<SocketAddr> = match &self.endpoint.host {
            Host::Address(ip) => vec![SocketAddr::new(*ip, port)],
            Host::Name(name) => tokio::net::lookup_host((name.as_str(), port))
                .await?
                .collect(),
        };
        let mut last: Option<BoxError> = None;
        let count = addresses.len();
        for (tried, address) in addresses.into_iter().enumerate() {
            let left = u32::try_from(count - tried).unwrap_or(u32::MAX);
            let share = limit.saturating_duration_since(tokio::time::Instant::now()) / left;
            match tokio::time::timeout(share, TcpStream::connect(address)).await {
                Ok(Ok(tcp)) => {
                    tcp.set_nodelay(true)?;
                    let keepalive = socket2::TcpKeepalive::new().with_time(TCP_KEEPALIVE);
                    socket2::SockRef::from(&tcp).set_tcp_keepalive(&keepalive)?;
                    return Ok(tcp);
                }
                Ok(Err(e)) => last = Some(e.into()),
                Err(_) => last = Some("an address did not answer in time".into()),
            }
        }
        Err(last.unwrap_or_else(|| "the host name resolved to no address".into()))
    }
}

impl Conn {
    /// True unless the connection is known to be closed: it is polled once, so that a close the server
    /// sent while it was idle is seen before a request is written to it.
    fn is_open(&mut self) -> bool {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        !self.sender.is_closed() && self.connection.poll_without_shutdown(&mut cx).is_pending()
    }

    /// Writes `request` and reads its whole reply, polling the connection meanwhile; the connection
    /// comes back unless it ended.
    async fn exchange(self, request: Request<Full<Bytes>>) -> (Outcome, Option<Conn>) {
        let Conn {
            mut sender,
            connection,
        } = self;
        let mut connection = Some(connection);
        let outcome = {
            let sender = &mut sender;
            let mut work = pin!(async move {
                if let Err(error) = sender.ready().await {
                    return Outcome::NotSent(request, error.into());
                }
                let response = match sender.try_send_request(request).await {
                    Ok(response) => response,
                    Err(mut error) => {
                        return match error.take_message() {
                            Some(request) => Outcome::NotSent(request, error.into_error().into()),
                            None => Outcome::Failed(error.into_error().into()),
                        };
                    }
                };
                let (head, body) = response.into_parts();
                match body.collect().await {
                    Ok(body) => Outcome::Done(Reply {
                        status: head.status,
                        headers: head.headers,
                        body: body.to_bytes(),
                    }),
                    Err(error) => Outcome::Failed(error.into()),
                }
            });
            std::future::poll_fn(|cx| {
                loop {
                    if let Poll::Ready(outcome) = work.as_mut().poll(cx) {
                        return Poll::Ready(outcome);
                    }
                    let Some(conn) = connection.as_mut() else {
                        // Dropping the connection answered every request it held; this is not reached.
                        return Poll::Ready(Outcome::Failed("the connection closed".into()));
                    };
                    match conn.poll_without_shutdown(cx) {
                        Poll::Pending => return Poll::Pending,
                        // The connection ended (closed, or failed). Dropping it answers the request: handed
                        // back if none of it was written, else with the error.
                        Poll::Ready(_) => connection = None,
                    }
                }
            })
            .await
        };
        let conn = connection.map(|connection| Conn { sender, connection });
        (outcome, conn)
    }
}

/// A TCP connection, or TLS over one.
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => std::pin::Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => std::pin::Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => std::pin::Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => std::pin::Pin::new(s).poll_write(cx, buf),
        }
    }

    // Vectored, so that hyper writes a request's head and body without copying the body first.
    fn poll_write_vectored(
        self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => std::pin::Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => std::pin::Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => std::pin::Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => std::pin::Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => std::pin::Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => std::pin::Pin::new(s).poll_shutdown(cx),
        }
    }
}

// The tests set up TLS with aws-lc-rs, which `rest-no-provider` alone does not build.
#[cfg(all(test, feature = "rest"))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn tls() -> Option<Arc<rustls::ClientConfig>> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        Some(Arc::new(config))
    }

    fn pool(url: &str) -> Result<Pool, String> {
        Pool::new(&Url::parse(url).unwrap(), tls(), Duration::from_secs(1))
    }

    #[test]
    fn the_host_header_and_the_address_come_from_the_url() {
        let cases = [
            (
                "https://eu1-example.upstash.io",
                "eu1-example.upstash.io",
                443,
                true,
            ),
            (
                "https://eu1-example.upstash.io:8443/base",
                "eu1-example.upstash.io:8443",
                8443,
                true,
            ),
            ("http://127.0.0.1:8079", "127.0.0.1:8079", 8079, false),
            ("http://[::1]:8079", "[::1]:8079", 8079, false),
            ("http://localhost", "localhost", 80, false),
        ];
        for (url, host, port, tls) in cases {
            let pool = pool(url).unwrap();
            assert_eq!(pool.endpoint.host_header, host, "{url}");
            assert_eq!(pool.endpoint.port, port, "{url}");
            assert_eq!(pool.endpoint.tls.is_some(), tls, "{url}");
        }
        assert!(
            matches!(pool("http://[::1]:1").unwrap().endpoint.host, Host::Address(ip) if ip.is_ipv6())
        );
        assert!(
            matches!(pool("http://localhost").unwrap().endpoint.host, Host::Name(ref n) if n == "localhost")
        );
        // TLS verifies an address as an address, without brackets.
        let (_, name) = pool("https://[::1]:1").unwrap().endpoint.tls.unwrap();
        assert_eq!(name.to_str(), "::1");
    }

    #[test]
    fn https_without_tls_is_refused() {
        let url = Url::parse("https://example.com").unwrap();
        assert!(Pool::new(&url, None, Duration::from_secs(1)).is_err());
    }

    #[tokio::test]
    async fn a_closed_port_is_a_connect_failure_and_no_connection_is_kept() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let pool = pool(&format!("http://127.0.0.1:{port}")).unwrap();
        let request = Request::new(Full::new(Bytes::from_static(b"[]")));
        let failure = pool
            .send(
                request,
                Some(Duration::from_secs(5)),
                tokio::runtime::Handle::current().id(),
            )
            .await;
        assert!(
            matches!(failure, Err(Failure::Connect(_))),
            "{:?}",
            failure.err()
        );
        assert!(pool.lock().is_empty());
    }
}
