//! What Redis would refuse at run time, decided from the commands and replies found in the script.

use super::calls::Found;
use super::shebang::Shebang;
use crate::commands::{self, CONTAINER, NOSCRIPT, REDIS_VERSION, WRITE};
use crate::parse::Input;

/// The script's declared behaviour and the module commands the user allowed.
#[derive(Debug)]
pub(crate) struct Policy {
    written: String,
    /// Why writes are refused, if they are, and the way out.
    no_writes: Option<(&'static str, &'static str)>,
    /// Lowercase names allowed with `commands = [...]` (treated as writes).
    extra_writes: Vec<String>,
    /// Lowercase names allowed with `readonly_commands = [...]`.
    extra_reads: Vec<String>,
}

impl Policy {
    pub(crate) fn new(input: &Input, shebang: Option<&Shebang>) -> Self {
        let lower = |list: &[syn::LitStr]| {
            list.iter()
                .map(|lit| lit.value().to_ascii_lowercase().replace(' ', "|"))
                .collect()
        };
        let no_writes = if input.readonly {
            Some(("this script is readonly (EVAL_RO)", "or drop `readonly`"))
        } else if shebang.is_some_and(Shebang::no_writes) {
            Some((
                "the shebang declares no-writes",
                "or drop no-writes from the shebang",
            ))
        } else {
            None
        };
        Policy {
            written: input.path.value(),
            no_writes,
            extra_writes: lower(&input.commands),
            extra_reads: lower(&input.readonly_commands),
        }
    }

    /// Flags of a user-listed command, which wins over the table.
    fn listed(&self, name: &str) -> Option<u8> {
        if self.extra_writes.iter().any(|n| n == name) {
            Some(WRITE)
        } else if self.extra_reads.iter().any(|n| n == name) {
            Some(0)
        } else {
            None
        }
    }
}

/// One message per problem, in source order.
pub(crate) fn check(policy: &Policy, found: &Found) -> Vec<String> {
    let mut errors = Vec::new();
    for call in &found.commands {
        let name = call.name.to_ascii_lowercase();
        let sub = call.sub.as_deref().map(str::to_ascii_lowercase);
        let full = sub.as_ref().map(|sub| format!("{name}|{sub}"));
        let line = call.line;
        let listed = policy
            .listed(&name)
            .or_else(|| full.as_deref().and_then(|f| policy.listed(f)));
        let (shown, flags) = match (listed, commands::flags(&name)) {
            (Some(flags), _) => (call.name.to_ascii_uppercase(), flags),
            (None, None) => {
                errors.push(unknown(policy, line, &call.name.to_ascii_uppercase(), None));
                continue;
            }
            (None, Some(flags)) if flags & CONTAINER != 0 => {
                let (Some(full), Some(sub)) = (full.as_deref(), call.sub.as_deref()) else {
                    continue;
                };
                let shown = format!("{} {}", call.name, sub).to_ascii_uppercase();
                match commands::flags(full) {
                    Some(flags) => (shown, flags),
                    None => {
                        let hint = full.to_ascii_uppercase();
                        errors.push(unknown(policy, line, &shown, Some(&hint)));
                        continue;
                    }
                }
            }
            (None, Some(flags)) => (call.name.to_ascii_uppercase(), flags),
        };
        if flags & NOSCRIPT != 0 {
            errors.push(format!(
                "line {line}: Redis refuses {shown} inside scripts (\"This Redis command is not allowed \
                 from script\"); send it from the client instead"
            ));
        } else if let (true, Some((why, way_out))) = (flags & WRITE != 0, policy.no_writes) {
            errors.push(format!(
                "line {line}: {shown} writes, but {why}; Redis would fail with \"Write commands are not \
                 allowed from read-only scripts\". Remove the write, {way_out}"
            ));
        }
    }
    for bad in &found.bad_escapes {
        errors.push(format!(
            "line {}: the escape sequence {} is too large (Lua 5.1 allows \\0 to \\255; Redis: \"escape \
             sequence too large\")",
            bad.line, bad.escape
        ));
    }
    for reply in &found.noscript_replies {
        errors.push(format!(
            "line {}: the script can return an error whose code is NOSCRIPT ({}); `exec` would take it \
             for \"script not cached\" and run the script a second time with EVAL. Use another error code",
            reply.line, reply.construct
        ));
    }
    errors.sort_by_key(|message| line_number(message));
    errors
}

fn unknown(policy: &Policy, line: usize, shown: &str, listed_as: Option<&str>) -> String {
    let listed_as = listed_as.unwrap_or(shown);
    format!(
        "line {line}: unknown Redis command {shown} (not in the command table of Redis {REDIS_VERSION}); \
         if it is a module or newer command, allow it: lua_script!({:?}, commands = [\"{listed_as}\"]), \
         or readonly_commands = [\"{listed_as}\"] if it never writes",
        policy.written
    )
}

fn line_number(message: &str) -> usize {
    message
        .strip_prefix("line ")
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{calls, shebang, syntax};
    use crate::parse::parse_input;

    fn errors(options: proc_macro2::TokenStream, lua: &str) -> Vec<String> {
        let input = parse_input(options).unwrap();
        let shebang = shebang::parse(lua).unwrap();
        let body = shebang::lua_body(lua, shebang.as_ref());
        let found = calls::collect(&syntax::parse(body).unwrap());
        check(&Policy::new(&input, shebang.as_ref()), &found)
    }

    #[test]
    fn check_readonly_rejects_literal_writes_only() {
        let lua = "local v = redis.call('GET', KEYS[1])\nredis.call('set', KEYS[1], v)\nredis.call(ARGV[1], KEYS[1])\nreturn redis.pcall('XGROUP', 'CREATE', 's', 'g', '$')";
        let found = errors(quote::quote!(k; "a.lua", readonly), lua);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("line 2: SET writes, but this script is readonly"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("line 4: XGROUP CREATE writes"),
            "{found:?}"
        );
        assert!(errors(quote::quote!(k; "a.lua"), lua).is_empty());
    }

    #[test]
    fn check_no_writes_shebang_rejects_writes() {
        let found = errors(
            quote::quote!(k; "a.lua"),
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
        let found = errors(quote::quote!(k; "a.lua"), lua);
        assert_eq!(found.len(), 2);
        assert!(
            found[0].contains("unknown Redis command FT.SEARCH"),
            "{found:?}"
        );
        assert!(found[0].contains("commands = [\"FT.SEARCH\"]"), "{found:?}");
        let listed = quote::quote!(k; "a.lua", readonly, commands = ["ft.search"], readonly_commands = ["JSON.GET"]);
        let found = errors(listed, lua);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("line 1: FT.SEARCH writes"),
            "{found:?}"
        );
        let unknown_sub = errors(
            quote::quote!(k; "a.lua"),
            "return redis.call('XGROUP', 'NOPE')",
        );
        assert!(
            unknown_sub[0].contains("XGROUP NOPE") && unknown_sub[0].contains("XGROUP|NOPE"),
            "{unknown_sub:?}"
        );
    }

    #[test]
    fn check_noscript_commands_and_replies() {
        let lua = "redis.call('BLPOP', 'q', 0)\nreturn {err = 'NOSCRIPT fake'}";
        let found = errors(quote::quote!(k; "a.lua"), lua);
        assert!(
            found[0].starts_with("line 1: Redis refuses BLPOP inside scripts"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("line 2: the script can return an error whose code is NOSCRIPT"),
            "{found:?}"
        );
    }
}
