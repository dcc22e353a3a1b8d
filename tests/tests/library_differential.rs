//! `check_library` accepts a library if and only if Redis loads it, sees the functions Redis
//! registers, and when both refuse, says what Redis says. Thousands of libraries (the repo's library
//! files, its scripts made into functions, corner cases of the `#!lua name=` line and of
//! `redis.register_function`, seeded mutations of all) are judged by `FUNCTION LOAD`, `FUNCTION LIST`,
//! then `FUNCTION FLUSH` (function names are global across libraries), on every server at hand: Redis
//! 7.0 (PATH), Redis 8.2 and Valkey 9.1 (`scripts/fetch-servers`).
//!
//! A disagreement is a library the checker accepts that a server refuses to load (or loads with other
//! functions or flags), a library the checker refuses for a reason found at load time (metadata,
//! syntax, what the code outside functions does as it runs) that the servers load, or a refusal by both
//! with another line or message than Redis 7.0's. Libraries the checker refuses for reasons Redis
//! finds only when a function runs (a write in a `no-writes` function, an unknown command, KEYS or
//! ARGV, a "Function not found" reply) or never (a name the checks can not see) are counted apart.
//!
//! Where the servers themselves disagree, a library must be refused (one of them does), with Redis
//! 7.0's reason when it is one that refuses, and the difference must be one this file explains; an
//! unexplained one fails the test, as in `differential`.
//!
//! `LIBRARY_DIFFERENTIAL_SEED` and `LIBRARY_DIFFERENTIAL_CASES` choose another campaign.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Instant;

use redis_script_check::{Kind, Options, Problem};
use redis_script_tests::library_cases::{self, Case};
use redis_script_tests::{RedisServer, judges};

const SEED: u64 = 0x11b_2026;
const CASES: usize = 3000;
/// The path the checker's messages name.
const PATH: &str = "lib.lua";

/// A function as `FUNCTION LIST` shows it: its name and its flags, sorted.
type Registered = (String, Vec<String>);

/// What one server did with `FUNCTION LOAD`.
#[derive(Clone, Debug, PartialEq)]
enum Verdict {
    /// The functions it registered, by name.
    Loaded(Vec<Registered>),
    /// The error text (`ERR ...`), bytes that are not UTF-8 replaced as the checker replaces them.
    Refused(String),
    /// The server died on the command (it is started again for the next case).
    Crashed,
}

impl Verdict {
    fn loaded(&self) -> bool {
        matches!(self, Verdict::Loaded(_))
    }
}

/// One server that judges, started again should a library crash it.
struct Judge {
    name: &'static str,
    binary: PathBuf,
    server: RedisServer,
    connection: BufReader<TcpStream>,
    crashes: usize,
}

impl Judge {
    fn start(name: &'static str, binary: PathBuf) -> Judge {
        let server = RedisServer::start_binary(&binary);
        let connection = judges::connect(&server);
        Judge {
            name,
            binary,
            server,
            connection,
            crashes: 0,
        }
    }

    /// `FUNCTION LOAD <text>`, `FUNCTION LIST`, `FUNCTION FLUSH`, in one round trip, spoken in raw
    /// RESP: Lua names the byte it stopped at (`near '\xC3'`), which the `redis` crate can not read in
    /// an error reply that is not UTF-8, and FUNCTION LOAD's errors keep the line breaks of a string
    /// Lua names (SCRIPT LOAD's turn them into spaces), so only the replies after one tell where it
    /// ends.
    fn load(&mut self, text: &str) -> Verdict {
        let mut request =
            format!("*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n${}\r\n", text.len()).into_bytes();
        request.extend_from_slice(text.as_bytes());
        request.extend_from_slice(
            b"\r\n*2\r\n$8\r\nFUNCTION\r\n$4\r\nLIST\r\n*2\r\n$8\r\nFUNCTION\r\n$5\r\nFLUSH\r\n",
        );
        let verdict = self
            .connection
            .get_mut()
            .write_all(&request)
            .ok()
            .and_then(|()| read_verdict(&mut self.connection));
        verdict.unwrap_or_else(|| {
            self.crashes += 1;
            self.server = RedisServer::start_binary(&self.binary);
            self.connection = judges::connect(&self.server);
            Verdict::Crashed
        })
    }
}

/// The replies to LOAD, LIST and FLUSH; `None` when the connection is gone.
fn read_verdict(connection: &mut BufReader<TcpStream>) -> Option<Verdict> {
    let mut first = Vec::new();
    if connection.read_until(b'\n', &mut first).ok()? == 0 {
        return None;
    }
    let verdict = match first.first() {
        Some(b'$') => {
            let length: usize = std::str::from_utf8(&first[1..]).ok()?.trim().parse().ok()?;
            let mut name = vec![0; length + 2];
            connection.read_exact(&mut name).ok()?;
            let listed = read_value(connection)?;
            Verdict::Loaded(functions(&listed))
        }
        Some(b'-') => {
            // Nothing was loaded, so LIST answers `*0` and FLUSH `+OK`: the error ends before them.
            let mut error = first;
            while !error.ends_with(b"\r\n*0\r\n+OK\r\n") {
                if connection.read_until(b'\n', &mut error).ok()? == 0 {
                    return None;
                }
            }
            let error = &error[1..error.len() - b"\r\n*0\r\n+OK\r\n".len()];
            return Some(Verdict::Refused(
                String::from_utf8_lossy(error).into_owned(),
            ));
        }
        _ => panic!(
            "unexpected reply to FUNCTION LOAD: {:?}",
            String::from_utf8_lossy(&first)
        ),
    };
    let flushed = read_value(connection)?;
    assert_eq!(flushed, Resp::Text("OK".into()), "FUNCTION FLUSH failed");
    Some(verdict)
}

/// A RESP2 reply.
#[derive(Debug, PartialEq)]
enum Resp {
    Text(String),
    Integer(i64),
    Array(Vec<Resp>),
    Nil,
}

fn read_value(connection: &mut BufReader<TcpStream>) -> Option<Resp> {
    let mut line = Vec::new();
    if connection.read_until(b'\n', &mut line).ok()? == 0 {
        return None;
    }
    let rest = String::from_utf8_lossy(&line[1..]).trim_end().to_owned();
    Some(match line.first()? {
        b'+' => Resp::Text(rest),
        b':' => Resp::Integer(rest.parse().ok()?),
        b'$' if rest == "-1" => Resp::Nil,
        b'$' => {
            let mut data = vec![0; rest.parse::<usize>().ok()? + 2];
            connection.read_exact(&mut data).ok()?;
            data.truncate(data.len() - 2);
            Resp::Text(String::from_utf8_lossy(&data).into_owned())
        }
        b'*' if rest == "-1" => Resp::Nil,
        b'*' => Resp::Array(
            (0..rest.parse::<usize>().ok()?)
                .map(|_| read_value(connection))
                .collect::<Option<_>>()?,
        ),
        other => panic!("unexpected reply type {:?}", char::from(*other)),
    })
}

/// The value under `key` in a RESP2 map written as an array of pairs.
fn field<'a>(map: &'a Resp, key: &str) -> Option<&'a Resp> {
    let Resp::Array(items) = map else {
        return None;
    };
    items
        .chunks(2)
        .find(|pair| pair[0] == Resp::Text(key.into()))
        .map(|pair| &pair[1])
}

/// The functions of every library in a FUNCTION LIST reply, sorted.
fn functions(listed: &Resp) -> Vec<Registered> {
    let Resp::Array(libraries) = listed else {
        panic!("FUNCTION LIST: {listed:?}")
    };
    let mut functions = Vec::new();
    for library in libraries {
        let Some(Resp::Array(registered)) = field(library, "functions") else {
            panic!("FUNCTION LIST: {library:?}")
        };
        for function in registered {
            let Some(Resp::Text(name)) = field(function, "name") else {
                panic!("FUNCTION LIST: {function:?}")
            };
            let mut flags: Vec<String> = match field(function, "flags") {
                Some(Resp::Array(flags)) => flags
                    .iter()
                    .filter_map(|flag| match flag {
                        Resp::Text(flag) => Some(flag.clone()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            flags.sort();
            functions.push((name.clone(), flags));
        }
    }
    functions.sort();
    functions
}

/// The servers that judge: every one this machine has, Redis 7.0 first (its text is the reference).
fn judges() -> Vec<Judge> {
    judges::binaries("redis-7.0")
        .into_iter()
        .map(|(name, binary)| Judge::start(name, binary))
        .collect()
}

/// What a refusal says, without the frame around it: `(line, message)` of
/// `ERR Error registering functions: ERR user_function:3: <message>`, `(None, message)` when no line is
/// named (`ERR Library names can only contain ...`).
fn registering_error(error: &str) -> (Option<usize>, &str) {
    let text = error.strip_prefix("ERR ").unwrap_or(error);
    let text = text
        .strip_prefix("Error registering functions: ")
        .map_or(text, |rest| rest.strip_prefix("ERR ").unwrap_or(rest));
    match text
        .strip_prefix("user_function:")
        .and_then(|rest| rest.split_once(": "))
        .and_then(|(line, message)| Some((line.parse().ok()?, message)))
    {
        Some((line, message)) => (Some(line), message),
        None => (None, text),
    }
}

/// A diagnostic is one line: the line breaks of a string Lua names are spaces there.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// Whether the checker's load-time problem says what Redis said: for a syntax error, the line and the
/// compiler's message; otherwise Redis's text, quoted, and the line it names.
fn same_reason(problem: &Problem, redis: &str) -> bool {
    let redis = &one_line(redis);
    let compiling = redis
        .strip_prefix("ERR Error compiling function: user_function:")
        .and_then(|rest| rest.split_once(": "));
    if let Some((line, message)) = compiling {
        let first = problem.message().lines().next().unwrap_or_default();
        return problem.kind() == Kind::Syntax
            && first.starts_with(&format!("{PATH}:{line}:"))
            && first.contains(&format!(
                ": Lua syntax error: {message} (Redis: \"Error compiling function\")"
            ));
    }
    let (line, message) = registering_error(redis);
    one_line(problem.message()).contains(&format!("\"{message}\""))
        && line.is_none_or(|line| problem.line() == Some(line))
}

/// Why the servers may differ on whether a library loads, or `None` for a difference no one has
/// explained.
fn known_difference(case: &Case, verdicts: &[Verdict]) -> Option<&'static str> {
    let valkey = verdicts.get(2)?;
    if verdicts[0].loaded() != verdicts[1].loaded() {
        return None;
    }
    let (first_line, body) = case.text.split_once('\n').unwrap_or((&case.text, ""));
    match (&verdicts[0], valkey) {
        (_, Verdict::Crashed) if case.text.contains("log") => {
            Some("Valkey 9.1 crashes when a library calls redis.log while it loads")
        }
        _ if body.contains('\0') => Some("Valkey 9.1 reads a library's code up to its first NUL"),
        _ if first_line.contains(['"', '\'']) && verdicts[0].loaded() != valkey.loaded() => {
            Some("Valkey 9.1 reads on after a closing quote in the metadata line, as a shell does")
        }
        (Verdict::Refused(error), _)
            if ["'server'", "'SERVER_NAME'"]
                .iter()
                .any(|name| error.ends_with(&format!("nonexistent global variable {name}"))) =>
        {
            Some("Valkey 9.1 has `server` and redis.SERVER_NAME while a library loads")
        }
        _ => None,
    }
}

/// Errors of the table form: which one a server names depends on the order it reads the fields in.
const TABLE_ERRORS: [&str; 7] = [
    "unknown flag given",
    "unknown argument given to",
    "named argument key given to",
    "function_name argument given to",
    "description argument given to",
    "callback argument given to",
    "flags argument to",
];

/// Why a server refuses a library in other words than Redis 7.0: a known way, or both texts.
fn wording(case: &Case, redis: &str, other: &str) -> String {
    let (redis, other) = (registering_error(redis).1, registering_error(other).1);
    let as_redis = other.replace("server.register_function", "redis.register_function");
    let body = case.text.split_once('\n').map_or("", |(_, body)| body);
    let known = if body.contains('\0') {
        "Valkey 9.1 reads the code up to a NUL byte"
    } else if ["'server'", "'SERVER_NAME'"]
        .iter()
        .any(|name| redis.ends_with(&format!("nonexistent global variable {name}")))
    {
        "Valkey 9.1 has `server` and redis.SERVER_NAME while a library loads, and fails later"
    } else if as_redis == redis {
        if other == redis {
            "Valkey 9.1 checks names and duplicates once the code has run: no \"Error registering \
             functions\" before them"
        } else {
            "Valkey 9.1 names it server.register_function"
        }
    } else if redis.starts_with("Library names") && other.starts_with("Function names") {
        "Valkey 9.1 says \"Function names can only contain\""
    } else if redis.starts_with("Library names")
        || redis == "Function already exists in the library"
    {
        "Valkey 9.1 checks names and duplicates once the code has run, and fails on something else first"
    } else if redis == "Invalid library metadata" {
        "Valkey 9.1 reads a closing quote followed by more in the metadata line, and fails later"
    } else if [redis, as_redis.as_str()]
        .iter()
        .all(|text| TABLE_ERRORS.iter().any(|e| text.starts_with(e)))
    {
        "Valkey 9.1 reads the fields of redis.register_function's table in another order"
    } else if redis == "Invalid debug level." && other == "Invalid log level." {
        "Redis 8.2 says \"Invalid log level.\""
    } else {
        return format!("{redis:?} / {other:?}");
    };
    known.to_owned()
}

/// The name a problem is counted under when Redis loads the library anyway.
fn apart_category(problem: &Problem) -> String {
    let message = problem.message();
    match problem.kind() {
        Kind::Command if message.contains("has no global") => "KEYS or ARGV in a function".into(),
        Kind::Command if message.contains("register_function runs only") => {
            "redis.register_function inside a function".into()
        }
        Kind::Command => "command refused when it runs".into(),
        Kind::Arity => "wrong number of arguments".into(),
        Kind::ReadOnly => "write in a no-writes function".into(),
        Kind::NoscriptReply => "\"Function not found\" reply".into(),
        Kind::Computed => "name or flags computed".into(),
        kind => format!("{kind:?}"),
    }
}

#[derive(Default)]
struct Report {
    loads: usize,
    refused: usize,
    disagreements: Vec<String>,
    apart: BTreeMap<String, usize>,
    /// Known differences between the servers: how many, and the first case of each.
    servers_differ: BTreeMap<&'static str, (usize, String)>,
    unexplained: Vec<String>,
    /// Libraries all refuse, in other words on some server: how many, by why.
    wording: BTreeMap<String, usize>,
}

#[test]
fn check_library_agrees_with_function_load() {
    let seed = judges::env_or("LIBRARY_DIFFERENTIAL_SEED", SEED);
    let count = judges::env_or("LIBRARY_DIFFERENTIAL_CASES", CASES);
    let cases = library_cases::cases(seed, count);
    let mut judges = judges();
    let options = Options::default();
    let mut report = Report::default();
    let started = Instant::now();
    for (i, case) in cases.iter().enumerate() {
        let verdicts: Vec<Verdict> = judges.iter_mut().map(|j| j.load(&case.text)).collect();
        let checked = redis_script_check::check_library(PATH, &case.text, &options);
        let problems = checked.as_ref().err().cloned().unwrap_or_default();
        let described = || {
            let shown: String = case.text.chars().take(400).collect();
            let servers: Vec<String> = judges
                .iter()
                .zip(&verdicts)
                .map(|(judge, verdict)| format!("{}: {verdict:?}", judge.name))
                .collect();
            let problems: Vec<String> = problems
                .iter()
                .map(|p| format!("{:?} line {:?}: {}", p.kind(), p.line(), p.message()))
                .collect();
            format!(
                "case {i} ({}):\n{shown:?}\n  servers: {}\n  checker: {problems:#?}",
                case.origin,
                servers.join("; ")
            )
        };
        if let Verdict::Refused(redis) = &verdicts[0] {
            for other in &verdicts[1..] {
                if let Verdict::Refused(text) = other
                    && text != redis
                {
                    *report
                        .wording
                        .entry(wording(case, redis, text))
                        .or_default() += 1;
                }
            }
        }
        let at_load: Vec<&Problem> = problems
            .iter()
            .filter(|p| p.redis_refuses_loading())
            .collect();
        let differ = verdicts.iter().any(|v| v.loaded() != verdicts[0].loaded())
            || verdicts.contains(&Verdict::Crashed)
            || verdicts[0].loaded() && verdicts.iter().any(|v| *v != verdicts[0]);
        if differ {
            report.refused += 1;
            match known_difference(case, &verdicts) {
                Some(why) => {
                    let entry = report
                        .servers_differ
                        .entry(why)
                        .or_insert_with(|| (0, format!("case {i} ({})", case.origin)));
                    entry.0 += 1;
                }
                None => report.unexplained.push(described()),
            }
            // A server refuses it, so the checker must; with Redis 7.0's reason when it is one.
            let agrees = match &verdicts[0] {
                Verdict::Refused(redis) => at_load.iter().any(|p| same_reason(p, redis)),
                _ => !at_load.is_empty(),
            };
            if !agrees {
                report.disagreements.push(format!(
                    "a server refuses it, the checker does not say why: {}",
                    described()
                ));
            }
            continue;
        }
        match &verdicts[0] {
            Verdict::Loaded(registered) => {
                report.loads += 1;
                if !at_load.is_empty() {
                    report.disagreements.push(format!(
                        "refused for a load-time reason, but the servers load it: {}",
                        described()
                    ));
                }
                if let Ok(library) = &checked {
                    let mut seen: Vec<Registered> = library
                        .functions()
                        .iter()
                        .map(|f| {
                            let mut flags = f.flags().to_vec();
                            flags.sort();
                            (f.name().to_owned(), flags)
                        })
                        .collect();
                    seen.sort();
                    if seen != *registered {
                        report.disagreements.push(format!(
                            "the checker sees {seen:?}, the servers register {registered:?}: {}",
                            described()
                        ));
                    }
                }
                for problem in &problems {
                    *report.apart.entry(apart_category(problem)).or_default() += 1;
                }
            }
            Verdict::Refused(redis) => {
                report.refused += 1;
                if checked.is_ok() {
                    report.disagreements.push(format!(
                        "accepted, but the servers refuse it: {}",
                        described()
                    ));
                } else if !at_load.iter().any(|p| same_reason(p, redis)) {
                    report.disagreements.push(format!(
                        "refused by both, for different reasons: {}",
                        described()
                    ));
                }
                if problems
                    .iter()
                    .any(|p| p.message().contains("allow_key_locking"))
                {
                    *report
                        .apart
                        .entry("Upstash's allow-key-locking (Redis refuses it too)".into())
                        .or_default() += 1;
                }
            }
            Verdict::Crashed => unreachable!("crashes are handled above"),
        }
    }
    let elapsed = started.elapsed();
    let names: Vec<&str> = judges.iter().map(|j| j.name).collect();
    eprintln!(
        "library differential: seed {seed:#x}, {} cases judged by {} in {elapsed:.1?}: {} load, {} \
         refused; {} disagreements; servers differ on {} ({} unexplained); restarts after a crash: \
         {:?}",
        cases.len(),
        names.join(", "),
        report.loads,
        report.refused,
        report.disagreements.len(),
        report
            .servers_differ
            .values()
            .map(|(n, _)| n)
            .sum::<usize>()
            + report.unexplained.len(),
        report.unexplained.len(),
        judges
            .iter()
            .map(|j| (j.name, j.crashes))
            .collect::<Vec<_>>()
    );
    eprintln!(
        "refused by the checker for reasons Redis finds only when a function runs, or never (apart):"
    );
    for (category, count) in &report.apart {
        eprintln!("  {count:5}  {category}");
    }
    eprintln!("servers differ on whether, or what, they load:");
    for (why, (count, first)) in &report.servers_differ {
        eprintln!("  {count:5}  {why}; the first: {first}");
    }
    eprintln!("refused in other words than Redis 7.0's:");
    for (why, count) in &report.wording {
        eprintln!("  {count:5}  {why}");
    }
    for unexplained in report.unexplained.iter().take(10) {
        eprintln!("servers differ, unexplained: {unexplained}");
    }
    judges::assert_no_disagreements(&report.disagreements);
    assert!(
        report.unexplained.is_empty(),
        "the servers differ in a way this test does not explain"
    );
    judges::assert_mixed(report.loads, report.refused, cases.len(), "libraries");
}
