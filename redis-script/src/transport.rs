//! Transports: what runs scripts and batches, and the seam a new one implements.
//!
//! Any [`Transport`] runs scripts, functions and batches; the EVALSHA -> EVAL fallback, decoding and
//! the loading and ordering of batch entries are written once, above it. To choose one at run time
//! (RESP or REST from configuration), use `Arc<dyn DynTransport>`.
//!
//! | transport | feature |
//! |---|---|
//! | `redis::aio::MultiplexedConnection` | `resp` (default) |
//! | `redis::aio::ConnectionManager` (reconnects) | `connection-manager` |
//! | [`Cluster`](crate::Cluster) (Redis Cluster, at most once; see below) | `cluster` |
//! | `redis::cluster_async::ClusterConnection` (Redis Cluster) | `cluster` |
//! | `deadpool_redis::Pool` | `deadpool` |
//! | `bb8::Pool<bb8_redis::RedisConnectionManager>` | `bb8` |
//! | [`rest::Upstash`](crate::rest::Upstash) (Upstash REST API over HTTP/1.1 and rustls) | `rest` or `rest-no-provider` |
//!
//! The `redis` crate's multiplexed connections (and so `ConnectionManager` and the pools) give up
//! waiting for a reply after 500 ms by default, while the script goes on running on the server: a
//! script that can take longer needs `redis::AsyncConnectionConfig::set_response_timeout` (the error
//! is a [`TransportErrorKind::Timeout`](crate::TransportErrorKind::Timeout) with `may_have_run()`
//! true, and `exec` never falls back after it).
//!
//! # Redis Cluster
//!
//! EVALSHA goes to the node that owns the keys' slot (all keys of a call must share a slot: use hash
//! tags such as `{user:1}:a`); each node has its own script cache, so the first call per node falls
//! back once.
//!
//! **Use [`Cluster`](crate::Cluster) for a cluster.** `redis::cluster_async::ClusterConnection`
//! re-sends a command whose connection broke, or that was redirected, up to the client's `retries` (16
//! by default; and on TRYAGAIN or CLUSTERDOWN even when a script raised them after writing), which can
//! run a script again after it already ran, and the `redis` crate does not let this crate see a
//! `ClusterConnection`'s retries. `Cluster::connect(urls)` and `Cluster::connect_with(builder)` build
//! it with `retries(0)` whatever the builder says, and `Cluster::from_client(&client)` refuses a client
//! built with retries. A lost connection is then an [`Error::Transport`] with `may_have_run()` true,
//! and the transport follows `MOVED` (after a resharding) and `ASK` (during one, with `ASKING`)
//! itself, for the command's own slot, once the node that answered bears the redirect out in its
//! `CLUSTER NODES`: both are then refusals, nothing ran. (A script can return the same error reply
//! after it ran; one the node does not bear out is the script's error, with `may_have_run()` true.)
//! A `ClusterConnection` of your own works too, built with
//! `ClusterClientBuilder::new(urls).retries(0)`, with the batch limits described there; it reads
//! its slot map again after a `MOVED`, so that node can often not be asked, and a call routed by
//! slot that is answered `MOVED` fails with `may_have_run()` true (the next one goes to the new
//! owner). How batches are split across nodes:
//! [batches](crate::batch#what-each-transport-guarantees).
//!
//! # Writing a transport
//!
//! A transport sends one script command ([`Transport::send`]) or the commands of a batch in one round
//! trip ([`Transport::send_batch`]), and says which server each entry of a batch goes to
//! ([`Transport::split_batch`], for clusters) and which primaries a script must be loaded on
//! ([`Transport::primaries`]). It only delivers commands and classifies failures into [`Error`]: an
//! error reply through [`Error::from_reply_text`], a failure to deliver as a
//! [`TransportError`](crate::error::TransportError) that says whether the command may have reached
//! the server. The types it reads ([`Command`], [`CommandName`], [`Batch`], [`BatchCommand`],
//! [`BatchKeys`], [`EntryKeys`], [`Values`]) are all here.

use std::fmt;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

pub use crate::args::Values;
pub use crate::command::{Command, CommandName};
use crate::{Error, Reply};

/// The replies of a batch, one per command in order; the outer error is the batch's own failure.
pub type BatchReplies = Result<Vec<Result<Reply, Error>>, Error>;

/// Something that can run scripts: a Redis connection, a pool, a cluster or an Upstash REST client.
///
/// An implementation sends each command once and never retries it on its own unless it knows the command
/// did not reach the server (or it is read-only), and reports an error reply of the server through
/// [`Error::from_reply_text`] so that NOSCRIPT is recognised the same way on every transport.
pub trait Transport: Send + Sync {
    /// Sends `command` and returns the server's reply.
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send;

    /// Sends the commands of `batch` to one server in one round trip and returns one result per command,
    /// in order.
    ///
    /// An [atomic](Batch::is_atomic) batch runs inside MULTI / EXEC: a transaction the server refuses as
    /// a whole (EXECABORT) is the outer error, and so is a failure that left no command answered.
    fn send_batch(&self, batch: Batch<'_>) -> impl Future<Output = BatchReplies> + Send;

    /// Groups the entries of a batch by the server they go to, each group with the hash slot to route it
    /// by; `None` (the default) sends every entry to the one server this transport talks to.
    ///
    /// A cluster refuses here, before anything is sent, an entry whose keys are in several slots and an
    /// `atomic` batch whose keys are.
    fn split_batch(
        &self,
        entries: BatchKeys<'_>,
        atomic: bool,
    ) -> impl Future<Output = Result<Option<Vec<BatchGroup>>, Error>> + Send {
        let _ = (entries, atomic);
        std::future::ready(Ok(None))
    }

    /// The primaries a script must be loaded on so that every call finds it: for a cluster the
    /// `host:port` of each, handed back in [`Batch::node`] by a batch built with [`Batch::to_node`];
    /// `None` (the default): the one server this transport talks to. [`preload`](crate::preload) asks.
    fn primaries(&self) -> impl Future<Output = Result<Option<Vec<String>>, Error>> + Send {
        std::future::ready(Ok(None))
    }

    /// The server this transport talks to, as host and port, when it knows one: traces name it
    /// (`server.address`, `server.port`). `None` (the default) when it does not, or talks to many.
    fn server_address(&self) -> Option<(&str, u16)> {
        None
    }
}

/// A connection that sends a command and waits for its reply: what the [blocking](crate::blocking)
/// methods (`exec_blocking`, `call_blocking`, `run_blocking`) take, by value: `&mut
/// redis::Connection` (feature `resp`), `&r2d2::Pool<redis::Client>` and `&mut
/// r2d2::PooledConnection<redis::Client>` (feature `r2d2`), [`&mut
/// BlockingCluster`](crate::BlockingCluster) and `&mut redis::cluster::ClusterConnection` (feature
/// `cluster`) and [`&rest::BlockingUpstash`](crate::rest::BlockingUpstash) (feature `rest`) are.
///
/// It is [`Transport`] without the futures: the same contract (send each command once, classify
/// failures into [`Error`], error replies through [`Error::from_reply_text`]), and the same rules run
/// above it, written once.
pub trait BlockingTransport {
    /// Sends `command` and waits for the server's reply.
    fn send(&mut self, command: Command<'_>) -> Result<Reply, Error>;

    /// Sends the commands of `batch` to one server in one round trip (or, on a connection that can
    /// not pipeline them, one by one in order, each reply read) and waits for one result per
    /// command, in order; as [`Transport::send_batch`].
    fn send_batch(&mut self, batch: Batch<'_>) -> BatchReplies;

    /// As [`Transport::split_batch`]: `None` (the default) sends every entry to the one server.
    fn split_batch(
        &mut self,
        entries: BatchKeys<'_>,
        atomic: bool,
    ) -> Result<Option<Vec<BatchGroup>>, Error> {
        let _ = (entries, atomic);
        Ok(None)
    }

    /// As [`Transport::primaries`]: `None` (the default), the one server.
    fn primaries(&mut self) -> Result<Option<Vec<String>>, Error> {
        Ok(None)
    }
}

/// One command of a batch as it goes on the wire.
///
/// Its `Debug` form shows the command name and counts, never keys, arguments or script text.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum BatchCommand<'a> {
    /// A script command (EVALSHA, EVALSHA_RO, ...) or function call (FCALL, FCALL_RO).
    Script(Command<'a>),
    /// `SCRIPT LOAD <script>`: put in front of the first call of a script so that it runs whatever the
    /// server's script cache holds.
    Load(&'a str),
    /// `FUNCTION LOAD <code>`: put in front of the first call of a library's function, so that it runs
    /// whatever libraries the server holds (its "already exists" counts as loaded).
    LoadLibrary(&'a str),
    /// Any other command, as its words, name first.
    Raw(Values<'a>),
}

impl fmt::Debug for BatchCommand<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchCommand::Script(command) => command.fmt(f),
            BatchCommand::Load(script) => write!(f, "SCRIPT LOAD ({} bytes)", script.len()),
            BatchCommand::LoadLibrary(code) => write!(f, "FUNCTION LOAD ({} bytes)", code.len()),
            BatchCommand::Raw(words) => {
                let name = words.first().unwrap_or_default();
                write!(
                    f,
                    "{} ({} words)",
                    String::from_utf8_lossy(name),
                    words.len()
                )
            }
        }
    }
}

/// What a transport sends in one round trip to one server: the commands of a batch, or of the part of it
/// that goes to one cluster node.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a> {
    commands: &'a [BatchCommand<'a>],
    atomic: bool,
    read_only: bool,
    slot: Option<u16>,
    node: Option<&'a str>,
}

impl<'a> Batch<'a> {
    /// A batch of `commands`; `atomic` for MULTI / EXEC, `read_only` when no command can write (it may
    /// then go to a replica and be sent again).
    pub fn new(commands: &'a [BatchCommand<'a>], atomic: bool, read_only: bool) -> Self {
        Batch {
            commands,
            atomic,
            read_only,
            slot: None,
            node: None,
        }
    }

    /// The same batch, for the part of a split batch that `group` describes.
    pub fn for_group(mut self, group: &'a BatchGroup) -> Self {
        self.slot = group.slot;
        self.node = group.node.as_deref();
        self
    }

    /// The commands, in the order they run.
    pub fn commands(&self) -> &'a [BatchCommand<'a>] {
        self.commands
    }

    /// True for a transaction (MULTI / EXEC).
    pub fn is_atomic(&self) -> bool {
        self.atomic
    }

    /// True when no command of the batch can write: it may be routed to a replica and sent again.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The hash slot of the batch's first keyed command, for a cluster to route it by.
    pub fn slot(&self) -> Option<u16> {
        self.slot
    }

    /// The same batch for the primary `node`, one of those [`Transport::primaries`] gave.
    pub fn to_node(mut self, node: &'a str) -> Self {
        self.node = Some(node);
        self
    }

    /// The server the transport chose for this part in [`Transport::split_batch`] (a cluster node's
    /// address), if it chose one.
    pub fn node(&self) -> Option<&'a str> {
        self.node
    }
}

/// The entries of a batch as [`Transport::split_batch`] sees them: for each, what decides where it goes.
#[derive(Clone, Copy)]
pub struct BatchKeys<'a> {
    entries: &'a (dyn KeysOfEntries + 'a),
}

/// What [`BatchKeys`] reads: the keys of each entry of a batch, by position. A batch's entries
/// implement it, so that this seam does not depend on what they are made of.
pub(crate) trait KeysOfEntries: Sync {
    /// How many entries there are.
    fn len(&self) -> usize;
    /// The keys of the entry at `position`, which is below [`len`](Self::len).
    fn keys_at(&self, position: usize) -> EntryKeys<'_>;
}

impl<'a> BatchKeys<'a> {
    pub(crate) fn new(entries: &'a (dyn KeysOfEntries + 'a)) -> Self {
        BatchKeys { entries }
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True for an empty batch.
    pub fn is_empty(&self) -> bool {
        self.entries.len() == 0
    }

    /// The keys of each entry, in order.
    pub fn iter(self) -> impl ExactSizeIterator<Item = EntryKeys<'a>> + 'a {
        let entries = self.entries;
        (0..entries.len()).map(move |position| entries.keys_at(position))
    }
}

impl fmt::Debug for BatchKeys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// What decides where an entry of a batch goes, for [`Transport::split_batch`].
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum EntryKeys<'a> {
    /// A script call and its keys (`KEYS`).
    Script(Values<'a>),
    /// A command, as its words, name first.
    Command(Values<'a>),
}

/// The entries of a batch that go to one server, by position, and how to reach it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchGroup {
    /// The positions of the entries, in the order they were added.
    pub entries: Vec<usize>,
    /// The hash slot of the group's first keyed entry; `None` for a group without keys.
    pub slot: Option<u16>,
    /// The server chosen for the group (a cluster node's `host:port`), handed back in
    /// [`Batch::node`]; `None` leaves the choice to the slot.
    pub node: Option<String>,
}

/// A reference or smart pointer to a transport is that transport.
macro_rules! forward_transport {
    ($($pointer:ty),*) => {$(
        impl<T: Transport + ?Sized> Transport for $pointer {
            fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send {
                (**self).send(command)
            }

            fn send_batch(&self, batch: Batch<'_>) -> impl Future<Output = BatchReplies> + Send {
                (**self).send_batch(batch)
            }

            fn split_batch(
                &self,
                entries: BatchKeys<'_>,
                atomic: bool,
            ) -> impl Future<Output = Result<Option<Vec<BatchGroup>>, Error>> + Send {
                (**self).split_batch(entries, atomic)
            }

            fn primaries(&self) -> impl Future<Output = Result<Option<Vec<String>>, Error>> + Send {
                (**self).primaries()
            }

            fn server_address(&self) -> Option<(&str, u16)> {
                (**self).server_address()
            }
        }
    )*};
}
forward_transport!(&T, Arc<T>, Box<T>);

/// A boxed future, as [`DynTransport`] returns them.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A [`Transport`] behind `dyn`, for choosing one at run time (RESP or REST from configuration, say).
///
/// Every `Transport` is a `DynTransport`, and `dyn DynTransport` is a `Transport` again, so a
/// `Box<dyn DynTransport>` or `Arc<dyn DynTransport>` runs scripts and batches like the transport inside
/// it, at the cost of one boxed future per command or batch.
///
/// ```no_run
/// use std::sync::Arc;
/// use redis_script::{DynTransport, Script};
///
/// # async fn run(use_rest: bool) -> Result<(), Box<dyn std::error::Error>> {
/// let conn: Arc<dyn DynTransport> = if use_rest {
///     Arc::new(redis_script::rest::Upstash::from_env()?)
/// } else {
///     let client = redis::Client::open("redis://127.0.0.1:6379")?;
///     Arc::new(client.get_multiplexed_async_connection().await?)
/// };
/// let n: i64 = Script::<i64>::new("return 1").exec(&conn, (), ()).await?;
/// # Ok(()) }
/// ```
pub trait DynTransport: Send + Sync {
    /// [`Transport::send`], boxed.
    fn send_boxed<'a>(&'a self, command: Command<'a>) -> BoxFuture<'a, Result<Reply, Error>>;

    /// [`Transport::send_batch`], boxed.
    fn send_batch_boxed<'a>(&'a self, batch: Batch<'a>) -> BoxFuture<'a, BatchReplies>;

    /// [`Transport::split_batch`], boxed.
    fn split_batch_boxed<'a>(
        &'a self,
        entries: BatchKeys<'a>,
        atomic: bool,
    ) -> BoxFuture<'a, Result<Option<Vec<BatchGroup>>, Error>>;

    /// [`Transport::primaries`], boxed.
    fn primaries_boxed(&self) -> BoxFuture<'_, Result<Option<Vec<String>>, Error>>;

    /// [`Transport::server_address`].
    fn server_address_dyn(&self) -> Option<(&str, u16)>;
}

impl<T: Transport> DynTransport for T {
    fn send_boxed<'a>(&'a self, command: Command<'a>) -> BoxFuture<'a, Result<Reply, Error>> {
        Box::pin(self.send(command))
    }

    fn send_batch_boxed<'a>(&'a self, batch: Batch<'a>) -> BoxFuture<'a, BatchReplies> {
        Box::pin(self.send_batch(batch))
    }

    fn split_batch_boxed<'a>(
        &'a self,
        entries: BatchKeys<'a>,
        atomic: bool,
    ) -> BoxFuture<'a, Result<Option<Vec<BatchGroup>>, Error>> {
        Box::pin(self.split_batch(entries, atomic))
    }

    fn primaries_boxed(&self) -> BoxFuture<'_, Result<Option<Vec<String>>, Error>> {
        Box::pin(self.primaries())
    }

    fn server_address_dyn(&self) -> Option<(&str, u16)> {
        self.server_address()
    }
}

impl Transport for dyn DynTransport + '_ {
    async fn send(&self, command: Command<'_>) -> Result<Reply, Error> {
        self.send_boxed(command).await
    }

    async fn send_batch(&self, batch: Batch<'_>) -> BatchReplies {
        self.send_batch_boxed(batch).await
    }

    async fn split_batch(
        &self,
        entries: BatchKeys<'_>,
        atomic: bool,
    ) -> Result<Option<Vec<BatchGroup>>, Error> {
        self.split_batch_boxed(entries, atomic).await
    }

    async fn primaries(&self) -> Result<Option<Vec<String>>, Error> {
        self.primaries_boxed().await
    }

    fn server_address(&self) -> Option<(&str, u16)> {
        self.server_address_dyn()
    }
}

/// Wakes the thread that waits in [`block_on`].
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    static WAKER: Waker = Waker::from(Arc::new(Unpark(std::thread::current())));
}

/// Runs `future` on this thread to its end: how the blocking API and the blocking transports drive
/// the async rules. Over a transport whose commands complete as they are sent it is ready at its
/// first poll; a future that is not (a span's subscriber, say) parks the thread until woken.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            std::thread::park();
        }
    })
}
