//! In production: script names, tracing spans, every script of the binary, preloading and health
//! checks, failover.
//!
//! # Names
//!
//! Every script has a name that logs, traces, errors and the registry show: `lua_script!` names it
//! after its path as written (`"lua/rate_limit.lua"`), or `lua_script!("lua/rl.lua", name =
//! "rate_limit")`; a script built at run time gets one with
//! [`Script::new(text).with_name("rate_limit")?`](crate::Script::with_name), or has none.
//! [`name()`](crate::Script::name) returns it. A name is at most 128 bytes of printable text (no line
//! breaks: it goes into log lines); a bad one is a compile error at the macro, or a
//! [`ScriptNameError`](crate::script::ScriptNameError) from `with_name`. Every error of a call names
//! its script by name and SHA-1 ([what an error shows](crate::error#what-an-error-shows)), and `Debug`
//! of a script shows its name, SHA-1 and size, not its text.
//!
//! # Tracing
//!
//! With the feature `tracing` (off by default; when off, not one instruction of it is compiled in),
//! every call is a span `redis.script` and every batch a span `redis.batch`, target `redis_script`,
//! after OpenTelemetry's database conventions. The levels follow the ecosystem's clients: a call is
//! routine, so its span is at DEBUG, as `tower-http`'s request spans and `sqlx`'s statement logs
//! are, and a service at `RUST_LOG=info` logs nothing per call; what is finer than one call (an
//! entry of a batch) is at TRACE, below its batch's span. A failure is recorded on the span
//! (`otel.status_code = ERROR`) and returned to the caller, which decides whether to log it: no
//! event repeats it. To export the spans (`tracing-opentelemetry`), let the exporter's filter pass
//! `redis_script=debug`.
//!
//! | what | level | field | value |
//! |---|---|---|---|
//! | span `redis.script` | DEBUG | `otel.name`, `db.query.summary` | the command that ran and the script's name (else its SHA-1): `EVALSHA rate_limit`, `EVAL rate_limit` after a fallback; a function's `FCALL seed.incr` |
//! | | | `otel.kind` | `client` |
//! | | | `db.system.name` | `redis` |
//! | | | `db.operation.name` | the command that ran: `EVALSHA`, `EVAL` after a fallback, `EVALSHA_RO`, `EVAL_RO`, `FCALL`, `FCALL_RO` |
//! | | | `redis.script.name`, `redis.script.sha1` | a script's name and SHA-1 |
//! | | | `redis.library.name`, `redis.library.version`, `redis.function.name` | a function's library, its version (none for a library built at run time or `unversioned`) and the function's name as the library registers it |
//! | | | `redis.script.fallback` | `true` when the server lacked the script and EVAL followed, or lacked the function's library and FUNCTION LOAD and the call followed |
//! | | | `server.address`, `server.port` | where the transport knows them (the REST endpoint) |
//! | | | `otel.status_code`, `error.type`, `db.response.status_code`, `redis.script.may_have_run` | on failure only: `ERROR`, the error code (`WRONGTYPE`) or kind (`timeout`, `decode`), the server's code, whether it may have run |
//! | event in it | DEBUG | `db.operation.name` | the fallback (`EVAL`, `EVAL_RO`) or `FUNCTION LOAD`, with a message saying why |
//! | span `redis.batch` | DEBUG | `otel.name`, `db.operation.name` | `PIPELINE` or `MULTI` |
//! | | | `db.operation.batch.size` | its entries |
//! | | | `otel.kind`, `db.system.name`, `server.*`, and the failure fields | as for a call, the failure being the batch's own |
//! | event per script or function entry | TRACE | `redis.batch.entry` | its position |
//! | | | `redis.script.name`, `redis.script.sha1` / `redis.library.name`, `redis.function.name` | the script, or the function |
//! | | | `error.type`, `redis.script.may_have_run` | when the entry failed |
//!
//! Every field holds one value, recorded once: what a call ends up doing (the command that ran, the
//! fallback) is recorded when it ends, so a `fmt` layer prints each field once. No field holds a key,
//! an argument, a token or a script's text. With `tracing-opentelemetry` the spans become
//! OpenTelemetry client spans as they are.
//!
//! # Every script of the binary
//!
//! [`scripts()`](crate::scripts) lists every script `lua_script!` put into the binary
//! ([`RegisteredScript`]: its name, SHA-1, text and whether it is read-only), without a line of code
//! per script: each macro call adds an entry to a link section (`linkme`, feature `registry`, on by
//! default; Linux, macOS, Windows, FreeBSD, OpenBSD, illumos). A script in code the linker leaves out
//! (a crate nothing uses) is not listed; a file embedded by two calls is listed twice.
//! [`libraries()`](crate::libraries) does the same for every library `lua_library!` put into the
//! binary ([Redis Functions](crate::function#every-library-of-the-binary)).
//!
//! `cargo run --example scripts` prints them (SHA-1, `rw`/`ro`, name) for naming an EVALSHA seen in
//! SLOWLOG or MONITOR; `-- --missing` asks the server which it lacks, `-- --preload` loads them.
//!
//! # Preload and health checks
//!
//! ```no_run
//! # async fn f(conn: redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
//! // After connecting, or after a failover: every script of the binary, on every primary.
//! let loaded = redis_script::preload(&conn).await?;
//! // A readiness probe or deploy gate: which scripts some server lacks.
//! let missing = redis_script::missing(&conn).await?;
//! assert!(missing.is_empty());
//! # Ok(()) }
//! ```
//!
//! [`preload`](crate::preload) sends `SCRIPT LOAD` for each distinct script in one round trip per
//! server: every primary of a cluster (each has its own script cache; `CLUSTER SLOTS` is asked of
//! every node, so one that is down does not hide the others), or the one server of any other
//! transport, REST included. [`preload_scripts(&conn, [ScriptRef::from(&A), ScriptRef::from(&B)])`](preload_scripts)
//! and [`missing_scripts`] take a set instead. A script that can not be loaded somewhere (`NOPERM` for
//! a user without `SCRIPT LOAD`, a node that is down) makes the result an
//! [`Error::Preload`](crate::Error::Preload), which lists what was loaded where and what failed where
//! and why; nothing runs either way. `exec` stays EVALSHA -> EVAL regardless: preloading saves the
//! first call on each server its fallback, nothing more. On Upstash, SCRIPT LOAD does not advance the
//! read-your-writes token, so a call right after a preload may still reach a replica without the
//! script and fall back there once.
//!
//! # Failover
//!
//! A replica promoted to primary (`CLUSTER FAILOVER`, `REPLICAOF NO ONE`, as Sentinel sends it) has
//! its own script cache, which never saw the scripts: Redis replicates a script's effects, not the
//! script. The first call of each script there answers NOSCRIPT and is sent once more with EVAL; it
//! runs exactly once (the tests promote a replica on a standalone pair and in a cluster, and count).
//! [`preload`](crate::preload) after the promotion saves that fallback. A library of Redis Functions
//! is replicated with the data, so a promoted replica already has it.

pub use crate::preload::{Missing, Preloaded, ScriptRef, missing_scripts, preload_scripts};
#[cfg(feature = "registry")]
pub use crate::registry::RegisteredScript;
