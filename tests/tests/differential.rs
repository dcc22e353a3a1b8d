//! `lua_script!` builds a script if and only if Redis loads it, and when both refuse, says what Redis
//! says. Thousands of scripts (the repo's Lua files, Lua 5.1 corner cases, seeded mutations of both) are
//! compiled through the real macro in one scratch crate (rustc reports every macro error of a crate in
//! one build) and judged by `SCRIPT LOAD` on every server at hand: Redis 7.0 (PATH), Redis 8.2 and
//! Valkey 9.1 (`scripts/fetch-servers`).
//!
//! A disagreement is a script the macro builds that a server refuses to load, a script the macro
//! refuses for a reason found at load time (syntax, shebang) that the servers load, or a refusal by
//! both with another line or message. Scripts the macro refuses for reasons Redis finds only when the
//! script runs (a write in a read-only script, an unknown command, a NOSCRIPT reply) or never (an empty
//! file, a malformed `---@key` / `---@arg` declaration) are reported apart.
//!
//! `DIFFERENTIAL_SEED` and `DIFFERENTIAL_CASES` choose another campaign (`scripts/differential`).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::BufReader;
use std::net::TcpStream;
use std::path::Path;

use redis_script_check::{Kind, Options, Problem};
use redis_script_tests::lua_cases;
use redis_script_tests::{RedisServer, judges, probe};

const SEED: u64 = 0x5eed_2026;
const CASES: usize = 3000;

/// The servers that judge: every one this machine has.
fn judges() -> Vec<(String, RedisServer)> {
    judges::binaries("redis-server on PATH")
        .into_iter()
        .map(|(name, binary)| (name.to_owned(), RedisServer::start_binary(&binary)))
        .collect()
}

/// `ERR Error compiling script (new function): user_script:3: '=' expected near 'x'`: (3, message).
fn redis_syntax_error(error: &str) -> Option<(usize, &str)> {
    let (_, rest) = error.split_once("user_script:")?;
    let (line, message) = rest.split_once(": ")?;
    Some((line.parse().ok()?, message))
}

/// Whether the macro's load-time problem says what Redis said.
fn same_reason(problem: &Problem, path: &str, redis: &str) -> bool {
    match problem.kind() {
        Kind::Syntax => redis_syntax_error(redis).is_some_and(|(line, message)| {
            let first = problem.message().lines().next().unwrap_or_default();
            first.starts_with(&format!("{path}:{line}:"))
                && first.ends_with(&format!(
                    ": Lua syntax error: {message} (Redis: \"Error compiling script\")"
                ))
        }),
        // The shebang messages quote Redis's answer, without what it names after a colon.
        _ => {
            let answer = redis.trim_start_matches("ERR ");
            let answer = answer.split_once(": ").map_or(answer, |(text, _)| text);
            problem.message().contains(&format!("\"{answer}\""))
        }
    }
}

#[derive(Default)]
struct Report {
    loads: usize,
    refused: usize,
    disagreements: Vec<String>,
    apart: BTreeMap<String, usize>,
    servers_differ: Vec<String>,
}

#[test]
fn macro_agrees_with_script_load() {
    let seed = judges::env_or("DIFFERENTIAL_SEED", SEED);
    let count = judges::env_or("DIFFERENTIAL_CASES", CASES);
    let cases = lua_cases::cases(seed, count);
    let texts: Vec<&str> = cases.iter().map(|case| case.text.as_str()).collect();
    let errors = probe::macro_errors(
        Path::new(env!("CARGO_TARGET_TMPDIR")),
        "differential",
        &texts,
        |i| {
            format!(
                "pub static C{i}: redis_script::Script = redis_script::lua_script!(\"../lua/{i}.lua\");"
            )
        },
    );
    let judges = judges();
    let mut connections: Vec<BufReader<TcpStream>> = judges
        .iter()
        .map(|(_, server)| judges::connect(server))
        .collect();
    let mut report = Report::default();
    for (i, (case, errors)) in cases.iter().zip(&errors).enumerate() {
        let path = format!("../lua/{i}.lua");
        let verdicts: Vec<Result<(), String>> = connections
            .iter_mut()
            .map(|connection| judges::script_load(connection, &case.text).map(|_| ()))
            .collect();
        let described = || {
            let shown: String = case.text.chars().take(300).collect();
            format!(
                "case {i} ({}):\n{shown:?}\n  servers: {:?}\n  macro: {errors:?}",
                case.origin, verdicts
            )
        };
        if verdicts.iter().any(|v| v.is_ok() != verdicts[0].is_ok()) {
            report.servers_differ.push(described());
            continue;
        }
        let mut problems = redis_script_check::check(&path, &case.text, &Options::default())
            .err()
            .unwrap_or_default();
        // The expression form reads a declaration too when the file has one (`---@key`, `---@arg`
        // or `---@return`, as the macro looks for them): a malformed one fails the build although
        // Redis runs the script.
        if ["---@key", "---@arg", "---@return"]
            .iter()
            .any(|tag| case.text.contains(tag))
        {
            problems.extend(
                redis_script_check::declaration(&path, &case.text)
                    .err()
                    .unwrap_or_default(),
            );
        }
        let empty_file = case.text.trim().is_empty();
        // The macro and the library it runs must tell the same story.
        if errors.is_empty() != (problems.is_empty() && !empty_file) {
            report
                .disagreements
                .push(format!("macro and library differ on {}", described()));
            continue;
        }
        let at_load: Vec<&Problem> = problems
            .iter()
            .filter(|p| p.redis_refuses_loading())
            .collect();
        match &verdicts[0] {
            Ok(()) => {
                report.loads += 1;
                if !at_load.is_empty() {
                    report
                        .disagreements
                        .push(format!("refused, but Redis loads it: {}", described()));
                } else if empty_file {
                    *report.apart.entry("empty file".into()).or_default() += 1;
                } else {
                    for problem in &problems {
                        *report
                            .apart
                            .entry(format!("{:?}", problem.kind()))
                            .or_default() += 1;
                    }
                }
            }
            Err(redis) => {
                report.refused += 1;
                if errors.is_empty() {
                    report
                        .disagreements
                        .push(format!("builds, but Redis refuses it: {}", described()));
                } else if !at_load.iter().any(|p| same_reason(p, &path, redis)) {
                    report.disagreements.push(format!(
                        "refused by both, for different reasons: {}",
                        described()
                    ));
                }
            }
        }
    }
    let names: Vec<&str> = judges.iter().map(|(name, _)| name.as_str()).collect();
    eprintln!(
        "differential: seed {seed:#x}, {} cases judged by {}: {} load, {} refused; {} disagreements; \
         refused by the macro for run-time reasons only (apart): {:?}; servers differ on {}",
        cases.len(),
        names.join(", "),
        report.loads,
        report.refused,
        report.disagreements.len(),
        report.apart,
        report.servers_differ.len()
    );
    for differ in report.servers_differ.iter().take(10) {
        eprintln!("servers differ on {differ}");
    }
    judges::assert_no_disagreements(&report.disagreements);
    assert!(
        report.servers_differ.is_empty(),
        "the servers themselves differ"
    );
    judges::assert_mixed(report.loads, report.refused, cases.len(), "scripts");
}
