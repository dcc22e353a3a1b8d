//! Request bodies: script commands and batches as the JSON arrays the Upstash REST API reads.
//!
//! JSON carries only text, so every key and argument must be UTF-8. A value that is not is refused here,
//! before anything is sent, with its position (never its bytes).

use serde::ser::{SerializeSeq, Serializer};

use crate::{BatchCommand, BatchError, Command, Error, TransportError, TransportErrorKind, Values};

/// What JSON can not carry: a value that is not UTF-8, named by its place (`key KEYS[1]`).
struct NotText(String);

impl NotText {
    fn why(&self) -> String {
        format!(
            "{} is not valid UTF-8, and the Upstash REST API carries only text; send binary keys \
             and arguments over the RESP transport",
            self.0
        )
    }
}

/// `[name, body, numkeys, keys.., args..]` for one script command.
pub(crate) fn command(command: &Command<'_>) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(64 + command_size(command));
    let mut ser = serde_json::Serializer::new(&mut out);
    match write_command(&mut ser, command) {
        Ok(written) => written.map_err(json_error)?,
        Err(not_text) => {
            return Err(Error::Transport(TransportError::new(
                TransportErrorKind::Config,
                not_text.why(),
                false,
            )));
        }
    }
    Ok(out)
}

/// `[[..], [..]]` for `/pipeline` and `/multi-exec`: script commands as for [`command`], loads as
/// `["SCRIPT", "LOAD", text]`, other commands as their words.
pub(crate) fn batch(commands: &[BatchCommand<'_>]) -> Result<Vec<u8>, Error> {
    let size: usize = commands
        .iter()
        .map(|c| match c {
            BatchCommand::Script(c) => 16 + command_size(c),
            BatchCommand::Load(text) | BatchCommand::LoadLibrary(text) => 32 + text.len(),
            BatchCommand::Raw(words) => 8 + 4 * words.len() + words.byte_len(),
        })
        .sum();
    let mut out = Vec::with_capacity(2 + size);
    out.push(b'[');
    for (i, command) in commands.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let mut ser = serde_json::Serializer::new(&mut out);
        let written = match command {
            BatchCommand::Script(c) => write_command(&mut ser, c),
            BatchCommand::Load(text) => Ok(write_words(&mut ser, &["SCRIPT", "LOAD", text])),
            BatchCommand::LoadLibrary(code) => {
                Ok(write_words(&mut ser, &["FUNCTION", "LOAD", code]))
            }
            BatchCommand::Raw(words) => {
                let words: Result<Vec<&str>, NotText> = words
                    .iter()
                    .enumerate()
                    .map(|(w, word)| text(word, || format!("word {}", w + 1)))
                    .collect();
                words.map(|words| write_words(&mut ser, &words))
            }
        };
        match written {
            Ok(written) => written.map_err(json_error)?,
            Err(not_text) => return Err(BatchError::unsendable(i, not_text.why()).into()),
        }
    }
    out.push(b']');
    Ok(out)
}

fn command_size(command: &Command<'_>) -> usize {
    command.body().len() + command.keys().byte_len() + command.args().byte_len()
}

/// Writes `[name, body, numkeys, keys.., args..]`; the outer error names a value that is not text.
fn write_command<W: std::io::Write>(
    ser: &mut serde_json::Serializer<W>,
    command: &Command<'_>,
) -> Result<Result<(), serde_json::Error>, NotText> {
    let keys = texts(command.keys(), |i| format!("key KEYS[{i}]"))?;
    let args = texts(command.args(), |i| format!("argument ARGV[{i}]"))?;
    Ok((|| {
        let mut seq = ser.serialize_seq(Some(3 + keys.len() + args.len()))?;
        seq.serialize_element(command.name().as_str())?;
        seq.serialize_element(command.body())?;
        seq.serialize_element(&keys.len())?;
        for text in keys.iter().chain(args.iter()) {
            seq.serialize_element(text)?;
        }
        seq.end()
    })())
}

fn write_words<W: std::io::Write>(
    ser: &mut serde_json::Serializer<W>,
    words: &[&str],
) -> Result<(), serde_json::Error> {
    let mut seq = ser.serialize_seq(Some(words.len()))?;
    for word in words {
        seq.serialize_element(word)?;
    }
    seq.end()
}

/// Every value of `list` as text; `position(i)` (1-based) names a value that is not UTF-8.
fn texts(list: Values<'_>, position: impl Fn(usize) -> String) -> Result<Vec<&str>, NotText> {
    list.iter()
        .enumerate()
        .map(|(i, bytes)| text(bytes, || position(i + 1)))
        .collect()
}

fn text(bytes: &[u8], position: impl FnOnce() -> String) -> Result<&str, NotText> {
    std::str::from_utf8(bytes).map_err(|_| NotText(position()))
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
    use crate::{ArgList, CommandName};

    #[test]
    fn a_script_command_is_a_json_array_with_numkeys_as_number() {
        let keys = ArgList::new(&["k1", "k2"]);
        let args = ArgList::new(&(42, "é", 2.5));
        let cmd = Command::new(
            CommandName::EvalSha,
            "return 1",
            "abc",
            keys.values(),
            args.values(),
        );
        let body = command(&cmd).unwrap();
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"["EVALSHA","abc",2,"k1","k2","42","é","2.5"]"#
        );
        let cmd = Command::new(
            CommandName::EvalRo,
            "return \"x\"\n",
            "abc",
            keys.values(),
            args.values(),
        );
        let value: serde_json::Value = serde_json::from_slice(&command(&cmd).unwrap()).unwrap();
        assert_eq!(value[0], "EVAL_RO");
        assert_eq!(value[1], "return \"x\"\n");
    }

    #[test]
    fn non_utf8_values_are_refused_by_position_without_their_bytes() {
        let keys = ArgList::new(&["ok", "\u{1F600}"]);
        let args = ArgList::new(&(String::from("fine"), b"secret\xff".to_vec()));
        let cmd = Command::new(
            CommandName::Eval,
            "return 1",
            "abc",
            keys.values(),
            args.values(),
        );
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
        let cmd = Command::new(
            CommandName::Eval,
            "return 1",
            "abc",
            keys.values(),
            empty.values(),
        );
        assert!(command(&cmd).unwrap_err().to_string().contains("KEYS[1]"));
    }

    #[test]
    fn batches_are_arrays_of_arrays() {
        let set = ArgList::new(&("SET", "k", 1));
        let keys = ArgList::new(&["k"]);
        let args = ArgList::new(&[7]);
        let call = Command::new(
            CommandName::EvalSha,
            "return 1",
            "abc",
            keys.values(),
            args.values(),
        );
        let body = batch(&[
            BatchCommand::Raw(set.values()),
            BatchCommand::Load("return 1"),
            BatchCommand::Script(call),
            BatchCommand::LoadLibrary("#!lua name=l"),
        ])
        .unwrap();
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r##"[["SET","k","1"],["SCRIPT","LOAD","return 1"],["EVALSHA","abc",1,"k","7"],["FUNCTION","LOAD","#!lua name=l"]]"##
        );
        let binary = ArgList::new(&("SET", "k", vec![0xfe_u8]));
        let err = batch(&[
            BatchCommand::Raw(set.values()),
            BatchCommand::Raw(binary.values()),
        ])
        .unwrap_err();
        let Error::Batch(b) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(b.entries(), [1]);
        assert!(
            err.to_string()
                .contains("entry 1 can not be sent: word 3 is not valid UTF-8"),
            "{err}"
        );
    }
}
