//! What Redis would refuse at run time, decided from the commands and replies found in the script and
//! the command table of the covered servers.
//!
//! Which servers a command must run on: by default **any** covered server (Redis 7.0 to 8.2, Valkey),
//! so that a command newer than some of them (HEXPIRE, WAITAOF) builds; with `servers = [...]`, every
//! one listed. An error says which covered servers would run the command, and since which version.

use crate::calls::{self, Found};
use crate::commands::{self, CONTAINER, KNOWN, NOSCRIPT, Row, SERVERS, WRITE};
use crate::shebang::Shebang;
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
        let line = call.line;
        let mut shown = call.name.to_ascii_uppercase();
        let verdict = if let Some(flags) = policy
            .listed(&name)
            .or_else(|| full.as_deref().and_then(|f| policy.listed(f)))
        {
            Verdict::Runs(flags & WRITE != 0)
        } else {
            match commands::lookup(&name) {
                None => Verdict::Refused(unknown(policy, line, &shown, None)),
                Some(row) if row.flags.iter().any(|f| f & CONTAINER != 0) => {
                    let (Some(full), Some(sub)) = (full.as_deref(), call.sub.as_deref()) else {
                        continue;
                    };
                    shown = format!("{} {}", call.name, sub).to_ascii_uppercase();
                    match commands::lookup(full) {
                        Some(row) => verdict(policy, line, &shown, row),
                        None => {
                            let hint = full.to_ascii_uppercase();
                            Verdict::Refused(unknown(policy, line, &shown, Some(&hint)))
                        }
                    }
                }
                Some(row) => verdict(policy, line, &shown, row),
            }
        };
        match verdict {
            Verdict::Refused(problem) => problems.push(problem),
            Verdict::Runs(true) => {
                if let Some((why, way_out)) = &policy.no_writes {
                    problems.push(Problem::new(
                        Kind::ReadOnly,
                        Some(line),
                        format!(
                            "line {line}: {shown} writes, but {why}; Redis would fail with \"Write \
                             commands are not allowed from read-only scripts\". Remove the write, \
                             {way_out}"
                        ),
                    ));
                }
            }
            Verdict::Runs(false) => {}
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
                "line {}: the script can return an error whose code is NOSCRIPT ({}); `exec` would take \
                 it for \"script not cached\" and run the script a second time with EVAL. Use another \
                 error code",
                reply.line,
                reply.construct("NOSCRIPT ...")
            ),
        ));
    }
    problems.sort_by_key(|problem| problem.line.unwrap_or(0));
    problems
}

/// Whether a command in the table runs on the servers the policy wants.
fn verdict(policy: &Policy<'_>, line: usize, shown: &str, row: Row) -> Verdict {
    let known = |i: usize| row.flags[i] & KNOWN != 0;
    let runs = |i: usize| known(i) && row.flags[i] & NOSCRIPT == 0;
    let all = 0..SERVERS.len();
    let wanted: Vec<usize> = if policy.targets.is_empty() {
        all.clone().collect()
    } else {
        policy.targets.clone()
    };
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
        format!("line {line}: {why}; send it from the client instead")
    } else {
        format!(
            "line {line}: {why}, and servers = [..] asks for it; it runs in scripts on {}. Drop \
             that server from servers = [..], or avoid {shown}",
            elsewhere.join(", ")
        )
    };
    Verdict::Refused(Problem::new(Kind::Command, Some(line), message))
}

/// `Redis 7.4.0+ (checked on Redis 8.2.3)`: when a server got the command.
fn since(row: Row, i: usize) -> String {
    let engine = SERVERS[i].split(' ').next().unwrap_or_default();
    match row.since[i] {
        "" => SERVERS[i].to_owned(),
        version => format!("{engine} {version}+ (checked on {})", SERVERS[i]),
    }
}

fn unknown(policy: &Policy<'_>, line: usize, shown: &str, listed_as: Option<&str>) -> Problem {
    let listed_as = listed_as.unwrap_or(shown);
    Problem::new(
        Kind::Command,
        Some(line),
        format!(
            "line {line}: unknown command {shown}: none of the servers the command table covers ({}) \
             knows it; if it is a module command or a newer one, allow it: {}({:?}, commands \
             = [\"{listed_as}\"]), or readonly_commands = [\"{listed_as}\"] if it never writes",
            SERVERS.join(", "),
            policy.macro_name,
            policy.written
        ),
    )
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
            .map(|p| p.message().to_owned())
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
            found[0].starts_with("line 2: SET writes, but this script is readonly"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("line 4: XGROUP CREATE writes"),
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
            found[0].starts_with("line 2: DEL writes, but the shebang declares no-writes"),
            "{found:?}"
        );
    }

    #[test]
    fn check_unknown_and_listed_commands() {
        let lua = "redis.call('FT.SEARCH', 'idx', '*')\nreturn redis.call('JSON.GET', KEYS[1])";
        let found = errors(&Options::default(), lua);
        assert_eq!(found.len(), 2);
        assert!(
            found[0].starts_with("line 1: unknown command FT.SEARCH: none of the servers the command table covers (Redis 7.0.15, Redis 8.2.3, Valkey 9.1.2) knows it"),
            "{found:?}"
        );
        assert!(found[0].contains("commands = [\"FT.SEARCH\"]"), "{found:?}");
        let listed = Options {
            readonly: true,
            commands: vec!["ft.search".into()],
            readonly_commands: vec!["JSON.GET".into()],
            ..Options::default()
        };
        let found = errors(&listed, lua);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("line 1: FT.SEARCH writes"),
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
            found[0].starts_with("line 1: Redis 7.0.15 does not know HEXPIRE, and servers = [..] asks for it; it runs in scripts on Redis 7.4.0+ (checked on Redis 8.2.3), Valkey 9.0.0+ (checked on Valkey 9.1.2)"),
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
            refused[0].starts_with("line 1: Redis 7.0.15 refuses BLPOP inside scripts (\"This Redis command is not allowed from script\"), and servers = [..] asks for it; it runs in scripts on Redis 8.2.3, Valkey 9.1.2"),
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
                "line 1: Redis 7.0.15, Redis 8.2.3, Valkey 9.1.2 refuse MULTI inside scripts (\"This Redis command is not allowed from script\"); send it from the client instead"
            ),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("line 2: the script can return an error whose code is NOSCRIPT"),
            "{found:?}"
        );
    }
}
