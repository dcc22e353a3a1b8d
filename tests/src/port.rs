//! Free loopback ports, and ports kept closed.

use std::net::{SocketAddr, TcpListener};

use socket2::{Domain, Protocol, Socket, Type};

/// A port that was free a moment ago: bound on 127.0.0.1:0 and released. Another process may take it
/// before the server binds it; the server start notices that and tries again with a new port.
pub(crate) fn free_port() -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .unwrap_or_else(|e| panic!("can not bind a loopback port: {e}"));
    listener
        .local_addr()
        .unwrap_or_else(|e| panic!("no local address: {e}"))
        .port()
}

/// A loopback port that stays closed for as long as this value lives: bound, never listening, so every
/// connect to it is refused and no other process can take it meanwhile (unlike a port bound and released).
///
/// ```no_run
/// let closed = redis_script_tests::ClosedPort::new();
/// // connecting to closed.url() fails with "connection refused" until `closed` is dropped
/// ```
#[derive(Debug)]
pub struct ClosedPort {
    // Held only to keep the port: dropping it frees the port.
    _socket: Socket,
    port: u16,
}

impl ClosedPort {
    /// Binds a free port on 127.0.0.1 without listening on it.
    pub fn new() -> ClosedPort {
        ClosedPort::bind(0).unwrap_or_else(|e| panic!("can not bind a loopback port: {e}"))
    }

    /// Keeps `port` closed, e.g. the port of a server that just stopped; `None` when another process
    /// already holds it.
    pub fn claim(port: u16) -> Option<ClosedPort> {
        ClosedPort::bind(port).ok()
    }

    fn bind(port: u16) -> std::io::Result<ClosedPort> {
        // No SO_REUSEADDR: nobody else can bind the port while it is held.
        let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
        socket.bind(&SocketAddr::from(([127, 0, 0, 1], port)).into())?;
        let port = socket
            .local_addr()?
            .as_socket()
            .map(|a| a.port())
            .ok_or_else(|| std::io::Error::other("no IPv4 local address"))?;
        Ok(ClosedPort {
            _socket: socket,
            port,
        })
    }

    /// The port number.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>/`: a Redis URL nobody answers.
    pub fn url(&self) -> String {
        redis_url(self.port)
    }

    /// `http://127.0.0.1:<port>`: a REST URL nobody answers.
    pub fn http_url(&self) -> String {
        http_url(self.port)
    }
}

/// `redis://127.0.0.1:<port>/`.
pub(crate) fn redis_url(port: u16) -> String {
    format!("redis://127.0.0.1:{port}/")
}

/// `http://127.0.0.1:<port>`.
pub(crate) fn http_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

impl Default for ClosedPort {
    fn default() -> Self {
        ClosedPort::new()
    }
}

#[cfg(test)]
mod tests {
    use std::net::{TcpListener, TcpStream};

    use super::ClosedPort;

    #[test]
    fn a_closed_port_refuses_connections_and_can_not_be_taken() {
        let closed = ClosedPort::new();
        let err = TcpStream::connect(("127.0.0.1", closed.port())).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused, "{err}");
        assert!(TcpListener::bind(("127.0.0.1", closed.port())).is_err());
        assert!(ClosedPort::claim(closed.port()).is_none());
        let port = closed.port();
        drop(closed);
        let again = ClosedPort::claim(port).expect("a released port can be claimed");
        assert_eq!(again.port(), port);
    }
}
