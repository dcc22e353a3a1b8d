//! Scripts: [`Script<T>`] and [`ScriptRO<T>`], their keys and arguments, and how their replies decode.
//!
//! Each script has the methods of the Upstash SDK's `Script` / `ScriptRO`:
//!
//! | `Script<T>` | `ScriptRO<T>` | sends |
//! |---|---|---|
//! | [`exec(conn, keys, args)`](Script::exec) | [`exec(conn, keys, args)`](ScriptRO::exec) | EVALSHA (EVALSHA_RO), and on NOSCRIPT exactly one EVAL (EVAL_RO) |
//! | [`eval(conn, keys, args)`](Script::eval) | [`eval_ro(conn, keys, args)`](ScriptRO::eval_ro) | EVAL (EVAL_RO): the whole script |
//! | [`evalsha(conn, keys, args)`](Script::evalsha) | [`evalsha_ro(conn, keys, args)`](ScriptRO::evalsha_ro) | EVALSHA (EVALSHA_RO) only |
//! | [`script()`](Script::script), [`sha1()`](Script::sha1) | [`script()`](ScriptRO::script), [`sha1()`](ScriptRO::sha1) | nothing: both known at once (at compile time for `lua_script!`) |
//!
//! Scripts known when you build are best written with [`lua_script!`](crate::lua_script), which checks
//! them; scripts built at run time use [`Script::new`] / [`ScriptRO::new`] (the SHA-1 is computed
//! once, there) and are not checked.
//!
//! # Keys and arguments
//!
//! `keys` and `args` take `()` for none, arrays, slices and `Vec`s of one type, or tuples of mixed
//! types ([`Args`]): `&str`, `String`, `&[u8]`, `Vec<u8>` (binary-safe), integers, floats
//! (the shortest text that reads back the same value), `bool` (`1` / `0`) and `char`
//! ([`Arg`](crate::Arg)). Each value is encoded once, into one buffer, shared by EVALSHA and a fallback
//! EVAL.
//!
//! ```no_run
//! # use redis_script::Script;
//! # async fn run(conn: redis::aio::MultiplexedConnection, s: Script<()>) -> redis_script::Result<()> {
//! s.exec(&conn, (), ()).await?;                              // no keys, no args
//! s.exec(&conn, ["counter:1", "counter:2"], ()).await?;       // keys only
//! s.exec(&conn, ["user:1"], ("logged_in", 1_700_000_000, 0.5, true)).await?; // mixed args
//! s.exec(&conn, [b"\x00\xffbinary".as_slice()], [vec![0u8; 1024]]).await?;   // bytes
//! # Ok(()) }
//! ```
//!
//! # Declared parameters: from `exec(conn, keys, args)` to a declared script
//!
//! A positional call builds whatever order its values are in: `(limit, window)` swapped runs, and
//! a key passed among the arguments runs too. A script that declares its keys and arguments by
//! name and type, at the top of its file, is called with a struct the macro generates from that
//! declaration, and a call that leaves one out, names one the script does not have, or gives a
//! value of the wrong type does not build.
//!
//! Before:
//!
//! ```lua
//! -- rate_limit.lua
//! local key = KEYS[1]
//! local limit = tonumber(ARGV[1])
//! ```
//!
//! ```ignore
//! static RATE_LIMIT: Script<(i64, i64)> = lua_script!("lua/rate_limit.lua");
//! let (requests, ttl) = RATE_LIMIT.exec(&conn, ["rate:alice"], (100, 60)).await?; // (60, 100) builds too
//! ```
//!
//! After: the file declares its parameters in the Lua language server's `---@` style, and the
//! item form of [`lua_script!`](crate::lua_script) names the struct of its keys and arguments as the
//! static's second type parameter:
//!
//! ```lua
//! -- rate_limit.lua
//! --- Fixed-window rate limit: counts a request; returns {requests in this window, seconds left}.
//! ---@key key string the counter
//! ---@arg limit integer requests allowed per window
//! ---@arg window integer the window, in seconds
//! ---@return {requests: integer, ttl: integer}
//! local key = KEYS[1]
//! local limit = tonumber(ARGV[1])
//! ```
//!
//! ```no_run
//! use redis_script::{Pipeline, Script, lua_script};
//!
//! lua_script! {
//!     /// Fixed-window rate limit.
//!     static RATE_LIMIT: Script<Window, RateLimit> = "../../../examples/lua/rate_limit.lua";
//! }
//!
//! # async fn run(conn: redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
//! let Window { requests, ttl } = RATE_LIMIT
//!     .exec(&conn, RateLimit { key: "rate:alice", limit: 100, window: 60 })
//!     .await?;
//!
//! let mut pipe = Pipeline::new();
//! let queued = pipe.exec_typed(&RATE_LIMIT, RateLimit { key: "rate:bob", limit: 100, window: 60 });
//! let Window { requests, ttl } = pipe.run(&conn).await?.take(queued)?;
//! # Ok(()) }
//! ```
//!
//! `exec`, `eval` and `evalsha` (`eval_ro`, `evalsha_ro` for a [`ScriptRO<T, P>`]) take the struct
//! in place of `keys, args`; in a [`Pipeline`](crate::Pipeline) or
//! [`Transaction`](crate::Transaction), `exec_typed(&script, params)` adds the call. The struct
//! writes the keys into `KEYS` and the arguments into `ARGV` in the order the file declares them,
//! whatever order the call names them in. What does not build, and what rustc says at the call:
//!
//! | mistake | error |
//! |---|---|
//! | a parameter left out | ``missing field `window` in initializer of `RateLimit<'_>` `` |
//! | one the script does not declare | ``struct `RateLimit<'_>` has no field named `burst` `` |
//! | a value of the wrong type, or two of different types swapped | ``mismatched types: expected `i64`, found `&str` `` at the value |
//! | the positional call, `exec(&conn, keys, args)`, on a declared script | ``this method takes 2 arguments but 3 arguments were supplied`` |
//!
//! **The annotations.** In the comment block at the top of the file (after a shebang), one line per
//! key and argument, in order: `---@key NAME [TYPE] [description]` for `KEYS[1]`, `KEYS[2]`, ...
//! and `---@arg NAME TYPE [description]` for `ARGV[1]`, ... A key is `string` (`&str`, the default)
//! or `bytes` (`&[u8]`); an argument's type is `string` (`&str`), `bytes` (`&[u8]`, sent as it is:
//! binary-safe), `integer` (`i64`), `number` (`f64`) or `boolean` (`bool`, sent as `1` / `0`).
//! Names are the fields of the struct, so a name that is a Rust keyword is refused. The Lua
//! language server reads a tag it does not know as an ordinary comment, so editors keep working;
//! `---@param` is not used because the server binds it to the next `function`. A script that reads
//! a literal `KEYS[n]` or `ARGV[n]` past what it declares does not build.
//!
//! **Optional and variadic.** The last key and the last argument may stand for fewer or more
//! values than one:
//!
//! | annotation | field | sends |
//! |---|---|---|
//! | `---@arg ttl? integer` | `ttl: Option<i64>` | `ARGV[n]` for `Some`, nothing for `None` |
//! | `---@key lists... string` | `lists: &[&str]` | one key per item, from its position on |
//! | `---@arg members... bytes` | `members: &[&[u8]]` | one argument per item, from its position on |
//! | `---@arg entries... [number, string]` | `entries: &[(f64, &str)]` | each item's values in order, from its position on |
//!
//! `name?` is the language server's own spelling of an optional parameter. Its variadic parameter
//! is a bare `...`, which can not name a field; `name...` keeps the dots where the language server
//! puts them, after the name, as `?` is. A slice borrows what the caller has: no allocation.
//! Only the last of each kind may be either, and a file that declares another after it does not
//! build: a `None` or a slice in the middle would move every later value to another position. A
//! script with a variadic parameter may read `#KEYS` / `#ARGV`, `ipairs`, `unpack`, and literal
//! indexes past the fixed ones. An optional parameter the script reads where a nil fails on every
//! run (an argument of `redis.call`, arithmetic) does not build either, since a call leaving it out
//! could never succeed: read it as `ARGV[3] or default` or under `if ARGV[3] then`. A variadic one
//! the script reads that way needs at least that many items, and a call with fewer is refused
//! before anything is sent (see [arity](#arity)).
//!
//! A variadic argument's items may be tuples, in the language server's tuple type, for a tail of
//! pairs such as ZADD's `score member ...` or HSET's `field value ...`: each item sends its
//! values in order, so `---@arg entries... [number, string]` is `entries: &[(f64, &str)]`, and
//! `&[(1.5, "alice"), (2.0, "bob")]` sends `1.5 alice 2 bob`. The arity counts values, not items.
//!
//! **Inferred names.** A file without annotations gets its parameters from the common pattern when
//! that is unambiguous: every read of `KEYS` and `ARGV` has a literal index, and every index read is
//! bound, once, by a `local name = KEYS[n]`, `local name = ARGV[n]` (a `string`) or
//! `local name = tonumber(ARGV[n])` (a `number`) at the top level of the script (not in a branch, a
//! loop or a function), from 1 up without a gap. Otherwise the item form says why, and asks for
//! annotations, or for the positional call with its arity in its type (see [arity](#arity)).
//!
//! **Keys from KEYS.** A declared script gets the check [`keys_from_keys`](crate::lua_script!#keys-from-keys-keys_from_keys)
//! by default: every key a command is given must come from `KEYS`. Opt out with
//! `lua_script! { static S: Script<T, P> = "s.lua", keys_from_keys = false; }`.
//!
//! The expression form, `lua_script!("s.lua")`, keeps the positional call for every file (its
//! annotations, if any, are checked all the same), and [`Script::new`] builds undeclared scripts at
//! run time.
//!
//! Why a struct, rather than a builder or generated argument lists: a struct literal names every
//! value at the call, as serde and clap users write their own structs and sqlx's `query_as!` reads
//! columns by name; rustc's own messages (missing field, no such field, mismatched types) name the
//! parameter and point at the value; and it is one value that goes wherever `keys, args` went. A
//! builder (`.bucket(..).limit(..)`) finds a missing parameter only through typestate, whose errors
//! name generated types rather than the parameter; positional argument lists checked by type catch
//! neither `(limit, window)` swapped nor a key passed as an argument of the same type.
//!
//! # Declared reply: fields by name
//!
//! A script may declare its reply's fields too, in one more line of the block, the language
//! server's table-literal type: the script returns one table, with these fields, in this order.
//! The item form then generates the struct named by the static's first type parameter, and the
//! call returns it:
//!
//! ```lua
//! -- leaderboard.lua
//! ---@key board string a sorted set
//! ---@arg player string
//! ---@arg points integer
//! ---@return {score: number, rank: integer} the player's new score, and rank from 0
//! local score = redis.call("ZINCRBY", KEYS[1], ARGV[2], ARGV[1])
//! local rank = redis.call("ZREVRANK", KEYS[1], ARGV[1])
//! return {score, rank}
//! ```
//!
//! ```no_run
//! use redis_script::{Script, lua_script};
//!
//! lua_script! {
//!     static LEADERBOARD: Script<Placed, Leaderboard> = "../../../examples/lua/leaderboard.lua";
//! }
//!
//! # async fn run(conn: redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
//! let placed = LEADERBOARD
//!     .exec(&conn, Leaderboard { board: "leaders", player: "alice", points: 50 })
//!     .await?;
//! println!("{} points, rank {}", placed.score, placed.rank);
//! # Ok(()) }
//! ```
//!
//! The declaration is the one source of the order: the generated struct reads a positional array
//! (`return {score, rank}`) into the declared fields in the declared order, and a flat table of
//! names and values or a RESP3 `{map = {...}}` by name, whatever their order; a field the reply
//! lacks is an error naming it. A field's type is `string` (`String`), `integer` (`i64`), `number`
//! (`f64`, from a string such as ZINCRBY's reply) or `boolean` (`bool`: Lua `true` arrives as `1`,
//! `false` as nil). A tuple or another type in the static's first place does not build: it would
//! read the fields by position.
//!
//! A script that declares only its reply and reads no `KEYS` or `ARGV` takes nothing: the macro
//! still defines the struct the static names, empty, and the call is `SIZE.exec(&conn, Size {})`.
//! An empty struct rather than `()`, so that a key or argument the script declares later makes
//! every call that does not name it fail to build.
//!
//! The script's literal returns are held to the declaration, and a mismatch does not build, at the
//! return's `file:line:column`: a table of positional items has exactly one per declared field
//! (unless its last item is a call or `...`, which may expand to any number); a flat table of
//! names and values, or a `{map = {...}}`, names exactly the declared fields; a table with
//! `name = value` items is refused, since Redis replies to it with its positional items only
//! (`{allowed = 1, remaining = 9}` arrives as an empty array, under RESP2 and RESP3 alike). A table
//! with `err`, `ok`, `double` and the other fields Redis reads as another kind of reply, and a return
//! of anything but a table constructor (a local, a call's reply), are left alone: their shape is
//! known only at run time, where decoding checks it. The expression form checks the returns the
//! same way and decodes into the caller's `T`.
//!
//! A function of a library declares its reply the same way, above its registration: see
//! [declared functions](crate::function#declared-functions).
//!
//! # Replies
//!
//! A `Script<T>` decodes the script's reply into `T` with serde, by the rules of
//! [`from_reply`](crate::from_reply) (which does the same for a [`Reply`] you already have); `Reply`
//! itself as `T` keeps the reply exactly as it came. What a Lua value becomes:
//!
//! | Lua value returned | Reply (RESP2) | Reply (RESP3 client, after `redis.setresp(3)`) | Decodes into |
//! | --- | --- | --- | --- |
//! | number `42` (`2.9` -> `2`) | `Int` | `Int` | any integer type (range-checked), `f32`/`f64`, `String` (`"42"`), `bool` (0/1 only) |
//! | string `"42"`, `"0.15"`, `"inf"` | `Bulk` | `Bulk` | `String`, `char`, bytes, integers and floats when the text is a number, `bool` from `"1"`/`"0"`/`"true"`/`"false"`, unit enum variants by name |
//! | binary string | `Bulk` | `Bulk` | `Vec<u8>`, `serde_bytes::ByteBuf` (not `String`) |
//! | `true` | `Int(1)` | `Boolean(true)` | `bool`; integers only from `Int(1)` (a RESP3 boolean is not a number) |
//! | `false` | `Nil` | `Boolean(false)` | `bool` (`false`), `Option<T>` (`None` from `Nil`) |
//! | `nil` | `Nil` | `Nil` | `Option<T>` (`None`), `bool` (`false`), empty `Vec`/sets/maps, `()` |
//! | `{ok = "OK"}`, `redis.status_reply(s)` | `Status` | `Status` | `String`, `()`, anything a string decodes into |
//! | table `{1000, 150, tostring(0.15)}` (stops at first `nil`) | `Array` | `Array` | `Vec<T>`, tuples and tuple structs (exact length), structs by position (`struct Stats { views, likes, ratio }`), `[T; N]` |
//! | `redis.call('HGETALL', k)` | `Array` of field, value, ... | `Map` | `HashMap`/`BTreeMap`, structs by field name, `Vec<(K, V)>` in order |
//! | `redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')` | `Array` of member, score, ... | `Array` of `[member, score]` | `Vec<(String, f64)>` in order, `HashMap`/`BTreeMap` |
//! | table `{'allowed', 1, 'remaining', 9}` | `Array` of name, value, ... | `Array` | structs by field name, maps, `Vec<(K, V)>` |
//! | `{map = {...}}` | - | `Map` | maps, structs by field name, `Vec<(K, V)>` |
//! | `{set = {...}}` | - | `Set` | `Vec<T>`, `HashSet`/`BTreeSet` |
//! | `{double = 0.15}` | - | `Double` | `f64`/`f32`, integers when integral, `String` |
//! | `{big_number = "1234..."}` | - | `BigNumber` | `i128`/`u128` and smaller when it fits, `String`, `f64` |
//! | `{verbatim_string = {format = "txt", string = s}}` | - | `Verbatim` | `String`, anything a string decodes into |
//! | `{err = "MYERR y"}` / `redis.error_reply(s)` inside a table | `Error` (nested) | `Error` (nested) | `Reply` (kept exactly), `()`, unit structs, `IgnoredAny`; anything else (`Option<T>` too) is a decode error `got error reply "MYERR y"` |
//! | anything | any | any | `()` and unit structs (the reply is ignored), `serde::de::IgnoredAny`, `Reply` (exactly as sent), `serde_json::Value` (binary strings excepted) |
//!
//! **Fields by name, not by position.** Return a struct's fields as a flat table of names and values,
//! `return {'allowed', 1, 'remaining', 9}` (what HGETALL gives under RESP2), or as a RESP3 map
//! (`{map = {allowed = 1, remaining = 9}}`), and a `struct Limit { allowed: i64, remaining: i64 }`
//! reads each field by its name: the order in the script does not matter, and a field the reply
//! lacks is an error (an `Option` field is `None`), never another field's value. A flat table is read
//! by name when every item at an odd position (1, 3, ...) names a field, each once; any other array
//! fills the fields by position. Pairs keep their order: `Vec<(K, V)>` reads a flat array of keys and
//! values (ZRANGE ... WITHSCORES, HGETALL under RESP2), an array of two-item arrays (RESP3) and a RESP3
//! map alike, in the order the reply has them.
//!
//! ```
//! use redis_script::{Reply, from_reply};
//!
//! #[derive(serde::Deserialize, Debug, PartialEq)]
//! struct Limit { allowed: bool, remaining: i64 }
//!
//! let bulk = |s: &str| Reply::Bulk(s.as_bytes().to_vec());
//! // return {'remaining', 9, 'allowed', 1}
//! let reply = Reply::Array(vec![bulk("remaining"), Reply::Int(9), bulk("allowed"), Reply::Int(1)]);
//! assert_eq!(from_reply::<Limit>(reply).unwrap(), Limit { allowed: true, remaining: 9 });
//!
//! // ZRANGE leaders 0 -1 WITHSCORES, under RESP2
//! let reply = Reply::Array(vec![bulk("alice"), bulk("3.5"), bulk("bob"), bulk("7")]);
//! let ranked: Vec<(String, f64)> = from_reply(reply).unwrap();
//! assert_eq!(ranked, [("alice".to_owned(), 3.5), ("bob".to_owned(), 7.0)]);
//! ```
//!
//! **Lua numbers are truncated**: Redis turns a Lua number into an integer reply, truncating toward
//! zero (`2.9` arrives as `2`), and a table stops at its first `nil`. Return floats as strings:
//! `tostring(x)` keeps 14 significant digits, `string.format('%.17g', x)` every bit; an `f64` decodes
//! from both. Lua `true` arrives as `1` and `false` as nil.
//!
//! A decode error names the Rust type, shows (a bounded excerpt of) the reply and where inside it
//! decoding failed: `can not decode reply [1000, 150, "abc"] as my_app::Stats: at [2] (field
//! `ratio`): expected a float, got bulk string "abc"`. The script has run when a decode error is
//! returned ([`Error::may_have_run`](crate::Error::may_have_run) is true): its writes stay. An error
//! reply at the top level is always an `Err`, never a `Reply`.
//!
//! # Arity
//!
//! [`lua_script!`](crate::lua_script) finds the `KEYS[n]` and `ARGV[n]` a script reads where a nil
//! makes it fail on every run, and every call (`exec`, `eval`, `evalsha` and their `_ro` forms, on
//! every transport, and each entry of a [`Pipeline`](crate::Pipeline) or
//! [`Transaction`](crate::Transaction)) that passes fewer keys or arguments is refused before
//! anything is sent: an [`Error::Arity`] naming the script and both counts
//! (`may_have_run()` is false). A batch with such an entry is refused whole
//! ([`BatchErrorKind::Arity`](crate::BatchErrorKind::Arity)), so no part of a transaction is ever
//! sent. Without the check Redis runs the script until the nil, then fails with `Lua redis lib
//! command arguments must be strings or integers`, after what it wrote before stays.
//!
//! A read counts when it is **reached on every run that does not fail** and **a nil there fails**:
//!
//! - reached: in the script's top-level statements (or a `do` block among them) before the first
//!   statement that holds a `return`, and not inside an `if` branch, a loop body, a function, or the
//!   right side of `and` / `or`; a `while` condition and a `for` range count;
//! - fails on nil: an argument of `redis.call`; an operand of `..`, arithmetic, `<`, `<=`, `>`,
//!   `>=` or `#`; indexed or called (`KEYS[1]:sub(1, 3)`); the first argument of a `string.*`
//!   function or `cjson.decode`; an argument of `math.floor`, `ceil`, `abs`, `max`, `min`; a `for`
//!   range. Through `tonumber(..)` and through a `local` that still holds it (`local key = KEYS[1]`).
//!
//! So `local ttl = ARGV[3] or 60`, `if ARGV[2] then ... end`, `tonumber(ARGV[2]) or 0`,
//! `redis.pcall(..)` and functions of the script's own set no minimum, and a script that reads `#KEYS`
//! or iterates `KEYS` needs only what it reads unconditionally. A script that changes `KEYS` or `ARGV`
//! (`table.insert(KEYS, ..)`, `KEYS[1] = ..`, passing it to a function of its own) or reaches its
//! environment (`_G`, `getfenv`, `loadstring`, ...) gets no minimum for that table. Of the 590
//! real scripts of the test corpus, 392 get a minimum (`tests/corpus/ARITY.tsv`); run with one key or
//! argument fewer than it, none of the 328 that run with placeholder values succeeded. `KEYS[0]` and
//! `ARGV[0]`, always nil, are compile errors. Scripts built at run time ([`Script::new`]) are not
//! analysed and need nothing. The functions of a library get the same check, by the same rule over
//! their bodies ([arity of functions](crate::function#arity)).
//!
//! **At compile time**, when the script's type names its arity. `static S: Script<T> =
//! lua_script!(..)` says nothing, and its calls are checked when they are made. Its type may say
//! what the script reads on every run, [`Undeclared<KEYS, ARGS>`](Undeclared), which the macro holds
//! to the file (any other number fails the build, and the message gives the right one):
//!
//! ```no_run
//! use redis_script::script::Undeclared;
//! use redis_script::{Script, lua_script};
//!
//! // KEYS[1], ARGV[1] and ARGV[2] on every run.
//! static LOCK: Script<i64, Undeclared<1, 2>> = lua_script!("../../../examples/lua/lock.lua");
//! # async fn run(conn: redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
//! let taken = LOCK.exec(&conn, ["lock:report"], ("worker-1", 30_000)).await?;
//! # Ok(()) }
//! ```
//!
//! Then a call whose keys or arguments the compiler can count (an array, a tuple, `()`) and that
//! passes fewer does not build: `exec`, `eval`, `evalsha` and their `_ro` forms, the `_blocking`
//! twins, and an entry of a [`Pipeline`](crate::Pipeline) or [`Transaction`](crate::Transaction);
//! likewise a function typed `Function<T, Undeclared<KEYS, ARGS>>` in
//! [`lua_library!`](crate::lua_library). The error, `this call passes fewer arguments than the
//! script reads on every run`, comes with a note pointing at the call. It is raised where the call is
//! compiled to code: by `cargo build`, `cargo test` and `cargo run`, not by `cargo check` or an
//! editor's checks; not for a call in code that is never compiled (a function nothing calls, a
//! generic function never instantiated); and for a call in an `#[inline]` or generic function of a
//! library, in the crate that compiles it, the note pointing at that function. A slice or a `Vec` is
//! still checked when the call is made. A script that declares its parameters does better: its
//! struct makes a left-out key an ordinary type error
//! ([above](#declared-parameters-from-execconn-keys-args-to-a-declared-script)).
//!
//! # When does `exec` fall back?
//!
//! Only on the server's own NOSCRIPT reply to EVALSHA: error code `NOSCRIPT` **and** the message
//! `No matching script...`. Then it sends EVAL (EVAL_RO for read-only scripts) exactly once and returns
//! whatever that gives. It never falls back on a timeout or a broken connection (the script may have
//! run: fixed-window rate limiters that double-count are the classic result), never on any other
//! error, and never uses `SCRIPT LOAD` (EVALSHA -> EVAL loads the script on exactly the node that needs
//! it, in one round trip).
//!
//! A script can itself return an error whose code is NOSCRIPT (`redis.error_reply("NOSCRIPT ...")`).
//! A bare `{err = "NOSCRIPT No matching script. Please use EVAL."}` is indistinguishable on the wire
//! from the real thing, and a client that trusted it would run the script twice. `lua_script!`
//! therefore rejects scripts that return a NOSCRIPT error written in the script, and `exec` checks
//! the message, not the word alone. **A script that returns error text taken from its data**
//! (`redis.error_reply(ARGV[1])`, a stored failure reason) can still return Redis's exact text, and
//! in reply to EVALSHA it can not be told from the server's: `exec` would send EVAL and run the
//! script a second time. Give such text a code of your own (`redis.error_reply('JOB ' .. reason)`).
//! (Asking the server with `SCRIPT EXISTS` before the EVAL was tried and rejected: when another
//! client loads the script in between, which concurrent first calls do, it would report calls that
//! never ran as "may have run".) In reply to EVAL, which never answers NOSCRIPT itself, such an error
//! is the script's own: [`may_have_run`](crate::Error::may_have_run) is true.
//!
//! # Dropping a call
//!
//! Dropping a call's future (a timeout, a `select!`) never makes anything be sent later on its
//! behalf, and never sends anything twice:
//!
//! - `exec`, `eval`, `evalsha` (and the `_ro` forms) and [`Function::call`](crate::Function::call):
//!   dropped before its command was written, nothing runs; while it waits for the reply, the command
//!   runs and its reply is discarded (the connection stays usable); between the server's NOSCRIPT (or
//!   `Function not found`) and the fallback, the EVAL (or FUNCTION LOAD and FCALL) is never sent:
//!   nothing ran. On a cluster, a redirect not yet followed is not. A `ConnectionManager` or pool
//!   still making its connection has sent nothing.
//! - Over REST, a call without auto-pipelining drops its HTTP request, which may have reached the
//!   server; with auto-pipelining, one dropped while it waits for its request is never sent, one
//!   whose request left runs. A retry not yet made is not made.
//! - [`Pipeline::run`](crate::Pipeline::run) / [`Transaction::run`](crate::Transaction::run): dropped
//!   while a cluster reads its slot map, nothing was sent; after a part was sent, that part runs; a
//!   second round (calls whose script a flush removed, commands a cluster redirected) not yet sent
//!   never is: those entries did not run.
//! - [`preload`](crate::preload), [`preload_scripts`](crate::production::preload_scripts),
//!   [`preload_libraries`](crate::function::preload_libraries),
//!   [`Library::load`](crate::Library::load): what was sent loads (loading twice changes nothing);
//!   nothing runs.
//!
//! # Read-only scripts
//!
//! [`ScriptRO`] runs with EVALSHA_RO / EVAL_RO (Redis 7+): the server refuses any write, so the script
//! can run on replicas and be retried safely. `lua_script!(.., readonly)` rejects a script that calls a
//! write command with a literal name, and one whose `#!lua` shebang lacks `no-writes` (Redis refuses
//! EVAL_RO on it). A write the macro cannot see (a command name built at run time) fails at run time
//! with an error for which [`Error::is_read_only_violation`](crate::Error::is_read_only_violation) is
//! true, and nothing is written.
//!
//! # Redis 7.0, Redis 8.2 and Valkey 9.1: what differs
//!
//! The test suite runs on all three; where they differ in a way a caller can meet:
//!
//! | | Redis 7.0 | Redis 8.2 | Valkey 9.1 |
//! |---|---|---|---|
//! | NOSCRIPT text | `No matching script. Please use EVAL.` | same | `No matching script.` |
//! | suffix of an error raised in a script | `script: <sha1>, on @user_script:N.` | same | `script: on @user_script:N.` |
//! | BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BZPOPMIN/MAX, WAIT in a script | refused: `This Redis command is not allowed from script` | run, never blocking | run, never blocking |
//! | hash-field expiration (HEXPIRE, HTTL, HGETEX, HSETEX, HGETDEL, ...) | unknown command | since 7.4 | since 9.0 |
//! | WAITAOF | unknown command | since 7.2 | since 7.2 |
//! | vector sets (VADD, VSIM, ...), XACKDEL, XDELEX | unknown | yes (XACKDEL, XDELEX since 8.2) | unknown |
//! | DELIFEQ, MSETEX, COMMANDLOG | unknown | unknown | since 9.0, 9.1, 8.1 |
//! | scripts loaded by EVAL | kept until SCRIPT FLUSH | beyond 500, the least recently used are evicted (`evicted_scripts` in INFO); SCRIPT LOAD pins | same as 8.2 |
//! | a new `redis`-crate connection under `CLIENT PAUSE ALL` | ready at once | waits for the pause (the crate's `CLIENT SETINFO` is held) | waits |
//!
//! `exec` recognises both NOSCRIPT texts (code `NOSCRIPT`, message starting `No matching script`), and
//! [`ScriptError`](crate::error::ScriptError) parses both suffixes. The Lua compiler is the same
//! everywhere (5.1.5): the differential test found no script that one server loads and another
//! refuses.

mod declared;
mod name;
mod source;
mod undeclared;

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;

pub use crate::args::Params;
use crate::{Args, CommandName, Error, Reply, Transport};
pub use name::{MAX_NAME_LEN, ScriptNameError};
pub(crate) use source::{Arity, Call, Source};
#[doc(hidden)]
pub use undeclared::Positional;
pub use undeclared::Undeclared;
pub(crate) use undeclared::enough;

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
pub struct Script<T = Reply, P = Undeclared> {
    source: Source,
    reply: PhantomData<fn() -> T>,
    params: PhantomData<fn() -> P>,
}

/// A read-only Lua script whose reply decodes into `T`, run with EVALSHA_RO and, when the server does
/// not have it cached, exactly one EVAL_RO (Redis 7+).
///
/// The server refuses any write from it, so it can run on replicas and is safe to retry.
/// Build one with `lua_script!("file.lua", readonly)` or [`ScriptRO::new`].
pub struct ScriptRO<T = Reply, P = Undeclared> {
    source: Source,
    reply: PhantomData<fn() -> T>,
    params: PhantomData<fn() -> P>,
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
        }

        impl<T, P> $name<T, P> {
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
                    params: PhantomData,
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

        impl<T, P> Clone for $name<T, P> {
            fn clone(&self) -> Self {
                $name::from_source(self.source.clone())
            }
        }

        impl<T, P> fmt::Debug for $name<T, P> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.source.debug(stringify!($name), f)
            }
        }
    };
}

script_accessors!(Script);
script_accessors!(ScriptRO);

impl<T: DeserializeOwned, P> Script<T, P> {
    /// `exec` of keys and arguments already encoded (and, for a positional call, checked): the
    /// body of the positional and the declared `exec` and of their blocking twins.
    pub(crate) fn exec_call<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        call: Call,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        let (first, fallback) = (CommandName::EvalSha, Some(CommandName::Eval));
        self.source.call(conn, first, fallback, call)
    }
}

impl<T: DeserializeOwned, const KEYS: usize, const ARGS: usize> Script<T, Undeclared<KEYS, ARGS>> {
    /// Runs the script with EVALSHA and, if the server answers NOSCRIPT, once with EVAL, which also caches
    /// it. Any other error, including a lost connection, is returned as it is: the script may have run.
    ///
    /// # Errors
    ///
    /// An [`Error`] naming this script: the server refused the call ([`Error::Server`], nothing ran),
    /// the script raised an error or did not compile ([`Error::Script`]), the reply does not decode
    /// into `T` ([`Error::Decode`]: the script ran), or the transport failed ([`Error::Transport`]).
    /// [`Error::may_have_run`] says whether it is safe to call again.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use redis_script::{Script, lua_script};
    ///
    /// static RATE_LIMIT: Script<(i64, i64)> = lua_script!("../../../examples/lua/rate_limit.lua");
    ///
    /// # async fn run(conn: redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
    /// let (requests, ttl) = RATE_LIMIT.exec(&conn, ["rate:alice"], (100, 60)).await?;
    /// # Ok(()) }
    /// ```
    pub fn exec<'a, C: Transport + ?Sized, K: Args, A: Args>(
        &'a self,
        conn: &'a C,
        keys: K,
        args: A,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        const { enough::<K, A>((KEYS, ARGS)) };
        self.exec_call(conn, Call::new(&keys, &args))
    }

    /// Runs the script with EVAL, sending its whole text (and caching it on the server).
    ///
    /// # Errors
    ///
    /// As for [`exec`](Self::exec).
    pub fn eval<'a, C: Transport + ?Sized, K: Args, A: Args>(
        &'a self,
        conn: &'a C,
        keys: K,
        args: A,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        const { enough::<K, A>((KEYS, ARGS)) };
        self.source
            .call(conn, CommandName::Eval, None, Call::new(&keys, &args))
    }

    /// Runs the script with EVALSHA only.
    ///
    /// # Errors
    ///
    /// As for [`exec`](Self::exec); a server without the script cached answers with an error for
    /// which [`Error::is_noscript`] is true.
    pub fn evalsha<'a, C: Transport + ?Sized, K: Args, A: Args>(
        &'a self,
        conn: &'a C,
        keys: K,
        args: A,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        const { enough::<K, A>((KEYS, ARGS)) };
        self.source
            .call(conn, CommandName::EvalSha, None, Call::new(&keys, &args))
    }
}

impl<T: DeserializeOwned, P> ScriptRO<T, P> {
    /// `exec` of keys and arguments already encoded (and, for a positional call, checked): the
    /// body of the positional and the declared `exec` and of their blocking twins.
    pub(crate) fn exec_call<'a, C: Transport + ?Sized>(
        &'a self,
        conn: &'a C,
        call: Call,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        let (first, fallback) = (CommandName::EvalShaRo, Some(CommandName::EvalRo));
        self.source.call(conn, first, fallback, call)
    }
}

impl<T: DeserializeOwned, const KEYS: usize, const ARGS: usize>
    ScriptRO<T, Undeclared<KEYS, ARGS>>
{
    /// Runs the script with EVALSHA_RO and, if the server answers NOSCRIPT, once with EVAL_RO. Never
    /// falls back to a command that could write.
    ///
    /// # Errors
    ///
    /// As for [`Script::exec`]; a write the script attempts is an error for which
    /// [`Error::is_read_only_violation`] is true, and nothing is written.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use redis_script::{ScriptRO, lua_script};
    ///
    /// static POST_STATS: ScriptRO<(i64, i64, f64)> =
    ///     lua_script!("../../../examples/lua/post_stats.lua", readonly);
    ///
    /// # async fn run(conn: redis::aio::MultiplexedConnection) -> redis_script::Result<()> {
    /// let (views, likes, ratio) = POST_STATS.exec(&conn, ["post:123"], ()).await?;
    /// # Ok(()) }
    /// ```
    pub fn exec<'a, C: Transport + ?Sized, K: Args, A: Args>(
        &'a self,
        conn: &'a C,
        keys: K,
        args: A,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        const { enough::<K, A>((KEYS, ARGS)) };
        self.exec_call(conn, Call::new(&keys, &args))
    }

    /// Runs the script with EVAL_RO, sending its whole text.
    ///
    /// # Errors
    ///
    /// As for [`exec`](Self::exec).
    pub fn eval_ro<'a, C: Transport + ?Sized, K: Args, A: Args>(
        &'a self,
        conn: &'a C,
        keys: K,
        args: A,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        const { enough::<K, A>((KEYS, ARGS)) };
        self.source
            .call(conn, CommandName::EvalRo, None, Call::new(&keys, &args))
    }

    /// Runs the script with EVALSHA_RO only.
    ///
    /// # Errors
    ///
    /// As for [`exec`](Self::exec); a server without the script cached answers with an error for
    /// which [`Error::is_noscript`] is true.
    pub fn evalsha_ro<'a, C: Transport + ?Sized, K: Args, A: Args>(
        &'a self,
        conn: &'a C,
        keys: K,
        args: A,
    ) -> impl Future<Output = Result<T, Error>> + Send {
        const { enough::<K, A>((KEYS, ARGS)) };
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
