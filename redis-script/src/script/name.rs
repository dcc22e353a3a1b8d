//! A script's name: what logs, traces, errors and the registry call it.

use std::fmt;

/// The longest name a script may have, in bytes: a name is meant to fit in a log line and a span
/// field, not to hold data.
pub const MAX_NAME_LEN: usize = 128;

/// Why a name can not name a script. (`lua_script!` checks the same rules at compile time.)
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScriptNameError {
    /// The name is empty.
    Empty,
    /// The name is longer than [`MAX_NAME_LEN`] bytes.
    TooLong {
        /// Its length, in bytes.
        len: usize,
    },
    /// The name holds a control character (a line break, a tab, ...), which would break log lines.
    ControlCharacter {
        /// The byte offset of the first one.
        at: usize,
    },
}

impl fmt::Display for ScriptNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScriptNameError::Empty => f.write_str("a script name can not be empty"),
            ScriptNameError::TooLong { len } => write!(
                f,
                "a script name is at most {MAX_NAME_LEN} bytes long, this one has {len}; name the \
                 script, not its contents"
            ),
            ScriptNameError::ControlCharacter { at } => write!(
                f,
                "a script name can not hold control characters (line breaks, tabs, ...), as it goes \
                 into log lines; this one has one at byte {at}"
            ),
        }
    }
}

impl std::error::Error for ScriptNameError {}

/// Checks `name` against the rules.
pub(crate) fn check(name: &str) -> Result<(), ScriptNameError> {
    if name.is_empty() {
        return Err(ScriptNameError::Empty);
    }
    if name.len() > MAX_NAME_LEN {
        return Err(ScriptNameError::TooLong { len: name.len() });
    }
    match name.char_indices().find(|(_, c)| c.is_control()) {
        Some((at, _)) => Err(ScriptNameError::ControlCharacter { at }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_error_is_a_std_error() {
        fn is_error<E: std::error::Error + Clone + Send + Sync + 'static>() {}
        is_error::<ScriptNameError>();
    }

    #[test]
    fn names_are_short_printable_text() {
        assert_eq!(check("lua/rate_limit.lua"), Ok(()));
        assert_eq!(check("débit ⏱"), Ok(()));
        assert_eq!(check(""), Err(ScriptNameError::Empty));
        let long = "x".repeat(MAX_NAME_LEN + 1);
        assert_eq!(check(&long), Err(ScriptNameError::TooLong { len: 129 }));
        assert_eq!(check(&long[1..]), Ok(()));
        assert_eq!(
            check("rate\nlimit"),
            Err(ScriptNameError::ControlCharacter { at: 4 })
        );
        assert!(
            ScriptNameError::TooLong { len: 200 }
                .to_string()
                .contains("at most 128 bytes")
        );
    }
}
