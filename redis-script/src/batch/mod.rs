//! Batches: script calls and commands sent together, as a [`Pipeline`] (one round trip, not atomic) or
//! a [`Transaction`] (MULTI / EXEC, atomic), each call keeping its script's reply type.
//!
//! ```no_run
//! use redis_script::{Pipeline, Script, Transaction, lua_script};
//!
//! static RATE_LIMIT: Script<(i64, i64)> = lua_script!("../../../examples/lua/rate_limit.lua");
//! static CLAIM_JOB: Script<Option<String>> = lua_script!("../../../examples/lua/claim_job.lua");
//!
//! # async fn run(conn: redis::aio::MultiplexedConnection) -> Result<(), Box<dyn std::error::Error>> {
//! let mut pipe = Pipeline::new();
//! let limits: Vec<_> = ["alice", "bob", "carol"]
//!     .iter()
//!     .map(|user| pipe.exec(&RATE_LIMIT, [format!("rate:{user}")], (10, 60)))
//!     .collect();
//! let hits = pipe.cmd::<i64>(("INCR", "hits"));      // a plain command between script calls
//! let mut replies = pipe.run(&conn).await?;          // one round trip
//! for limit in limits {
//!     let (requests, ttl) = replies.take(limit)?;    // (i64, i64), as the script says
//! }
//! let hits = replies.take(hits)?;
//!
//! let mut tx = Transaction::new();                   // MULTI ... EXEC
//! let job = tx.exec(&CLAIM_JOB, ["queue", "working", "stats"], ["claimed"]);
//! let left = tx.cmd::<i64>(("LLEN", "queue"));
//! let mut replies = tx.run(&conn).await?;
//! let (job, left) = (replies.take(job)?, replies.take(left)?);
//! # Ok(()) }
//! ```
//!
//! - `exec(&script, keys, args)` adds a call of a [`Script<T>`](crate::Script) (sent as EVALSHA) or
//!   [`ScriptRO<T>`](crate::ScriptRO) (EVALSHA_RO) and returns a [`Queued<T>`] handle;
//!   `call(&function, keys, args)` adds a call of a [`Function<T>`](crate::Function) (FCALL) or
//!   [`FunctionRO<T>`](crate::FunctionRO) (FCALL_RO); `cmd::<T>(words)` adds any command (`()` to
//!   ignore its reply, [`Reply`] to keep it as it came). `run(&conn)` sends the batch;
//!   [`Replies::take(handle)`](Replies::take) gives that entry's own `Result<T, Error>`. Handles rather
//!   than a tuple: a batch can be built in a loop, entries are taken in any order, and nothing needs a
//!   cast. A handle of another batch is an error ([`BatchErrorKind::ForeignEntry`]), never a wrong
//!   value.
//! - The outer error of `run` is the batch's own failure: refused before sending, a transaction the
//!   server refused as a whole, or a transport failure before any entry was answered (then
//!   [`Error::may_have_run`] says whether entries may have run). An entry's failure (a script error, a
//!   decode failure) is that entry's result; the others are intact.
//!
//! # Exactly once, in order: how scripts are loaded
//!
//! The first call of each script in a batch gets `SCRIPT LOAD` in front of it, inside the same
//! pipeline or transaction, and every call is EVALSHA (EVALSHA_RO). So every entry runs exactly once,
//! in the order it was added, whatever the server's script cache holds: empty after a restart or a
//! failover, flushed between batches, or flushed by a `SCRIPT FLUSH` among the entries (the scripts
//! after it are loaded again). No call runs twice, none out of order, and none outside its
//! transaction. Functions are loaded the same way: FUNCTION LOAD in front of the first call of each
//! library (and again after a `FUNCTION FLUSH` / `DELETE` / `RESTORE` entry); its usual "already
//! exists" costs the server no compilation.
//!
//! - `SCRIPT LOAD` rather than a first EVAL: Redis 7.4+ evicts scripts that EVAL loaded once there are
//!   500 of them, never those SCRIPT LOAD loaded; and the call keeps a command of its own, whose reply
//!   is its result. The cost is the script text once per batch and script: a warm pipeline of 100
//!   calls of a 4 KiB script sends 3.3% of the bytes of the same calls as EVAL (`bench_batch`).
//! - A transaction loads its scripts inside MULTI, so a NOSCRIPT inside EXEC can not happen and no
//!   transaction is half applied because of the script cache.
//! - Only someone else's `SCRIPT FLUSH` landing inside a running pipeline can still leave a call
//!   without its script. If nothing behind that call has run, it is sent again at once, in a second
//!   round trip (after `SCRIPT EXISTS` shows that the NOSCRIPT was not the script's own reply, which
//!   reads the same); otherwise it comes back as a [`BatchErrorKind::NotRun`] error: it did not run,
//!   and effects stay in order. (A script someone else loads between the NOSCRIPT and that check is
//!   taken for a script's own reply: the call is reported as run rather than risk running it twice.)
//! - [`pipe.script_loading(ScriptLoading::AfterBatch)`](Pipeline::script_loading) is the cheaper,
//!   weaker mode: no script text at all, every call EVALSHA (FCALL); calls answered NOSCRIPT
//!   ("Function not found") run again once after the batch, with their scripts (libraries) loaded.
//!   Each entry still runs at most once, but **those calls run after the entries behind them**.
//!
//! # What each transport guarantees
//!
//! | transport | pipeline | transaction | read-only batch (only `ScriptRO` calls and read commands) |
//! |---|---|---|---|
//! | `MultiplexedConnection`, `ConnectionManager` | one pipeline on the connection | MULTI / EXEC on it | as a pipeline |
//! | `deadpool_redis::Pool`, `bb8::Pool` | one pooled connection for the whole batch (a second round trip, when one is needed, takes one again) | the same | as a pipeline |
//! | [`Cluster`](crate::Cluster), `ClusterConnection` | one part per node, in order on each node | every key in one slot, sent to its primary | a part in one slot is routed as a read (`SlotAddr::ReplicaOptional`: the `redis` client's read routing picks the node) |
//! | [`rest::Upstash`](crate::rest::Upstash) | `/pipeline` | `/multi-exec` | sent again after a failure, as the `RetryPolicy` allows |
//!
//! - **Refused before anything is sent**, naming the entries by position: an empty command, a command
//!   that would change the state of the connection others share (SELECT, MULTI, EXEC, WATCH,
//!   SUBSCRIBE, MONITOR, CLIENT REPLY, ...), a batch over its [`Limits`] (default 10,000 entries and
//!   64 MiB of keys, arguments and words; `pipe.limits(Limits::new(..))`), and on a cluster an entry
//!   whose keys are in several slots, a transaction whose keys are, or a command whose keys depend on
//!   its arguments (XREAD, ZUNIONSTORE, ...).
//! - **Transactions**: the server refusing one as a whole (EXECABORT, e.g. a command with the wrong
//!   number of arguments) is [`BatchErrorKind::Aborted`]: nothing ran; over RESP the error names the
//!   entries Redis refused and why. A command that fails while EXEC runs is that entry's error, and the
//!   other commands ran: Redis does not roll back. A server that refuses MULTI itself (an ACL user
//!   without `multi`, `rename-command MULTI ""`, a proxy without transactions) runs each command on
//!   its own: the batch fails with [`BatchErrorKind::NotAtomic`], `may_have_run()` true, and
//!   [`BatchError::results`](crate::error::BatchError::results) holds each entry's result. (Checking
//!   MULTI before sending the rest would cost every transaction a round trip, and the `redis` crate's
//!   connections give no place to remember that a connection passed.)
//! - **A dropped connection** fails the batch with `Error::Transport`, `may_have_run()` true: entries
//!   before the break may have run; none is sent again. The `redis` crate's 500 ms default response
//!   timeout covers the whole pipeline: raise it for large batches.
//! - **Cluster**: a batch whose keys are in one slot goes straight to its node; one that spans slots
//!   first reads which node serves which slot (`CLUSTER SLOTS`: the `redis` crate keeps its own slot
//!   map but does not expose it), then sends one part per node, all at once. Entries without keys go
//!   with the entry before them. Order holds per node, not across nodes. Redis runs a part command by
//!   command, so a slot can move between two of its commands: the first ran on the old node, the
//!   second is answered MOVED. A redirect proves only that the command it answers did not run, and
//!   only once the node that answered bears it out in its `CLUSTER NODES` (a script can return the
//!   same error reply after it ran: one not borne out is that entry's error, which may have run).
//!   Only what a redirect proves did not run is sent again:
//!   - [`Cluster`](crate::Cluster) (`Cluster::connect(urls)`, or `connect_with(builder)` for TLS,
//!     passwords and the rest) reads every reply of a part: the commands answered MOVED or ASK are
//!     sent to the node named (with `ASKING` for ASK, and the part's loads in front), when nothing
//!     behind them ran; the others keep their replies, and a redirected entry left behind says it did
//!     not run. A transaction the server discarded for a redirect (MULTI accepted) goes to the new
//!     node whole.
//!   - The `redis` crate's own `ClusterConnection` reads a part's replies as one: when any is MOVED,
//!     ASK, TRYAGAIN, CLUSTERDOWN, MASTERDOWN, LOADING or READONLY, it keeps only that one and, with
//!     client retries, sends the whole part again (entries may run twice). Build it with
//!     `ClusterClientBuilder::new(urls).retries(0)`: a part holding a single command that can have
//!     effects then follows the redirect (that command was refused); any other fails with
//!     `may_have_run()` true, since what ran before the refused command is unknown.
//!   - When parts fail differently (one before it was sent, another after), each entry keeps its own
//!     part's error: `run` returns the replies, and only a failure every part shares is its error.
//! - **Functions**: a batch that loads a library goes to a primary even when its entries only read. A
//!   function its library does not register fails with `ERR Function not found` (nothing ran), and a
//!   library the server refuses fails its calls with [`Error::Preload`], the other entries running as
//!   usual.
//! - **REST**: a batch that may write is sent again only when it could not connect; a read-only one as
//!   the `RetryPolicy` allows. Concurrent `exec` calls are also gathered into shared requests
//!   ([auto-pipelining](crate::rest#auto-pipelining)).

mod entry;
mod plan;
mod run;

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::DeserializeOwned;

use crate::args::{ArgvOf, KeysOf, Params};
use crate::error::{BatchError, BatchErrorKind};
use crate::script::{Undeclared, enough};
use crate::{Args, Error, Function, FunctionRO, Reply, Script, ScriptRO, Transport};
pub(crate) use entry::{Callee, Entries};

/// How a [`Pipeline`] makes sure the scripts it calls are in the server's script cache, and the
/// libraries of the functions it calls are on the server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScriptLoading {
    /// `SCRIPT LOAD` goes in front of the first call of each script, inside the batch, and every call is
    /// EVALSHA (EVALSHA_RO): every entry runs exactly once and in order, whatever the cache held. In the
    /// same way FUNCTION LOAD goes in front of the first call of each library's functions (its usual
    /// "already exists" counts as loaded). The default; a [`Transaction`] always loads this way.
    ///
    /// Only a flush of the cache by someone else while the batch runs can still leave a call without its
    /// script: it runs again at once if nothing behind it has run, and otherwise comes back as a
    /// [`BatchErrorKind::NotRun`] error (it did not run; effects stay in order).
    #[default]
    InBatch,
    /// Nothing is loaded: every call is EVALSHA (or FCALL), and the calls answered NOSCRIPT (or
    /// "Function not found") run again once, in their own order, after the batch, with their scripts
    /// (libraries) loaded. Cheaper when the cache is warm (no script
    /// text is sent), but **those calls run after the entries behind them**: use it only where the order
    /// between entries does not matter. Each entry still runs at most once (a script cached by the time
    /// the batch asks, with `SCRIPT EXISTS`, is taken to have returned the NOSCRIPT itself).
    AfterBatch,
}

/// Upper bounds on a batch, checked before anything is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// The most entries a batch may have.
    pub max_entries: usize,
    /// The most bytes its keys, arguments and command words may take together (script text not
    /// counted).
    pub max_bytes: usize,
}

impl Limits {
    /// 10,000 entries, 64 MiB.
    pub const DEFAULT: Limits = Limits::new(10_000, 64 << 20);
    /// No limit.
    pub const NONE: Limits = Limits::new(usize::MAX, usize::MAX);

    /// At most `max_entries` entries and `max_bytes` bytes.
    pub const fn new(max_entries: usize, max_bytes: usize) -> Self {
        Limits {
            max_entries,
            max_bytes,
        }
    }

    fn check(&self, entries: &Entries<'_>) -> Result<(), Error> {
        let too_large = |message: String| -> Error {
            BatchError::new(BatchErrorKind::TooLarge, message, Vec::new()).into()
        };
        if entries.len() > self.max_entries {
            return Err(too_large(format!(
                "the batch has {} entries, more than its limit of {}; nothing was sent: split it, \
                 or set other Limits",
                entries.len(),
                self.max_entries
            )));
        }
        let bytes = entries.byte_len();
        if bytes > self.max_bytes {
            return Err(too_large(format!(
                "the keys and arguments of the batch take {bytes} bytes, more than its limit of \
                 {}; nothing was sent: split it, or set other Limits",
                self.max_bytes
            )));
        }
        Ok(())
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

mod sealed {
    use crate::script::Positional;

    pub trait Sealed {}
    impl<T, P> Sealed for crate::Script<T, P> {}
    impl<T, P> Sealed for crate::ScriptRO<T, P> {}
    impl<T, P> Sealed for crate::Function<T, P> {}
    impl<T, P> Sealed for crate::FunctionRO<T, P> {}

    /// The fewest keys and arguments a positional call in a batch must pass, as the type of what it
    /// calls says.
    pub trait Minimum {
        const READS: (usize, usize);
    }
    impl<T, P: Positional> Minimum for crate::Script<T, P> {
        const READS: (usize, usize) = P::READS;
    }
    impl<T, P: Positional> Minimum for crate::ScriptRO<T, P> {
        const READS: (usize, usize) = P::READS;
    }
    impl<T, P: Positional> Minimum for crate::Function<T, P> {
        const READS: (usize, usize) = P::READS;
    }
    impl<T, P: Positional> Minimum for crate::FunctionRO<T, P> {
        const READS: (usize, usize) = P::READS;
    }
}

/// A script that can be called in a batch: [`Script<T>`] (sent as EVALSHA) or [`ScriptRO<T>`]
/// (EVALSHA_RO), whose reply decodes into `T`.
pub trait BatchScript<T>: sealed::Sealed + sealed::Minimum {
    /// The script, and whether it is read-only.
    #[doc(hidden)]
    fn __batch_parts(&self) -> ScriptParts<'_>;
}

/// A declared script that can be called in a batch with its parameters `P`: [`Script<T, P>`] (sent
/// as EVALSHA) or [`ScriptRO<T, P>`] (EVALSHA_RO), whose reply decodes into `T`.
pub trait DeclaredScript<T, P>: sealed::Sealed {
    /// The script, and whether it is read-only.
    #[doc(hidden)]
    fn __batch_parts(&self) -> ScriptParts<'_>;
}

impl<T, P: Params> DeclaredScript<T, P> for Script<T, P> {
    fn __batch_parts(&self) -> ScriptParts<'_> {
        ScriptParts {
            callee: Callee::Script(self.source()),
            read_only: false,
        }
    }
}

impl<T, P: Params> DeclaredScript<T, P> for ScriptRO<T, P> {
    fn __batch_parts(&self) -> ScriptParts<'_> {
        ScriptParts {
            callee: Callee::Script(self.source()),
            read_only: true,
        }
    }
}

/// A function that can be called in a batch: [`Function<T>`] (sent as FCALL) or
/// [`FunctionRO<T>`] (FCALL_RO), whose reply decodes into `T`.
pub trait BatchFunction<T>: sealed::Sealed + sealed::Minimum {
    /// The function, and whether it is read-only.
    #[doc(hidden)]
    fn __batch_parts(&self) -> ScriptParts<'_>;
}

/// A declared function that can be called in a batch with its parameters `P`: [`Function<T, P>`]
/// (sent as FCALL) or [`FunctionRO<T, P>`] (FCALL_RO), whose reply decodes into `T`.
pub trait DeclaredFunction<T, P>: sealed::Sealed {
    /// The function, and whether it is read-only.
    #[doc(hidden)]
    fn __batch_parts(&self) -> ScriptParts<'_>;
}

impl<T, P: Params> DeclaredFunction<T, P> for Function<T, P> {
    fn __batch_parts(&self) -> ScriptParts<'_> {
        ScriptParts {
            callee: self.callee(),
            read_only: false,
        }
    }
}

impl<T, P: Params> DeclaredFunction<T, P> for FunctionRO<T, P> {
    fn __batch_parts(&self) -> ScriptParts<'_> {
        ScriptParts {
            callee: self.callee(),
            read_only: true,
        }
    }
}

/// What a batch needs of a script or function: not public API.
#[doc(hidden)]
#[derive(Debug)]
pub struct ScriptParts<'a> {
    callee: Callee<'a>,
    read_only: bool,
}

impl<T, const KEYS: usize, const ARGS: usize> BatchScript<T> for Script<T, Undeclared<KEYS, ARGS>> {
    fn __batch_parts(&self) -> ScriptParts<'_> {
        ScriptParts {
            callee: Callee::Script(self.source()),
            read_only: false,
        }
    }
}

impl<T, const KEYS: usize, const ARGS: usize> BatchScript<T>
    for ScriptRO<T, Undeclared<KEYS, ARGS>>
{
    fn __batch_parts(&self) -> ScriptParts<'_> {
        ScriptParts {
            callee: Callee::Script(self.source()),
            read_only: true,
        }
    }
}

impl<T, const KEYS: usize, const ARGS: usize> BatchFunction<T>
    for Function<T, Undeclared<KEYS, ARGS>>
{
    fn __batch_parts(&self) -> ScriptParts<'_> {
        ScriptParts {
            callee: self.callee(),
            read_only: false,
        }
    }
}

impl<T, const KEYS: usize, const ARGS: usize> BatchFunction<T>
    for FunctionRO<T, Undeclared<KEYS, ARGS>>
{
    fn __batch_parts(&self) -> ScriptParts<'_> {
        ScriptParts {
            callee: self.callee(),
            read_only: true,
        }
    }
}

/// The handle of one entry of a batch: give it to [`Replies::take`] to get the entry's result as `T`.
#[must_use = "the entry's result is read with `Replies::take`"]
pub struct Queued<T> {
    batch: u64,
    index: usize,
    reply: PhantomData<fn() -> T>,
}

impl<T> Queued<T> {
    /// The entry's position in its batch, from 0 in the order entries were added: how errors name it.
    pub fn index(&self) -> usize {
        self.index
    }
}

impl<T> fmt::Debug for Queued<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queued")
            .field("index", &self.index)
            .field("type", &std::any::type_name::<T>())
            .finish()
    }
}

/// The results of a batch that ran: one per entry, taken out with the entry's [`Queued`] handle.
pub struct Replies<'a> {
    batch: u64,
    entries: Vec<Option<Result<Reply, Error>>>,
    /// The entries as they were queued: they name the script of an entry whose reply does not decode.
    queued: Entries<'a>,
}

impl Replies<'_> {
    /// The result of `entry`, decoded into its type: the entry's own error (a script error, a decode
    /// failure, an entry that did not run) leaves the other entries' results as they are.
    ///
    /// # Errors
    ///
    /// The entry's own error, naming its script: the server's or the script's error, a reply that
    /// does not decode into `T`, or a [`BatchErrorKind::NotRun`] error for an entry that did not run.
    /// A handle of another batch, or one already taken, is an error of kind
    /// [`BatchErrorKind::ForeignEntry`].
    pub fn take<T: DeserializeOwned>(&mut self, entry: Queued<T>) -> Result<T, Error> {
        let slot = if entry.batch == self.batch {
            self.entries.get_mut(entry.index).and_then(Option::take)
        } else {
            None
        };
        let Some(result) = slot else {
            return Err(BatchError::new(
                BatchErrorKind::ForeignEntry,
                format!(
                    "entry {} was queued in another batch; take it from the replies of the batch \
                     it was added to",
                    entry.index
                ),
                vec![entry.index],
            )
            .into());
        };
        crate::from_reply(result?).map_err(|e| match self.queued.source(entry.index) {
            Some(source) => Error::from(e).for_script(source),
            None => Error::from(e),
        })
    }

    /// How many entries the batch had.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True for the replies of an empty batch.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl fmt::Debug for Replies<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self
            .entries
            .iter()
            .filter(|e| matches!(e, Some(Err(_))))
            .count();
        f.debug_struct("Replies")
            .field("entries", &self.entries.len())
            .field("failed", &failed)
            .finish()
    }
}

/// A fresh identity for a batch, so that a handle can not read another batch's replies.
fn next_batch_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// What [`Pipeline`] and [`Transaction`] share: the entries, the batch's identity and its limits.
struct Building<'a> {
    id: u64,
    entries: Entries<'a>,
    limits: Limits,
}

impl<'a> Building<'a> {
    fn new() -> Self {
        Building {
            id: next_batch_id(),
            entries: Entries::default(),
            limits: Limits::DEFAULT,
        }
    }

    /// Adds a call of a script or function; keys and arguments are encoded here, once.
    fn push<T>(&mut self, parts: ScriptParts<'a>, keys: &impl Args, args: &impl Args) -> Queued<T> {
        let index = self
            .entries
            .push_call((parts.callee, parts.read_only), keys, args);
        self.queued(index)
    }

    fn queued<T>(&self, index: usize) -> Queued<T> {
        Queued {
            batch: self.id,
            index,
            reply: PhantomData,
        }
    }

    async fn run<C: Transport + ?Sized>(
        self,
        conn: &C,
        atomic: bool,
        loading: ScriptLoading,
    ) -> Result<Replies<'a>, Error> {
        #[cfg(feature = "tracing")]
        let span = crate::trace::batch_span(atomic, self.entries.len(), conn.server_address());
        let result = match self.limits.check(&self.entries) {
            Ok(()) => {
                let run = run::run(conn, &self.entries, atomic, loading);
                #[cfg(feature = "tracing")]
                let run = tracing::Instrument::instrument(run, span.clone());
                run.await
            }
            Err(refused) => Err(refused),
        };
        #[cfg(feature = "tracing")]
        crate::trace::batch_finished(&span, result.as_ref().map(Vec::as_slice), |position| {
            self.entries.source(position)
        });
        let entries = result?;
        Ok(Replies {
            batch: self.id,
            entries,
            queued: self.entries,
        })
    }
}

/// Script calls and commands sent in one round trip, not atomically: each entry runs once, in the
/// order added, and has its own result.
///
/// Each script is loaded (`SCRIPT LOAD`) in front of its first call inside the batch, so every entry
/// runs exactly once and in order whatever the server's script cache holds; see [`ScriptLoading`]
/// for a cheaper, weaker mode. A batch of only [`ScriptRO`] calls and read-only commands is read-only:
/// a transport may route it to a replica and send it again after a failure.
pub struct Pipeline<'a> {
    batch: Building<'a>,
    loading: ScriptLoading,
}

/// Script calls and commands run atomically, inside MULTI / EXEC.
///
/// Each script is loaded (`SCRIPT LOAD`) inside the transaction, in front of its first call, so no
/// call can meet NOSCRIPT and no transaction is ever half applied because of the script cache. The
/// server refusing the transaction as a whole (EXECABORT: nothing ran) is the outer error of
/// [`run`](Self::run); a command that fails while the transaction runs is that entry's error, and
/// the others ran (Redis does not roll back).
pub struct Transaction<'a> {
    batch: Building<'a>,
}

impl<'a> Pipeline<'a> {
    /// An empty pipeline.
    pub fn new() -> Self {
        Pipeline {
            batch: Building::new(),
            loading: ScriptLoading::InBatch,
        }
    }

    /// Chooses how scripts are loaded (default [`ScriptLoading::InBatch`]).
    pub fn script_loading(&mut self, loading: ScriptLoading) -> &mut Self {
        self.loading = loading;
        self
    }

    /// Sends the pipeline, in one round trip per server, and returns the result of every entry.
    ///
    /// # Errors
    ///
    /// The outer error is the batch's own failure: it was refused before sending (an entry that can
    /// not be in a batch, [`Limits`], keys of one entry in several slots of a cluster), or the
    /// transport failed before any entry was answered ([`Error::may_have_run`] says whether entries
    /// may have run). An entry's own failure is that entry's result in [`Replies`]. An empty batch
    /// sends nothing.
    pub async fn run<C: Transport + ?Sized>(self, conn: &C) -> Result<Replies<'a>, Error> {
        self.batch.run(conn, false, self.loading).await
    }
}

impl<'a> Transaction<'a> {
    /// An empty transaction.
    pub fn new() -> Self {
        Transaction {
            batch: Building::new(),
        }
    }

    /// Sends the transaction (MULTI, the entries, EXEC) and returns the result of every entry.
    ///
    /// # Errors
    ///
    /// The outer error is the transaction's own failure: it was refused before sending (an entry
    /// that can not be in a batch, [`Limits`], keys in several slots of a cluster), the server
    /// refused it as a whole (a [`BatchErrorKind::Aborted`] error: nothing ran), or the transport
    /// failed before any entry was answered ([`Error::may_have_run`] says whether it may have run).
    /// A command that fails while EXEC runs is that entry's result in [`Replies`]. An empty
    /// transaction sends nothing.
    pub async fn run<C: Transport + ?Sized>(self, conn: &C) -> Result<Replies<'a>, Error> {
        self.batch.run(conn, true, ScriptLoading::InBatch).await
    }
}

/// What `Pipeline` and `Transaction` have alike: adding entries, limits, and how they show.
macro_rules! batch_entries {
    ($name:ident) => {
        impl<'a> $name<'a> {
            /// Adds a call of `script` ([`Script<T>`] as EVALSHA, [`ScriptRO<T>`] as EVALSHA_RO); its
            /// reply decodes into the script's `T`. Keys and arguments are encoded here, once.
            pub fn exec<T, S: BatchScript<T>, K: Args, A: Args>(
                &mut self,
                script: &'a S,
                keys: K,
                args: A,
            ) -> Queued<T> {
                const { enough::<K, A>(S::READS) };
                self.batch.push(script.__batch_parts(), &keys, &args)
            }

            /// Adds a call of a declared `script` ([`Script<T, P>`] as EVALSHA, [`ScriptRO<T, P>`]
            /// as EVALSHA_RO) with the keys and arguments `params` names; its reply decodes into
            /// the script's `T`. The typed form of [`exec`](Self::exec).
            pub fn exec_typed<T, P: Params, S: DeclaredScript<T, P::Static> + ?Sized>(
                &mut self,
                script: &'a S,
                params: P,
            ) -> Queued<T> {
                let (keys, args) = (KeysOf(&params), ArgvOf(&params));
                self.batch.push(script.__batch_parts(), &keys, &args)
            }

            /// Adds a call of `function` ([`Function<T>`] as FCALL, [`FunctionRO<T>`] as FCALL_RO);
            /// its reply decodes into the function's `T`. Its library is loaded (FUNCTION LOAD; an
            /// "already exists" counts as loaded) in front of the first call of each library.
            pub fn call<T, F: BatchFunction<T>, K: Args, A: Args>(
                &mut self,
                function: &'a F,
                keys: K,
                args: A,
            ) -> Queued<T> {
                const { enough::<K, A>(F::READS) };
                self.batch.push(function.__batch_parts(), &keys, &args)
            }

            /// Adds a call of a declared `function` ([`Function<T, P>`] as FCALL,
            /// [`FunctionRO<T, P>`] as FCALL_RO) with the keys and arguments `params` names. The
            /// typed form of [`call`](Self::call).
            pub fn call_typed<T, P: Params, F: DeclaredFunction<T, P::Static> + ?Sized>(
                &mut self,
                function: &'a F,
                params: P,
            ) -> Queued<T> {
                let (keys, args) = (KeysOf(&params), ArgvOf(&params));
                self.batch.push(function.__batch_parts(), &keys, &args)
            }

            /// Adds a command, written as its words, name first: `cmd::<i64>(("INCRBY", "k", 5))`.
            /// Its reply decodes into `T` (`()` to ignore it, [`Reply`] to keep it as it came).
            ///
            /// Commands that would change the connection's state (SELECT, MULTI, WATCH, SUBSCRIBE, ...)
            /// make [`run`](Self::run) refuse the batch before sending anything.
            pub fn cmd<T>(&mut self, words: impl Args) -> Queued<T> {
                let index = self.batch.entries.push_command(&words);
                self.batch.queued(index)
            }

            /// Sets the bounds checked before sending (default [`Limits::DEFAULT`]).
            pub fn limits(&mut self, limits: Limits) -> &mut Self {
                self.batch.limits = limits;
                self
            }

            /// How many entries there are.
            pub fn len(&self) -> usize {
                self.batch.entries.len()
            }

            /// True when nothing was added: [`run`](Self::run) then sends nothing.
            pub fn is_empty(&self) -> bool {
                self.batch.entries.is_empty()
            }
        }

        impl Default for $name<'_> {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("entries", &self.batch.entries.len())
                    .field("limits", &self.batch.limits)
                    .finish()
            }
        }
    };
}

batch_entries!(Pipeline);
batch_entries!(Transaction);
