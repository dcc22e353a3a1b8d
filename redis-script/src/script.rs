//! `Script<T>` and `ScriptRO<T>`: a Lua script with its SHA-1, run by EVALSHA with one EVAL fallback.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use crate::{ArgList, Args, Command, CommandName, Error, Reply, Transport, Values};

/// The text of a script and its SHA-1, shared by [`Script`] and [`ScriptRO`].
#[derive(Clone)]
struct Source {
    text: Cow<'static, str>,
    sha1: Cow<'static, str>,
}

impl Source {
    fn new(text: Cow<'static, str>) -> Source {
        let sha1 = Cow::Owned(sha1_hex(text.as_bytes()));
        Source { text, sha1 }
    }

    /// Sends `first`; on the server's NOSCRIPT reply, and only on it, sends `fallback` once; decodes
    /// the reply. (One state machine, not one per step: this is every call's hot path.)
    async fn call<T: DeserializeOwned, C: Transport + ?Sized>(
        &self,
        conn: &C,
        first: CommandName,
        fallback: Option<CommandName>,
        call: Call,
    ) -> Result<T, Error> {
        let (keys, args) = call.split();
        let command = |name| Command::new(name, &self.text, &self.sha1, keys, args);
        let reply = match (conn.send(command(first)).await, fallback) {
            (Err(e), Some(fallback)) if e.is_noscript() => conn.send(command(fallback)).await,
            (reply, _) => reply,
        }
        .map_err(|e| e.naming_script(&self.sha1))?;
        Ok(crate::from_reply(reply)?)
    }

    fn fmt(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("sha1", &self.sha1)
            .field("bytes", &self.text.len())
            .finish()
    }
}

/// The keys and then the arguments of one call, encoded once into one list.
struct Call {
    values: ArgList,
    keys: usize,
}

impl Call {
    fn new(keys: &impl Args, args: &impl Args) -> Call {
        let mut values = ArgList::default();
        keys.write_args(&mut values);
        let count = values.len();
        args.write_args(&mut values);
        Call {
            values,
            keys: count,
        }
    }

    fn split(&self) -> (Values<'_>, Values<'_>) {
        let all = self.values.len();
        (
            self.values.values_in(0..self.keys),
            self.values.values_in(self.keys..all),
        )
    }
}

/// Lowercase hex SHA-1 of `bytes`, as Redis names scripts.
fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest as _;
    use std::fmt::Write as _;
    let digest = sha1::Sha1::digest(bytes);
    let mut hex = String::with_capacity(40);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

macro_rules! script_type {
    ($(#[$doc:meta])* $name:ident, $constructor:ident) => {
        $(#[$doc])*
        pub struct $name<T = Reply> {
            source: Source,
            reply: PhantomData<fn() -> T>,
        }

        impl<T> $name<T> {
            /// A script built at run time; its SHA-1 is computed here, once.
            ///
            /// Scripts known at compile time are better written with [`lua_script!`](crate::lua_script),
            /// which also checks them.
            pub fn new(script: impl Into<Cow<'static, str>>) -> Self {
                $name {
                    source: Source::new(script.into()),
                    reply: PhantomData,
                }
            }

            #[doc(hidden)]
            pub const fn $constructor(script: &'static str, sha1: &'static str) -> Self {
                $name {
                    source: Source {
                        text: Cow::Borrowed(script),
                        sha1: Cow::Borrowed(sha1),
                    },
                    reply: PhantomData,
                }
            }

            /// The Lua source, exactly the bytes whose SHA-1 is [`sha1`](Self::sha1).
            pub fn script(&self) -> &str {
                &self.source.text
            }

            /// The SHA-1 of the script in lowercase hex, as `SCRIPT LOAD` returns it. Known at once
            /// (for [`lua_script!`](crate::lua_script), at compile time).
            pub fn sha1(&self) -> &str {
                &self.source.sha1
            }
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                $name {
                    source: self.source.clone(),
                    reply: PhantomData,
                }
            }
        }

        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.source.fmt(stringify!($name), f)
            }
        }
    };
}

script_type!(
    /// A Lua script whose reply decodes into `T`, run with EVALSHA and, when the server does not have it
    /// cached, exactly one EVAL.
    ///
    /// Build one at compile time with [`lua_script!`](crate::lua_script) (it can sit in a `static`) or at
    /// run time with [`Script::new`].
    ///
    /// ```no_run
    /// use redis_script::Script;
    ///
    /// # async fn run(conn: redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
    /// let incr_ttl = Script::<i64>::new("local n = redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], ARGV[1]) return n");
    /// let views = incr_ttl.exec(&conn, ["page:views"], [3600]).await?;
    /// # Ok(()) }
    /// ```
    Script,
    __from_parts
);

script_type!(
    /// A read-only Lua script whose reply decodes into `T`, run with EVALSHA_RO and, when the server does
    /// not have it cached, exactly one EVAL_RO (Redis 7+).
    ///
    /// The server refuses any write from it, so it can run on replicas and is safe to retry.
    /// Build one with `lua_script!("file.lua", readonly)` or [`ScriptRO::new`].
    ScriptRO,
    __from_parts_ro
);

impl<T: DeserializeOwned> Script<T> {
    /// Runs the script with EVALSHA and, if the server answers NOSCRIPT, once with EVAL, which also caches
    /// it. Any other error, including a lost connection, is returned as it is: the script may have run.
    pub fn exec<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        keys: impl Args,
        args: impl Args,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        let (first, fallback) = (CommandName::EvalSha, Some(CommandName::Eval));
        self.source
            .call(conn, first, fallback, Call::new(&keys, &args))
    }

    /// Runs the script with EVAL, sending its whole text (and caching it on the server).
    pub fn eval<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        keys: impl Args,
        args: impl Args,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        self.source
            .call(conn, CommandName::Eval, None, Call::new(&keys, &args))
    }

    /// Runs the script with EVALSHA only; a server without it cached answers with an error for which
    /// [`Error::is_noscript`] is true.
    pub fn evalsha<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        keys: impl Args,
        args: impl Args,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        self.source
            .call(conn, CommandName::EvalSha, None, Call::new(&keys, &args))
    }
}

impl<T: DeserializeOwned> ScriptRO<T> {
    /// Runs the script with EVALSHA_RO and, if the server answers NOSCRIPT, once with EVAL_RO. Never
    /// falls back to a command that could write.
    pub fn exec<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        keys: impl Args,
        args: impl Args,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        let (first, fallback) = (CommandName::EvalShaRo, Some(CommandName::EvalRo));
        self.source
            .call(conn, first, fallback, Call::new(&keys, &args))
    }

    /// Runs the script with EVAL_RO, sending its whole text.
    pub fn eval_ro<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        keys: impl Args,
        args: impl Args,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        self.source
            .call(conn, CommandName::EvalRo, None, Call::new(&keys, &args))
    }

    /// Runs the script with EVALSHA_RO only; a server without it cached answers NOSCRIPT.
    pub fn evalsha_ro<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        keys: impl Args,
        args: impl Args,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        self.source
            .call(conn, CommandName::EvalShaRo, None, Call::new(&keys, &args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_time_scripts_hash_like_redis() {
        // `redis-cli SCRIPT LOAD "return 1"`
        let script = Script::<i64>::new("return 1");
        assert_eq!(script.sha1(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
        assert_eq!(script.script(), "return 1");
        let ro = ScriptRO::<i64>::new(String::from("return 1"));
        assert_eq!(ro.sha1(), script.sha1());
    }

    #[test]
    fn debug_shows_the_sha_not_the_text() {
        let script = Script::<()>::new("return 'secret'");
        let debug = format!("{script:?}");
        assert!(debug.contains(script.sha1()));
        assert!(!debug.contains("secret"));
    }
}
