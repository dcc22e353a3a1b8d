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

    /// `allow-cross-slot-keys`: Redis Cluster lets the script use keys of several slots of the node
    /// it runs on.
    pub(crate) fn allows_cross_slot_keys(&self) -> bool {
        self.flags
            .iter()
            .any(|flag| flag == "allow-cross-slot-keys")
    }
}

/// Upstash's flag for scripts that name every key in KEYS: they then run without its global lock.
/// Redis refuses it.
pub(crate) const UPSTASH_KEY_LOCKING: &str = "allow-key-locking";

/// Parses the shebang if `text` starts with `#!`, accepting Upstash's `allow-key-locking` flag only
/// when `allow_key_locking`. The error says what Redis would answer and what to do.
pub(crate) fn parse(text: &str, allow_key_locking: bool) -> Result<Option<Shebang>, String> {
    if !text.starts_with("#!") {
        return Ok(None);
    }
    let Some(len) = first_line_len(text) else {
        return Err(if text.contains('\0') {
            "the shebang line holds a NUL byte, where Redis stops looking for its end \
             (Redis: \"Invalid script shebang\"); remove it"
        } else {
            "the shebang line must be followed by a newline and the script \
             (Redis: \"Invalid script shebang\")"
        }
        .into());
    };
    let Some(words) = split_words(&text.as_bytes()[..len]) else {
        return Err(
            "the shebang line has an unterminated quote, or a closing quote followed by more than a \
             space (Redis: \"Invalid engine in script shebang\"); write it as \"#!lua flags=no-writes\""
                .into(),
        );
    };
    let mut words = words.iter().map(|word| String::from_utf8_lossy(word));
    let engine = words.next().unwrap_or_default();
    if engine != "#!lua" {
        return Err(format!(
            "the first line starts with \"{engine}\", but Redis only runs \"#!lua\" scripts \
             (Redis: \"Unexpected engine in script shebang\"); start with \"#!lua\" or remove the line"
        ));
    }
    let mut flags = Vec::new();
    for word in words {
        let Some(list) = word.strip_prefix("flags=") else {
            return Err(format!(
                "unknown shebang option \"{word}\" (Redis: \"Unknown lua shebang option\"); \
                 the only option is flags=, e.g. \"#!lua flags=no-writes\""
            ));
        };
        if list.is_empty() {
            continue;
        }
        for flag in list.split(',') {
            if flag == UPSTASH_KEY_LOCKING && !allow_key_locking {
                return Err(format!(
                    "the shebang flag \"{flag}\" is Upstash's (a script that names every key in KEYS \
                     then runs without its global lock), and Redis refuses it (\"Unexpected flag in \
                     script shebang\"); if this script runs only on Upstash, opt in with the option \
                     `allow_key_locking`: lua_script!(\"..\", allow_key_locking)"
                ));
            }
            if !VALID_FLAGS.contains(&flag) && flag != UPSTASH_KEY_LOCKING {
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

/// The length of the first line, as Redis finds its end (`strchr` for the newline, which stops at a
/// NUL byte): `None` when no newline comes before the end or a NUL.
pub(crate) fn first_line_len(text: &str) -> Option<usize> {
    text.find(['\n', '\0'])
        .filter(|&at| text.as_bytes()[at] == b'\n')
}

/// Splits the shebang line into words as Redis does (`sdssplitargs`), so `flags="no-writes"` counts.
///
/// Blanks separate words; a quote may open anywhere in a word: `"..."` takes the escapes `\xHH`, `\n`,
/// `\r`, `\t`, `\b`, `\a` and `\<any>`, `'...'` only `\'`. `None` where Redis refuses the line: an
/// unterminated quote, or a closing quote followed by something other than a blank.
pub(crate) fn split_words(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    split_words_as(line, false)
}

/// [`split_words`], or, with `shell_like`, as Valkey 9.1 splits a library's metadata line (its
/// `sdssplitargs`): a closing quote does not end the word, which reads on as a shell does.
pub(crate) fn split_words_as(line: &[u8], shell_like: bool) -> Option<Vec<Vec<u8>>> {
    let at = |i: usize| line.get(i).copied();
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while at(i).is_some_and(is_c_space) {
            i += 1;
        }
        if i >= line.len() {
            return Some(words);
        }
        let mut word = Vec::new();
        let mut quote = None;
        loop {
            match (quote, at(i)) {
                (Some(_), None) => return None,
                (Some(b'"'), Some(b'\\')) => {
                    let hex = |j| at(j).and_then(|b| char::from(b).to_digit(16));
                    if let (Some(b'x'), Some(high), Some(low)) = (at(i + 1), hex(i + 2), hex(i + 3))
                    {
                        // Two hex digits make one byte, below 256.
                        word.push(u8::try_from(high * 16 + low).unwrap_or_default());
                        i += 3;
                    } else if let Some(escaped) = at(i + 1) {
                        word.push(match escaped {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 0x08,
                            b'a' => 0x07,
                            other => other,
                        });
                        i += 1;
                    } else {
                        word.push(b'\\');
                    }
                }
                (Some(b'\''), Some(b'\\')) if at(i + 1) == Some(b'\'') => {
                    word.push(b'\'');
                    i += 1;
                }
                (Some(open), Some(byte)) if byte == open && shell_like => quote = None,
                (Some(open), Some(byte)) if byte == open => {
                    if at(i + 1).is_some_and(|next| !is_c_space(next)) {
                        return None;
                    }
                    i += 1;
                    break;
                }
                (Some(_), Some(byte)) => word.push(byte),
                (None, None | Some(b' ' | b'\n' | b'\r' | b'\t')) => {
                    i += 1;
                    break;
                }
                (None, Some(byte @ (b'"' | b'\''))) => quote = Some(byte),
                (None, Some(byte)) => word.push(byte),
            }
            i += 1;
        }
        words.push(word);
    }
}

/// C's `isspace`: what Redis skips between words.
fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
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
        assert_eq!(parse("return 1", false), Ok(None));
        assert_eq!(parse(" #!lua\nreturn 1", false), Ok(None));
    }

    #[test]
    fn shebang_flags() {
        let shebang = parse("#!lua flags=no-writes,allow-oom\nreturn 1", false)
            .unwrap()
            .unwrap();
        assert_eq!(shebang.flags, ["no-writes", "allow-oom"]);
        assert!(shebang.no_writes());
        assert_eq!(
            lua_body("#!lua flags=no-writes,allow-oom\nreturn 1", Some(&shebang)),
            "\nreturn 1"
        );
        let bare = parse("#!lua\nreturn 1", false).unwrap().unwrap();
        assert!(bare.flags.is_empty() && !bare.no_writes());
        assert!(
            parse("#!lua \0flags=no-writes\nreturn 1", false)
                .unwrap_err()
                .contains("NUL byte"),
        );
        assert_eq!(
            parse("#!lua flags=\nreturn 1", false)
                .unwrap()
                .unwrap()
                .flags
                .len(),
            0
        );
        assert!(
            parse("#!lua flags=no-writes\r\nreturn 1", false)
                .unwrap()
                .unwrap()
                .no_writes()
        );
    }

    #[test]
    fn shebang_errors_follow_redis() {
        let err = |text| parse(text, false).unwrap_err();
        assert!(err("#!python\nreturn 1").contains("Unexpected engine"));
        assert!(err("#!luax\nreturn 1").contains("Unexpected engine"));
        assert!(err("#!lua").contains("Invalid script shebang"));
        assert!(err("#!lua name=x\nreturn 1").contains("Unknown lua shebang option"));
        assert!(
            err("#!lua flags=bogus\nreturn 1").contains("valid flags are no-writes, allow-oom")
        );
        assert!(err("#!lua flags=no-writes,\nreturn 1").contains("Unexpected flag"));
        assert!(err("#!lua FLAGS=no-writes\nreturn 1").contains("Unknown lua shebang option"));
    }

    #[test]
    fn upstash_key_locking_needs_the_opt_in() {
        let text = "#!lua flags=allow-key-locking,no-writes\nreturn 1";
        let err = parse(text, false).unwrap_err();
        assert!(err.contains("allow_key_locking"), "{err}");
        assert!(err.contains("Unexpected flag in script shebang"), "{err}");
        let shebang = parse(text, true).unwrap().unwrap();
        assert_eq!(shebang.flags, ["allow-key-locking", "no-writes"]);
        assert!(shebang.no_writes());
    }

    #[test]
    fn shebang_quoted_words_follow_redis() {
        let flags = |text| parse(text, false).unwrap().unwrap().flags;
        assert_eq!(flags("#!lua flags=\"no-writes\"\nreturn 1"), ["no-writes"]);
        assert_eq!(
            flags("#!lua flags='no-writes,allow-oom'\nreturn 1"),
            ["no-writes", "allow-oom"]
        );
        assert_eq!(flags("#!lua \"flags=no-writes\"\nreturn 1"), ["no-writes"]);
        assert_eq!(
            flags("#!lua flags=\"\\x6eo-writes\"\nreturn 1"),
            ["no-writes"]
        );
        assert_eq!(flags("#!lua\tflags=no-writes \r\nreturn 1"), ["no-writes"]);
        let err = |text| parse(text, false).unwrap_err();
        assert!(err("#!lua flags='no-wr\\'ites'\nreturn 1").contains("\"no-wr'ites\""));
        assert!(err("#!lua flags=\"no-writes allow-oom\"\nreturn 1").contains("Unexpected flag"));
        assert!(err("#!lua flags=\"no-writes\nreturn 1").contains("Invalid engine"));
        assert!(err("#!lua fl\"ags=no-wri\"tes\nreturn 1").contains("Invalid engine"));
        assert!(err("#!lua flags=\\x6eo-writes\nreturn 1").contains("\"\\x6eo-writes\""));
    }
}
