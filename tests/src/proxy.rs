//! [`FaultProxy`]: a TCP proxy between a client and a real server that forwards bytes as they come and,
//! on command, holds them, delays them or cuts the connection after a chosen number of bytes, in either
//! direction. It never reorders, drops or changes a byte it forwards.
//!
//! What a client says about a command whose connection failed ("nothing ran", "may have run") is only
//! as good as the moment of the failure it was tested at: the proxy puts that moment at a chosen byte
//! boundary, such as between two commands of a pipeline, or after a command reached the server and
//! before its reply came back.
//!
//! ```no_run
//! # async fn t() {
//! use redis_script_tests::proxy::{Direction, FaultProxy};
//! let server = redis_script_tests::RedisServer::start();
//! let proxy = FaultProxy::start(server.port()).await;
//! let conn = redis::Client::open(proxy.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
//! // From now on: 14 more bytes to the server, then hold what follows until `release`.
//! proxy.hold_after(Direction::ToServer, 14);
//! // ... send, `proxy.held(Direction::ToServer).await`, change the server, `proxy.release()` ...
//! # }
//! ```
//!
//! The rules count bytes from the moment they are set, over every connection of the proxy together
//! (tests give it one client connection at a time). Loopback only; at most [`MAX_CONNECTIONS`] open
//! connections (more are refused); everything stops when the proxy is dropped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The most connections open through one proxy at a time.
pub const MAX_CONNECTIONS: usize = 64;

/// How long [`FaultProxy::held`] and the other waits of a test wait before they fail the test.
const PATIENCE: Duration = Duration::from_secs(10);

/// Bytes read from one side before they are forwarded to the other.
const CHUNK: usize = 16 * 1024;

/// Which way bytes travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the client to the server: commands.
    ToServer,
    /// From the server to the client: replies.
    ToClient,
}

impl Direction {
    fn index(self) -> usize {
        match self {
            Direction::ToServer => 0,
            Direction::ToClient => 1,
        }
    }
}

/// What happens to the bytes travelling one way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    /// Forwarded as they come.
    Pass,
    /// `left` more bytes are forwarded, then the rest waits until the rule changes.
    HoldAfter { left: u64 },
    /// `left` more bytes are forwarded, then the connection is closed both ways.
    CutAfter { left: u64 },
    /// Each chunk waits this long before it is forwarded.
    Delay(Duration),
}

/// The state the pumps and the test share.
#[derive(Clone, Debug)]
struct State {
    rules: [Rule; 2],
    /// Bytes forwarded each way since the proxy started.
    forwarded: [u64; 2],
    /// Bytes waiting in a pump that holds them, each way.
    holding: [usize; 2],
    /// Connections accepted, and open now.
    accepted: u64,
    open: usize,
    /// Connections closed by a cut.
    cuts: u64,
    /// Raised by [`FaultProxy::cut_all`]: every open connection closes.
    cut_generation: u64,
}

/// A TCP proxy on a free loopback port in front of `127.0.0.1:<upstream>`. Stops on drop.
#[derive(Debug)]
pub struct FaultProxy {
    port: u16,
    state: Arc<watch::Sender<State>>,
    accept: JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards every connection to `127.0.0.1:<upstream_port>`.
    pub async fn start(upstream_port: u16) -> FaultProxy {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let upstream = SocketAddr::from(([127, 0, 0, 1], upstream_port));
        let (state, _) = watch::channel(State {
            rules: [Rule::Pass; 2],
            forwarded: [0; 2],
            holding: [0; 2],
            accepted: 0,
            open: 0,
            cuts: 0,
            cut_generation: 0,
        });
        let state = Arc::new(state);
        let accept = tokio::spawn(accept_loop(listener, upstream, Arc::clone(&state)));
        FaultProxy {
            port,
            state,
            accept,
        }
    }

    /// The port clients connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        crate::port::redis_url(self.port)
    }

    /// `http://127.0.0.1:<port>`.
    pub fn http_url(&self) -> String {
        crate::port::http_url(self.port)
    }

    /// From now on, forwards `bytes` more bytes going `direction`, then holds what follows until
    /// [`release`](Self::release) (or another rule for that direction).
    pub fn hold_after(&self, direction: Direction, bytes: u64) {
        self.set(direction, Rule::HoldAfter { left: bytes });
    }

    /// From now on, forwards `bytes` more bytes going `direction`, then closes the connection both
    /// ways (the bytes after them are never forwarded).
    pub fn cut_after(&self, direction: Direction, bytes: u64) {
        self.set(direction, Rule::CutAfter { left: bytes });
    }

    /// Delays every chunk going `direction` by `delay` before forwarding it.
    pub fn delay(&self, direction: Direction, delay: Duration) {
        self.set(direction, Rule::Delay(delay));
    }

    /// Both directions forward as they come again; held bytes go on their way.
    pub fn release(&self) {
        self.state.send_modify(|s| s.rules = [Rule::Pass; 2]);
    }

    /// Closes every open connection now, both ways.
    pub fn cut_all(&self) {
        self.state.send_modify(|s| s.cut_generation += 1);
    }

    /// Waits (at most 10 s, else the test fails) until bytes going `direction` are held.
    pub async fn held(&self, direction: Direction) {
        let d = direction.index();
        self.wait(&format!("bytes held going {direction:?}"), |s| {
            s.holding[d] > 0
        })
        .await;
    }

    /// Waits (at most 10 s) until `bytes` bytes in all have been forwarded going `direction`.
    pub async fn forwarded_at_least(&self, direction: Direction, bytes: u64) {
        let d = direction.index();
        self.wait(
            &format!("{bytes} bytes forwarded going {direction:?}"),
            |s| s.forwarded[d] >= bytes,
        )
        .await;
    }

    /// Waits (at most 10 s) until `cuts` connections in all have been cut.
    pub async fn cut(&self, cuts: u64) {
        self.wait(&format!("{cuts} cut connections"), |s| s.cuts >= cuts)
            .await;
    }

    /// Bytes forwarded going `direction` since the proxy started.
    pub fn forwarded(&self, direction: Direction) -> u64 {
        self.state.borrow().forwarded[direction.index()]
    }

    /// Connections accepted since the proxy started.
    pub fn accepted(&self) -> u64 {
        self.state.borrow().accepted
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.state.borrow().open
    }

    fn set(&self, direction: Direction, rule: Rule) {
        self.state
            .send_modify(|s| s.rules[direction.index()] = rule);
    }

    async fn wait(&self, what: &str, done: impl FnMut(&State) -> bool) {
        let mut state = self.state.subscribe();
        match tokio::time::timeout(PATIENCE, state.wait_for(done)).await {
            Ok(Ok(_)) => {}
            _ => panic!(
                "the proxy saw no {what} in {PATIENCE:?}: {:?}",
                *self.state.borrow()
            ),
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
        // Connections end with the generation: every connection task watches it.
        self.state.send_modify(|s| s.cut_generation += 1);
    }
}

async fn accept_loop(
    listener: TcpListener,
    upstream: SocketAddr,
    state: Arc<watch::Sender<State>>,
) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        if state.borrow().open >= MAX_CONNECTIONS {
            drop(client);
            continue;
        }
        let Ok(server) = TcpStream::connect(upstream).await else {
            drop(client);
            continue;
        };
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        state.send_modify(|s| {
            s.accepted += 1;
            s.open += 1;
        });
        tokio::spawn(connection(client, server, Arc::clone(&state)));
    }
}

/// How a pump ended.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// Its reader reached the end of the stream (or failed): the other side got a FIN.
    Closed,
    /// A rule cut the connection.
    Cut,
}

/// Runs both pumps of one connection until both ends closed, a rule cut it, or the proxy cut all.
async fn connection(client: TcpStream, server: TcpStream, state: Arc<watch::Sender<State>>) {
    let generation = state.borrow().cut_generation;
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let to_server = pump(client_read, server_write, Direction::ToServer, &state);
    let to_client = pump(server_read, client_write, Direction::ToClient, &state);
    let mut cut_all = state.subscribe();
    let cut_all = cut_all.wait_for(|s| s.cut_generation != generation);
    tokio::pin!(to_server, to_client, cut_all);
    let (mut server_done, mut client_done) = (false, false);
    let cut = loop {
        tokio::select! {
            end = &mut to_server, if !server_done => {
                if end == End::Cut { break true; }
                server_done = true;
            }
            end = &mut to_client, if !client_done => {
                if end == End::Cut { break true; }
                client_done = true;
            }
            _ = &mut cut_all => break true,
        }
        if server_done && client_done {
            break false;
        }
    };
    // Returning drops both streams: the connection is closed both ways.
    state.send_modify(|s| {
        s.open -= 1;
        s.cuts += u64::from(cut);
    });
}

/// Forwards `from` to `to` going `direction`, as the rule of that direction says.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    direction: Direction,
    state: &watch::Sender<State>,
) -> End {
    let d = direction.index();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = to.shutdown().await;
                return End::Closed;
            }
            Ok(n) => n,
        };
        let mut chunk = &buf[..n];
        while !chunk.is_empty() {
            let rule = state.borrow().rules[d];
            let (send, then_cut) = match rule {
                Rule::Pass => (chunk.len(), false),
                Rule::Delay(delay) => {
                    tokio::time::sleep(delay).await;
                    (chunk.len(), false)
                }
                Rule::HoldAfter { left: 0 } => {
                    state.send_modify(|s| s.holding[d] = chunk.len());
                    let mut changed = state.subscribe();
                    let _ = changed
                        .wait_for(|s| s.rules[d] != Rule::HoldAfter { left: 0 })
                        .await;
                    state.send_modify(|s| s.holding[d] = 0);
                    continue;
                }
                Rule::HoldAfter { left } | Rule::CutAfter { left } => {
                    let send = usize::try_from(left).unwrap_or(usize::MAX).min(chunk.len());
                    let cut = matches!(rule, Rule::CutAfter { .. }) && send as u64 == left;
                    (send, cut)
                }
            };
            if send > 0 {
                if to.write_all(&chunk[..send]).await.is_err() {
                    return End::Closed;
                }
                state.send_modify(|s| {
                    s.forwarded[d] += send as u64;
                    match &mut s.rules[d] {
                        Rule::HoldAfter { left } | Rule::CutAfter { left } => *left -= send as u64,
                        Rule::Pass | Rule::Delay(_) => {}
                    }
                });
            }
            if then_cut {
                let _ = to.flush().await;
                return End::Cut;
            }
            chunk = &chunk[send..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A loopback echo server: every byte comes back.
    async fn echo() -> u16 {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = stream.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        port
    }

    async fn read_exactly(stream: &mut TcpStream, n: usize) -> Vec<u8> {
        let mut buf = vec![0; n];
        tokio::time::timeout(PATIENCE, stream.read_exact(&mut buf))
            .await
            .unwrap()
            .unwrap();
        buf
    }

    #[tokio::test]
    async fn holds_after_a_byte_count_and_releases_in_order() {
        let proxy = FaultProxy::start(echo().await).await;
        let mut stream = TcpStream::connect(("127.0.0.1", proxy.port()))
            .await
            .unwrap();
        proxy.hold_after(Direction::ToServer, 3);
        stream.write_all(b"abcdef").await.unwrap();
        proxy.held(Direction::ToServer).await;
        assert_eq!(read_exactly(&mut stream, 3).await, b"abc");
        assert_eq!(proxy.forwarded(Direction::ToServer), 3);
        proxy.release();
        assert_eq!(read_exactly(&mut stream, 3).await, b"def");
        assert_eq!(proxy.forwarded(Direction::ToClient), 6);
    }

    #[tokio::test]
    async fn cuts_after_a_byte_count_both_ways() {
        let proxy = FaultProxy::start(echo().await).await;
        let mut stream = TcpStream::connect(("127.0.0.1", proxy.port()))
            .await
            .unwrap();
        proxy.cut_after(Direction::ToClient, 2);
        stream.write_all(b"hello").await.unwrap();
        assert_eq!(read_exactly(&mut stream, 2).await, b"he");
        proxy.cut(1).await;
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut rest)).await;
        assert!(rest.is_empty(), "{rest:?}");
        assert_eq!(proxy.open(), 0);
        // A new connection passes again once the rule is lifted.
        proxy.release();
        let mut stream = TcpStream::connect(("127.0.0.1", proxy.port()))
            .await
            .unwrap();
        stream.write_all(b"x").await.unwrap();
        assert_eq!(read_exactly(&mut stream, 1).await, b"x");
        assert_eq!(proxy.accepted(), 2);
    }

    #[tokio::test]
    async fn cut_all_closes_idle_connections() {
        let proxy = FaultProxy::start(echo().await).await;
        let mut stream = TcpStream::connect(("127.0.0.1", proxy.port()))
            .await
            .unwrap();
        stream.write_all(b"x").await.unwrap();
        assert_eq!(read_exactly(&mut stream, 1).await, b"x");
        proxy.cut_all();
        proxy.cut(1).await;
        let mut rest = Vec::new();
        let read = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut rest)).await;
        assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "{read:?}");
    }
}
