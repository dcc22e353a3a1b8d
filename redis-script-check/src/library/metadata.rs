//! The `#!lua name=<lib>` line, read as Redis reads it (`functionExtractLibMetaData`) and where
//! Valkey reads it otherwise: the library's name, or what the server answers instead.

use crate::shebang::{first_line_len, split_words, split_words_as};

use super::NAME_RULE;

/// True for a name Redis accepts (`functionsVerifyName`).
pub(super) fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// The library's name and the length of its first line, or what Redis answers instead; with
/// `valkey`, also what Valkey 9.1 answers where it reads the line otherwise (a problem that does not
/// stop the check: Redis goes on).
pub(super) fn metadata(
    text: &str,
    valkey: bool,
) -> Result<(String, usize, Option<String>), String> {
    let fix = "start the file with \"#!lua name=<library>\"";
    if !text.starts_with("#!") {
        return Err(format!(
            "a library starts with its metadata line (Redis: \"Missing library metadata\"); {fix}"
        ));
    }
    let Some(len) = first_line_len(text) else {
        return Err(format!(
            "the metadata line must be followed by a newline and the library's code (Redis: \"Invalid \
             library metadata\"){}",
            if text.contains('\0') {
                "; it holds a NUL byte, where Redis stops looking for its end"
            } else {
                ""
            }
        ));
    };
    let line = &text.as_bytes()[..len];
    let words = split_words(line)
        .filter(|words| !words.is_empty())
        .ok_or_else(|| {
            format!(
                "the metadata line has an unterminated quote, or a closing quote followed by more \
                 than a space (Redis: \"Invalid library metadata\"); {fix}"
            )
        })?;
    let name = library_name(&words).map_err(|message| format!("{message}; {fix}"))?;
    let theirs = split_words_as(line, true).filter(|words| !words.is_empty());
    let outcome = match theirs.as_deref().map(library_name) {
        _ if !valkey || theirs.as_ref() == Some(&words) => None,
        Some(Ok(same)) if same == name => None,
        Some(Ok(other)) => Some(format!("names the library {other:?}")),
        _ => Some("refuses it".to_owned()),
    };
    let valkey = outcome.map(|outcome| {
        format!(
            "Valkey 9.1 splits the metadata line otherwise (after a closing quote, a word goes on up to \
             a space, tab or line break), and {outcome}; {fix}"
        )
    });
    Ok((name, len, valkey))
}

/// The name the words of the metadata line give the library, or what Redis answers instead.
fn library_name(words: &[Vec<u8>]) -> Result<String, String> {
    let mut words = words.iter().map(|word| String::from_utf8_lossy(word));
    let engine = words.next().unwrap_or_default();
    let mut name = None;
    for word in words {
        let value = word
            .get(..5)
            .filter(|key| key.eq_ignore_ascii_case("name="))
            .and_then(|_| word.get(5..));
        match value {
            Some(_) if name.is_some() => {
                return Err(
                    "the metadata line names the library twice (Redis: \"Invalid metadata \
                     value, name argument was given multiple times\"); keep one name="
                        .to_owned(),
                );
            }
            Some(value) => name = Some(value.to_owned()),
            None => {
                // Redis prints the word as a C string: up to a NUL byte an escape put in it.
                let said = word.split('\0').next().unwrap_or_default();
                return Err(format!(
                    "unknown metadata \"{word}\" (Redis: \"Invalid metadata value given: {said}\"); \
                     the only one is name=, flags go on each function"
                ));
            }
        }
    }
    let Some(name) = name else {
        return Err(
            "the metadata line does not name the library (Redis: \"Library name was not \
             given\")"
                .to_owned(),
        );
    };
    if !valid_name(name.as_bytes()) {
        return Err(format!(
            "the library name {name:?} is refused (Redis: \"{NAME_RULE}\"); use letters, digits and _"
        ));
    }
    if !engine
        .get(2..)
        .is_some_and(|engine| engine.eq_ignore_ascii_case("lua"))
    {
        let engine = engine.get(2..).unwrap_or_default();
        return Err(format!(
            "the library's engine is \"{engine}\", but Redis only has \"lua\" (Redis: \"Engine \
             '{engine}' not found\")"
        ));
    }
    Ok(name)
}
