//! The compile-time checks of `redis_script::lua_script!`, as a library. An implementation detail of
//! `redis-script`: depend on that crate.
//!
//! [`check`] decides whether Redis would refuse a script and why:
//!
//! - **the shebang** `#!lua flags=...`, parsed as Redis parses it;
//! - **the syntax**, by Redis's own compiler: Lua 5.1.5, loading the body as Redis does;
//! - **the commands** the script calls with a literal name, against the command table of the covered
//!   servers (Redis 7.0 to 8.2 with the modules Redis 8 bundles, Valkey): unknown ones (with the
//!   nearest known names), those refused inside scripts, writes in a read-only script, argument
//!   counts the servers refuse, Lua globals the servers no longer have; with
//!   [`Options::keys_from_keys`], keys that do not come from `KEYS`;
//! - **NOSCRIPT replies**: a script that can return an error whose code is NOSCRIPT, which `exec` would
//!   take for a missing script and run again.
//!
//! The first two Redis finds when it loads the script ([`Problem::redis_refuses_loading`]); the others
//! only when it runs it, or never (the NOSCRIPT rule is this crate's own). No input makes `check`
//! panic, and none makes it run for long: the input is bounded ([`MAX_SCRIPT_BYTES`] and the limits
//! beside it).

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod arity;
mod calls;
mod commands;
mod compiler;
mod declare;
mod library;
mod limits;
mod lua;
mod nesting;
mod origins;
mod reply;
mod rules;
mod shebang;
mod slots;
mod syntax;

pub use arity::Arity;
pub use declare::{
    Declaration, Declared, FunctionReads, Param, Presence, Type, declaration, function_arity,
    function_declaration, function_reads,
};
pub use library::{Function, Library, check_library};
pub use limits::{MAX_BREAKS, MAX_ELSEIFS, MAX_OPERATOR_DEPTH, MAX_SCRIPT_BYTES, check_size};

/// What the script is declared to be and may call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Run with EVAL_RO / EVALSHA_RO: no writes, and the shebang must say `no-writes`.
    pub readonly: bool,
    /// Commands the table does not know that the script may call (modules, newer servers); treated
    /// as writes.
    pub commands: Vec<String>,
    /// The same, for commands that never write.
    pub readonly_commands: Vec<String>,
    /// Accept Upstash's shebang flag `allow-key-locking`, which Redis refuses.
    pub allow_key_locking: bool,
    /// The covered servers every command must run on (`redis-7.0`, `redis-8.2`, `valkey-9.1`); empty:
    /// any one of them.
    pub servers: Vec<String>,
    /// Every key a command is given must come from `KEYS` (`KEYS[1]`, a local holding it, an element
    /// of `KEYS` in a loop): a key built from `ARGV`, concatenated, literal or read from Redis is a
    /// problem. Redis Cluster, ACL key patterns and proxies that route by `KEYS` see only `KEYS`.
    pub keys_from_keys: bool,
}

/// What kind of problem a script has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// The `#!lua` line: Redis refuses to load the script.
    Shebang,
    /// Lua syntax, as Redis's compiler reads it: Redis refuses to load the script.
    Syntax,
    /// A command no covered server knows, or one refused inside scripts, or a Lua global the
    /// servers no longer have: Redis fails when the call runs.
    Command,
    /// A call with a literal command and a number of arguments the command does not take: Redis fails
    /// when the call runs ("Wrong number of args calling Redis command from script").
    Arity,
    /// A write in a read-only script, or a read-only script without `no-writes`: Redis refuses it at
    /// run time.
    ReadOnly,
    /// With [`Options::keys_from_keys`]: a key that does not come from `KEYS`. Redis runs it on one
    /// server; a cluster, ACL key patterns or a proxy may not.
    KeyOrigin,
    /// The script can return an error whose code is NOSCRIPT (a library function: the error
    /// "ERR Function not found").
    NoscriptReply,
    /// The options of the check itself are wrong (a server the table does not cover).
    Options,
    /// What Redis (or Valkey) refuses while it loads a library, the metadata line aside (that is
    /// `Shebang`): the code outside every function, which runs then, with its
    /// `redis.register_function` calls and no global but `redis`.
    Library,
    /// `KEYS[0]` or `ARGV[0]`: always nil, since Lua counts from 1.
    ZeroIndex,
    /// Past a limit of the checks themselves ([`MAX_SCRIPT_BYTES`], [`MAX_OPERATOR_DEPTH`],
    /// [`MAX_ELSEIFS`], [`MAX_BREAKS`]): Redis would load the script, but the checks do not take it.
    Limit,
    /// A function name or flags the library computes: Redis may load it, but the checks (and a typed
    /// handle) can not see what it registers.
    Computed,
    /// The declared parameters and reply (`---@key` / `---@arg` / `---@return`): an annotation
    /// that does not parse, a key or argument after an optional or variadic one, an optional one
    /// the script needs on every run, a literal `KEYS[n]` / `ARGV[n]` past what the file declares,
    /// or a literal `return {...}` that does not have the declared fields; for a function of a
    /// library, the same of its declaration above its registration, its own parameters read in
    /// place of `KEYS` and `ARGV`.
    Declaration,
}

/// One reason the script does not build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    kind: Kind,
    line: Option<usize>,
    column: Option<usize>,
    message: String,
}

impl Problem {
    pub(crate) fn new(kind: Kind, line: Option<usize>, message: String) -> Self {
        Problem {
            kind,
            line,
            column: None,
            message,
        }
    }

    /// A problem at a line and column.
    pub(crate) fn at(kind: Kind, line: usize, column: usize, message: String) -> Self {
        Problem {
            kind,
            line: Some(line),
            column: Some(column),
            message,
        }
    }

    /// The message with the place it is about in front, `path:LINE:COL: ` as compilers write it,
    /// so that terminals and editors can jump there.
    /// The size problem names the file itself; located, it would name it twice.
    pub(crate) fn without_message_path(mut self, path: &str) -> Self {
        self.message = self
            .message
            .strip_prefix(&format!("{path:?} "))
            .map_or(self.message.clone(), |rest| format!("the file {rest}"));
        self
    }

    pub(crate) fn located(mut self, path: &str) -> Self {
        self.message = match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{path}:{line}:{column}: {}", self.message),
            (Some(line), None) => format!("{path}:{line}: {}", self.message),
            _ => format!("{path}: {}", self.message),
        };
        self
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The line of the script it is on, when it is on one.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The column (in characters, from 1) on that line, when it is known.
    pub fn column(&self) -> Option<usize> {
        self.column
    }

    /// The message, starting with where in the file it is (`lua/x.lua:3:5: `), saying what Redis
    /// would do and what to change.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// True when Redis itself refuses to load the script (`SCRIPT LOAD` fails: a bad shebang, a
    /// syntax error) or the library (`FUNCTION LOAD` fails: its metadata, its syntax, the code that
    /// runs while it loads). The other problems show only when the code runs, or never.
    pub fn redis_refuses_loading(&self) -> bool {
        matches!(self.kind, Kind::Shebang | Kind::Syntax | Kind::Library)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Stack for walking the tree: the compiler allows 200 levels of nesting, and the parser and the walk
/// recurse per level (nested `if`s at that depth take 12 MiB unoptimized, more than rustc's 8 MiB
/// main thread, where the macro runs). Reserved, not used, until touched.
pub(crate) const TREE_STACK: usize = 256 << 20;

/// Runs `walk` on a thread with [`TREE_STACK`]; `None` when no such thread can be had (then the
/// checks that need the tree are skipped: run on rustc's own 8 MiB stack, a walk at the depth the
/// parser allows could overflow it and crash rustc).
pub(crate) fn on_deep_stack<T: Send>(walk: impl FnOnce() -> T + Send) -> Option<T> {
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("redis-script-check".into())
            .stack_size(TREE_STACK)
            .spawn_scoped(scope, walk)
            .ok()?;
        Some(
            thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        )
    })
}

/// The names `servers = [...]` takes: one per covered server, such as `redis-8.2`.
pub fn servers() -> Vec<String> {
    commands::SERVERS
        .iter()
        .map(|s| rules::server_name(s))
        .collect()
}

/// Checks the script `text` (the file's whole content) as Redis would; `path` is the file's path as
/// messages show it (the macro gives it relative to the directory cargo runs rustc in, as rustc shows
/// its own files). Every problem is reported, in the order of the script.
pub fn check(path: &str, text: &str, options: &Options) -> Result<(), Vec<Problem>> {
    check_located(path, text, options)
        .map_err(|problems| problems.into_iter().map(|p| p.located(path)).collect())
}

/// How many keys and arguments the script `text` (the file's whole content) needs, and whether it
/// reads `KEYS` / `ARGV` variadically: see [`Arity`] for the rule. A script the checks can not
/// read (it does not compile, or is past their limits) needs none.
pub fn arity(text: &str) -> Arity {
    if limits::check_size("", text.len() as u64).is_err() {
        return Arity::default();
    }
    let Ok(shebang) = shebang::parse(text, true) else {
        return Arity::default();
    };
    let body = shebang::lua_body(text, shebang.as_ref());
    if limits::check(body).is_some() || syntax::compile(body).is_err() {
        return Arity::default();
    }
    on_deep_stack(|| syntax::tree(body).map(|tree| arity::analyse(tree.nodes()).arity))
        .flatten()
        .unwrap_or_default()
}

/// The problems of `check`, before their location is put in front of their messages.
fn check_located(written: &str, text: &str, options: &Options) -> Result<(), Vec<Problem>> {
    if let Err(problem) = limits::check_size(written, text.len() as u64) {
        return Err(vec![problem.without_message_path(written)]);
    }
    let shebang = shebang::parse(text, options.allow_key_locking)
        .map_err(|message| vec![Problem::new(Kind::Shebang, Some(1), message)])?;
    let mut problems = Vec::new();
    if options.readonly && shebang.as_ref().is_some_and(|s| !s.no_writes()) {
        problems.push(Problem::new(
            Kind::ReadOnly,
            Some(1),
            "the script is readonly, but its shebang lacks no-writes, so Redis refuses EVAL_RO on \
                 it (\"Can not execute a script with write flag using *_ro command\"); start the file \
                 with \"#!lua flags=no-writes\"".to_owned(),
        ));
    }
    let body = shebang::lua_body(text, shebang.as_ref());
    if let Some(problem) = limits::check(body) {
        problems.push(problem);
        return Err(problems);
    }
    if let Err(error) = syntax::compile(body) {
        problems.push(Problem::at(
            Kind::Syntax,
            error.line,
            error.column,
            syntax::render(&error),
        ));
        return Err(problems);
    }
    let policy = rules::Policy::new(written, options, shebang.as_ref()).map_err(|p| vec![p])?;
    let walked = on_deep_stack(|| {
        syntax::tree(body).map(|tree| {
            let mut found = rules::check(&policy, &calls::collect(&tree));
            let zero_reads = rules::zero_reads(
                &arity::analyse(tree.nodes()).zero_reads,
                [arity::Table::Keys.name(), arity::Table::Argv.name()],
            );
            let sort = !zero_reads.is_empty() || options.keys_from_keys;
            found.extend(zero_reads);
            if options.keys_from_keys {
                let cross_slot = shebang
                    .as_ref()
                    .is_some_and(shebang::Shebang::allows_cross_slot_keys);
                found.extend(rules::key_origins(
                    &origins::analyse(tree.nodes()),
                    cross_slot,
                ));
            }
            if sort {
                found.sort_by_key(|p| (p.line().unwrap_or(0), p.column().unwrap_or(0)));
            }
            found
        })
    });
    problems.extend(walked.flatten().unwrap_or_default());
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
