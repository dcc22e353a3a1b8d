//! What Redis would refuse at run time, decided from the commands and replies found in the script and
//! the command table of the covered servers.
//!
//! Which servers a command must run on: by default **any** covered server (Redis 7.0 to 8.2, Valkey),
//! so that a command newer than some of them (HEXPIRE, WAITAOF) builds; with `servers = [...]`, every
//! one listed. An error says which covered servers would run the command, and since which version.

use crate::arity::{Table, ZeroRead};
use crate::calls::{self, Found, Place};
use crate::commands::{self, CONTAINER, Command, KNOWN, LUA_GLOBALS, NOSCRIPT, SERVERS, WRITE};
use crate::origins::{KeyUse, Origin, Origins};
use crate::shebang::Shebang;
use crate::slots;
use crate::{Kind, Options, Problem};

/// The script's declared behaviour, the servers it must run on and the commands the user allowed.
#[derive(Debug)]
pub(crate) struct Policy<'o> {
    written: &'o str,
    /// The macro the messages show how to call: `lua_script!` or `lua_library!`.
    pub(crate) macro_name: &'static str,
    /// Why writes are refused, if they are, and the way out.
    no_writes: Option<(String, &'static str)>,
    /// Lowercase names allowed with `commands = [...]` (treated as writes).
    extra_writes: Vec<String>,
    /// Lowercase names allowed with `readonly_commands = [...]`.
    extra_reads: Vec<String>,
    /// Indices into [`SERVERS`] every command must run on; empty: any one of them.
    targets: Vec<usize>,
}

/// `redis-7.0`, `redis-8.2`, `valkey-9.1`: how `servers = [...]` names a covered server.
pub(crate) fn server_name(server: &str) -> String {
    let (engine, version) = server.split_once(' ').unwrap_or((server, ""));
    let minor: Vec<&str> = version.split('.').take(2).collect();
    format!("{}-{}", engine.to_ascii_lowercase(), minor.join("."))
}

impl<'o> Policy<'o> {
    /// The policy of `options`; a server name it does not cover is a problem.
    pub(crate) fn new(
        written: &'o str,
        options: &'o Options,
        shebang: Option<&Shebang>,
    ) -> Result<Self, Problem> {
        let lower = |list: &[String]| {
            list.iter()
                .map(|name| name.to_ascii_lowercase().replace(' ', "|"))
                .collect()
        };
        let no_writes = if options.readonly {
            Some((
                "this script is readonly (EVAL_RO)".to_owned(),
                "or drop `readonly`",
            ))
        } else if shebang.is_some_and(Shebang::no_writes) {
            Some((
                "the shebang declares no-writes".to_owned(),
                "or drop no-writes from the shebang",
            ))
        } else {
            None
        };
        let mut targets = Vec::new();
        for wanted in &options.servers {
            match SERVERS.iter().position(|s| server_name(s) == *wanted) {
                Some(i) => targets.push(i),
                None => {
                    let known: Vec<String> = SERVERS.iter().map(|s| server_name(s)).collect();
                    return Err(Problem::new(
                        Kind::Options,
                        None,
                        format!(
                            "servers = [..] names {wanted:?}, which the command table does not cover; \
                             it covers {}",
                            known.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(Policy {
            written,
            macro_name: "lua_script!",
            no_writes,
            extra_writes: lower(&options.commands),
            extra_reads: lower(&options.readonly_commands),
            targets,
        })
    }

    /// The same policy for a library function flagged `no-writes`: its writes are refused.
    pub(crate) fn no_writes(&self, function: &str) -> Self {
        Policy {
            written: self.written,
            macro_name: self.macro_name,
            no_writes: Some((
                format!("function {function:?} is flagged no-writes"),
                "or drop no-writes from its flags",
            )),
            extra_writes: self.extra_writes.clone(),
            extra_reads: self.extra_reads.clone(),
            targets: self.targets.clone(),
        }
    }

    /// Flags of a user-listed command, which win over the table.
    fn listed(&self, name: &str) -> Option<u8> {
        if self.extra_writes.iter().any(|n| n == name) {
            Some(KNOWN | WRITE)
        } else if self.extra_reads.iter().any(|n| n == name) {
            Some(KNOWN)
        } else {
            None
        }
    }
}

/// What the servers a command must run on make of it.
enum Verdict {
    /// It runs there; `true` when it writes (on any of them).
    Runs(bool),
    /// Some server it must run on does not know it, or all refuse it; the message says which.
    Refused(Problem),
}

/// One problem per finding, in source order.
pub(crate) fn check(policy: &Policy<'_>, found: &Found) -> Vec<Problem> {
    let mut problems = Vec::new();
    for call in &found.commands {
        let name = call.name.to_ascii_lowercase();
        let sub = call.sub.as_deref().map(str::to_ascii_lowercase);
        let full = sub.as_ref().map(|sub| format!("{name}|{sub}"));
        let at = (call.line, call.column);
        let mut shown = call.name.to_ascii_uppercase();
        let mut command = None;
        let verdict = if let Some(flags) = policy
            .listed(&name)
            .or_else(|| full.as_deref().and_then(|f| policy.listed(f)))
        {
            Verdict::Runs(flags & WRITE != 0)
        } else {
            match commands::lookup(&name) {
                None => Verdict::Refused(unknown(policy, at, &shown, &name)),
                Some(row) if row.flags.iter().any(|f| f & CONTAINER != 0) => {
                    match (full.as_deref(), call.sub.as_deref()) {
                        (Some(full), Some(sub)) => {
                            shown = format!("{} {}", call.name, sub).to_ascii_uppercase();
                            match commands::lookup(full) {
                                Some(row) => {
                                    command = Some(row);
                                    verdict(policy, at, &shown, row)
                                }
                                None => Verdict::Refused(unknown(policy, at, &shown, full)),
                            }
                        }
                        // `redis.call('XGROUP')` alone: the container's own arity refuses it.
                        _ if call.argc == Some(1) => {
                            command = Some(row);
                            verdict(policy, at, &shown, row)
                        }
                        _ => continue,
                    }
                }
                Some(row) => {
                    command = Some(row);
                    verdict(policy, at, &shown, row)
                }
            }
        };
        match verdict {
            Verdict::Refused(problem) => problems.push(problem),
            Verdict::Runs(writes) => {
                if let (Some(command), Some(argc)) = (command, call.argc)
                    && let Some(problem) = arity(policy, at, &shown, command, argc)
                {
                    problems.push(problem);
                }
                if writes && let Some((why, way_out)) = &policy.no_writes {
                    problems.push(Problem::at(
                        Kind::ReadOnly,
                        at.0,
                        at.1,
                        format!(
                            "{shown} writes, but {why}; Redis would fail with \"Write commands are \
                             not allowed from read-only scripts\". Remove the write, {way_out}"
                        ),
                    ));
                }
            }
        }
    }
    for reply in found
        .error_replies
        .iter()
        .filter(|r| calls::is_noscript(&r.text))
    {
        problems.push(Problem::new(
            Kind::NoscriptReply,
            Some(reply.line),
            format!(
                "the script can return an error whose code is NOSCRIPT ({}); `exec` would take it \
                 for \"script not cached\" and run the script a second time with EVAL. Use another \
                 error code",
                reply.construct("NOSCRIPT ...")
            ),
        ));
    }
    for global in &found.globals {
        if let Some(problem) = lua_global(policy, global) {
            problems.push(problem);
        }
    }
    problems.sort_by_key(|problem| (problem.line().unwrap_or(0), problem.column().unwrap_or(0)));
    problems
}

/// The servers a command must run on: those `servers = [..]` names, or else every covered one.
fn wanted(policy: &Policy<'_>) -> Vec<usize> {
    if policy.targets.is_empty() {
        (0..SERVERS.len()).collect()
    } else {
        policy.targets.clone()
    }
}

/// A call with an argument count the servers refuse (Redis: "Wrong number of args calling Redis
/// command from script"): by default when no covered server that runs the command takes it, with
/// `servers = [..]` when any of those refuses it.
fn arity(
    policy: &Policy<'_>,
    (line, column): Place,
    shown: &str,
    command: &Command,
    argc: usize,
) -> Option<Problem> {
    let runs = |i: usize| command.flags[i] & KNOWN != 0 && command.flags[i] & NOSCRIPT == 0;
    let running: Vec<usize> = wanted(policy).into_iter().filter(|&i| runs(i)).collect();
    let refusing: Vec<usize> = running
        .iter()
        .copied()
        .filter(|&i| !command.takes(i, argc))
        .collect();
    let refused = if policy.targets.is_empty() {
        !running.is_empty() && refusing.len() == running.len()
    } else {
        !refusing.is_empty()
    };
    if !refused {
        return None;
    }
    // What the refusing servers want, alike on all of them but for a newer form.
    // A subcommand's arity counts its container's name too.
    let names = if command.name.contains('|') { 2 } else { 1 };
    let wants = |arity: i16| {
        let n = arity.unsigned_abs().saturating_sub(names);
        let plural = if n == 1 { "" } else { "s" };
        if arity > 0 {
            format!("exactly {n} argument{plural}")
        } else {
            format!("at least {n} argument{plural}")
        }
    };
    let mut asked: Vec<String> = refusing.iter().map(|&i| wants(command.arity[i])).collect();
    asked.dedup();
    let given = argc.saturating_sub(usize::from(names));
    let servers: Vec<&str> = refusing.iter().map(|&i| SERVERS[i]).collect();
    let syntax = if command.syntax.is_empty() {
        String::new()
    } else {
        format!(" Syntax: {}", command.syntax)
    };
    // Redis checks the arity it knows; a module's command is checked by the module itself.
    let refusal = match command.module {
        Some(module) => format!(
            "{} (with {module}) would fail with the module's \"ERR wrong number of arguments for \
             '{}' command\"",
            servers.join(", "),
            shown.to_ascii_lowercase(),
        ),
        None => format!(
            "{} would fail with \"Wrong number of args calling Redis command from script\"",
            servers.join(", "),
        ),
    };
    Some(Problem::at(
        Kind::Arity,
        line,
        column,
        format!(
            "{shown} takes {} after its name, this call passes {given}; {refusal}.{syntax}",
            asked.join(" or "),
        ),
    ))
}

/// Whether a command in the table runs on the servers the policy wants.
fn verdict(policy: &Policy<'_>, (line, column): Place, shown: &str, row: &Command) -> Verdict {
    let known = |i: usize| row.flags[i] & KNOWN != 0;
    let runs = |i: usize| known(i) && row.flags[i] & NOSCRIPT == 0;
    let all = 0..SERVERS.len();
    let wanted = wanted(policy);
    let running: Vec<usize> = wanted.iter().copied().filter(|&i| runs(i)).collect();
    let accepted = if policy.targets.is_empty() {
        !running.is_empty()
    } else {
        running.len() == wanted.len()
    };
    if accepted {
        let writes = running.iter().any(|&i| row.flags[i] & WRITE != 0);
        return Verdict::Runs(writes);
    }
    // "Redis 7.0.15 refuses", "Redis 7.0.15, Valkey 9.1.2 refuse".
    let subject = |servers: Vec<&str>, one: &str, many: &str| match servers.len() {
        0 => None,
        1 => Some(format!("{} {one}", servers[0])),
        _ => Some(format!("{} {many}", servers.join(", "))),
    };
    let pick = |keep: &dyn Fn(usize) -> bool| {
        wanted
            .iter()
            .copied()
            .filter(|&i| keep(i))
            .map(|i| SERVERS[i])
            .collect()
    };
    let unaware = subject(pick(&|i| !known(i)), "does not know", "do not know");
    let refusing = subject(pick(&|i| known(i) && !runs(i)), "refuses", "refuse");
    let mut why = Vec::new();
    if let Some(unaware) = unaware {
        why.push(format!("{unaware} {shown}"));
    }
    if let Some(refusing) = refusing {
        why.push(format!(
            "{refusing} {shown} inside scripts (\"This Redis command is not allowed from script\")"
        ));
    }
    let why = why.join("; ");
    // Where it would run: the version that added it, when some covered server lacks it.
    let everywhere = all.clone().all(known);
    let elsewhere: Vec<String> = all
        .filter(|&i| runs(i))
        .map(|i| {
            if everywhere {
                SERVERS[i].to_owned()
            } else {
                since(row, i)
            }
        })
        .collect();
    let message = if elsewhere.is_empty() {
        format!("{why}; send it from the client instead")
    } else {
        format!(
            "{why}, and servers = [..] asks for it; it runs in scripts on {}. Drop that server from \
             servers = [..], or avoid {shown}",
            elsewhere.join(", ")
        )
    };
    Verdict::Refused(Problem::at(Kind::Command, line, column, message))
}

/// `Redis 7.4.0+ (checked on Redis 8.2.3)`: when a server got the command; for a module's command,
/// the module Redis bundles.
fn since(row: &Command, i: usize) -> String {
    if let Some(module) = row.module {
        return format!("{} (bundled module {module})", SERVERS[i]);
    }
    let engine = SERVERS[i].split(' ').next().unwrap_or_default();
    match row.since[i] {
        "" => SERVERS[i].to_owned(),
        version => format!("{engine} {version}+ (checked on {})", SERVERS[i]),
    }
}

/// A command no covered server knows: the known names nearest to it first, then how to allow it.
fn unknown(policy: &Policy<'_>, (line, column): Place, shown: &str, name: &str) -> Problem {
    let listed_as = name.to_ascii_uppercase();
    let nearest = nearest(name);
    let suggestion = match nearest.as_slice() {
        [] => String::new(),
        [one] => format!("did you mean {one}? "),
        [first @ .., last] => format!("did you mean {} or {last}? ", first.join(", ")),
    };
    Problem::at(
        Kind::Command,
        line,
        column,
        format!(
            "unknown command {shown}: {suggestion}none of the servers the command table covers ({}) \
             knows it. If it is a module command or a newer one, allow it in the {} call: commands \
             = [\"{listed_as}\"], or readonly_commands = [\"{listed_as}\"] if it never writes",
            SERVERS.join(", "),
            policy.macro_name,
        ),
    )
}

/// Up to three known command names closest to `name` (lowercase, `container|sub`): at most two edits
/// away, fewer for short names, nearest first.
fn nearest(name: &str) -> Vec<String> {
    let most = if name.len() <= 3 { 1 } else { 2 };
    let (container, sub) = match name.split_once('|') {
        Some((container, sub)) => (Some(container), sub),
        None => (None, name),
    };
    let mut near: Vec<(usize, &str)> = commands::all()
        .iter()
        .filter_map(|command| {
            let candidate = match (container, command.name.split_once('|')) {
                (Some(container), Some((c, s))) if c == container => s,
                (None, None) => command.name,
                _ => return None,
            };
            let distance = strsim::damerau_levenshtein(sub, candidate);
            (distance <= most && candidate != sub).then_some((distance, command.name))
        })
        .collect();
    near.sort();
    near.into_iter()
        .take(3)
        .map(|(_, name)| name.replace('|', " ").to_ascii_uppercase())
        .collect()
}

/// A use of a Lua global that the servers' Lua no longer has (`getfenv`, `setfenv`, `newproxy`:
/// removed by security releases, Redis 8.2.2 among them).
fn lua_global(policy: &Policy<'_>, global: &calls::GlobalUse) -> Option<Problem> {
    let (_, present) = LUA_GLOBALS.iter().find(|(name, _)| *name == global.name)?;
    let wanted = wanted(policy);
    let lacking: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|&i| !present[i])
        .map(|i| SERVERS[i])
        .collect();
    let refused = if policy.targets.is_empty() {
        lacking.len() == wanted.len()
    } else {
        !lacking.is_empty()
    };
    refused.then(|| {
        let name = &global.name;
        Problem::at(
            Kind::Command,
            global.line,
            global.column,
            format!(
                "{} {} no Lua global {name} (removed by security releases such as Redis 8.2.2); \
                 Redis would fail with \"Script attempted to access nonexistent global variable \
                 '{name}'\". Scripts can not change environments or make proxies there: remove it",
                lacking.join(", "),
                if lacking.len() == 1 { "has" } else { "have" },
            ),
        )
    })
}

/// `KEYS[0]` and `ARGV[0]` (or a function's `keys[0]` and `args[0]`, by the names in `tables`):
/// always nil, since Lua counts from 1.
pub(crate) fn zero_reads(reads: &[ZeroRead], tables: [&str; 2]) -> Vec<Problem> {
    reads
        .iter()
        .map(|read| {
            let (table, what) = match read.table {
                Table::Keys => (tables[0], "key"),
                Table::Argv => (tables[1], "argument"),
            };
            Problem::at(
                Kind::ZeroIndex,
                read.place.0,
                read.place.1,
                format!(
                    "{table}[0] is always nil: Lua counts from 1, and Redis passes the first {what} as \
                     {table}[1]; write {table}[1] (and {table}[n] for the n-th {what})"
                ),
            )
        })
        .collect()
}

/// With `keys_from_keys`: every key argument whose value is known not to come from `KEYS`.
///
/// A literal key's message also says what can be known of its slot. Two literal keys in different
/// slots can never be used by one run of the script on Redis Cluster, whatever the client passes in
/// `KEYS` (unless the shebang says `allow-cross-slot-keys` and the node happens to hold both slots);
/// a literal beside keys of `KEYS` shares their slot only if the client's keys hash like it, which
/// the checks can not know, so they say how (a hash tag) rather than guess.
pub(crate) fn key_origins(origins: &Origins, cross_slot: bool) -> Vec<Problem> {
    let literals: Vec<(&KeyUse, &str, u16)> = origins
        .key_uses
        .iter()
        .filter(|key| key.origin == Origin::Literal)
        .filter_map(|key| {
            let value = key.value.as_deref()?;
            Some((key, value, slots::key_slot(value.as_bytes())))
        })
        .collect();
    let from_keys = origins
        .key_uses
        .iter()
        .any(|key| matches!(key.origin, Origin::Key(_) | Origin::FromKey(_)));
    origins
        .key_uses
        .iter()
        .filter_map(|key| {
            let what = match &key.origin {
                Origin::Key(_) | Origin::Unknown | Origin::RedisCall(_) => return None,
                Origin::FromKey(n) => format!(
                    "is built from {} but is not a key of KEYS itself: it lands in another slot \
                     unless that key holds a hash tag {{...}} that the built one keeps",
                    n.map_or("KEYS".to_owned(), |n| format!("KEYS[{n}]"))
                ),
                Origin::Arg(n) | Origin::ArgNumber(n) => format!(
                    "comes from {}",
                    n.map_or("ARGV".to_owned(), |n| format!("ARGV[{n}]"))
                ),
                Origin::FromArgs => "is built from ARGV".to_owned(),
                Origin::Literal => literal_slot(key, &literals, from_keys, cross_slot),
                Origin::Reply => "is a value read from Redis".to_owned(),
            };
            Some(Problem::at(
                Kind::KeyOrigin,
                key.line,
                key.column,
                format!(
                    "the key `{}` ({} argument of {}) {what}. Redis runs it on one server, but \
                     Redis Cluster routes a script by the keys in KEYS (this one may be in another \
                     slot: CROSSSLOT, or served by another node), ACL key patterns check only KEYS, \
                     and proxies that route by KEYS miss it. Pass every key in KEYS (build it in \
                     the client), or drop keys_from_keys",
                    key.text,
                    ordinal(key.position),
                    key.command,
                ),
            ))
        })
        .collect()
}

/// "is a literal", and what its slot means beside the script's other keys.
fn literal_slot(
    key: &KeyUse,
    literals: &[(&KeyUse, &str, u16)],
    from_keys: bool,
    cross_slot: bool,
) -> String {
    let Some(&(_, value, slot)) = literals.iter().find(|(k, ..)| std::ptr::eq(*k, key)) else {
        return "is a literal".to_owned();
    };
    let tag = slots::hash_tag(value.as_bytes()).map(String::from_utf8_lossy);
    let mut what = match &tag {
        Some(tag) => format!("is a literal in slot {slot} (hash tag {{{tag}}})"),
        None => format!("is a literal in slot {slot}"),
    };
    if let Some((other, _, other_slot)) = literals.iter().find(|(.., s)| *s != slot) {
        what += &format!(
            ", and `{}` on line {} is in slot {other_slot}: ",
            other.text, other.line
        );
        what += if cross_slot {
            "with allow-cross-slot-keys a run that uses both works on Redis Cluster only while \
             one node holds both slots"
        } else {
            "a run that uses both fails on Redis Cluster (\"Script attempted to access keys that \
             do not hash to the same slot\") whatever KEYS holds"
        };
    } else if from_keys {
        // The tag the client's keys would need: this key's own, or the whole key when it has
        // no braces (`{fixed}:x` hashes as `fixed` does).
        let needed = tag
            .map(|t| t.into_owned())
            .or_else(|| (!value.contains(['{', '}'])).then(|| value.to_owned()));
        what += &match needed {
            Some(needed) => format!(
                "; it shares a slot with the keys of KEYS only if each holds the hash tag \
                 {{{needed}}}"
            ),
            None => {
                "; it shares a slot with the keys of KEYS only if they hash to it too".to_owned()
            }
        };
    }
    what
}

/// `1st`, `2nd`, `3rd`, `4th`.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{calls, shebang, syntax};

    fn errors(options: &Options, lua: &str) -> Vec<String> {
        let shebang = shebang::parse(lua, false).unwrap();
        let body = shebang::lua_body(lua, shebang.as_ref());
        let found = calls::collect(&syntax::tree(body).unwrap());
        let policy = Policy::new("a.lua", options, shebang.as_ref()).unwrap();
        check(&policy, &found)
            .into_iter()
            .map(|p| p.located("a.lua").message().to_owned())
            .collect()
    }

    fn readonly() -> Options {
        Options {
            readonly: true,
            ..Options::default()
        }
    }

    #[test]
    fn check_readonly_rejects_literal_writes_only() {
        let lua = "local v = redis.call('GET', KEYS[1])\nredis.call('set', KEYS[1], v)\nredis.call(ARGV[1], KEYS[1])\nreturn redis.pcall('XGROUP', 'CREATE', 's', 'g', '$')";
        let found = errors(&readonly(), lua);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("a.lua:2:1: SET writes, but this script is readonly"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("a.lua:4:8: XGROUP CREATE writes"),
            "{found:?}"
        );
        assert!(errors(&Options::default(), lua).is_empty());
    }

    #[test]
    fn check_no_writes_shebang_rejects_writes() {
        let found = errors(
            &Options::default(),
            "#!lua flags=no-writes\nreturn redis.call('DEL', 'x')",
        );
        assert!(
            found[0].starts_with("a.lua:2:8: DEL writes, but the shebang declares no-writes"),
            "{found:?}"
        );
    }

    #[test]
    fn check_unknown_and_listed_commands() {
        let lua = "redis.call('MYMOD.SEARCH', 'idx', '*')\nreturn redis.call('MYMOD.GET', KEYS[1])";
        let found = errors(&Options::default(), lua);
        assert_eq!(found.len(), 2);
        assert!(
            found[0].starts_with("a.lua:1:1: unknown command MYMOD.SEARCH: none of the servers the command table covers (Redis 7.0.15, Redis 8.2.3, Valkey 9.1.2) knows it"),
            "{found:?}"
        );
        assert!(
            found[0].contains("commands = [\"MYMOD.SEARCH\"]"),
            "{found:?}"
        );
        let listed = Options {
            readonly: true,
            commands: vec!["mymod.search".into()],
            readonly_commands: vec!["MYMOD.GET".into()],
            ..Options::default()
        };
        let found = errors(&listed, lua);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("a.lua:1:1: MYMOD.SEARCH writes"),
            "{found:?}"
        );
        let unknown_sub = errors(&Options::default(), "return redis.call('XGROUP', 'NOPE')");
        assert!(
            unknown_sub[0].contains("XGROUP NOPE") && unknown_sub[0].contains("XGROUP|NOPE"),
            "{unknown_sub:?}"
        );
    }

    #[test]
    fn commands_of_newer_servers_build_unless_the_servers_asked_for_lack_them() {
        let lua = "redis.call('HEXPIRE', KEYS[1], 60, 'FIELDS', 1, 'f')\nreturn redis.call('WAITAOF', 0, 0, 0)";
        assert!(errors(&Options::default(), lua).is_empty());
        let on_seven = Options {
            servers: vec!["redis-7.0".into()],
            ..Options::default()
        };
        let found = errors(&on_seven, lua);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("a.lua:1:1: Redis 7.0.15 does not know HEXPIRE, and servers = [..] asks for it; it runs in scripts on Redis 7.4.0+ (checked on Redis 8.2.3), Valkey 9.0.0+ (checked on Valkey 9.1.2)"),
            "{found:?}"
        );
        let on_eight = Options {
            servers: vec!["redis-8.2".into(), "valkey-9.1".into()],
            ..Options::default()
        };
        assert!(errors(&on_eight, lua).is_empty());
        // Blocking pops: refused in scripts by 7.0, run (without blocking) by 8.2.
        let blpop = "return redis.call('BLPOP', 'q', 0)";
        assert!(errors(&Options::default(), blpop).is_empty());
        let refused = errors(&on_seven, blpop);
        assert!(
            refused[0].starts_with("a.lua:1:8: Redis 7.0.15 refuses BLPOP inside scripts (\"This Redis command is not allowed from script\"), and servers = [..] asks for it; it runs in scripts on Redis 8.2.3, Valkey 9.1.2"),
            "{refused:?}"
        );
        let bad = Options {
            servers: vec!["redis-6.2".into()],
            ..Options::default()
        };
        let err = Policy::new("a.lua", &bad, None).unwrap_err();
        assert!(
            err.message()
                .contains("it covers redis-7.0, redis-8.2, valkey-9.1"),
            "{err}"
        );
    }

    #[test]
    fn check_noscript_commands_and_replies() {
        let lua = "redis.call('MULTI')\nreturn {err = 'NOSCRIPT fake'}";
        let found = errors(&Options::default(), lua);
        assert!(
            found[0].starts_with(
                "a.lua:1:1: Redis 7.0.15, Redis 8.2.3, Valkey 9.1.2 refuse MULTI inside scripts (\"This Redis command is not allowed from script\"); send it from the client instead"
            ),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("a.lua:2: the script can return an error whose code is NOSCRIPT"),
            "{found:?}"
        );
    }

    #[test]
    fn arity_is_refused_when_no_server_takes_the_count() {
        let lua = "redis.call('SET', KEYS[1])\nredis.call('GET')\nredis.call('HSET', KEYS[1], 'f')\nredis.pcall('XGROUP', 'CREATE', 's')\nreturn redis.call('XGROUP')";
        let found = errors(&Options::default(), lua);
        assert_eq!(found.len(), 5, "{found:?}");
        assert!(
            found[0].starts_with("a.lua:1:1: SET takes at least 2 arguments after its name, this call passes 1; Redis 7.0.15, Redis 8.2.3, Valkey 9.1.2 would fail with \"Wrong number of args calling Redis command from script\". Syntax: SET key value [NX | XX]"),
            "{found:?}"
        );
        assert!(
            found[1].contains("GET takes exactly 1 argument after its name, this call passes 0"),
            "{found:?}"
        );
        assert!(
            found[2].contains("HSET takes at least 3 arguments"),
            "{found:?}"
        );
        assert!(
            found[3].contains(
                "XGROUP CREATE takes at least 3 arguments after its name, this call passes 1"
            ),
            "{found:?}"
        );
        assert!(
            found[4].contains("XGROUP takes at least 1 argument"),
            "{found:?}"
        );
        // Computed and expanded arguments are left alone; so are counts some server takes.
        let fine = "redis.call('DEL', unpack(KEYS))\nredis.call('SET', KEYS[1], ...)\nredis.call('MSET', f())\nredis.call('SET', KEYS[1], (f()))\nreturn redis.call('GET', KEYS[1])";
        assert!(errors(&Options::default(), fine).is_empty());
        // A module's command: the count its handler refuses first, with the module's message; none
        // when the handler checks arguments one by one (JSON.SET).
        assert!(errors(&Options::default(), "return redis.call('JSON.SET')").is_empty());
        let found = errors(
            &Options::default(),
            "redis.call('TS.ADD', KEYS[1], '*')\nredis.call('FT.CURSOR', 'READ', 'idx')\nreturn redis.call('FT.CURSOR', 'GC', 'idx', 0)",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            found[0],
            "a.lua:1:1: TS.ADD takes at least 3 arguments after its name, this call passes 2; Redis 8.2.3 (with RedisTimeSeries v8.2.3) would fail with the module's \"ERR wrong number of arguments for 'ts.add' command\". Syntax: TS.ADD key timestamp value [RETENTION retentionPeriod] [ENCODING UNCOMPRESSED | COMPRESSED] [CHUNK_SIZE size] [ON_DUPLICATE BLOCK | FIRST | LAST | MIN | MAX | SUM] [LABELS label value [label value ...]]"
        );
        assert!(
            found[1].starts_with(
                "a.lua:2:1: FT.CURSOR takes at least 3 arguments after its name, this call passes 2"
            ),
            "{found:?}"
        );
    }

    /// A NUL byte in a comment or a string compiles; the tree reads it as Lua's lexer does, so the
    /// checks still run (the tree's tokenizer once refused it, and every check was skipped).
    #[test]
    fn a_script_with_a_nul_byte_is_still_checked() {
        let found = errors(
            &Options::default(),
            "-- a stray \0 in a comment\nlocal s = 'a\0b' .\0 'c'\nreturn redis.call('INCRR', KEYS[1])",
        );
        assert!(
            found[0].starts_with("a.lua:3:8: unknown command INCRR: did you mean INCR"),
            "{found:?}"
        );
    }

    #[test]
    fn unknown_commands_suggest_the_nearest_known_ones() {
        let found = errors(
            &Options::default(),
            "redis.call('INCRR', KEYS[1])\nredis.call('XGROUP', 'CRATE', 's', 'g', '$')\nreturn redis.call('ZZZZZZZZ')",
        );
        assert!(
            found[0].starts_with(
                "a.lua:1:1: unknown command INCRR: did you mean INCR or INCRBY? none of the servers"
            ),
            "{found:?}"
        );
        assert!(
            found[0].contains("allow it in the lua_script! call: commands = [\"INCRR\"]"),
            "{found:?}"
        );
        assert!(
            found[1].contains("unknown command XGROUP CRATE: did you mean XGROUP CREATE?"),
            "{found:?}"
        );
        assert!(
            found[2].contains("unknown command ZZZZZZZZ: none of the servers"),
            "{found:?}"
        );
    }

    #[test]
    fn modules_redis_8_bundles_build_and_their_writes_are_writes() {
        let lua = "redis.call('JSON.SET', KEYS[1], '$', ARGV[1])\nredis.call('TS.ADD', KEYS[2], '*', 1)\nredis.call('BF.ADD', KEYS[3], 'x')\nredis.call('FT.SEARCH', 'idx', '*')\nredis.call('CF.EXISTS', KEYS[4], 'x')\nredis.call('CMS.QUERY', KEYS[4], 'x')\nredis.call('TOPK.LIST', KEYS[4])\nredis.call('TDIGEST.MAX', KEYS[4])\nreturn redis.call('VCARD', KEYS[5])";
        assert!(errors(&Options::default(), lua).is_empty());
        let found = errors(&readonly(), &format!("#!lua flags=no-writes\n{lua}"));
        let writes: Vec<&str> = found.iter().filter_map(|m| m.split(": ").nth(1)).collect();
        assert_eq!(writes, ["JSON.SET writes, but this script is readonly (EVAL_RO); Redis would fail with \"Write commands are not allowed from read-only scripts\". Remove the write, or drop `readonly`".split(": ").next().unwrap(), "TS.ADD writes, but this script is readonly (EVAL_RO); Redis would fail with \"Write commands are not allowed from read-only scripts\". Remove the write, or drop `readonly`".split(": ").next().unwrap(), "BF.ADD writes, but this script is readonly (EVAL_RO); Redis would fail with \"Write commands are not allowed from read-only scripts\". Remove the write, or drop `readonly`".split(": ").next().unwrap()], "{found:?}");
        let on_seven = Options {
            servers: vec!["redis-7.0".into()],
            ..Options::default()
        };
        let found = errors(&on_seven, "return redis.call('JSON.GET', KEYS[1])");
        assert!(found[0].contains("Redis 7.0.15 does not know JSON.GET, and servers = [..] asks for it; it runs in scripts on Redis 8.2.3 (bundled module RedisJSON v8.2.3)"), "{found:?}");
    }

    #[test]
    fn removed_lua_globals_are_refused_unless_shadowed() {
        let found = errors(
            &Options::default(),
            "local f = getfenv(1)\nreturn setfenv, newproxy",
        );
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(
            found[0].starts_with(
                "a.lua:1:11: Redis 7.0.15, Redis 8.2.3, Valkey 9.1.2 have no Lua global getfenv"
            ),
            "{found:?}"
        );
        assert!(
            errors(
                &Options::default(),
                "local getfenv = 1\nreturn getfenv, t.setfenv"
            )
            .is_empty()
        );
    }

    fn key_origin_messages(lua: &str) -> Vec<String> {
        let shebang = shebang::parse(lua, false).unwrap();
        let body = shebang::lua_body(lua, shebang.as_ref());
        let cross_slot = shebang
            .as_ref()
            .is_some_and(Shebang::allows_cross_slot_keys);
        let tree = syntax::tree(body).unwrap();
        key_origins(&crate::origins::analyse(tree.nodes()), cross_slot)
            .into_iter()
            .map(|p| p.located("a.lua").message().to_owned())
            .collect()
    }

    #[test]
    fn literal_keys_say_whether_they_can_share_a_slot() {
        // Two literal keys in different slots: no run that uses both works on a cluster.
        let found = key_origin_messages(
            "redis.call('SET', '{jobs}:meta', 1)\nreturn redis.call('INCR', 'stats')",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("a.lua:1:19: the key `'{jobs}:meta'` (1st argument of SET) is a literal in slot 9631 (hash tag {jobs}), and `'stats'` on line 2 is in slot 7650: a run that uses both fails on Redis Cluster (\"Script attempted to access keys that do not hash to the same slot\") whatever KEYS holds. Redis runs it on one server"), "{found:?}");
        assert!(found[1].contains("`'stats'` (1st argument of INCR) is a literal in slot 7650, and `'{jobs}:meta'` on line 1 is in slot 9631"), "{found:?}");
        // With allow-cross-slot-keys, only while one node holds both.
        let found = key_origin_messages(
            "#!lua flags=allow-cross-slot-keys\nredis.call('SET', '{jobs}:meta', 1)\nreturn redis.call('INCR', 'stats')",
        );
        assert!(found[0].contains("with allow-cross-slot-keys a run that uses both works on Redis Cluster only while one node holds both slots"), "{found:?}");
        // Literals sharing a slot (one tag, or a tag equal to the other key), beside KEYS: the tag
        // the client's keys need.
        let found = key_origin_messages(
            "redis.call('SET', '{jobs}:meta', 1)\nredis.call('SET', 'jobs', 1)\nreturn redis.call('GET', KEYS[1])",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("is a literal in slot 9631 (hash tag {jobs}); it shares a slot with the keys of KEYS only if each holds the hash tag {jobs}. Redis runs"), "{found:?}");
        assert!(found[1].contains("`'jobs'` (1st argument of SET) is a literal in slot 9631; it shares a slot with the keys of KEYS only if each holds the hash tag {jobs}."), "{found:?}");
        // A lone literal, and one whose value is computed: no slot to speak of.
        let found = key_origin_messages("return redis.call('GET', 'a' .. 'b')");
        assert!(
            found[0].contains("(1st argument of GET) is a literal. Redis runs"),
            "{found:?}"
        );
        let found = key_origin_messages("return redis.call('GET', 'ab')");
        assert!(
            found[0].contains("(1st argument of GET) is a literal in slot"),
            "{found:?}"
        );
        assert!(!found[0].contains("shares"), "{found:?}");
    }

    #[test]
    fn keys_from_keys_refuses_keys_not_from_keys() {
        let lua = "local key = KEYS[1]\nredis.call('SET', key, ARGV[1])\nredis.call('INCR', 'counter:' .. ARGV[1])\nredis.call('GET', KEYS[1] .. ':x')\nfor _, k in ipairs(KEYS) do redis.call('DEL', k) end\nreturn redis.call('GET', 'fixed')";
        assert!(
            errors(&Options::default(), lua).is_empty(),
            "off by default"
        );
        let strict = Options {
            keys_from_keys: true,
            ..Options::default()
        };
        let shebang = shebang::parse(lua, false).unwrap();
        let tree = syntax::tree(lua).unwrap();
        let _ = Policy::new("a.lua", &strict, shebang.as_ref()).unwrap();
        let found: Vec<String> = key_origins(&crate::origins::analyse(tree.nodes()), false)
            .into_iter()
            .map(|p| p.located("a.lua").message().to_owned())
            .collect();
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("a.lua:3:20: the key `'counter:' .. ARGV[1]` (1st argument of INCR) is built from ARGV. Redis runs it on one server, but Redis Cluster routes a script by the keys in KEYS"), "{found:?}");
        assert!(
            found[1].contains(
                "(1st argument of GET) is built from KEYS[1] but is not a key of KEYS itself"
            ),
            "{found:?}"
        );
        assert!(
            found[2].contains("`'fixed'` (1st argument of GET) is a literal"),
            "{found:?}"
        );
    }
}
