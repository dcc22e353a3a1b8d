//! [`ScriptError`]: an error raised while a script ran, or while Redis compiled it, with the script's
//! line parsed out of the server's text.

use std::fmt;

use super::{ServerError, redact};
use crate::label::Label;

/// An error raised while a script ran (or while Redis compiled it).
///
/// Redis 7 appends `script: <sha1>, on @user_script:<line>.` to errors raised inside a script (Valkey
/// `script: on @user_script:<line>.`); that suffix is parsed into [`sha1`](Self::sha1) and
/// [`line`](Self::line) and removed from the message.
///
/// Its message never shows a key or argument of the call (a script's own `error('no ' .. ARGV[1])`
/// included); see [`unredacted_message`](ScriptError::unredacted_message). `Debug` neither.
#[derive(Clone, PartialEq, Eq)]
pub struct ScriptError {
    pub(super) code: String,
    pub(super) message: String,
    pub(super) sha1: Option<String>,
    pub(super) line: Option<u32>,
    pub(super) script: Label,
    /// The message as the server sent it, when values of the call were taken out of `message`.
    pub(super) unredacted: Option<String>,
}

impl fmt::Debug for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptError")
            .field("code", &self.code)
            .field("message", &self.message)
            .field("sha1", &self.sha1)
            .field("line", &self.line)
            .field("script", &self.script)
            .finish()
    }
}

impl ScriptError {
    /// An error reply that the script itself returned although it reads like one of Redis's refusals
    /// (NOSCRIPT from a script that is cached): it ran.
    pub(crate) fn returned_by(script_sha1: &str, reply: &ServerError) -> ScriptError {
        ScriptError {
            code: reply.code.to_string(),
            message: format!(
                "{} (returned by the script itself: it is in the server's cache, so this is not a \
                 missing script)",
                reply.message
            ),
            sha1: Some(script_sha1.to_owned()),
            line: None,
            script: None,
            unredacted: None,
        }
    }

    pub(super) fn parse(code: &str, message: &str) -> Option<ScriptError> {
        const SUFFIX_START: &str = " script: ";
        if let Some(at) = message.rfind(SUFFIX_START) {
            let suffix = &message[at + SUFFIX_START.len()..];
            // Redis names the script (`<sha1>, on @user_script:3.`), Valkey does not (`on @user_script:3.`).
            // A function: `<function>, on @user_function:3.`; the function is known to the caller.
            let located = match suffix.split_once(", on @user_script:") {
                Some((sha1, place)) => Some((Some(sha1), place)),
                None => suffix
                    .strip_prefix("on @user_script:")
                    .or_else(|| {
                        suffix
                            .split_once("on @user_function:")
                            .map(|(_, place)| place)
                    })
                    .map(|place| (None, place)),
            };
            if let Some((sha1, place)) = located {
                let line = place.trim_end_matches('.').parse().ok();
                return Some(ScriptError {
                    code: code.to_owned(),
                    message: message[..at].to_owned(),
                    sha1: sha1.map(str::to_owned),
                    line,
                    script: None,
                    unredacted: None,
                });
            }
        }
        // Lua runtime errors without the suffix (Redis < 7) and compile errors name `user_script:<line>:`.
        let located = message
            .strip_prefix("Error compiling script (new function): ")
            .or_else(|| message.strip_prefix("Error running script (call to f_"))
            .or_else(|| message.strip_prefix("Error compiling function: "))
            .unwrap_or(message);
        if let Some(rest) = located
            .split_once("user_script:")
            .or_else(|| located.split_once("user_function:"))
            .map(|(_, r)| r)
        {
            let line = rest.split(':').next().and_then(|n| n.parse().ok());
            return Some(ScriptError {
                code: code.to_owned(),
                message: message.to_owned(),
                sha1: None,
                line,
                script: None,
                unredacted: None,
            });
        }
        None
    }

    /// The error code: `ERR` for Lua errors, or the code of the failing command or `error_reply`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The error message, without the `script: ..., on @user_script:N.` suffix and without the keys
    /// and arguments of the call where it held them.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error message (without the suffix) exactly as the server sent it, keys and arguments of
    /// the call included: for a log that may hold them. [`message`](Self::message) and `Display`
    /// never show them.
    pub fn unredacted_message(&self) -> &str {
        self.unredacted.as_deref().unwrap_or(&self.message)
    }

    pub(super) fn redact<'v>(&mut self, values: impl IntoIterator<Item = &'v [u8]>) {
        let values: Vec<&[u8]> = values.into_iter().collect();
        // From the text as it is: a second redaction (the transport's, then the call's) keeps the
        // first's.
        if let Some(redacted) = redact::redact(&self.message, values.iter().copied()) {
            let original = std::mem::replace(&mut self.message, redacted);
            self.unredacted.get_or_insert(original);
        }
        if let Some(code) = redact::redact_code(&self.code, &values) {
            self.code = code.to_owned();
        }
    }

    /// The SHA-1 of the script that failed: the one the server named, or, where it names none (Valkey,
    /// compile errors), the script `exec` or the batch entry ran.
    pub fn sha1(&self) -> Option<&str> {
        self.sha1.as_deref()
    }

    /// True when Redis could not compile the script or library (a syntax error): nothing ran.
    pub fn is_compile_error(&self) -> bool {
        let message = self.unredacted_message();
        message.starts_with("Error compiling script")
            || message.starts_with("Error compiling function")
    }

    /// The line of the script where the error was raised, when the server named it.
    pub fn line(&self) -> Option<u32> {
        self.line
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "script error {}: {}", self.code, self.message)?;
        match (self.line, &self.script, &self.sha1) {
            (Some(line), Some(script), _) => write!(f, " ({script}, line {line})"),
            (None, Some(script), _) => write!(f, " ({script})"),
            (Some(line), None, Some(sha1)) => write!(f, " (script {sha1}, line {line})"),
            (Some(line), None, None) => write!(f, " (line {line})"),
            (None, None, Some(sha1)) => write!(f, " (script {sha1})"),
            (None, None, None) => Ok(()),
        }
    }
}

impl std::error::Error for ScriptError {}

#[cfg(test)]
mod tests {
    use crate::Error;
    use crate::label::{ScriptLabel, Shared};

    #[test]
    fn valkey_suffix_without_sha1_is_parsed_and_the_caller_names_the_script() {
        let e = Error::from_reply_text(
            "READONLY You can't write against a read only replica. script: on @user_script:2.",
        );
        let Error::Script(s) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(
            (s.code(), s.message(), s.line(), s.sha1()),
            (
                "READONLY",
                "You can't write against a read only replica.",
                Some(2),
                None
            )
        );
        let sha1 = "c9db597066bf775182928ed96dd47a8e575cbc33";
        let source = |sha1| ScriptLabel {
            name: Some(Shared::Static("lua/replica.lua")),
            sha1: Shared::Static(sha1),
            function: false,
        };
        let named = e.for_script(&source(sha1));
        assert_eq!(
            (named.script_name(), named.script_sha1()),
            (Some("lua/replica.lua"), Some(sha1))
        );
        let Error::Script(s) = &named else { panic!() };
        assert_eq!(s.sha1(), Some(sha1));
        assert!(
            named
                .to_string()
                .ends_with(&format!("(script \"lua/replica.lua\" ({sha1}), line 2)")),
            "{named}"
        );
        // A SHA-1 the server gave stays.
        let redis = Error::from_reply_text(&format!("ERR boom script: {sha1}, on @user_script:1."));
        let other = redis.for_script(&source("0000000000000000000000000000000000000000"));
        let Error::Script(kept) = &other else {
            panic!()
        };
        assert_eq!(kept.sha1(), Some(sha1));
    }

    #[test]
    fn script_errors_keep_code_message_and_line() {
        let e = Error::from_reply_text(
            "WRONGTYPE Operation against a key holding the wrong kind of value script: c9db597066bf775182928ed96dd47a8e575cbc33, on @user_script:3.",
        );
        let Error::Script(s) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(s.code(), "WRONGTYPE");
        assert_eq!(
            s.message(),
            "Operation against a key holding the wrong kind of value"
        );
        assert_eq!(s.line(), Some(3));
        assert_eq!(s.sha1(), Some("c9db597066bf775182928ed96dd47a8e575cbc33"));
        assert_eq!(
            e.to_string(),
            "script error WRONGTYPE: Operation against a key holding the wrong kind of value \
             (script c9db597066bf775182928ed96dd47a8e575cbc33, line 3)"
        );
    }

    #[test]
    fn compile_errors_are_script_errors() {
        let e = Error::from_reply_text(
            "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'",
        );
        let Error::Script(s) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(s.line(), Some(1));
    }

    #[test]
    fn read_only_violations_are_recognised() {
        let e = Error::from_reply_text(
            "ERR Write commands are not allowed from read-only scripts. script: ff967d0ae0e68b4f9e360fa91c54598bc25ad9b6, on @user_script:1.",
        );
        assert!(e.is_read_only_violation());
        let e = Error::from_reply_text(
            "ERR Can not execute a script with write flag using *_ro command.",
        );
        assert!(e.is_read_only_violation());
        assert!(matches!(e, Error::Server(_)));
    }
}
