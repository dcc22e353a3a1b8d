//! What this crate needs to know of a raw command: whether it only reads, whether it empties the script
//! cache, whether it would change the connection's state, and where its keys are (for clusters).
//!
//! The table is data read from a real server (`table.rs`, written by `scripts/write-commands.py`).

mod table;

use crate::Values;

/// The command only reads: `readonly` in `COMMAND`, not `write`, and not refused by EVAL_RO (PFCOUNT,
/// which may rewrite its key, is not).
const READ_ONLY: u8 = 1;
/// The key positions depend on the arguments (`numkeys`, `STREAMS`), not only on the command.
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
const MOVABLE_KEYS: u8 = 2;

/// Commands that would change the state of the connection a batch runs on (shared, for a multiplexed
/// connection, with every other caller), or take it over.
const CONNECTION_COMMANDS: &[&str] = &[
    "ASKING",
    "AUTH",
    "DISCARD",
    "EXEC",
    "HELLO",
    "MONITOR",
    "MULTI",
    "PSUBSCRIBE",
    "PSYNC",
    "PUNSUBSCRIBE",
    "QUIT",
    "READONLY",
    "READWRITE",
    "REPLCONF",
    "RESET",
    "SELECT",
    "SSUBSCRIBE",
    "SUBSCRIBE",
    "SUNSUBSCRIBE",
    "SYNC",
    "UNSUBSCRIBE",
    "UNWATCH",
    "WATCH",
];

/// `CLIENT` subcommands refused for the same reason.
const CLIENT_SUBCOMMANDS: &[&str] = &[
    "CLIENT CACHING",
    "CLIENT NO-EVICT",
    "CLIENT NO-TOUCH",
    "CLIENT REPLY",
    "CLIENT SETINFO",
    "CLIENT SETNAME",
    "CLIENT TRACKING",
];

/// Longest command name looked up (`container|subcommand`); longer names are unknown.
const MAX_NAME: usize = 48;

/// A raw command of a batch, classified once when it is added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Kind {
    /// Known to only read.
    pub(crate) read_only: bool,
    /// `SCRIPT FLUSH`: scripts after it must be loaded again.
    pub(crate) flushes_scripts: bool,
    /// `FUNCTION FLUSH`, `DELETE` or `RESTORE`: libraries after it must be loaded again.
    pub(crate) flushes_functions: bool,
    /// Why the command can not be in a batch (`SELECT`, `CLIENT REPLY`, an empty command).
    pub(crate) refused: Option<Refusal>,
}

/// Why a command can not be part of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No words at all.
    Empty,
    /// It changes the connection's state; the name as Redis spells it, upper case.
    ConnectionState(&'static str),
}

/// Where the keys of a command are.
#[cfg(feature = "cluster")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyPositions {
    /// No keys (PING, TIME, SCRIPT LOAD).
    None,
    /// Words `first..=last` (negative `last`: counted from the end, -1 the last word) every `step`.
    Fixed {
        first: usize,
        last: isize,
        step: usize,
    },
    /// `name arg numkeys key..` (EVAL, EVALSHA, FCALL and their `_RO` forms).
    AfterNumKeys,
    /// They depend on the arguments in a way this table does not describe (XREAD, ZUNIONSTORE, ...),
    /// or the command is unknown.
    Unknown,
}

/// The lowercase name of `word` in `buf`, or `None` when it is too long to be a command.
fn lowercase<'b>(word: &[u8], buf: &'b mut [u8; MAX_NAME]) -> Option<&'b str> {
    let out = buf.get_mut(..word.len())?;
    for (o, b) in out.iter_mut().zip(word) {
        *o = b.to_ascii_lowercase();
    }
    std::str::from_utf8(out).ok()
}

/// The table row of `words`: `container|sub` when there is one, else the command itself.
fn lookup(words: Values<'_>) -> Option<&'static (&'static str, u8, i8, i8, i8)> {
    let mut iter = words.iter();
    let name = iter.next()?;
    let mut buf = [0u8; MAX_NAME];
    if let Some(sub) = iter.next() {
        let mut joined = Vec::with_capacity(name.len() + 1 + sub.len());
        joined.extend_from_slice(name);
        joined.push(b'|');
        joined.extend_from_slice(sub);
        if let Some(row) = lowercase(&joined, &mut buf).and_then(find) {
            return Some(row);
        }
    }
    lowercase(name, &mut buf).and_then(find)
}

fn find(name: &str) -> Option<&'static (&'static str, u8, i8, i8, i8)> {
    let i = table::COMMANDS
        .binary_search_by(|row| row.0.cmp(name))
        .ok()?;
    table::COMMANDS.get(i)
}

/// Classifies the command `words` (name first).
pub(crate) fn classify(words: Values<'_>) -> Kind {
    let mut iter = words.iter();
    let Some(name) = iter.next() else {
        return Kind {
            read_only: false,
            flushes_scripts: false,
            flushes_functions: false,
            refused: Some(Refusal::Empty),
        };
    };
    let sub = iter.next().unwrap_or_default();
    let client_sub = |c: &&str| {
        name.eq_ignore_ascii_case(b"client")
            && c.strip_prefix("CLIENT ")
                .is_some_and(|s| sub.eq_ignore_ascii_case(s.as_bytes()))
    };
    let refused = CONNECTION_COMMANDS
        .iter()
        .find(|c| name.eq_ignore_ascii_case(c.as_bytes()))
        .or_else(|| CLIENT_SUBCOMMANDS.iter().find(|c| client_sub(c)))
        .map(|c| Refusal::ConnectionState(c));
    let flushes_scripts =
        name.eq_ignore_ascii_case(b"script") && sub.eq_ignore_ascii_case(b"flush");
    let flushes_functions = name.eq_ignore_ascii_case(b"function")
        && [&b"flush"[..], b"delete", b"restore"]
            .iter()
            .any(|s| sub.eq_ignore_ascii_case(s));
    let read_only = lookup(words).is_some_and(|row| row.1 & READ_ONLY != 0);
    Kind {
        read_only,
        flushes_scripts,
        flushes_functions,
        refused,
    }
}

/// Where the keys of `words` are.
#[cfg(feature = "cluster")]
pub(crate) fn key_positions(words: Values<'_>) -> KeyPositions {
    let Some(&(name, flags, first, last, step)) = lookup(words) else {
        return KeyPositions::Unknown;
    };
    if flags & MOVABLE_KEYS != 0 {
        return match name {
            "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro" => {
                KeyPositions::AfterNumKeys
            }
            _ => KeyPositions::Unknown,
        };
    }
    match (usize::try_from(first), usize::try_from(step)) {
        (Ok(0), _) | (_, Ok(0)) => KeyPositions::None,
        (Ok(first), Ok(step)) => KeyPositions::Fixed {
            first,
            last: isize::from(last),
            step,
        },
        _ => KeyPositions::Unknown,
    }
}

/// The keys of `words` at `positions`; `None` when they can not be told (a `numkeys` that is not a
/// number or runs past the end).
#[cfg(feature = "cluster")]
pub(crate) fn keys(words: Values<'_>, positions: KeyPositions) -> Option<Vec<&[u8]>> {
    let all: Vec<&[u8]> = words.iter().collect();
    match positions {
        KeyPositions::None => Some(Vec::new()),
        KeyPositions::Unknown => None,
        KeyPositions::Fixed { first, last, step } => {
            let last = if last < 0 {
                all.len().checked_sub(last.unsigned_abs())?
            } else {
                last.unsigned_abs()
            };
            Some(
                (first..=last.min(all.len().saturating_sub(1)))
                    .step_by(step)
                    .filter_map(|i| all.get(i).copied())
                    .collect(),
            )
        }
        KeyPositions::AfterNumKeys => {
            let numkeys: usize = std::str::from_utf8(all.get(2)?).ok()?.parse().ok()?;
            Some(all.get(3..3usize.checked_add(numkeys)?)?.to_vec())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    use crate::ArgList;

    fn words(w: &[&str]) -> ArgList {
        ArgList::new(w)
    }

    fn kind(w: &[&str]) -> Kind {
        classify(words(w).values())
    }

    #[test]
    fn the_table_is_sorted_and_knows_reads_from_writes() {
        assert!(table::COMMANDS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(kind(&["GET", "k"]).read_only);
        assert!(kind(&["object", "ENCODING", "k"]).read_only);
        assert!(!kind(&["SET", "k", "v"]).read_only);
        assert!(!kind(&["PFCOUNT", "k"]).read_only, "may rewrite its key");
        assert!(!kind(&["NOSUCH", "k"]).read_only);
        assert!(!kind(&["OBJECT"]).read_only);
    }

    #[test]
    fn connection_commands_are_refused_and_script_flush_is_seen() {
        for (w, name) in [
            (&["select", "1"][..], "SELECT"),
            (&["MULTI"], "MULTI"),
            (&["Watch", "k"], "WATCH"),
            (&["SUBSCRIBE", "c"], "SUBSCRIBE"),
            (&["client", "reply", "off"], "CLIENT REPLY"),
        ] {
            assert_eq!(kind(w).refused, Some(Refusal::ConnectionState(name)));
        }
        assert_eq!(kind(&["CLIENT", "ID"]).refused, None);
        assert_eq!(
            classify(ArgList::default().values()).refused,
            Some(Refusal::Empty)
        );
        assert!(kind(&["script", "FLUSH", "ASYNC"]).flushes_scripts);
        assert!(!kind(&["SCRIPT", "LOAD", "return 1"]).flushes_scripts);
        assert!(kind(&["function", "flush"]).flushes_functions);
        assert!(kind(&["FUNCTION", "DELETE", "lib"]).flushes_functions);
        assert!(!kind(&["FUNCTION", "LIST"]).flushes_functions);
        assert!(!kind(&["SCRIPT", "FLUSH"]).flushes_functions);
    }

    #[test]
    #[cfg(feature = "cluster")]
    fn keys_are_found_where_the_table_says() {
        let at = |w: &[&str]| -> Option<Vec<String>> {
            let list = words(w);
            keys(list.values(), key_positions(list.values())).map(|k| {
                k.iter()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .collect()
            })
        };
        assert_eq!(at(&["SET", "k", "v"]), Some(vec!["k".to_owned()]));
        assert_eq!(
            at(&["MSET", "a", "1", "b", "2"]),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(
            at(&["DEL", "a", "b", "c"]),
            Some(vec!["a".into(), "b".into(), "c".into()])
        );
        assert_eq!(at(&["OBJECT", "ENCODING", "k"]), Some(vec!["k".to_owned()]));
        assert_eq!(
            at(&["EVALSHA", "abc", "2", "k1", "k2", "arg"]),
            Some(vec!["k1".to_owned(), "k2".to_owned()])
        );
        assert_eq!(at(&["EVAL", "return 1", "3", "k1"]), None);
        assert_eq!(at(&["PING"]), Some(vec![]));
        assert_eq!(at(&["XREAD", "STREAMS", "s", "0"]), None);
        assert_eq!(at(&["NOSUCH", "k"]), None);
    }
}
