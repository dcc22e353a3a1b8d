//! The `#!lua flags=...` first line, parsed the way Redis parses it (`evalExtractShebangFlags`).

/// Flags Redis accepts after `#!lua flags=`.
pub(crate) const VALID_FLAGS: [&str; 5] = [
    "no-writes",
    "allow-oom",
    "allow-stale",
    "no-cluster",
    "allow-cross-slot-keys",
];

/// A script's shebang line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Shebang {
    /// Length in bytes of the line, without its newline.
    pub(crate) len: usize,
    /// The flags as written.
    pub(crate) flags: Vec<String>,
}

impl Shebang {
    /// `no-writes` is declared: Redis refuses writes and allows EVAL_RO.
    pub(crate) fn no_writes(&self) -> bool {
        self.flags.iter().any(|flag| flag == "no-writes")
    }
}

/// Parses the shebang if `text` starts with `#!`. The error says what Redis would answer and what to do.
pub(crate) fn parse(text: &str) -> Result<Option<Shebang>, String> {
    if !text.starts_with("#!") {
        return Ok(None);
    }
    let Some(len) = text.find('\n') else {
        return Err(
            "the shebang line must be followed by a newline and the script \
             (Redis: \"Invalid script shebang\")"
                .into(),
        );
    };
    let mut parts = text[..len].split_ascii_whitespace();
    let engine = parts.next().unwrap_or_default();
    if engine != "#!lua" {
        return Err(format!(
            "the first line starts with \"{engine}\", but Redis only runs \"#!lua\" scripts \
             (Redis: \"Unexpected engine in script shebang\"); start with \"#!lua\" or remove the line"
        ));
    }
    let mut flags = Vec::new();
    for part in parts {
        let Some(list) = part.strip_prefix("flags=") else {
            return Err(format!(
                "unknown shebang option \"{part}\" (Redis: \"Unknown lua shebang option\"); \
                 the only option is flags=, e.g. \"#!lua flags=no-writes\""
            ));
        };
        if list.is_empty() {
            continue;
        }
        for flag in list.split(',') {
            if !VALID_FLAGS.contains(&flag) {
                return Err(format!(
                    "unknown shebang flag \"{flag}\" (Redis: \"Unexpected flag in script shebang\"); \
                     valid flags are {}, separated by commas without spaces",
                    VALID_FLAGS.join(", ")
                ));
            }
            flags.push(flag.to_owned());
        }
    }
    Ok(Some(Shebang { len, flags }))
}

/// The Lua source Redis compiles: the shebang line removed but its newline kept, so line numbers match.
pub(crate) fn lua_body<'a>(text: &'a str, shebang: Option<&Shebang>) -> &'a str {
    match shebang {
        Some(shebang) => text.get(shebang.len..).unwrap_or_default(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_absent() {
        assert_eq!(parse("return 1"), Ok(None));
        assert_eq!(parse(" #!lua\nreturn 1"), Ok(None));
    }

    #[test]
    fn shebang_flags() {
        let shebang = parse("#!lua flags=no-writes,allow-oom\nreturn 1")
            .unwrap()
            .unwrap();
        assert_eq!(shebang.flags, ["no-writes", "allow-oom"]);
        assert!(shebang.no_writes());
        assert_eq!(
            lua_body("#!lua flags=no-writes,allow-oom\nreturn 1", Some(&shebang)),
            "\nreturn 1"
        );
        let bare = parse("#!lua\nreturn 1").unwrap().unwrap();
        assert!(bare.flags.is_empty() && !bare.no_writes());
        assert_eq!(
            parse("#!lua flags=\nreturn 1")
                .unwrap()
                .unwrap()
                .flags
                .len(),
            0
        );
        assert!(
            parse("#!lua flags=no-writes\r\nreturn 1")
                .unwrap()
                .unwrap()
                .no_writes()
        );
    }

    #[test]
    fn shebang_errors_follow_redis() {
        let err = |text| parse(text).unwrap_err();
        assert!(err("#!python\nreturn 1").contains("Unexpected engine"));
        assert!(err("#!luax\nreturn 1").contains("Unexpected engine"));
        assert!(err("#!lua").contains("Invalid script shebang"));
        assert!(err("#!lua name=x\nreturn 1").contains("Unknown lua shebang option"));
        assert!(
            err("#!lua flags=bogus\nreturn 1").contains("valid flags are no-writes, allow-oom")
        );
        assert!(err("#!lua flags=no-writes,\nreturn 1").contains("Unexpected flag"));
    }
}
