//! Batches: script calls and commands sent together, as a [`Pipeline`] (one round trip, not atomic) or a
//! [`Transaction`] (MULTI / EXEC, atomic), each call keeping its reply type.
//!
//! ```no_run
//! use redis_script::{Pipeline, Script};
//!
//! # async fn run(conn: redis::aio::MultiplexedConnection, limit: Script<(i64, i64)>) -> redis_script::Result<()> {
//! let mut pipe = Pipeline::new();
//! let alice = pipe.exec(&limit, ["rate:alice"], (10, 60));
//! let bob = pipe.exec(&limit, ["rate:bob"], (10, 60));
//! let hits = pipe.cmd::<i64>(("INCR", "hits"));
//! let mut replies = pipe.run(&conn).await?; // one round trip
//! let (count, ttl) = replies.take(alice)?;  // (i64, i64), as the script says
//! let bob = replies.take(bob);               // each entry has its own result
//! let hits = replies.take(hits)?;
//! # Ok(()) }
//! ```
//!
//! Every entry runs at most once, in the order it was added: `SCRIPT LOAD` goes in front of the first
//! call of each script inside the batch, and FUNCTION LOAD in front of the first call of each library's
//! functions (the planner, `plan.rs`), so no call depends on what the server held. See the crate
//! documentation, "Batches".

mod entry;
mod plan;
mod run;

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::DeserializeOwned;

use crate::error::{BatchError, BatchErrorKind};
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
    pub trait Sealed {}
    impl<T> Sealed for crate::Script<T> {}
    impl<T> Sealed for crate::ScriptRO<T> {}
    impl<T> Sealed for crate::Function<T> {}
    impl<T> Sealed for crate::FunctionRO<T> {}
}

/// A script that can be called in a batch: [`Script<T>`] (sent as EVALSHA) or [`ScriptRO<T>`]
/// (EVALSHA_RO), whose reply decodes into `T`.
pub trait BatchScript<T>: sealed::Sealed {
    /// The script, and whether it is read-only.
    #[doc(hidden)]
    fn __batch_parts(&self) -> ScriptParts<'_>;
}

/// A function that can be called in a batch: [`Function<T>`] (sent as FCALL) or
/// [`FunctionRO<T>`] (FCALL_RO), whose reply decodes into `T`.
pub trait BatchFunction<T>: sealed::Sealed {
    /// The function, and whether it is read-only.
    #[doc(hidden)]
    fn __batch_parts(&self) -> ScriptParts<'_>;
}

/// What a batch needs of a script or function: not public API.
#[doc(hidden)]
#[derive(Debug)]
pub struct ScriptParts<'a> {
    callee: Callee<'a>,
    read_only: bool,
}

impl<T> BatchScript<T> for Script<T> {
    fn __batch_parts(&self) -> ScriptParts<'_> {
        ScriptParts {
            callee: Callee::Script(self.source()),
            read_only: false,
        }
    }
}

impl<T> BatchScript<T> for ScriptRO<T> {
    fn __batch_parts(&self) -> ScriptParts<'_> {
        ScriptParts {
            callee: Callee::Script(self.source()),
            read_only: true,
        }
    }
}

impl<T> BatchFunction<T> for Function<T> {
    fn __batch_parts(&self) -> ScriptParts<'_> {
        ScriptParts {
            callee: self.callee(),
            read_only: false,
        }
    }
}

impl<T> BatchFunction<T> for FunctionRO<T> {
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
    /// A handle of another batch is an error of kind [`BatchErrorKind::ForeignEntry`].
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
            pub fn exec<T, S: BatchScript<T> + ?Sized>(
                &mut self,
                script: &'a S,
                keys: impl Args,
                args: impl Args,
            ) -> Queued<T> {
                self.batch.push(script.__batch_parts(), &keys, &args)
            }

            /// Adds a call of `function` ([`Function<T>`] as FCALL, [`FunctionRO<T>`] as FCALL_RO);
            /// its reply decodes into the function's `T`. Its library is loaded (FUNCTION LOAD; an
            /// "already exists" counts as loaded) in front of the first call of each library.
            pub fn call<T, F: BatchFunction<T> + ?Sized>(
                &mut self,
                function: &'a F,
                keys: impl Args,
                args: impl Args,
            ) -> Queued<T> {
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
