//! Loading scripts before traffic arrives, and asking which ones a server lacks.
//!
//! `exec` stays EVALSHA -> EVAL whatever happens here: preloading saves the first call on each server
//! its fallback, nothing more. On a cluster every primary is asked (each has its own script cache);
//! elsewhere the one server the transport talks to.

use crate::error::{FailedLoad, LoadedScript, PreloadError};
use crate::{ArgList, Batch, BatchCommand, Error, Reply, Script, ScriptRO, Transport};

/// A script to preload or look for: a [`Script`], a [`ScriptRO`] or a
/// [`RegisteredScript`](crate::RegisteredScript).
///
/// ```
/// # use redis_script::{Script, ScriptRO, ScriptRef};
/// let incr = Script::<i64>::new("return redis.call('INCR', KEYS[1])");
/// let get = ScriptRO::<String>::new("return redis.call('GET', KEYS[1])");
/// let both = [ScriptRef::from(&incr), ScriptRef::from(&get)];
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ScriptRef<'a> {
    name: Option<&'a str>,
    sha1: &'a str,
    text: &'a str,
}

impl<'a> ScriptRef<'a> {
    /// The script's name, if it has one.
    pub fn name(&self) -> Option<&'a str> {
        self.name
    }

    /// The script's SHA-1.
    pub fn sha1(&self) -> &'a str {
        self.sha1
    }
}

impl<'a, T, P> From<&'a Script<T, P>> for ScriptRef<'a> {
    fn from(script: &'a Script<T, P>) -> Self {
        ScriptRef {
            name: script.name(),
            sha1: script.sha1(),
            text: script.script(),
        }
    }
}

impl<'a, T, P> From<&'a ScriptRO<T, P>> for ScriptRef<'a> {
    fn from(script: &'a ScriptRO<T, P>) -> Self {
        ScriptRef {
            name: script.name(),
            sha1: script.sha1(),
            text: script.script(),
        }
    }
}

#[cfg(feature = "registry")]
impl From<&'static crate::RegisteredScript> for ScriptRef<'static> {
    fn from(script: &'static crate::RegisteredScript) -> Self {
        ScriptRef {
            name: Some(script.name()),
            sha1: script.sha1(),
            text: script.script(),
        }
    }
}

/// A script a server does not have cached.
#[derive(Clone, Debug)]
pub struct Missing<'a> {
    /// The script.
    pub script: ScriptRef<'a>,
    /// The server: a cluster primary's `host:port`, or `None` for the one server of the transport.
    pub server: Option<String>,
}

/// Loads every script of the binary ([`scripts`](crate::scripts)) on every server of `conn`: each
/// primary of a cluster, or the one server of any other transport. Returns how many scripts are
/// loaded on how many servers. Nothing runs either way.
///
/// Over Upstash's REST API the script is loaded, but SCRIPT LOAD does not advance the read-your-writes
/// token: the next call may still reach a replica without it, and fall back to EVAL once there.
///
/// # Errors
///
/// A script that can not be loaded somewhere (a server that refuses SCRIPT LOAD to this user,
/// `NOPERM`; a node that is down) makes the whole an [`Error::Preload`], which says what was loaded
/// where and what failed where and why.
///
/// # Examples
///
/// ```no_run
/// # async fn f(conn: redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
/// // After connecting, or after a failover: every script of the binary, on every primary.
/// let loaded = redis_script::preload(&conn).await?;
/// println!("{} scripts on {} servers", loaded.scripts, loaded.servers);
/// # Ok(()) }
/// ```
#[cfg(feature = "registry")]
pub async fn preload<C: Transport + ?Sized>(conn: &C) -> Result<Preloaded, Error> {
    preload_scripts(conn, crate::scripts().iter().map(ScriptRef::from)).await
}

/// [`preload`], for the scripts given.
///
/// # Errors
///
/// As for [`preload`].
pub async fn preload_scripts<'a, C: Transport + ?Sized>(
    conn: &C,
    scripts: impl IntoIterator<Item = ScriptRef<'a>>,
) -> Result<Preloaded, Error> {
    let scripts = distinct(scripts);
    let commands: Vec<BatchCommand<'_>> = scripts
        .iter()
        .map(|script| BatchCommand::Load(script.text))
        .collect();
    let named: Vec<(Option<&str>, &str)> = scripts.iter().map(|s| (s.name, s.sha1)).collect();
    let servers = load_everywhere(
        conn,
        &commands,
        &named,
        ("SCRIPT LOAD", "script"),
        |i, reply| match reply {
            Ok(Reply::Bulk(sha1)) if sha1.as_slice() == scripts[i].sha1.as_bytes() => Ok(()),
            Ok(Reply::Status(sha1)) if sha1 == scripts[i].sha1 => Ok(()),
            Err(error) => Err(error.clone()),
            Ok(_) => Err(unexpected("SCRIPT LOAD")),
        },
    )
    .await?;
    Ok(Preloaded {
        scripts: scripts.len(),
        servers,
    })
}

/// Sends the load `commands` (each a `command`, one per item: its name and SHA-1) to every server of
/// `conn` (each primary of a cluster) and judges each reply with `judge(index, reply)`. Returns on how many servers
/// everything loaded; else an [`Error::Preload`] of `what` (`"script"`, `"library"`) that says what
/// loaded where and what failed where, and why.
pub(crate) async fn load_everywhere<C: Transport + ?Sized>(
    conn: &C,
    commands: &[BatchCommand<'_>],
    items: &[(Option<&str>, &str)],
    (command, what): (&str, &'static str),
    judge: impl Fn(usize, &Result<Reply, Error>) -> Result<(), Error>,
) -> Result<usize, Error> {
    let servers = servers(conn).await?;
    let (mut loaded, mut failed) = (Vec::new(), Vec::new());
    for server in &servers {
        let replies = on(conn, commands, server.as_deref()).await;
        for (i, (name, sha1)) in items.iter().enumerate() {
            let outcome = match &replies {
                Ok(replies) => match replies.get(i) {
                    Some(reply) => judge(i, reply),
                    None => Err(unexpected(command)),
                },
                Err(error) => Err(error.clone()),
            };
            let (name, sha1) = (name.map(str::to_owned), (*sha1).to_owned());
            match outcome {
                Ok(()) => loaded.push(LoadedScript {
                    server: server.clone(),
                    name,
                    sha1,
                }),
                Err(error) => failed.push(FailedLoad {
                    server: server.clone(),
                    name,
                    sha1,
                    error,
                }),
            }
        }
    }
    if failed.is_empty() {
        Ok(servers.len())
    } else {
        Err(Error::Preload(Box::new(PreloadError {
            loaded,
            failed,
            what,
        })))
    }
}

/// What [`preload`] loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Preloaded {
    /// How many distinct scripts (by SHA-1).
    pub scripts: usize,
    /// On how many servers (the primaries of a cluster; 1 otherwise).
    pub servers: usize,
}

/// Which scripts of the binary ([`scripts`](crate::scripts)) some server of `conn` does not have
/// cached (`SCRIPT EXISTS` on every primary of a cluster): for health checks and deploy gates. Empty
/// when every server has every script.
///
/// # Errors
///
/// The first server's or transport's error, as the call's [`Error`].
///
/// # Examples
///
/// ```no_run
/// # async fn f(conn: redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
/// // A readiness probe or deploy gate: which scripts some server lacks.
/// let missing = redis_script::missing(&conn).await?;
/// assert!(missing.is_empty(), "{missing:?}");
/// # Ok(()) }
/// ```
#[cfg(feature = "registry")]
pub async fn missing<C: Transport + ?Sized>(conn: &C) -> Result<Vec<Missing<'static>>, Error> {
    missing_scripts(conn, crate::scripts().iter().map(ScriptRef::from)).await
}

/// [`missing`], for the scripts given.
///
/// # Errors
///
/// As for [`missing`].
pub async fn missing_scripts<'a, C: Transport + ?Sized>(
    conn: &C,
    scripts: impl IntoIterator<Item = ScriptRef<'a>>,
) -> Result<Vec<Missing<'a>>, Error> {
    let scripts = distinct(scripts);
    if scripts.is_empty() {
        return Ok(Vec::new());
    }
    let mut words = ArgList::new(&("SCRIPT", "EXISTS"));
    for script in &scripts {
        words.push(script.sha1);
    }
    let commands = [BatchCommand::Raw(words.values())];
    let mut missing = Vec::new();
    for server in servers(conn).await? {
        let mut replies = on(conn, &commands, server.as_deref()).await?;
        let flags = match replies.pop() {
            Some(Ok(Reply::Array(flags))) if flags.len() == scripts.len() => flags,
            Some(Err(error)) => return Err(error),
            _ => return Err(unexpected("SCRIPT EXISTS")),
        };
        for (script, flag) in scripts.iter().zip(flags) {
            if flag != Reply::Int(1) {
                missing.push(Missing {
                    script: *script,
                    server: server.clone(),
                });
            }
        }
    }
    Ok(missing)
}

/// Each script once, by SHA-1, in the order given.
fn distinct<'a>(scripts: impl IntoIterator<Item = ScriptRef<'a>>) -> Vec<ScriptRef<'a>> {
    let mut distinct: Vec<ScriptRef<'a>> = Vec::new();
    for script in scripts {
        if !distinct.iter().any(|s| s.sha1 == script.sha1) {
            distinct.push(script);
        }
    }
    distinct
}

/// The servers with a script cache of their own: the primaries of a cluster, or the one server.
pub(crate) async fn servers<C: Transport + ?Sized>(conn: &C) -> Result<Vec<Option<String>>, Error> {
    Ok(match conn.primaries().await? {
        Some(primaries) => primaries.into_iter().map(Some).collect(),
        None => vec![None],
    })
}

/// Sends `commands` in one round trip to `server` (or the transport's one server).
pub(crate) async fn on<C: Transport + ?Sized>(
    conn: &C,
    commands: &[BatchCommand<'_>],
    server: Option<&str>,
) -> Result<Vec<Result<Reply, Error>>, Error> {
    let batch = Batch::new(commands, false, false);
    let batch = match server {
        Some(server) => batch.to_node(server),
        None => batch,
    };
    conn.send_batch(batch).await
}

pub(crate) fn unexpected(command: &str) -> Error {
    Error::Transport(crate::TransportError::new(
        crate::TransportErrorKind::Protocol,
        format!("the reply to {command} is not what Redis sends"),
        false,
    ))
}
