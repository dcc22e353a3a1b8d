//! Binding and running the HTTP server.

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use axum::serve::ListenerExt;
use tokio::net::{TcpListener, TcpStream};

use crate::api::{self, AppState};
use crate::config::Config;
use crate::record::RequestLog;

/// A bound server, ready to run.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    state: AppState,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port). Redis is not contacted until
    /// the first request, so the server starts even while Redis is down.
    pub async fn bind(addr: SocketAddr, config: Config) -> io::Result<Self> {
        let state = AppState::new(&config)
            .map_err(|err| io::Error::new(io::ErrorKind::InvalidInput, err))?;
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        Ok(Self {
            listener,
            local_addr,
            state,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The base URL clients use, e.g. `http://127.0.0.1:8079`.
    pub fn url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// The request log (filled only when [`Config::record_requests`] is on).
    pub fn requests(&self) -> RequestLog {
        self.state.log()
    }

    /// Serves until the process ends.
    pub async fn run(self) -> io::Result<()> {
        axum::serve(self.listener.tap_io(no_delay), api::router(self.state)).await
    }

    /// Serves until `shutdown` completes, then lets open requests finish.
    pub async fn run_until<F>(self, shutdown: F) -> io::Result<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        axum::serve(self.listener.tap_io(no_delay), api::router(self.state))
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// Replies go out as soon as they are written: a client waiting for one reply before it sends the
/// next request (one call in flight) would otherwise wait on Nagle's algorithm for the ACK of the
/// previous segment.
fn no_delay(stream: &mut TcpStream) {
    let _ = stream.set_nodelay(true);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn debug_hides_the_token_and_the_redis_password() {
        let config = Config::new("redis://:pa55word@127.0.0.1:1/0", "t0ken-s3cret");
        let server = Server::bind("127.0.0.1:0".parse().unwrap(), config)
            .await
            .unwrap();
        let debug = format!("{server:?} {server:#?}");
        assert!(!debug.contains("pa55word"), "{debug}");
        assert!(!debug.contains("t0ken-s3cret"), "{debug}");
        assert!(debug.contains("127.0.0.1:1/0"), "{debug}");
    }
}
