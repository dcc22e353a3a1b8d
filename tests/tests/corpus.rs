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

/// One row of `ARITY.tsv` for each script the servers load (libraries aside): what
/// `redis_script_check::arity` finds.
fn arity_row(entry: &Entry) -> String {
    let arity = redis_script_check::arity(&entry.text);
    let flag = |variadic: bool| if variadic { "yes" } else { "no" };
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        entry.sha1,
        entry.file,
        arity.keys(),
        arity.args(),
        arity.highest_key(),
        arity.highest_arg(),
        flag(arity.keys_variadic()),
        flag(arity.args_variadic()),
    )
}

const ARITY_HEADER: &str =
    "sha1\tfile\tkeys\targs\thighest_key\thighest_arg\tkeys_variadic\targs_variadic";

/// `tests/corpus/ARITY.tsv` lists the arity each script gets (the fewest keys and arguments a call
/// must pass, the highest index read, variadic reads), so that a change of the rule shows in the
/// diff. `ARITY_TSV=overwrite` rewrites it.
#[test]
fn corpus_arity_is_listed() {
    let rows: Vec<String> = manifest()
        .iter()
        .filter(|e| !e.library())
        .map(arity_row)
        .collect();
    let text = format!("{ARITY_HEADER}\n{}\n", rows.join("\n"));
    let path = corpus_dir().join("ARITY.tsv");
    if std::env::var("ARITY_TSV").as_deref() == Ok("overwrite") {
        std::fs::write(&path, &text).unwrap();
    }
    let listed = std::fs::read_to_string(&path).unwrap_or_default();
    if listed != text {
        let differ: Vec<String> = text
            .lines()
            .filter(|line| !listed.lines().any(|l| l == *line))
            .map(str::to_owned)
            .collect();
        panic!(
            "tests/corpus/ARITY.tsv is not what the checks find (run with ARITY_TSV=overwrite and \
             read the diff); rows that differ:\n{}",
            differ.join("\n")
        );
    }
    // BullMQ and Bull name each script after the number of keys their callers pass
    // (`moveToFinished-14.lua`): no script may need more.
    for row in &rows {
        let fields: Vec<&str> = row.split('\t').collect();
        let passed = fields[1]
            .strip_suffix(".lua")
            .and_then(|stem| stem.rsplit_once('-'))
            .and_then(|(_, n)| n.parse::<usize>().ok());
        if let Some(passed) = passed {
            let needed: usize = fields[2].parse().unwrap();
            assert!(needed <= passed, "{row}: its callers pass {passed} keys");
        }
    }
    let needs = rows
        .iter()
        .filter(|row| {
            let fields: Vec<&str> = row.split('\t').collect();
            fields[2] != "0" || fields[3] != "0"
        })
        .count();
    eprintln!(
        "corpus: {} scripts, {needs} need at least one key or argument",
        rows.len()
    );
}

/// How one run of a script ended.
#[derive(Debug, PartialEq, Eq)]
enum Ran {
    Ok,
    /// The script failed; the server's message.
    Failed(String),
}

fn run_script(connection: &mut redis::Connection, text: &str, keys: usize, args: usize) -> Ran {
    let () = redis::cmd("FLUSHALL").query(connection).unwrap();
    let mut eval = redis::cmd("EVAL");
    eval.arg(text).arg(keys);
    for i in 1..=keys {
        eval.arg(format!("{{corpus}}:k{i}"));
    }
    for _ in 0..args {
        eval.arg("1");
    }
    match eval.query::<redis::Value>(connection) {
        Ok(_) => Ran::Ok,
        Err(error) => Ran::Failed(error.to_string()),
    }
}

/// Each script Redis loads that needs keys or arguments is run with enough of them (the highest
/// index it reads, each argument `1`), then with one key fewer than it needs, then one argument
/// fewer: a run with fewer that succeeds is a call the check would refuse although it works (a
/// false positive). Scripts that fail even with enough are not judged (their arguments must be
/// JSON, a number the script checks, ...). Scripts are run on one server, flushed between runs.
#[test]
fn corpus_arity_refuses_no_call_that_runs() {
    let server = RedisServer::start();
    let mut connection = server.client().get_connection().unwrap();
    connection
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let (mut judged, mut unjudged, mut refused_runs) = (0, 0, 0);
    let (mut at_minimum_ok, mut at_minimum_failed) = (0, 0);
    let mut false_positives = Vec::new();
    for entry in manifest() {
        if entry.library() || !entry.loads() {
            continue;
        }
        let arity = redis_script_check::arity(&entry.text);
        if arity.keys() == 0 && arity.args() == 0 {
            continue;
        }
        let keys = arity.keys().max(arity.highest_key());
        let args = arity.args().max(arity.highest_arg());
        if run_script(&mut connection, &entry.text, keys, args) != Ran::Ok {
            unjudged += 1;
            continue;
        }
        judged += 1;
        // Exactly the minimum: a failure here is a read the rule does not count (not a refusal).
        match run_script(&mut connection, &entry.text, arity.keys(), arity.args()) {
            Ran::Ok => at_minimum_ok += 1,
            Ran::Failed(_) => at_minimum_failed += 1,
        }
        let fewer = [
            (arity.keys() > 0).then(|| (arity.keys() - 1, args)),
            (arity.args() > 0).then(|| (keys, arity.args() - 1)),
        ];
        for (k, a) in fewer.into_iter().flatten() {
            match run_script(&mut connection, &entry.text, k, a) {
                Ran::Ok => false_positives.push(format!(
                    "{}: needs {} keys and {} args, yet runs with {k} keys and {a} args",
                    entry.described(),
                    arity.keys(),
                    arity.args()
                )),
                Ran::Failed(_) => refused_runs += 1,
            }
        }
    }
    eprintln!(
        "corpus arity: {judged} scripts run with enough keys and arguments and judged, {unjudged} \
         fail with placeholder values and are not judged; {refused_runs} runs with one fewer \
         failed as the check predicts, {} ran (false positives); with exactly the minimum, \
         {at_minimum_ok} ran and {at_minimum_failed} failed",
        false_positives.len()
    );
    judges::assert_no_disagreements(&false_positives);
}

/// The script `text` with `---@key` / `---@arg` lines for what it reads (one `string` per literal
/// index, and a variadic tail for a table it reads variadically) after its shebang, if any.
fn with_declared_tail(text: &str, arity: &redis_script_check::Arity) -> String {
    let mut header = String::new();
    for i in 1..=arity.highest_key() {
        header.push_str(&format!("---@key k{i} string\n"));
    }
    if arity.keys_variadic() {
        header.push_str("---@key more_keys... string\n");
    }
    for i in 1..=arity.highest_arg() {
        header.push_str(&format!("---@arg a{i} string\n"));
    }
    if arity.args_variadic() {
        header.push_str("---@arg more_args... string\n");
    }
    let end = match text.starts_with("#!") {
        true => text.find('\n').map_or(text.len(), |end| end + 1),
        false => 0,
    };
    format!("{}{header}{}", &text[..end], &text[end..])
}

/// Every script of the corpus that reads `KEYS` or `ARGV` variadically (`#KEYS`, `ipairs`,
/// `unpack`, a computed index), none of which a declaration could describe before, declares its
/// literal indexes and then a variadic tail without a problem, and checks as before.
#[test]
fn variadic_scripts_declare_a_variadic_tail() {
    let mut declared = 0;
    for entry in manifest() {
        if entry.library() || entry.role == "fragment" || !entry.loads() {
            continue;
        }
        let arity = redis_script_check::arity(&entry.text);
        if !arity.keys_variadic() && !arity.args_variadic() {
            continue;
        }
        let text = with_declared_tail(&entry.text, &arity);
        match redis_script_check::declaration(&entry.file, &text) {
            Ok(redis_script_check::Declared::Found(declaration)) => {
                let tail = |params: &[redis_script_check::Param]| {
                    params.last().map(redis_script_check::Param::presence)
                };
                assert!(
                    [tail(declaration.keys()), tail(declaration.args())]
                        .contains(&Some(redis_script_check::Presence::Variadic)),
                    "{}",
                    entry.described()
                );
            }
            other => panic!("{}: {other:?}", entry.described()),
        }
        let options = if entry.upstash() {
            upstash_options()
        } else {
            Options::default()
        };
        assert!(
            redis_script_check::check(&entry.file, &text, &options).is_ok(),
            "{}",
            entry.described()
        );
        declared += 1;
    }
    // The corpus has dozens of them (BullMQ's counters, locks over many keys, batch pushes).
    assert!(declared >= 40, "{declared} variadic scripts");
}
