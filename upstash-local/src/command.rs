//! Request bodies: a JSON command (`["SET","k","v"]`) or a batch of them.

use serde_json::Value;

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

/// Parses the body of `POST /`: a non-empty JSON array of strings, numbers or booleans.
pub(crate) fn parse_single(body: &[u8]) -> Result<Command, BodyError> {
    let value = parse_json(body)?;
    command_from_json(&value).ok_or_else(|| {
        BodyError(
            "ERR Invalid command array. Expected a non-empty array of strings, numbers or booleans."
                .to_owned(),
        )
    })
}

/// Parses the body of `POST /pipeline` and `POST /multi-exec`: an array of commands.
pub(crate) fn parse_batch(body: &[u8]) -> Result<Vec<Command>, BodyError> {
    let value = parse_json(body)?;
    let invalid = || {
        BodyError(
            "ERR Invalid command array. Expected an array of non-empty arrays of strings, numbers or booleans."
                .to_owned(),
        )
    };
    let Value::Array(items) = value else {
        return Err(invalid());
    };
    items
        .iter()
        .map(|item| command_from_json(item).ok_or_else(invalid))
        .collect()
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

fn parse_json(body: &[u8]) -> Result<Value, BodyError> {
    serde_json::from_slice(body)
        .map_err(|err| BodyError(format!("ERR Request body is not valid JSON: {err}")))
}

/// Converts `["SET","k",1,true]` into arguments; `None` unless it is a
/// non-empty array of strings, numbers and booleans (the SDKs send nothing else).
fn command_from_json(value: &Value) -> Option<Command> {
    let Value::Array(items) = value else {
        return None;
    };
    if items.is_empty() {
        return None;
    }
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Some(s.as_bytes().to_vec()),
            Value::Number(n) => Some(n.to_string().into_bytes()),
            Value::Bool(b) => Some(b.to_string().into_bytes()),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        })
        .collect()
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
