//! Request bodies: a JSON command (`["SET","k","v"]`) or a batch of them.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde_json::error::Category;

/// One Redis command as the arguments to send, name first.
pub(crate) type Command = Vec<Vec<u8>>;

/// Commands that would change the state of the shared Redis connection, or take
/// it over, and so are refused instead of forwarded.
const CONNECTION_COMMANDS: &[&str] = &[
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
const CLIENT_SUBCOMMANDS: &[&str] = &["REPLY", "TRACKING", "CACHING", "SETNAME", "NO-EVICT"];

/// Commands that can block until data arrives; run on a connection of their own
/// so they do not hold up every other request on the shared one.
const BLOCKING_COMMANDS: &[&str] = &[
    "BLMOVE",
    "BLMPOP",
    "BLPOP",
    "BRPOP",
    "BRPOPLPUSH",
    "BZMPOP",
    "BZPOPMAX",
    "BZPOPMIN",
    "WAIT",
    "WAITAOF",
];

/// True for a command that may block: the blocking list commands, and `XREAD` /
/// `XREADGROUP` with `BLOCK`.
pub(crate) fn is_blocking(command: &Command) -> bool {
    let Some(name) = command.first() else {
        return false;
    };
    let name = String::from_utf8_lossy(name).to_ascii_uppercase();
    if BLOCKING_COMMANDS.contains(&name.as_str()) {
        return true;
    }
    (name == "XREAD" || name == "XREADGROUP")
        && command[1..]
            .iter()
            .any(|arg| arg.eq_ignore_ascii_case(b"BLOCK"))
}

/// Why a body could not be turned into commands; the text goes to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BodyError(pub(crate) String);

const INVALID_COMMAND: &str =
    "ERR Invalid command array. Expected a non-empty array of strings, numbers or booleans.";
const INVALID_BATCH: &str = "ERR Invalid command array. Expected an array of non-empty arrays of strings, numbers or booleans.";

/// Parses the body of `POST /`: a non-empty JSON array of strings, numbers or booleans.
pub(crate) fn parse_single(body: &[u8]) -> Result<Command, BodyError> {
    let words: Words = parse_json(body, INVALID_COMMAND)?;
    Ok(words.0)
}

/// Parses the body of `POST /pipeline` and `POST /multi-exec`: an array of commands.
pub(crate) fn parse_batch(body: &[u8]) -> Result<Vec<Command>, BodyError> {
    let commands: Vec<Words> = parse_json(body, INVALID_BATCH)?;
    Ok(commands.into_iter().map(|words| words.0).collect())
}

/// Refuses commands that would break the connection shared by all requests.
pub(crate) fn check_allowed(command: &Command) -> Result<(), String> {
    let Some(name) = command.first() else {
        return Err("ERR empty command".to_owned());
    };
    let name = String::from_utf8_lossy(name).to_ascii_uppercase();
    let refused = if CONNECTION_COMMANDS.contains(&name.as_str()) {
        Some(name)
    } else if name == "CLIENT" {
        command
            .get(1)
            .map(|sub| String::from_utf8_lossy(sub).to_ascii_uppercase())
            .filter(|sub| CLIENT_SUBCOMMANDS.contains(&sub.as_str()))
            .map(|sub| format!("CLIENT {sub}"))
    } else {
        None
    };
    match refused {
        Some(name) => Err(format!("ERR Command is not available: '{name}'")),
        None => Ok(()),
    }
}

/// Reads the body straight into the arguments it sends, with no JSON tree in between (the hot
/// path of every request). Not JSON is one error; JSON of the wrong shape is `invalid`.
fn parse_json<T: DeserializeOwned>(body: &[u8], invalid: &str) -> Result<T, BodyError> {
    serde_json::from_slice(body).map_err(|err| match err.classify() {
        Category::Data => BodyError(invalid.to_owned()),
        Category::Io | Category::Syntax | Category::Eof => {
            BodyError(format!("ERR Request body is not valid JSON: {err}"))
        }
    })
}

/// A command as the SDKs write it, `["SET","k",1,true]`: a non-empty array of strings, numbers and
/// booleans (they send nothing else), each one argument.
struct Words(Command);

impl<'de> Deserialize<'de> for Words {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let words = Vec::<Word>::deserialize(deserializer)?;
        if words.is_empty() {
            return Err(de::Error::invalid_length(0, &"a non-empty array"));
        }
        Ok(Words(words.into_iter().map(|word| word.0).collect()))
    }
}

/// One argument: a string as its bytes, a number or a boolean as JSON writes it.
struct Word(Vec<u8>);

impl<'de> Deserialize<'de> for Word {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WordVisitor)
    }
}

struct WordVisitor;

impl Visitor<'_> for WordVisitor {
    type Value = Word;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, a number or a boolean")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Word, E> {
        Ok(Word(v.as_bytes().to_vec()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Word, E> {
        Ok(Word(v.into_bytes()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Word, E> {
        Ok(Word(v.to_string().into_bytes()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Word, E> {
        Ok(Word(v.to_string().into_bytes()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Word, E> {
        Ok(Word(v.to_string().into_bytes()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Word, E> {
        // As `serde_json::Number` shows it, so that `2.5` is sent as `2.5`.
        serde_json::Number::from_f64(v)
            .map(|n| Word(n.to_string().into_bytes()))
            .ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_booleans_become_strings() {
        let cmd = parse_single(br#"["EVALSHA","abc",1,"k",2.5,true]"#).unwrap();
        let text: Vec<String> = cmd
            .iter()
            .map(|a| String::from_utf8(a.clone()).unwrap())
            .collect();
        assert_eq!(text, ["EVALSHA", "abc", "1", "k", "2.5", "true"]);
        let batch =
            parse_batch(br#"[["SET","k\u00e9\n",-3,1e3,18446744073709551615,false]]"#).unwrap();
        let text: Vec<String> = batch[0]
            .iter()
            .map(|a| String::from_utf8(a.clone()).unwrap())
            .collect();
        assert_eq!(
            text,
            [
                "SET",
                "k\u{e9}\n",
                "-3",
                "1000.0",
                "18446744073709551615",
                "false"
            ]
        );
    }

    #[test]
    fn says_whether_the_body_is_not_json_or_not_commands() {
        let not_json = parse_batch(b"[[\"PING\"]").unwrap_err().0;
        assert!(
            not_json.starts_with("ERR Request body is not valid JSON"),
            "{not_json}"
        );
        assert_eq!(
            parse_batch(br#"[["PING"],[]]"#).unwrap_err().0,
            INVALID_BATCH
        );
        assert_eq!(
            parse_single(br#"["SET",null]"#).unwrap_err().0,
            INVALID_COMMAND
        );
    }

    #[test]
    fn rejects_objects_nulls_and_empty_commands() {
        assert!(parse_single(br#"["SET",{"a":1}]"#).is_err());
        assert!(parse_single(br#"["SET",null]"#).is_err());
        assert!(parse_single(b"[]").is_err());
        assert!(parse_single(br#"{"cmd":"PING"}"#).is_err());
        assert!(parse_single(b"PING").is_err());
        assert!(parse_batch(br#"[["PING"],"PING"]"#).is_err());
        assert!(parse_batch(br#"[["PING"],[]]"#).is_err());
        assert_eq!(parse_batch(b"[]").unwrap().len(), 0);
    }

    #[test]
    fn recognises_blocking_commands() {
        let cmd =
            |words: &[&str]| -> Command { words.iter().map(|w| w.as_bytes().to_vec()).collect() };
        assert!(is_blocking(&cmd(&["blpop", "k", "0"])));
        assert!(is_blocking(&cmd(&[
            "XREAD", "block", "0", "STREAMS", "s", "$"
        ])));
        assert!(!is_blocking(&cmd(&["XREAD", "STREAMS", "s", "0"])));
        assert!(!is_blocking(&cmd(&["LPOP", "k"])));
    }

    #[test]
    fn refuses_connection_state_commands() {
        assert!(check_allowed(&vec![b"multi".to_vec()]).is_err());
        assert!(check_allowed(&vec![b"CLIENT".to_vec(), b"reply".to_vec()]).is_err());
        assert!(check_allowed(&vec![b"CLIENT".to_vec(), b"ID".to_vec()]).is_ok());
        assert!(check_allowed(&vec![b"EVALSHA".to_vec()]).is_ok());
    }
}
