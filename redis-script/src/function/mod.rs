//! Redis Functions: a [`Library`] of Lua functions, loaded with FUNCTION LOAD, and its functions as
//! typed values, [`Function<T>`] (FCALL) and [`FunctionRO<T>`] (FCALL_RO).
//!
//! A library of Redis Functions (Redis 7+, Valkey, Upstash) gets what `lua_script!` gives a script:
//! [`lua_library!`](crate::lua_library) reads the file at compile time, checks it, and defines one
//! typed static per function.
//!
//! ```no_run
//! use redis_script::{Function, FunctionRO, Library, lua_library};
//!
//! lua_library! {
//!     /// `#!lua name=seed`, with functions registered by `redis.register_function`.
//!     pub static SEED: Library = "../../../examples/lua/seed_library.lua";
//!     pub static INCR_TTL: Function<i64> = "incr_ttl";               // FCALL
//!     pub static POST_STATS: FunctionRO<(i64, i64, f64)> = "post_stats"; // FCALL_RO: flagged no-writes
//! }
//!
//! # async fn run(conn: redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
//! let count = INCR_TTL.call(&conn, ["page:views"], [3600]).await?;
//! let (views, likes, ratio) = POST_STATS.call(&conn, ["post:1"], ()).await?;
//! # Ok(()) }
//! ```
//!
//! # When to prefer functions
//!
//! A library is loaded once and then lives in the server's data: it is saved in RDB and AOF,
//! replicated to replicas, and survives a restart and a failover (a promoted replica already has it),
//! where a script cache is empty after each of these. Prefer functions for code shared by many
//! services or deployed apart from them; prefer scripts for code that belongs to one service, which
//! `exec` loads on demand wherever it runs.
//!
//! # Calls
//!
//! [`call`](Function::call) sends FCALL (FCALL_RO). On the server's exact `ERR Function not found`,
//! and only then, it sends FUNCTION LOAD and the call again, in one round trip to the same server (the
//! node of the call's keys in a cluster); "already exists", from a concurrent loader, counts as loaded.
//! No other error, and no transport failure, is followed by a second call. (As with a script's
//! NOSCRIPT, a function that returns error text taken from its data, `redis.error_reply(args[1])`,
//! could return that exact text and be called again: give such text a code of your own;
//! `lua_library!` refuses the text written in the function.) A load the server refuses
//! (`NOPERM`, a function name another library already has) is an [`Error::Preload`] naming the
//! library: nothing ran. Keys, arguments, decoding, errors (which name `function
//! "library.function"`) and `may_have_run` are as for scripts, on every transport (RESP, pools,
//! cluster, REST). [`Library::load`] loads the library on every server (each primary of a cluster)
//! ahead of traffic. In a [batch](crate::batch), `pipe.call(&INCR_TTL, keys, args)` adds a function
//! call as `pipe.exec` adds a script call, its library loaded in front of its first call.
//!
//! # Declared functions
//!
//! A function declares its keys, arguments and reply in the comment block right above its
//! `redis.register_function`, with the lines a [declared script](crate::script#declared-parameters-from-execconn-keys-args-to-a-declared-script)
//! uses at the top of its file (`---@key`, `---@arg` with `name?` and `name...` for the last one,
//! `---@return {name: type, ...}`); `Function<Reply, Params>` names the structs the macro defines,
//! and `call` takes the parameters' struct in place of `keys, args`:
//!
//! ```lua
//! -- Adds args[1] (1 when left out) to keys[1]: its value before and after.
//! ---@key counter string
//! ---@arg by? integer how much to add
//! ---@return {before: integer, after: integer}
//! redis.register_function('bump', function(keys, args) ... return {before, after} end)
//!
//! ---@key counters... string
//! ---@return {total: integer, count: integer}
//! redis.register_function{function_name = 'total', callback = ..., flags = { 'no-writes' }}
//! ```
//!
//! ```no_run
//! use redis_script::{Function, FunctionRO, Library, lua_library};
//!
//! lua_library! {
//!     static BUMPS: Library = "../../../examples/lua/bump.lua";
//!     static BUMP: Function<Bumped, Bump> = "bump";
//!     static TOTAL: FunctionRO<Total, Counters> = "total";
//! }
//!
//! # async fn run(conn: redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
//! let bumped = BUMP.call(&conn, Bump { counter: "visits", by: None }).await?;
//! println!("{} -> {}", bumped.before, bumped.after);
//! let total = TOTAL.call(&conn, Counters { counters: &["visits", "clicks"] }).await?;
//! println!("{} over {} counters", total.total, total.count);
//! # Ok(()) }
//! ```
//!
//! The reply's struct reads the function's items into the declared fields by name, as a script's
//! does. A function that declares only its reply (a `---@return` line and no `---@key` /
//! `---@arg`) takes no keys or arguments: its struct is empty, and the call is
//! `STATS.call(&conn, Stats {})`; should it declare a key later, every call names it or does not
//! build.
//!
//! The function's code is held to its declaration as a declared script's is, with the same compile
//! errors, reading its first two parameters (whatever it calls them: `function(ks, argv)`) where a
//! script reads `KEYS` and `ARGV`: a literal `keys[3]` past what the block declares (unless the
//! last is variadic), an optional parameter it reads where a nil fails on every run, and a literal
//! `return {...}` without the declared fields do not build. This holds when the checks can tell
//! which function the registration registers: one written in it (`function(keys, args) ... end` as
//! the second argument, or as `callback = ...`), or a top-level `local function name` (`local name
//! = function`) it names that nothing assigns again. Any other callback (a function from a table, a
//! local assigned in a branch) is checked at run time only, by the server and by decoding. A
//! `Function<T>` (no parameters' struct) keeps the positional call `call(conn, keys, args)`, but
//! the annotations above its registration are held to its code all the same, as the expression
//! form of `lua_script!` holds a script's: a declaration is never left wrong because no struct
//! reads it. In every function `lua_library!` can tell the callback of, a literal `keys[0]` or
//! `args[0]` (by its own parameters' names) does not build: it is always nil, as a script's
//! `KEYS[0]` is.
//!
//! # Arity
//!
//! The [arity](crate::script#arity) of scripts holds for functions: `lua_library!` finds the
//! `keys[n]` / `args[n]` a function reads where a nil makes it fail on every run, by the same rule
//! over its body, and a call passing fewer (a variadic tail's slice too short, an undeclared
//! `Function<T>`'s keys) is refused before anything is sent, an [`Error::Arity`] naming
//! `library.function`; in a batch, as for scripts, the whole batch. This covers declared and
//! undeclared functions alike, for the callbacks the checks can tell (above); any other, and the
//! functions of a [`Library::new`] built at run time, need nothing.
//!
//! An undeclared function's type may name what it reads on every run, as a script's does:
//! `static TOUCH: Function<i64, Undeclared<2, 1>> = "touch";` in `lua_library!`, held to the code
//! (any other number fails the build, saying the right one), makes a positional call whose counts
//! the compiler knows and fall short fail the build too
//! ([`Undeclared`]).
//!
//! # Versions, for rolling deploys
//!
//! FUNCTION LOAD REPLACE would let a new build silently change the functions old instances call, and
//! an old instance change them back. `lua_library!` instead loads the library as `<name>__<version>`
//! and each function as `<function>__<version>`, the version being the first 12 hex digits of the
//! SHA-1 of the file; so two builds with different code run side by side, each calling its own. The
//! cost: FUNCTION LIST and SLOWLOG show the versioned names ([`Function::called_name`] and
//! [`Library::loaded_name`] say them), and what is sent is the file with those names changed (only the
//! `#!lua` line and the name literals: lines stay where they were). Once no instance of an older build
//! is left, [`Library::delete_other_versions`] deletes the other versions
//! ([`other_versions`](Library::other_versions) lists them); a straggler of an old build that calls
//! after that loads its version again. A library other services call by name is declared
//! [`unversioned`](#shared-libraries) instead.
//!
//! # Shared libraries
//!
//! A library that other services call by name (from `redis-cli`, another language, another
//! repository) can not carry a version in its name. `unversioned` loads it under the name in its
//! file and calls its functions by their own names, still checked at compile time:
//!
//! ```no_run
//! use redis_script::{Function, Library, lua_library};
//!
//! lua_library! {
//!     // FUNCTION LIST shows `seed`; anyone can `FCALL incr_ttl 1 page:views 3600`.
//!     pub static SEED: Library = "../../../examples/lua/seed_library.lua", unversioned;
//!     pub static INCR_TTL: Function<i64> = "incr_ttl";
//! }
//! ```
//!
//! The trade-off is the rolling deploy. One name holds one code at a time, so two builds with
//! different code can not run side by side:
//!
//! - A call that finds no such function loads its library with FUNCTION LOAD, never REPLACE: the
//!   first build to load the library wins, and every later build, whatever its code, runs that one's
//!   functions (its own load answers "already exists", which counts as loaded); a function the loaded
//!   code lacks fails with `ERR Function not found` (nothing ran). A call never changes code that
//!   another build loaded.
//! - A new build publishes its code with [`Library::replace`] (FUNCTION LOAD REPLACE on every server),
//!   from its deploy step: the last build to replace wins. From then on older builds still running
//!   call the new code, under the same function names: a shared library's new version must keep its
//!   functions' names, keys, arguments and replies working for the callers it has (as any shared API
//!   does), or be published under a new library name (and new function names: they are global
//!   across libraries).
//!
//! Code that belongs to one service is better versioned (the default): its builds never see each
//! other's code.
//!
//! # Every library of the binary
//!
//! [`libraries()`](crate::libraries) lists the libraries `lua_library!` embedded (feature `registry`,
//! as for [scripts](crate::production#every-script-of-the-binary)).
//! [`preload_libraries(&conn, redis_script::libraries())`](preload_libraries) loads each (by its
//! versioned name, once) on every server, one round trip per server, "already exists" counting as
//! loaded; [`missing_libraries`] says which server lacks which, for health checks. A library some
//! server refuses makes the result an [`Error::Preload`] listing what loaded where.
//!
//! # A server without Functions
//!
//! Redis 6 answers FCALL, FCALL_RO and FUNCTION with `ERR unknown command`: the call fails with that
//! error, sent once and never followed by a load ([`Error::is_unknown_command`];
//! [`ServerError::unknown_command`](crate::error::ServerError::unknown_command) gives `"FCALL"`; the
//! message says Functions need Redis 7.0+, Valkey or Upstash, and that the code can run as a script).
//! A transaction holding a function call is then refused whole (EXECABORT: nothing ran). `ScriptRO`
//! calls on Redis 6 (EVALSHA_RO) fail the same way, with their own hint.
//!
//! # Built at run time
//!
//! [`Library::new(code)`](Library::new) takes code as it is, unchecked and not versioned, and
//! [`library.function::<T>("name")`](Library::function) /
//! [`function_ro`](Library::function_ro) give its functions.

mod call;
mod versions;

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::args::Params;
use crate::batch::Callee;
use crate::label::{Shared, sha1_hex};
use crate::script::{Arity, Source, Undeclared};
use crate::{Args, CommandName, Error, Reply, Transport};

/// A library of Redis Functions: its code and the name it is loaded under.
///
/// Built by [`lua_library!`](crate::lua_library) (checked, versioned) or [`Library::new`] (at run
/// time, unchecked, sent as given). Cloning is cheap: the code is shared, never copied.
#[derive(Clone)]
pub struct Library {
    /// The name in the file's `#!lua name=` line.
    name: Shared,
    /// The name it is loaded under: `<name>__<version>`, or `name`.
    loaded_as: Shared,
    /// What FUNCTION LOAD sends.
    code: Shared,
    /// The SHA-1 of the file (of `code`, for a library built at run time).
    sha1: Shared,
    /// `None` for a library built at run time.
    version: Option<Shared>,
}

impl Library {
    /// A library built at run time, unchecked and not versioned: FUNCTION LOAD sends `code` byte for
    /// byte and its functions are called by the names it registers. Its name is read from the
    /// `#!lua name=` line (empty when there is none: the server then refuses the library).
    ///
    /// Two programs that load different code under one library name replace each other's functions
    /// only with FUNCTION LOAD REPLACE, which this crate sends in [`replace`](Self::replace) alone:
    /// the second one's load answers "already exists" and its calls run the first one's code.
    /// Function names are global across libraries too: a function registered by another library
    /// under the same name is the one FCALL runs, and this library can not load. Libraries known at compile
    /// time are better written with [`lua_library!`](crate::lua_library), which checks and versions
    /// them.
    pub fn new(code: impl Into<Cow<'static, str>>) -> Library {
        let code: Shared = code.into().into();
        let name: Shared = Shared::Arc(Arc::from(metadata_name(&code)));
        Library {
            loaded_as: name.clone(),
            name,
            sha1: Shared::Arc(sha1_hex(code.as_bytes()).into()),
            code,
            version: None,
        }
    }

    /// A library `lua_library!` embedded, checked and versioned at compile time.
    pub(crate) const fn embedded(
        name: &'static str,
        loaded_as: &'static str,
        code: &'static str,
        sha1: &'static str,
        version: &'static str,
    ) -> Library {
        Library {
            name: Shared::Static(name),
            loaded_as: Shared::Static(loaded_as),
            code: Shared::Static(code),
            sha1: Shared::Static(sha1),
            version: Some(Shared::Static(version)),
        }
    }

    /// A library `lua_library!` embedded with `unversioned`: checked at compile time, loaded under
    /// the name in its file, its functions called by their own names.
    pub(crate) const fn embedded_shared(
        name: &'static str,
        code: &'static str,
        sha1: &'static str,
    ) -> Library {
        Library {
            name: Shared::Static(name),
            loaded_as: Shared::Static(name),
            code: Shared::Static(code),
            sha1: Shared::Static(sha1),
            version: None,
        }
    }

    /// The library's name, as its `#!lua name=` line gives it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name it is loaded under and FUNCTION LIST shows: `<name>__<version>` for a library of
    /// `lua_library!`, [`name`](Self::name) for one built at run time or declared `unversioned`.
    pub fn loaded_name(&self) -> &str {
        &self.loaded_as
    }

    /// The version: the first 12 hex digits of the SHA-1 of the file; `None` for a library built at
    /// run time or declared `unversioned`.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The SHA-1 of the library's file (for one built at run time, of its code).
    pub fn sha1(&self) -> &str {
        &self.sha1
    }

    /// The code FUNCTION LOAD sends: for a versioned library of `lua_library!`, the file with the
    /// library and its functions renamed to their versioned names (lines stay where they were); else
    /// the file as it is.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The function `name` registers, called with FCALL. Unchecked: a name the library does not
    /// register fails when called (`ERR Function not found`, after one load).
    pub fn function<T>(&self, name: &str) -> Function<T> {
        Function::from_inner(Inner::new(self, name))
    }

    /// The read-only function `name` (flagged `no-writes`), called with FCALL_RO. Unchecked, as
    /// [`function`](Self::function).
    pub fn function_ro<T>(&self, name: &str) -> FunctionRO<T> {
        FunctionRO::from_inner(Inner::new(self, name))
    }

    /// Loads the library on every server of `conn` (each primary of a cluster) with FUNCTION LOAD; a
    /// server that already has it counts as loaded. Calls load it on their own when a server lacks
    /// it; this saves the first call that, and lets a deploy check that it can.
    ///
    /// # Errors
    ///
    /// A server that refuses (NOPERM, a node that is down) makes the whole an
    /// [`Error::Preload`] that says where it was loaded and where it failed, and why.
    pub async fn load<C: Transport + ?Sized>(&self, conn: &C) -> Result<(), Error> {
        versions::load(&[self], conn).await.map(|_| ())
    }

    /// Loads the library on every server of `conn` (each primary of a cluster) with FUNCTION LOAD
    /// REPLACE, in place of whatever code they hold under its name, and returns on how many servers:
    /// how a new build publishes a [shared library](crate::function#shared-libraries) (calls and
    /// [`load`](Self::load) never replace). From then on every caller, older builds and other
    /// services included, runs this code. A versioned library's name holds its version, so for one
    /// this changes nothing.
    ///
    /// # Errors
    ///
    /// As for [`load`](Self::load): an [`Error::Preload`] that says where it was loaded and where it
    /// failed, and why.
    pub async fn replace<C: Transport + ?Sized>(&self, conn: &C) -> Result<usize, Error> {
        versions::replace(self, conn).await
    }

    /// The other versions of this library some server of `conn` holds (FUNCTION LIST): libraries
    /// named `<name>__<12 hex digits>` other than [`loaded_name`](Self::loaded_name), sorted, each
    /// once. Empty for a library built at run time, which has no versions.
    ///
    /// # Errors
    ///
    /// The first server's or transport's error, as the call's [`Error`].
    pub async fn other_versions<C: Transport + ?Sized>(
        &self,
        conn: &C,
    ) -> Result<Vec<String>, Error> {
        versions::other_versions(self, conn).await.map(|found| {
            let mut names: Vec<String> = found.into_iter().map(|(_, name)| name).collect();
            names.sort();
            names.dedup();
            names
        })
    }

    /// Deletes the [other versions](Self::other_versions) of this library from every server of `conn`
    /// (FUNCTION DELETE) and returns their names. Run it once no build that calls them is left: a call
    /// of an older build whose library was deleted loads it again.
    ///
    /// # Errors
    ///
    /// The first server's or transport's error, as the call's [`Error`].
    pub async fn delete_other_versions<C: Transport + ?Sized>(
        &self,
        conn: &C,
    ) -> Result<Vec<String>, Error> {
        versions::delete_other_versions(self, conn).await
    }
}

/// Loads each of `libraries` (each loaded name once) on every server of `conn` (each primary of a
/// cluster) with FUNCTION LOAD, in one round trip per server, and returns on how many servers; a
/// server that already has a library counts as loaded. With the `registry` feature,
/// `preload_libraries(&conn, redis_script::libraries())` loads every library of the binary.
///
/// Calls load their library on their own where a server lacks it; this saves the first call that,
/// and lets a deploy check that it can.
///
/// # Errors
///
/// A library some server refuses (NOPERM, a function name another library has, a node that is
/// down) makes the whole an [`Error::Preload`] that says what was loaded where and what failed
/// where, and why.
pub async fn preload_libraries<'a, C: Transport + ?Sized>(
    conn: &C,
    libraries: impl IntoIterator<Item = &'a Library>,
) -> Result<usize, Error> {
    let libraries: Vec<&Library> = libraries.into_iter().collect();
    versions::load(&libraries, conn).await
}

/// Which of `libraries` (each loaded name once) some server of `conn` does not have (FUNCTION LIST
/// on every primary of a cluster): for health checks and deploy gates. Empty when every server has
/// every library.
///
/// # Errors
///
/// The first server's or transport's error, as the call's [`Error`].
pub async fn missing_libraries<'a, C: Transport + ?Sized>(
    conn: &C,
    libraries: impl IntoIterator<Item = &'a Library>,
) -> Result<Vec<MissingLibrary<'a>>, Error> {
    let libraries: Vec<&Library> = libraries.into_iter().collect();
    let missing = versions::missing(&libraries, conn).await?;
    Ok(missing
        .into_iter()
        .map(|(library, server)| MissingLibrary { library, server })
        .collect())
}

/// A library a server lacks: what [`missing_libraries`] finds.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct MissingLibrary<'a> {
    /// The library.
    pub library: &'a Library,
    /// The server: a cluster primary's `host:port`, or `None` for the one server of the transport.
    pub server: Option<String>,
}

impl fmt::Debug for Library {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Library")
            .field("name", &self.name)
            .field("loaded_as", &self.loaded_as)
            .field("sha1", &self.sha1)
            .field("bytes", &self.code.len())
            .finish()
    }
}

/// The name in `#!lua name=<name>`, as Redis reads it (`name=` in any case); empty if there is none.
fn metadata_name(code: &str) -> &str {
    let first = code.split('\n').next().unwrap_or_default();
    if !first.starts_with("#!") {
        return "";
    }
    first
        .split_ascii_whitespace()
        .skip(1)
        .find_map(|word| {
            word.get(..5)
                .filter(|key| key.eq_ignore_ascii_case("name="))
                .and_then(|_| word.get(5..))
        })
        .map(|name| name.trim_matches(['"', '\'']))
        .unwrap_or_default()
}

/// What a function is made of: its library, the name it is called by, and the label errors and traces
/// show (`library.function`).
#[derive(Clone)]
pub(crate) struct Inner {
    library: Library,
    /// The name as the library's file registers it.
    name: Shared,
    /// The name FCALL sends: `<name>__<version>`, or `name`.
    called_as: Shared,
    /// For errors, traces and batches: the library's code and SHA-1, named `library.function`.
    source: Source,
}

impl Inner {
    fn new(library: &Library, name: &str) -> Inner {
        let name: Shared = Shared::Arc(name.into());
        let called_as = match &library.version {
            Some(version) => Shared::Arc(format!("{}__{}", &*name, &**version).into()),
            None => name.clone(),
        };
        Inner {
            source: Source {
                text: library.code.clone(),
                sha1: library.sha1.clone(),
                name: Some(Shared::Arc(format!("{}.{}", library.name(), &*name).into())),
                function: true,
                arity: Arity::NONE,
            },
            library: library.clone(),
            name,
            called_as,
        }
    }

    /// What a batch calls: this function by the name FCALL sends, its library's code and SHA-1.
    fn callee(&self) -> Callee<'_> {
        Callee::Function {
            source: &self.source,
            name: &self.called_as,
            library: self.library.loaded_name(),
            // Versioned (the name holds the version, so the library is this very code wherever it
            // is) and declared in `lua_library!` (which checked that it registers the function),
            // not named at run time.
            registered: self.library.version.is_some() && matches!(self.name, Shared::Static(_)),
        }
    }

    /// `code` and `sha1` are the library's, as the macro embedded them.
    pub(crate) const fn from_parts(library: Library, parts: FunctionParts) -> Inner {
        Inner {
            source: Source {
                text: Shared::Static(parts.code),
                sha1: Shared::Static(parts.sha1),
                name: Some(Shared::Static(parts.label)),
                function: true,
                arity: Arity {
                    keys: parts.min_keys,
                    args: parts.min_args,
                },
            },
            library,
            name: Shared::Static(parts.name),
            called_as: Shared::Static(parts.called_as),
        }
    }
}

/// Not public API: what `lua_library!` embeds for one function.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct FunctionParts {
    /// The name the file registers.
    pub name: &'static str,
    /// `<name>__<version>`.
    pub called_as: &'static str,
    /// `library.function`.
    pub label: &'static str,
    /// The library's code, as sent.
    pub code: &'static str,
    /// The SHA-1 of the library's file.
    pub sha1: &'static str,
    /// The fewest keys a call must pass: what the function reads on every run.
    pub min_keys: u16,
    /// The fewest arguments a call must pass.
    pub min_args: u16,
}

/// A function of a [`Library`], called with FCALL, whose reply decodes into `T`.
///
/// ```no_run
/// # async fn run(conn: redis_script::redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
/// use redis_script::Library;
///
/// let library = Library::new("#!lua name=counters\n\
///     redis.register_function('incr', function(keys, args) return redis.call('INCR', keys[1]) end)");
/// let incr = library.function::<i64>("incr");
/// let n = incr.call(&conn, ["visits"], ()).await?;
/// # Ok(()) }
/// ```
pub struct Function<T = Reply, P = Undeclared> {
    inner: Inner,
    reply: PhantomData<fn() -> T>,
    params: PhantomData<fn() -> P>,
}

/// A read-only function of a [`Library`] (flagged `no-writes`), called with FCALL_RO, whose
/// reply decodes into `T`: it may go to a replica and be sent again.
pub struct FunctionRO<T = Reply, P = Undeclared> {
    inner: Inner,
    reply: PhantomData<fn() -> T>,
    params: PhantomData<fn() -> P>,
}

impl<T: DeserializeOwned, P> Function<T, P> {
    /// `call` of keys and arguments already encoded (and, for a positional call, checked): the
    /// body of the positional and the declared `call` and of their blocking twins.
    pub(crate) fn call_with<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        call: crate::script::Call,
    ) -> impl Future<Output = Result<T, Error>> + Send + 'a {
        call::call(conn, &self.inner, CommandName::Fcall, call)
    }
}

impl<T: DeserializeOwned, const KEYS: usize, const ARGS: usize>
    Function<T, Undeclared<KEYS, ARGS>>
{
    /// Calls the function with FCALL, `keys` and `args`, and decodes its reply into `T`.
    ///
    /// If the server answers that it has no such function (`ERR Function not found`), and only
    /// then, the library is loaded (FUNCTION LOAD; "already exists", from a concurrent loader,
    /// counts as loaded) and the function called once more, in one round trip. No other error, and
    /// no transport failure, is ever followed by a second call.
    ///
    /// # Errors
    ///
    /// As for [`Script::exec`](crate::Script::exec), and an [`Error::Preload`] naming the library
    /// when the server refuses to load it (nothing ran).
    pub fn call<'a, C: Transport + ?Sized, K: Args + 'a, A: Args + 'a>(
        &'a self,
        conn: &'a C,
        keys: K,
        args: A,
    ) -> impl Future<Output = Result<T, Error>> + Send + 'a {
        const { crate::script::enough::<K, A>((KEYS, ARGS)) };
        self.call_with(conn, crate::script::Call::new(&keys, &args))
    }
}

impl<T: DeserializeOwned, P> FunctionRO<T, P> {
    /// `call` of keys and arguments already encoded (and, for a positional call, checked): the
    /// body of the positional and the declared `call` and of their blocking twins.
    pub(crate) fn call_with<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        call: crate::script::Call,
    ) -> impl Future<Output = Result<T, Error>> + Send + 'a {
        call::call(conn, &self.inner, CommandName::FcallRo, call)
    }
}

impl<T: DeserializeOwned, const KEYS: usize, const ARGS: usize>
    FunctionRO<T, Undeclared<KEYS, ARGS>>
{
    /// Calls the function with FCALL_RO, `keys` and `args`, and decodes its reply into `T`; loads
    /// its library as [`Function::call`] does, on the server's `ERR Function not found` only.
    ///
    /// # Errors
    ///
    /// As for [`Function::call`].
    pub fn call<'a, C: Transport + ?Sized, K: Args + 'a, A: Args + 'a>(
        &'a self,
        conn: &'a C,
        keys: K,
        args: A,
    ) -> impl Future<Output = Result<T, Error>> + Send + 'a {
        const { crate::script::enough::<K, A>((KEYS, ARGS)) };
        self.call_with(conn, crate::script::Call::new(&keys, &args))
    }
}

impl<T: DeserializeOwned, P: Params> Function<T, P> {
    /// Calls the declared function with FCALL and the keys and arguments `params` names, in the
    /// order its `---@key` / `---@arg` lines declare them; loads its library as [`Function::call`]
    /// does.
    ///
    /// # Errors
    ///
    /// As for [`Function::call`].
    pub fn call<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        params: impl Params<Static = P>,
    ) -> impl Future<Output = Result<T, Error>> + Send + 'a {
        self.call_with(conn, crate::script::Call::declared(&params))
    }
}

impl<T: DeserializeOwned, P: Params> FunctionRO<T, P> {
    /// Calls the declared read-only function with FCALL_RO and the keys and arguments `params`
    /// names; loads its library as [`Function::call`] does.
    ///
    /// # Errors
    ///
    /// As for [`Function::call`].
    pub fn call<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        params: impl Params<Static = P>,
    ) -> impl Future<Output = Result<T, Error>> + Send + 'a {
        self.call_with(conn, crate::script::Call::declared(&params))
    }
}

/// What `Function` and `FunctionRO` have alike: built from an [`Inner`], read, cloned and shown the
/// same way.
macro_rules! function_accessors {
    ($name:ident) => {
        impl<T, P> $name<T, P> {
            pub(crate) const fn from_inner(inner: Inner) -> Self {
                $name {
                    inner,
                    reply: PhantomData,
                    params: PhantomData,
                }
            }

            /// The function's name, as its library's file registers it.
            pub fn name(&self) -> &str {
                &self.inner.name
            }

            /// The name FCALL sends and SLOWLOG shows: `<name>__<version>` for a library of
            /// `lua_library!`, [`name`](Self::name) otherwise.
            pub fn called_name(&self) -> &str {
                &self.inner.called_as
            }

            /// The library the function belongs to.
            pub fn library(&self) -> &Library {
                &self.inner.library
            }

            /// What a batch calls.
            pub(crate) fn callee(&self) -> Callee<'_> {
                self.inner.callee()
            }
        }

        impl<T, P> Clone for $name<T, P> {
            fn clone(&self) -> Self {
                $name::from_inner(self.inner.clone())
            }
        }

        impl<T, P> fmt::Debug for $name<T, P> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("name", &self.inner.name)
                    .field("called_as", &self.inner.called_as)
                    .field("library", &self.inner.library.name)
                    .field("sha1", &self.inner.library.sha1)
                    .finish()
            }
        }
    };
}

function_accessors!(Function);
function_accessors!(FunctionRO);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_library_built_at_run_time_is_named_by_its_metadata() {
        let library = Library::new("#!lua NAME=counters\nredis.register_function('f', g)");
        assert_eq!(library.name(), "counters");
        assert_eq!(library.loaded_name(), "counters");
        assert_eq!(library.version(), None);
        assert_eq!(Library::new("return 1").name(), "");
        let f = library.function::<i64>("f");
        assert_eq!((f.name(), f.called_name()), ("f", "f"));
        assert_eq!(f.inner.source.name.as_deref(), Some("counters.f"));
    }

    #[test]
    fn a_versioned_function_is_called_by_its_versioned_name() {
        const LIB: Library = Library::embedded("counters", "counters__abc", "code", "sha", "abc");
        static F: FunctionRO<i64> = FunctionRO::from_inner(Inner::from_parts(
            LIB,
            FunctionParts {
                name: "get",
                called_as: "get__abc",
                label: "counters.get",
                code: "code",
                sha1: "sha",
                min_keys: 0,
                min_args: 0,
            },
        ));
        assert_eq!(F.called_name(), "get__abc");
        assert_eq!(F.library().loaded_name(), "counters__abc");
        assert_eq!(&*F.inner.source.text, "code");
        assert_eq!(LIB.function::<i64>("incr").called_name(), "incr__abc");
        let debug = format!("{F:?}");
        assert!(
            debug.contains("get__abc") && !debug.contains("code"),
            "{debug}"
        );
    }
}
