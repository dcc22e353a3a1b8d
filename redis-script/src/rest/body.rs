//! Request bodies: script commands and batches as the JSON arrays the Upstash REST API reads.
//!
//! JSON carries only text, so every key and argument must be UTF-8. A value that is not is refused here,
//! before anything is sent, with its position (never its bytes).

use serde::ser::{SerializeSeq, Serializer};

use crate::{ArgList, Command, Error, TransportError, TransportErrorKind};

/// `[name, body, numkeys, keys.., args..]` for one script command.
pub(crate) fn command(command: &Command<'_>) -> Result<Vec<u8>, Error> {
    let keys = texts(command.keys(), |i| format!("key KEYS[{i}]"))?;
    let args = texts(command.args(), |i| format!("argument ARGV[{i}]"))?;
    let size = 64
        + command.body().len()
        + command.keys().iter().map(<[u8]>::len).sum::<usize>()
        + command.args().iter().map(<[u8]>::len).sum::<usize>();
    let mut out = Vec::with_capacity(size);
    let mut ser = serde_json::Serializer::new(&mut out);
    let written = (|| {
        let mut seq = ser.serialize_seq(Some(3 + keys.len() + args.len()))?;
        seq.serialize_element(command.name().as_str())?;
        seq.serialize_element(command.body())?;
        seq.serialize_element(&keys.len())?;
        for text in keys.iter().chain(args.iter()) {
            seq.serialize_element(text)?;
        }
        seq.end()
    })();
    written.map_err(json_error)?;
    Ok(out)
}

/// `[[word..], [word..]]` for `/pipeline` and `/multi-exec`.
pub(crate) fn batch(commands: &[ArgList]) -> Result<Vec<u8>, Error> {
    let mut words = Vec::with_capacity(commands.len());
    for (n, command) in commands.iter().enumerate() {
        words.push(texts(command, |i| {
            format!("word {i} of command {}", n + 1)
        })?);
    }
    serde_json::to_vec(&words).map_err(json_error)
}

/// Every value of `list` as text; `position(i)` (1-based) names a value that is not UTF-8.
fn texts(list: &ArgList, position: impl Fn(usize) -> String) -> Result<Vec<&str>, Error> {
    list.iter()
        .enumerate()
        .map(|(i, bytes)| {
            std::str::from_utf8(bytes).map_err(|_| {
                Error::Transport(TransportError::new(
                    TransportErrorKind::Config,
                    format!(
                        "{} is not valid UTF-8, and the Upstash REST API carries only text; \
                         send binary keys and arguments over the RESP transport",
                        position(i + 1)
                    ),
                    false,
                ))
            })
        })
        .collect()
}

/// Serializing strings and integers into a `Vec` can not fail; a typed error all the same.
fn json_error(e: serde_json::Error) -> Error {
    Error::Transport(
        TransportError::new(
            TransportErrorKind::Config,
            "the request body could not be written as JSON",
            false,
        )
        .with_source(e),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::CommandName;

    #[test]
    fn a_script_command_is_a_json_array_with_numkeys_as_number() {
        let keys = ArgList::new(&["k1", "k2"]);
        let args = ArgList::new(&(42, "é", 2.5));
        let cmd = Command::new(CommandName::EvalSha, "return 1", "abc", &keys, &args);
        let body = command(&cmd).unwrap();
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"["EVALSHA","abc",2,"k1","k2","42","é","2.5"]"#
        );
        let cmd = Command::new(CommandName::EvalRo, "return \"x\"\n", "abc", &keys, &args);
        let value: serde_json::Value = serde_json::from_slice(&command(&cmd).unwrap()).unwrap();
        assert_eq!(value[0], "EVAL_RO");
        assert_eq!(value[1], "return \"x\"\n");
    }

    #[test]
    fn non_utf8_values_are_refused_by_position_without_their_bytes() {
        let keys = ArgList::new(&["ok", "\u{1F600}"]);
        let args = ArgList::new(&(String::from("fine"), b"secret\xff".to_vec()));
        let cmd = Command::new(CommandName::Eval, "return 1", "abc", &keys, &args);
        let err = command(&cmd).unwrap_err();
        let Error::Transport(t) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(t.kind(), TransportErrorKind::Config);
        assert!(!err.may_have_run());
        let text = format!("{err} {err:?}");
        assert!(text.contains("ARGV[2]"), "{text}");
        assert!(text.contains("RESP"), "{text}");
        assert!(!text.contains("secret"), "{text}");

        let keys = ArgList::new(&[b"\x80".to_vec()]);
        let empty = ArgList::default();
        let cmd = Command::new(CommandName::Eval, "return 1", "abc", &keys, &empty);
        assert!(command(&cmd).unwrap_err().to_string().contains("KEYS[1]"));
    }

    #[test]
    fn batches_are_arrays_of_arrays() {
        let body = batch(&[ArgList::new(&("SET", "k", 1)), ArgList::new(&("GET", "k"))]).unwrap();
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"[["SET","k","1"],["GET","k"]]"#
        );
        let err = batch(&[
            ArgList::new(&("GET", "k")),
            ArgList::new(&("SET", "k", vec![0xfe_u8])),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("word 3 of command 2"), "{err}");
    }
}
