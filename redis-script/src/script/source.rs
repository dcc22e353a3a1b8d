//! What every script is made of (text, SHA-1, name) and the one place a call falls back from EVALSHA to
//! EVAL.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::{ArgList, Args, Command, CommandName, Error, Reply, Transport, Values};

/// A script's text, SHA-1 or name: in the binary (`lua_script!`) or shared (built at run time), so that
/// cloning a script, or naming it in an error, never copies its text.
#[derive(Clone)]
pub(crate) enum Shared {
    Static(&'static str),
    Arc(Arc<str>),
}

impl Deref for Shared {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Shared::Static(s) => s,
            Shared::Arc(s) => s,
        }
    }
}

impl From<Cow<'static, str>> for Shared {
    fn from(text: Cow<'static, str>) -> Self {
        match text {
            Cow::Borrowed(s) => Shared::Static(s),
            Cow::Owned(s) => Shared::Arc(s.into()),
        }
    }
}

impl PartialEq for Shared {
    fn eq(&self, other: &Shared) -> bool {
        **self == **other
    }
}

impl Eq for Shared {}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

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
}

impl Source {
    pub(crate) fn new(text: Cow<'static, str>) -> Source {
        let sha1 = Shared::Arc(sha1_hex(text.as_bytes()).into());
        Source {
            text: text.into(),
            sha1,
            name: None,
            function: false,
        }
    }

    /// What an error about this script names: its name and SHA-1, never its text.
    pub(crate) fn label(&self) -> ScriptLabel {
        ScriptLabel {
            name: self.name.clone(),
            sha1: self.sha1.clone(),
            function: self.function,
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
        let (keys, args) = call.split();
        let command = |name| Command::new(name, &self.text, &self.sha1, keys, args);
        let reply = match (conn.send(command(first)).await, fallback) {
            (Err(e), Some(fallback)) if e.is_noscript() => {
                on_fallback(fallback);
                conn.send(command(fallback)).await
            }
            (reply, _) => reply,
        };
        // The keys and arguments come out of any error text that echoes them.
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

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.debug("Source", f)
    }
}

/// The script an error is about: its name, if it has one, and its SHA-1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ScriptLabel {
    pub(crate) name: Option<Shared>,
    pub(crate) sha1: Shared,
    /// A function: `name` is `library.function`, `sha1` the library's.
    pub(crate) function: bool,
}

impl fmt::Display for ScriptLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.name, self.function) {
            (Some(name), true) => write!(f, "function {:?} (library {})", &**name, &*self.sha1),
            (Some(name), false) => write!(f, "script {:?} ({})", &**name, &*self.sha1),
            (None, _) => write!(f, "script {}", &*self.sha1),
        }
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

    pub(crate) fn split(&self) -> (Values<'_>, Values<'_>) {
        let all = self.values.len();
        (
            self.values.values_in(0..self.keys),
            self.values.values_in(self.keys..all),
        )
    }
}

/// Lowercase hex SHA-1 of `bytes`, as Redis names scripts.
pub(crate) fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest as _;
    use std::fmt::Write as _;
    let digest = sha1::Sha1::digest(bytes);
    let mut hex = String::with_capacity(40);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}
