//! [`Blocking`]: a blocking connection as a [`Transport`], so that the checks every transport must
//! pass (`batches`, written against the async API) run over a blocking connection's own I/O too.
//! The blocking methods themselves (`exec_blocking`, ...) are tested directly in `resp_blocking`
//! and `cluster_blocking`.

use std::sync::Mutex;

use redis_script::transport::{Batch, BatchGroup, BatchKeys, BatchReplies, Command};
use redis_script::{BlockingTransport, Error, Reply, Transport};

/// A [`BlockingTransport`] whose commands are sent when the future is made.
pub struct Blocking<B>(Mutex<B>);

impl<B> std::fmt::Debug for Blocking<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Blocking")
    }
}

impl<B> Blocking<B> {
    pub fn new(conn: B) -> Blocking<B> {
        Blocking(Mutex::new(conn))
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
        self.0.lock().unwrap().send(command)
    }

    async fn send_batch(&self, batch: Batch<'_>) -> BatchReplies {
        self.0.lock().unwrap().send_batch(batch)
    }

    async fn split_batch(
        &self,
        entries: BatchKeys<'_>,
        atomic: bool,
    ) -> Result<Option<Vec<BatchGroup>>, Error> {
        self.0.lock().unwrap().split_batch(entries, atomic)
    }

    async fn primaries(&self) -> Result<Option<Vec<String>>, Error> {
        self.0.lock().unwrap().primaries()
    }
}
