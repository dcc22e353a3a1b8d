//! The corpus of real-world scripts (`tests/corpus`: what job queues, rate limiters, locks and caches
//! on npm, PyPI and crates.io ship) against the compile-time checks: every script Redis loads must
//! pass `redis_script_check::check` (a library, `check_library`) with default options and build
//! through `lua_script!` (`lua_library!`), and every script Redis refuses must be refused for a reason
//! Redis finds at load time.
//!
//! The manifest records what Redis 7.0, Redis 8.2 and Valkey 9.1 answer to `SCRIPT LOAD` /
//! `FUNCTION LOAD`; `servers_agree_with_the_manifest` asks them again, so the verdicts the other tests
//! rely on are the servers' own.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

use redis_script_check::{Library, Options, Problem};
use redis_script_tests::{RedisServer, judges, probe};

/// Scripts the servers load that the checks refuse, by SHA-1, and why: each is a bug of the checks.
/// The tests fail when one of them passes, so that it leaves this list when it is fixed.
const KNOWN: &[(&str, &str)] = &[];

/// One script of the corpus, as `MANIFEST.tsv` describes it.
struct Entry {
    sha1: String,
    project: String,
    /// Where it is stored, under `tests/corpus`.
    file: String,
    /// `script`, `fragment` or `library`.
    role: String,
    /// Per server (`redis-7.0`, ...): `ok` or `refused: <error>`.
    verdicts: BTreeMap<String, String>,
    text: String,
}

impl Entry {
    fn library(&self) -> bool {
        self.role == "library"
    }

    /// Every server recorded loads it.
    fn loads(&self) -> bool {
        self.verdicts.values().all(|verdict| verdict == "ok")
    }

    /// Written for Upstash, whose shebang flag `allow-key-locking` Redis refuses.
    fn upstash(&self) -> bool {
        self.text.starts_with("#!lua")
            && self
                .text
                .lines()
                .next()
                .unwrap()
                .contains("allow-key-locking")
    }

    fn described(&self) -> String {
        format!("{} ({}, {})", self.sha1, self.project, self.file)
    }
}

fn corpus_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus"))
}

/// The servers `MANIFEST.tsv` has a verdict column for.
const SERVERS: [&str; 3] = ["redis-7.0", "redis-8.2", "valkey-9.1"];

fn manifest() -> Vec<Entry> {
    let text = std::fs::read_to_string(corpus_dir().join("MANIFEST.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let column = |name: &str| header.iter().position(|c| *c == name).unwrap();
    let entries: Vec<Entry> = lines
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let file = fields[column("file")].to_owned();
            Entry {
                sha1: fields[column("sha1")].to_owned(),
                project: fields[column("project")].to_owned(),
                text: std::fs::read_to_string(corpus_dir().join(&file)).unwrap(),
                file,
                role: fields[column("role")].to_owned(),
                verdicts: SERVERS
                    .iter()
                    .map(|s| (s.to_string(), fields[column(s)].replace("\\t", "\t")))
                    .collect(),
            }
        })
        .collect();
    // A corpus that lost its scripts could not find a disagreement.
    assert!(
        entries.len() >= 400,
        "the corpus has {} scripts",
        entries.len()
    );
    entries
}

/// Each file is the script the manifest names: its SHA-1, computed here as `Script::new` computes it.
#[test]
fn files_are_the_scripts_the_manifest_names() {
    for entry in manifest() {
        let script = redis_script::Script::<()>::new(entry.text.clone());
        assert_eq!(script.sha1(), entry.sha1, "{}", entry.file);
    }
}

/// `FUNCTION LOAD`, then `FUNCTION FLUSH` (function names are global across libraries): `ok` or
/// `refused: <first line of the error>`.
fn function_load(connection: &mut redis::Connection, text: &str) -> String {
    let loaded: redis::RedisResult<String> = redis::cmd("FUNCTION")
        .arg("LOAD")
        .arg(text)
        .query(connection);
    let () = redis::cmd("FUNCTION")
        .arg("FLUSH")
        .query(connection)
        .unwrap();
    match loaded {
        Ok(_) => "ok".into(),
        Err(error) => format!(
            "refused: {} {}",
            error.code().unwrap_or_default(),
            error
                .detail()
                .unwrap_or_default()
                .lines()
                .next()
                .unwrap_or_default()
        ),
    }
}

#[test]
fn servers_agree_with_the_manifest() {
    let entries = manifest();
    let mut differ = Vec::new();
    for (name, binary) in judges::binaries("redis-7.0") {
        let server = RedisServer::start_binary(&binary);
        let mut raw = judges::connect(&server);
        let mut connection = server.client().get_connection().unwrap();
        for entry in &entries {
            let verdict = if entry.library() {
                function_load(&mut connection, &entry.text)
            } else {
                match judges::script_load(&mut raw, &entry.text) {
                    Ok(sha1) => {
                        assert_eq!(sha1, entry.sha1, "{name} names {} otherwise", entry.file);
                        "ok".into()
                    }
                    Err(error) => format!("refused: {error}"),
                }
            };
            if verdict != entry.verdicts[name] {
                differ.push(format!(
                    "{name} on {}: {verdict:?}, the manifest says {:?}",
                    entry.described(),
                    entry.verdicts[name]
                ));
            }
        }
    }
    judges::assert_no_disagreements(&differ);
}

/// What the checks say of an entry: the problems of `check` or `check_library`.
fn checked(entry: &Entry, options: &Options) -> Result<Option<Library>, Vec<Problem>> {
    if entry.library() {
        redis_script_check::check_library(&entry.file, &entry.text, options).map(Some)
    } else {
        redis_script_check::check(&entry.file, &entry.text, options).map(|()| None)
    }
}

fn upstash_options() -> Options {
    let mut options = Options::default();
    options.allow_key_locking = true;
    options
}

#[test]
fn checks_accept_every_script_redis_loads() {
    let entries = manifest();
    let mut disagreements = Vec::new();
    let mut still_known = Vec::new();
    let (mut loads, mut refused) = (0, 0);
    for entry in &entries {
        let known = KNOWN.iter().find(|(sha1, _)| *sha1 == entry.sha1);
        let problems = checked(entry, &Options::default())
            .err()
            .unwrap_or_default();
        if entry.loads() {
            loads += 1;
            match (problems.is_empty(), known) {
                (true, Some((_, why))) => still_known.push(format!(
                    "{} now passes the checks ({why}): take it off KNOWN",
                    entry.described()
                )),
                (false, None) => disagreements.push(format!(
                    "{}: every server loads it, the checks refuse it:\n  {}",
                    entry.described(),
                    problems
                        .iter()
                        .map(Problem::message)
                        .collect::<Vec<_>>()
                        .join("\n  ")
                )),
                _ => {}
            }
        } else {
            refused += 1;
            // Refused by a server: the checks must refuse it for a reason found at load time.
            if !problems.iter().any(Problem::redis_refuses_loading) {
                disagreements.push(format!(
                    "{}: refused ({:?}), the checks see no reason Redis finds at load time: {:?}",
                    entry.described(),
                    entry.verdicts,
                    problems.iter().map(Problem::message).collect::<Vec<_>>()
                ));
            }
            // Upstash's scripts pass once the flag Upstash adds is allowed.
            if entry.upstash()
                && let Err(problems) = checked(entry, &upstash_options())
            {
                disagreements.push(format!(
                    "{}: refused with allow_key_locking: {:?}",
                    entry.described(),
                    problems.iter().map(Problem::message).collect::<Vec<_>>()
                ));
            }
        }
    }
    eprintln!(
        "corpus: {} scripts, {loads} load on every server, {refused} refused; {} known disagreements",
        entries.len(),
        KNOWN.len()
    );
    disagreements.extend(still_known);
    judges::assert_no_disagreements(&disagreements);
}

/// The strongest proof: one crate with a `lua_script!` (a `lua_library!` with each function it
/// registers) per script of the corpus builds, but for exactly the scripts the checks refuse.
#[test]
fn every_script_builds_through_the_macro() {
    let entries = manifest();
    let options: Vec<Options> = entries
        .iter()
        .map(|e| {
            if e.upstash() {
                upstash_options()
            } else {
                Options::default()
            }
        })
        .collect();
    let verdicts: Vec<Result<Option<Library>, Vec<Problem>>> = entries
        .iter()
        .zip(&options)
        .map(|(entry, options)| checked(entry, options))
        .collect();
    let texts: Vec<&str> = entries.iter().map(|e| e.text.as_str()).collect();
    let errors = probe::macro_errors(
        Path::new(env!("CARGO_TARGET_TMPDIR")),
        "corpus",
        &texts,
        |i| {
            let upstash = if entries[i].upstash() {
                ", allow_key_locking"
            } else {
                ""
            };
            match &verdicts[i] {
                Ok(Some(library)) => {
                    let functions: String = library
                        .functions()
                        .iter()
                        .enumerate()
                        .map(|(j, function)| {
                            let kind = if function.no_writes() {
                                "FunctionRO"
                            } else {
                                "Function"
                            };
                            format!(
                                " pub static L{i}F{j}: redis_script::{kind} = {:?};",
                                function.name()
                            )
                        })
                        .collect();
                    format!(
                        "redis_script::lua_library! {{ pub static L{i}: redis_script::Library = \"../lua/{i}.lua\";{functions} }}"
                    )
                }
                _ if entries[i].library() => format!(
                    "redis_script::lua_library! {{ pub static L{i}: redis_script::Library = \"../lua/{i}.lua\"; }}"
                ),
                _ => format!(
                    "pub static C{i}: redis_script::Script = redis_script::lua_script!(\"../lua/{i}.lua\"{upstash});"
                ),
            }
        },
    );
    let mut differ = Vec::new();
    for ((entry, verdict), errors) in entries.iter().zip(&verdicts).zip(&errors) {
        if verdict.is_ok() != errors.is_empty() {
            differ.push(format!(
                "{}: the checks say {}, the macro {:?}",
                entry.described(),
                if verdict.is_ok() { "ok" } else { "no" },
                errors
            ));
        }
    }
    let built = errors.iter().filter(|e| e.is_empty()).count();
    eprintln!(
        "corpus: {built} of {} scripts build through the macro",
        entries.len()
    );
    judges::assert_no_disagreements(&differ);
    assert_eq!(
        built,
        entries.len() - KNOWN.len(),
        "every script but the known disagreements builds"
    );
}
