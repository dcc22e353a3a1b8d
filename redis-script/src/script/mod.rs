//! `Script<T>` and `ScriptRO<T>`: a Lua script with its SHA-1 and name, run by EVALSHA with one EVAL
//! fallback.

mod name;
mod source;

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use crate::{Args, CommandName, Error, Reply, Transport};
pub use name::{MAX_NAME_LEN, ScriptNameError};
pub(crate) use source::{Call, Source};

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
pub struct Script<T = Reply> {
    source: Source,
    reply: PhantomData<fn() -> T>,
}

/// A read-only Lua script whose reply decodes into `T`, run with EVALSHA_RO and, when the server does
/// not have it cached, exactly one EVAL_RO (Redis 7+).
///
/// The server refuses any write from it, so it can run on replicas and is safe to retry.
/// Build one with `lua_script!("file.lua", readonly)` or [`ScriptRO::new`].
pub struct ScriptRO<T = Reply> {
    source: Source,
    reply: PhantomData<fn() -> T>,
}

/// What `Script` and `ScriptRO` have alike: built from a [`Source`], named, read, cloned and shown
/// the same way.
macro_rules! script_accessors {
    ($name:ident) => {
        impl<T> $name<T> {
            /// A script built at run time; its SHA-1 is computed here, once.
            ///
            /// Scripts known at compile time are better written with [`lua_script!`](crate::lua_script),
            /// which also checks them.
            pub fn new(script: impl Into<Cow<'static, str>>) -> Self {
                $name::from_source(Source::new(script.into()))
            }

            /// The same script under `name`, which logs, traces, errors and the
            /// [registry](crate::scripts) show; [`lua_script!`](crate::lua_script) names its scripts
            /// after their path. A name is at most [`MAX_NAME_LEN`] bytes of printable text.
            ///
            /// # Errors
            ///
            /// A [`ScriptNameError`] when `name` is empty, longer than [`MAX_NAME_LEN`] bytes or
            /// holds a control character.
            pub fn with_name(
                mut self,
                name: impl Into<Cow<'static, str>>,
            ) -> Result<Self, ScriptNameError> {
                let name = name.into();
                name::check(&name)?;
                self.source.name = Some(name.into());
                Ok(self)
            }

            pub(crate) const fn from_source(source: Source) -> Self {
                $name {
                    source,
                    reply: PhantomData,
                }
            }

            /// The script's name: the path of its file as written in `lua_script!` (or its
            /// `name = ".."`), or the name given to [`with_name`](Self::with_name); `None` for a
            /// script built at run time without one.
            pub fn name(&self) -> Option<&str> {
                self.source.name.as_deref()
            }

            pub(crate) fn source(&self) -> &Source {
                &self.source
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
                $name::from_source(self.source.clone())
            }
        }

        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.source.debug(stringify!($name), f)
            }
        }
    };
}

script_accessors!(Script);
script_accessors!(ScriptRO);

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
#[allow(clippy::unwrap_used)]
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
    fn debug_shows_the_name_and_sha_not_the_text() {
        let script = Script::<()>::new("return 'secret'");
        let debug = format!("{script:?}");
        assert!(debug.contains(script.sha1()));
        assert!(!debug.contains("secret"));
        let named = script.with_name("lua/secret.lua").unwrap();
        assert_eq!(named.name(), Some("lua/secret.lua"));
        assert!(format!("{named:?}").starts_with("Script { name: \"lua/secret.lua\", sha1: "));
        assert_eq!(
            ScriptRO::<()>::new("return 1").with_name("").unwrap_err(),
            ScriptNameError::Empty
        );
    }
}
