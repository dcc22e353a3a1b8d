//! [`Blocking`]: a blocking connection as a [`Transport`], so that the checks every transport must
//! pass (`batches`, written against the async API) run over a blocking connection's own I/O too.
//! The blocking methods themselves (`exec_blocking`, ...) are tested directly in `resp_blocking`
//! and `cluster_blocking`.

use std::sync::Mutex;

use redis_script::transport::{Batch, BatchGroup, BatchKeys, BatchReplies, Command};
use redis_script::{BlockingTransport, Error, Reply, Transport};

/// A [`BlockingTransport`] whose commands are sent when the future is made.
pub struct Blocking<B> {
    conn: Mutex<B>,
    /// Each command is sent from a thread of its own, outside any async runtime.
    plain_threads: bool,
}

impl<B> std::fmt::Debug for Blocking<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Blocking")
    }
}

impl<B> Blocking<B> {
    pub fn new(conn: B) -> Blocking<B> {
        Blocking {
            conn: Mutex::new(conn),
            plain_threads: false,
        }
    }

    /// As [`new`](Self::new), each command sent from a plain thread of its own, for a transport
    /// that refuses to block inside an async runtime (`&rest::BlockingUpstash`, which runs one of
    /// its own). The test's task waits for that thread.
    pub fn on_plain_threads(conn: B) -> Blocking<B> {
        Blocking {
            conn: Mutex::new(conn),
            plain_threads: true,
        }
    }

    /// `f` on the connection, on this thread or on a plain one.
    fn with<R: Send>(&self, f: impl FnOnce(&mut B) -> R + Send) -> R
    where
        B: Send,
    {
        let mut conn = self.conn.lock().unwrap();
        if !self.plain_threads {
            return f(&mut conn);
        }
        let conn = &mut *conn;
        std::thread::scope(|s| s.spawn(move || f(conn)).join().unwrap())
    }
}

/// A connection owned, for a [`Blocking`] that a sweep makes anew for each run: blocking
/// transports are references (`&mut redis::Connection`, `&mut BlockingCluster`).
#[derive(Debug)]
pub struct Owned<B>(pub B);

impl<B> BlockingTransport for Owned<B>
where
    for<'a> &'a mut B: BlockingTransport,
{
    fn send(&mut self, command: Command<'_>) -> Result<Reply, Error> {
        (&mut self.0).send(command)
    }

    fn send_batch(&mut self, batch: Batch<'_>) -> BatchReplies {
        (&mut self.0).send_batch(batch)
    }

    fn split_batch(
        &mut self,
        entries: BatchKeys<'_>,
        atomic: bool,
    ) -> Result<Option<Vec<BatchGroup>>, Error> {
        (&mut self.0).split_batch(entries, atomic)
    }

    fn primaries(&mut self) -> Result<Option<Vec<String>>, Error> {
        (&mut self.0).primaries()
    }
}

impl<B: BlockingTransport + Send> Transport for Blocking<B> {
    async fn send(&self, command: Command<'_>) -> Result<Reply, Error> {
        self.with(|conn| conn.send(command))
    }

    async fn send_batch(&self, batch: Batch<'_>) -> BatchReplies {
        self.with(|conn| conn.send_batch(batch))
    }

    async fn split_batch(
        &self,
        entries: BatchKeys<'_>,
        atomic: bool,
    ) -> Result<Option<Vec<BatchGroup>>, Error> {
        self.with(|conn| conn.split_batch(entries, atomic))
    }

    async fn primaries(&self) -> Result<Option<Vec<String>>, Error> {
        self.with(|conn| conn.primaries())
    }
}
