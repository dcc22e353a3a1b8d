//! The typed call of a declared script: `exec(conn, params)`, the keys and arguments named by the
//! struct `lua_script!` generated from the script's annotations.

use std::future::Future;

use serde::de::DeserializeOwned;

use super::{Call, Script, ScriptRO};
use crate::args::Params;
use crate::{CommandName, Error, Transport};

impl<T: DeserializeOwned, P: Params> Script<T, P> {
    /// Runs the declared script with the keys and arguments `params` names: EVALSHA and, if the
    /// server answers NOSCRIPT, once EVAL, as [`Script::exec`] does.
    ///
    /// # Errors
    ///
    /// As for [`Script::exec`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// redis_script::lua_script! {
    ///     /// `---@key key`, `---@arg limit integer`, `---@arg window integer`.
    ///     static RATE_LIMIT: redis_script::Script<Window, RateLimit> =
    ///         "../../../examples/lua/rate_limit.lua";
    /// }
    ///
    /// # async fn run(conn: redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
    /// let params = RateLimit { key: "rate:alice", limit: 100, window: 60 };
    /// let Window { requests, ttl } = RATE_LIMIT.exec(&conn, params).await?;
    /// # Ok(()) }
    /// ```
    pub fn exec<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        params: impl Params<Static = P>,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        self.exec_call(conn, Call::declared(&params))
    }

    /// Runs the declared script with EVAL, sending its whole text.
    ///
    /// # Errors
    ///
    /// As for [`Script::exec`].
    pub fn eval<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        params: impl Params<Static = P>,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        self.source
            .call(conn, CommandName::Eval, None, Call::declared(&params))
    }

    /// Runs the declared script with EVALSHA only.
    ///
    /// # Errors
    ///
    /// As for [`Script::evalsha`].
    pub fn evalsha<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        params: impl Params<Static = P>,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        self.source
            .call(conn, CommandName::EvalSha, None, Call::declared(&params))
    }
}

impl<T: DeserializeOwned, P: Params> ScriptRO<T, P> {
    /// Runs the declared read-only script with the keys and arguments `params` names: EVALSHA_RO
    /// and, if the server answers NOSCRIPT, once EVAL_RO, as [`ScriptRO::exec`] does.
    ///
    /// # Errors
    ///
    /// As for [`ScriptRO::exec`].
    pub fn exec<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        params: impl Params<Static = P>,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        self.exec_call(conn, Call::declared(&params))
    }

    /// Runs the declared read-only script with EVAL_RO, sending its whole text.
    ///
    /// # Errors
    ///
    /// As for [`ScriptRO::exec`].
    pub fn eval_ro<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        params: impl Params<Static = P>,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        self.source
            .call(conn, CommandName::EvalRo, None, Call::declared(&params))
    }

    /// Runs the declared read-only script with EVALSHA_RO only.
    ///
    /// # Errors
    ///
    /// As for [`ScriptRO::evalsha_ro`].
    pub fn evalsha_ro<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        params: impl Params<Static = P>,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        self.source
            .call(conn, CommandName::EvalShaRo, None, Call::declared(&params))
    }
}
