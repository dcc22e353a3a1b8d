//! The blocking API: the same scripts, functions and batches from code without an async runtime
//! (command-line tools, batch jobs, tests, services on blocking frameworks), as `reqwest::blocking`
//! is for HTTP.
//!
//! Each async method has a blocking twin that takes a [`BlockingTransport`] by value and returns
//! when the server has answered: [`Script::exec_blocking`], [`ScriptRO::exec_blocking`],
//! [`Function::call_blocking`], [`FunctionRO::call_blocking`] (with keys and arguments, or the
//! parameters struct of a declared script or function), [`Pipeline::run_blocking`],
//! [`Transaction::run_blocking`], [`Library::load_blocking`] and [`Library::replace_blocking`]; the
//! free functions of this module are those of [preloading](crate::production): [`preload`],
//! [`preload_scripts`], [`preload_libraries`], [`missing`], [`missing_scripts`] and
//! [`missing_libraries`].
//!
//! ```no_run
//! use redis_script::{Pipeline, Script, lua_script};
//!
//! static INCR_TTL: Script<i64> = lua_script!("../../examples/lua/incr_ttl.lua");
//!
//! fn main() -> redis_script::Result<()> {
//!     let client = redis_script::redis::Client::open("redis://127.0.0.1:6379")?;
//!     let mut conn = client.get_connection()?;
//!     // EVALSHA; on NOSCRIPT, and only then, one EVAL: as `exec`, on a blocking connection.
//!     let views = INCR_TTL.exec_blocking(&mut conn, ["page:views"], [3600])?;
//!
//!     let mut pipe = Pipeline::new();
//!     let a = pipe.exec(&INCR_TTL, ["a"], [60]);
//!     let b = pipe.exec(&INCR_TTL, ["b"], [60]);
//!     let mut replies = pipe.run_blocking(&mut conn)?;
//!     println!("{views} {} {}", replies.take(a)?, replies.take(b)?);
//!     Ok(())
//! }
//! ```
//!
//! | connection | feature |
//! |---|---|
//! | `&mut redis::Connection` | `resp` (default) |
//! | `&r2d2::Pool<redis::Client>` (each command or batch on a pooled connection), `&mut r2d2::PooledConnection<redis::Client>` | `r2d2` |
//! | [`&mut BlockingCluster`](crate::BlockingCluster) (Redis Cluster, at most once, as [`Cluster`](crate::Cluster)) | `cluster` |
//! | `&mut redis::cluster::ClusterConnection` (Redis Cluster; build its client with `retries(0)`, see [below](#redis-cluster)) | `cluster` |
//! | [`&rest::BlockingUpstash`](crate::rest::BlockingUpstash) (the Upstash REST API, on a runtime of its own) | `rest` |
//!
//! The guarantees are the async API's, because the rules are the same code: the EVALSHA -> EVAL
//! fallback on the server's NOSCRIPT alone, a function's library loaded on `Function not found`
//! alone, batches planned and loaded as [batches](crate::batch) describe, every error with its
//! [`may_have_run`](crate::Error::may_have_run). The async methods' futures are driven on the
//! calling thread over a transport whose commands complete as they are sent; there is no runtime
//! (but the REST client's own) and no second copy of the rules.
//!
//! `redis::Connection` waits for a reply as long as it takes unless given a timeout
//! (`Connection::set_read_timeout`); a timeout is then a
//! [`TransportErrorKind::Timeout`](crate::TransportErrorKind::Timeout) with `may_have_run()` true,
//! and is never followed by a second send; [`BlockingCluster::set_timeout`](crate::BlockingCluster::set_timeout)
//! does the same for every node of a cluster.
//!
//! After a read timeout the `redis` crate skips the late reply, so the connection stays in step.
//! It does not after other failures, yet keeps the connection open: a write that timed out (half a
//! command written; `Connection::set_write_timeout`) or a reply it could not read (such as one
//! nested more than 100 levels deep: [`TransportErrorKind::Io`](crate::TransportErrorKind::Io),
//! `redis: parse error`). Drop a `redis::Connection` (and a pooled one, which r2d2 would take back
//! as sound) after such an error and connect again: used again, it reads what is left of the
//! previous reply, and its every later call fails while still reaching the server.
//! [`BlockingCluster`](crate::BlockingCluster) drops its node connection itself after any error
//! but a complete reply.
//!
//! # Redis Cluster
//!
//! [`BlockingCluster`](crate::BlockingCluster) runs the cluster rules of [`Cluster`](crate::Cluster)
//! (the same code: a batch split by slot, each node's part in one round trip, `MOVED` and `ASK`
//! followed only for what provably did not run, `CLUSTER SLOTS` for the primaries to preload on)
//! over a blocking connection per node that hands back every reply of a pipeline. It never sends a
//! command again by itself.
//!
//! The `redis` crate's blocking `redis::cluster::ClusterConnection` is a transport too, over the
//! same rules, when its client is built with `ClusterClientBuilder::new(urls).retries(0)` (with
//! retries it sends a command again after a broken connection: the default client ran a script 17
//! times for one call whose reply was lost). It sends each node's part of a batch command by
//! command, each reply seen, so exactly what a `MOVED` or `ASK` refused is sent again, at one round
//! trip per command; it does not learn a moved slot's new owner, and once a node connection broke it
//! refuses every call until you make a new connection. Which to choose is said
//! [there](crate::BlockingCluster#blockingcluster-or-rediss-clusterconnection).

use std::future::Future;
use std::sync::{Mutex, PoisonError};

use serde::de::DeserializeOwned;

use crate::args::Params;
use crate::function::MissingLibrary;
use crate::production::{Missing, Preloaded, ScriptRef};
use crate::script::{Call, Undeclared, enough};
pub use crate::transport::BlockingTransport;
use crate::transport::{Batch, BatchGroup, BatchKeys, BatchReplies, Command, block_on};
use crate::{
    Args, Error, Function, FunctionRO, Library, Pipeline, Replies, Reply, Script, ScriptRO,
    Transaction, Transport,
};

/// A [`BlockingTransport`] as a [`Transport`] whose futures are ready as soon as they are made: the
/// command is sent, and its reply read, when the rules ask for it.
struct Waiting<B>(Mutex<B>);

impl<B: BlockingTransport> Waiting<B> {
    fn with<R>(&self, f: impl FnOnce(&mut B) -> R) -> R {
        // A panic in another call on the same connection leaves nothing half done that matters here.
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl<B: BlockingTransport + Send> Transport for Waiting<B> {
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send {
        std::future::ready(self.with(|conn| conn.send(command)))
    }

    fn send_batch(&self, batch: Batch<'_>) -> impl Future<Output = BatchReplies> + Send {
        std::future::ready(self.with(|conn| conn.send_batch(batch)))
    }

    fn split_batch(
        &self,
        entries: BatchKeys<'_>,
        atomic: bool,
    ) -> impl Future<Output = Result<Option<Vec<BatchGroup>>, Error>> + Send {
        std::future::ready(self.with(|conn| conn.split_batch(entries, atomic)))
    }

    fn primaries(&self) -> impl Future<Output = Result<Option<Vec<String>>, Error>> + Send {
        std::future::ready(self.with(|conn| conn.primaries()))
    }
}

/// Runs `rules` (an async method of this crate) over `conn`, on this thread, to its end.
fn over<B: BlockingTransport + Send, R>(conn: B, rules: impl AsyncFnOnce(&Waiting<B>) -> R) -> R {
    let conn = Waiting(Mutex::new(conn));
    block_on(rules(&conn))
}

/// The blocking twin of a call method (`exec`, `call`) of a script or function type.
macro_rules! blocking_call {
    ($type:ident, $async:ident, $checked:ident, $blocking:ident, $what:literal) => {
        impl<T: DeserializeOwned, const KEYS: usize, const ARGS: usize> $type<T, Undeclared<KEYS, ARGS>> {
            #[doc = concat!("[`", stringify!($async), "`](Self::", stringify!($async), "), blocking: ", $what,
                ", on a [blocking](crate::blocking) connection.")]
            ///
            /// # Errors
            ///
            #[doc = concat!("As for [`", stringify!($async), "`](Self::", stringify!($async), ").")]
            pub fn $blocking<K: Args, A: Args>(
                &self,
                conn: impl BlockingTransport + Send,
                keys: K,
                args: A,
            ) -> Result<T, Error> {
                // Here, so that a short call's error points at the caller.
                const { enough::<K, A>((KEYS, ARGS)) };
                let call = Call::new(&keys, &args);
                block_on(self.$checked(&Waiting(Mutex::new(conn)), call))
            }
        }

        impl<T: DeserializeOwned, P: Params> $type<T, P> {
            #[doc = concat!("The declared call [`", stringify!($async), "`](Self::", stringify!($async),
                "), blocking: ", $what, ", with the keys and arguments `params` names, on a [blocking](crate::blocking) connection.")]
            ///
            /// # Errors
            ///
            #[doc = concat!("As for [`", stringify!($async), "`](Self::", stringify!($async), ").")]
            pub fn $blocking(
                &self,
                conn: impl BlockingTransport + Send,
                params: impl Params<Static = P>,
            ) -> Result<T, Error> {
                block_on(self.$async(&Waiting(Mutex::new(conn)), params))
            }
        }
    };
}

blocking_call!(
    Script,
    exec,
    exec_call,
    exec_blocking,
    "EVALSHA and, on the server's NOSCRIPT reply only, one EVAL"
);
blocking_call!(
    ScriptRO,
    exec,
    exec_call,
    exec_blocking,
    "EVALSHA_RO and, on the server's NOSCRIPT reply only, one EVAL_RO"
);
blocking_call!(
    Function,
    call,
    call_with,
    call_blocking,
    "FCALL and, on the server's `Function not found` only, FUNCTION LOAD and FCALL again"
);
blocking_call!(
    FunctionRO,
    call,
    call_with,
    call_blocking,
    "FCALL_RO, loading the library as `Function::call_blocking` does"
);

impl<'a> Pipeline<'a> {
    /// [`run`](Self::run), blocking, on a [blocking](crate::blocking) connection.
    ///
    /// # Errors
    ///
    /// As for [`run`](Self::run).
    pub fn run_blocking(self, conn: impl BlockingTransport + Send) -> Result<Replies<'a>, Error> {
        block_on(self.run(&Waiting(Mutex::new(conn))))
    }
}

impl<'a> Transaction<'a> {
    /// [`run`](Self::run), blocking, on a [blocking](crate::blocking) connection.
    ///
    /// # Errors
    ///
    /// As for [`run`](Self::run).
    pub fn run_blocking(self, conn: impl BlockingTransport + Send) -> Result<Replies<'a>, Error> {
        block_on(self.run(&Waiting(Mutex::new(conn))))
    }
}

impl Library {
    /// [`load`](Self::load), blocking: FUNCTION LOAD on every server of a
    /// [blocking](crate::blocking) connection (each primary of a cluster).
    ///
    /// # Errors
    ///
    /// As for [`load`](Self::load).
    pub fn load_blocking(&self, conn: impl BlockingTransport + Send) -> Result<(), Error> {
        over(conn, async |conn| self.load(conn).await)
    }

    /// [`replace`](Self::replace), blocking: FUNCTION LOAD REPLACE on every server of a
    /// [blocking](crate::blocking) connection, returning on how many.
    ///
    /// # Errors
    ///
    /// As for [`replace`](Self::replace).
    pub fn replace_blocking(&self, conn: impl BlockingTransport + Send) -> Result<usize, Error> {
        over(conn, async |conn| self.replace(conn).await)
    }
}

/// [`preload`](fn@crate::preload), blocking: every script of the binary loaded on every server of a
/// blocking connection (each primary of a cluster).
///
/// # Errors
///
/// As for [`preload`](fn@crate::preload).
#[cfg(feature = "registry")]
pub fn preload(conn: impl BlockingTransport + Send) -> Result<Preloaded, Error> {
    over(conn, async |conn| crate::preload(conn).await)
}

/// [`preload_scripts`](crate::production::preload_scripts), blocking.
///
/// # Errors
///
/// As for [`preload`](fn@crate::preload).
pub fn preload_scripts<'a>(
    conn: impl BlockingTransport + Send,
    scripts: impl IntoIterator<Item = ScriptRef<'a>>,
) -> Result<Preloaded, Error> {
    over(conn, async |conn| {
        crate::production::preload_scripts(conn, scripts).await
    })
}

/// [`missing`](fn@crate::missing), blocking: the scripts of the binary some server of a blocking
/// connection lacks.
///
/// # Errors
///
/// As for [`missing`](fn@crate::missing).
#[cfg(feature = "registry")]
pub fn missing(conn: impl BlockingTransport + Send) -> Result<Vec<Missing<'static>>, Error> {
    over(conn, async |conn| crate::missing(conn).await)
}

/// [`missing_scripts`](crate::production::missing_scripts), blocking.
///
/// # Errors
///
/// As for [`missing`](fn@crate::missing).
pub fn missing_scripts<'a>(
    conn: impl BlockingTransport + Send,
    scripts: impl IntoIterator<Item = ScriptRef<'a>>,
) -> Result<Vec<Missing<'a>>, Error> {
    over(conn, async |conn| {
        crate::production::missing_scripts(conn, scripts).await
    })
}

/// [`preload_libraries`](crate::function::preload_libraries), blocking: FUNCTION LOAD of each
/// library on every server of a blocking connection, returning on how many.
///
/// # Errors
///
/// As for [`preload_libraries`](crate::function::preload_libraries).
pub fn preload_libraries<'a>(
    conn: impl BlockingTransport + Send,
    libraries: impl IntoIterator<Item = &'a Library>,
) -> Result<usize, Error> {
    over(conn, async |conn| {
        crate::function::preload_libraries(conn, libraries).await
    })
}

/// [`missing_libraries`](crate::function::missing_libraries), blocking.
///
/// # Errors
///
/// As for [`missing_libraries`](crate::function::missing_libraries).
pub fn missing_libraries<'a>(
    conn: impl BlockingTransport + Send,
    libraries: impl IntoIterator<Item = &'a Library>,
) -> Result<Vec<MissingLibrary<'a>>, Error> {
    over(conn, async |conn| {
        crate::function::missing_libraries(conn, libraries).await
    })
}
