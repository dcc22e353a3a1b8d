//! Blocking connections of the `redis` crate as [`BlockingTransport`]s: `redis::Connection`, and an
//! r2d2 pool of them (feature `r2d2`).

use redis::ConnectionLike;

use super::batch::{read_replies, to_pipeline};
use super::{error_from_redis, reply_from_value};
use crate::{Batch, BatchReplies, BlockingTransport, Command, Error, Reply};

/// Sends `command` on a blocking `redis` connection.
fn send_on(conn: &mut impl ConnectionLike, command: Command<'_>) -> Result<Reply, Error> {
    match conn.req_packed_command(&pack(&command)) {
        Ok(value) => reply_from_value(value),
        Err(e) => Err(error_from_redis(e)),
    }
}

/// `command` as the RESP bytes a blocking connection sends, written once into a buffer of the
/// right size: a `redis::Cmd` in between would copy every word twice (bench/instructions.sh).
fn pack(command: &Command<'_>) -> Vec<u8> {
    let (keys, args) = (command.keys(), command.args());
    let words = 3 + keys.len() + args.len();
    // A word's header and line ends fit in 16 bytes for any length below 10^12.
    let bytes = 16 * (words + 1) + command.body().len() + keys.byte_len() + args.byte_len();
    let mut out = Vec::with_capacity(bytes);
    header(&mut out, b'*', words);
    bulk(&mut out, command.name().as_str().as_bytes());
    bulk(&mut out, command.body().as_bytes());
    let mut digits = [0; 20];
    bulk(&mut out, decimal(keys.len(), &mut digits));
    for value in keys.iter().chain(args.iter()) {
        bulk(&mut out, value);
    }
    out
}

/// A bulk string: `$<length>\r\n<bytes>\r\n`.
fn bulk(out: &mut Vec<u8>, bytes: &[u8]) {
    header(out, b'$', bytes.len());
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

/// `<kind><n>\r\n`.
fn header(out: &mut Vec<u8>, kind: u8, n: usize) {
    let mut digits = [0; 20];
    out.push(kind);
    out.extend_from_slice(decimal(n, &mut digits));
    out.extend_from_slice(b"\r\n");
}

/// `n` in decimal, written at the end of `digits`.
fn decimal(mut n: usize, digits: &mut [u8; 20]) -> &[u8] {
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &digits[start..];
        }
    }
}

/// Sends `batch` on a blocking `redis` connection, in one round trip.
fn send_batch_on(conn: &mut impl ConnectionLike, batch: Batch<'_>) -> BatchReplies {
    let (pipeline, count) = to_pipeline(&batch, false);
    // Packed, the commands are no longer needed: what they took is free for the replies.
    let packed = pipeline.get_packed_pipeline();
    drop(pipeline);
    match conn.req_packed_commands(&packed, 0, count) {
        Ok(values) => read_replies(&batch, values),
        Err(e) => Err(error_from_redis(e)),
    }
}

impl BlockingTransport for &mut redis::Connection {
    fn send(&mut self, command: Command<'_>) -> Result<Reply, Error> {
        send_on(*self, command)
    }

    fn send_batch(&mut self, batch: Batch<'_>) -> BatchReplies {
        send_batch_on(*self, batch)
    }
}

#[cfg(feature = "r2d2")]
impl BlockingTransport for &mut r2d2::PooledConnection<redis::Client> {
    fn send(&mut self, command: Command<'_>) -> Result<Reply, Error> {
        send_on(&mut **self, command)
    }

    fn send_batch(&mut self, batch: Batch<'_>) -> BatchReplies {
        send_batch_on(&mut **self, batch)
    }
}

/// A pool that could not hand out a connection (none came within its timeout): nothing was sent.
#[cfg(feature = "r2d2")]
fn pool_error(e: r2d2::Error) -> Error {
    Error::Transport(
        crate::TransportError::new(
            crate::TransportErrorKind::Connect,
            "r2d2: no connection available",
            false,
        )
        .with_source(e),
    )
}

/// Each command, or the whole of a batch, runs on a connection of the pool.
#[cfg(feature = "r2d2")]
impl BlockingTransport for &r2d2::Pool<redis::Client> {
    fn send(&mut self, command: Command<'_>) -> Result<Reply, Error> {
        send_on(&mut *self.get().map_err(pool_error)?, command)
    }

    fn send_batch(&mut self, batch: Batch<'_>) -> BatchReplies {
        send_batch_on(&mut *self.get().map_err(pool_error)?, batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ArgList, CommandName};

    #[test]
    fn a_packed_command_is_what_the_redis_crate_would_send() {
        let keys = ArgList::new(&["{user:1}:a", "", "k\r\n"]);
        let args = ArgList::new(&["60", "héllo", &"x".repeat(1000)]);
        let none = ArgList::new(&[] as &[&str]);
        for name in [
            CommandName::EvalSha,
            CommandName::Eval,
            CommandName::FcallRo,
        ] {
            for (keys, args) in [(&keys, &args), (&none, &none), (&keys, &none)] {
                let command = Command::new(
                    name,
                    "return 1",
                    "e0e1f9fabfc9d4800c877a703b823ac0578ff8db",
                    keys.values(),
                    args.values(),
                );
                let expected = super::super::to_cmd(&command).get_packed_command();
                assert_eq!(pack(&command), expected, "{command:?}");
            }
        }
        let mut digits = [0; 20];
        assert_eq!(
            decimal(usize::MAX, &mut digits),
            usize::MAX.to_string().as_bytes()
        );
        assert_eq!(decimal(0, &mut digits), b"0");
    }
}
