//! Free loopback ports.

use std::net::TcpListener;

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
