//! What every script is made of (text, SHA-1, name) and the one place a call falls back from EVALSHA to
//! EVAL.

use std::borrow::Cow;
use std::fmt;

use serde::de::DeserializeOwned;

use crate::args::{ArgvOf, KeysOf, Params};
use crate::error::ArityError;
use crate::label::{Named, ScriptLabel, Shared, sha1_hex};
use crate::{ArgList, Args, Command, CommandName, Error, Reply, Transport, Values};

/// The text of a script, its SHA-1 and its name, shared by [`Script`](crate::Script) and
/// [`ScriptRO`](crate::ScriptRO).
#[derive(Clone)]
pub(crate) struct Source {
    pub(crate) text: Shared,
    pub(crate) sha1: Shared,
    pub(crate) name: Option<Shared>,
    /// A function of a library: `text` is the library's code, `sha1` its SHA-1, `name`
    /// `library.function`.
    pub(crate) function: bool,
    /// The fewest keys and arguments a call must pass (what `lua_script!` found the script reads
    /// on every run); none for scripts built at run time.
    pub(crate) arity: Arity,
}

/// `reply`, as the answer to `name`: EVAL never answers NOSCRIPT itself, so a NOSCRIPT in reply to
/// it is the script's own error, and it ran.
fn answered(name: CommandName, reply: Result<Reply, Error>) -> Result<Reply, Error> {
    match reply {
        Err(e) if matches!(name, CommandName::Eval | CommandName::EvalRo) && e.is_noscript() => {
            Err(e.unproven())
        }
        reply => reply,
    }
}

/// The fewest keys and arguments a call of a script must pass: see [arity](crate::script#arity).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Arity {
    pub(crate) keys: u16,
    pub(crate) args: u16,
}

impl Arity {
    /// No minimum.
    pub(crate) const NONE: Arity = Arity { keys: 0, args: 0 };
}

impl Source {
    /// A script `lua_script!` embedded: its text, SHA-1 and name, all computed at compile time.
    pub(crate) const fn embedded(
        text: &'static str,
        sha1: &'static str,
        name: &'static str,
    ) -> Source {
        Source {
            text: Shared::Static(text),
            sha1: Shared::Static(sha1),
            name: Some(Shared::Static(name)),
            function: false,
            arity: Arity::NONE,
        }
    }

    /// The same, needing at least `keys` keys and `args` arguments.
    pub(crate) const fn with_arity(mut self, keys: u16, args: u16) -> Source {
        self.arity = Arity { keys, args };
        self
    }

    /// Refuses a call passing `keys` keys and `args` arguments, if it is short of either, with an
    /// error naming this script (or function); nothing has been sent.
    #[inline]
    pub(crate) fn check_arity(&self, keys: usize, args: usize) -> Result<(), Error> {
        let needed = (self.arity.keys.into(), self.arity.args.into());
        match ArityError::check(keys, args, needed) {
            Some(refused) => Err(Error::from(refused.of_function(self.function)).for_script(self)),
            None => Ok(()),
        }
    }

    /// [`Source::check_arity`] for the keys and arguments of `call`.
    #[inline]
    pub(crate) fn check_call(&self, call: &Call) -> Result<(), Error> {
        self.check_arity(call.keys, call.values.len() - call.keys)
    }

    pub(crate) fn new(text: Cow<'static, str>) -> Source {
        let sha1 = Shared::Arc(sha1_hex(text.as_bytes()).into());
        Source {
            text: text.into(),
            sha1,
            name: None,
            function: false,
            arity: Arity::NONE,
        }
    }

    /// Sends `first`; on the server's NOSCRIPT reply, and only on it, sends `fallback` once; decodes
    /// the reply. (One state machine, not one per step: this is every call's hot path.)
    pub(crate) async fn call<T: DeserializeOwned, C: Transport + ?Sized>(
        &self,
        conn: &C,
        first: CommandName,
        fallback: Option<CommandName>,
        call: Call,
    ) -> Result<T, Error> {
        #[cfg(feature = "tracing")]
        {
            let span = crate::trace::CallSpan::new(self, first, conn.server_address());
            span.around(self.run(conn, first, fallback, call, |to| span.fallback(to)))
                .await
        }
        #[cfg(not(feature = "tracing"))]
        self.run(conn, first, fallback, call, |_| {}).await
    }

    async fn run<T: DeserializeOwned, C: Transport + ?Sized>(
        &self,
        conn: &C,
        first: CommandName,
        fallback: Option<CommandName>,
        call: Call,
        on_fallback: impl Fn(CommandName),
    ) -> Result<T, Error> {
        self.check_call(&call)?;
        // What a call in flight holds is kept small (examples/bench_memory.rs): the transport's
        // future lives on the heap, as the `redis` crate's own (`RedisFuture`) does (a multiplexed
        // connection's is about 1.5 KB), and across an await only `call` is kept, not its split nor
        // the first reply.
        let send = |name| {
            let (keys, args) = call.split();
            Box::pin(conn.send(Command::new(name, &self.text, &self.sha1, keys, args)))
        };
        let reply = answered(first, send(first).await);
        let reply = match fallback {
            Some(fallback) if matches!(&reply, Err(e) if e.is_noscript()) => {
                drop(reply);
                on_fallback(fallback);
                answered(fallback, send(fallback).await)
            }
            _ => reply,
        };
        // The keys and arguments come out of any error text that echoes them.
        let (keys, args) = call.split();
        let reply = reply.map_err(|e| e.redacted(keys.iter().chain(args.iter())));
        self.decode(reply)
    }

    /// The call's reply decoded into `T`, or its error, naming this script (or function) either way.
    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        reply: Result<Reply, Error>,
    ) -> Result<T, Error> {
        let decoded = match reply {
            Ok(reply) => crate::from_reply(reply).map_err(Error::from),
            Err(e) => Err(e),
        };
        decoded.map_err(|e| e.for_script(self))
    }

    pub(crate) fn debug(&self, type_name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct(type_name);
        if let Some(name) = &self.name {
            debug.field("name", name);
        }
        debug
            .field("sha1", &self.sha1)
            .field("bytes", &self.text.len())
            .finish()
    }
}

impl Named for Source {
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn sha1(&self) -> &str {
        &self.sha1
    }

    fn is_function(&self) -> bool {
        self.function
    }

    /// What an error about this script names: its name and SHA-1, never its text.
    fn label(&self) -> ScriptLabel {
        ScriptLabel {
            name: self.name.clone(),
            sha1: self.sha1.clone(),
            function: self.function,
        }
    }

    fn declares_flags(&self) -> bool {
        self.function || self.text.starts_with("#!")
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.debug("Source", f)
    }
}

/// The keys and then the arguments of one call, encoded once into one list.
pub(crate) struct Call {
    values: ArgList,
    keys: usize,
}

impl Call {
    pub(crate) fn new(keys: &impl Args, args: &impl Args) -> Call {
        let mut values = ArgList::default();
        keys.write_args(&mut values);
        let count = values.len();
        args.write_args(&mut values);
        Call {
            values,
            keys: count,
        }
    }

    /// The keys, then the arguments, that `params` (a declared script's or function's struct) names.
    pub(crate) fn declared(params: &impl Params) -> Call {
        Call::new(&KeysOf(params), &ArgvOf(params))
    }

    pub(crate) fn split(&self) -> (Values<'_>, Values<'_>) {
        let all = self.values.len();
        (
            self.values.values_in(0..self.keys),
            self.values.values_in(self.keys..all),
        )
    }
}
