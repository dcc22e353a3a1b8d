//! [`ServerError`]: an error reply of the server that no running script raised.

use std::fmt;

use super::redact;
use super::refusal::{self, Answered};
use crate::label::ScriptLabel;

/// An error reply from the server that was not raised by a running script.
///
/// Its message never shows a key or argument of the call (see [`unredacted_message`]); `Debug`
/// neither.
///
/// [`unredacted_message`]: ServerError::unredacted_message
#[derive(Clone, PartialEq, Eq)]
pub struct ServerError {
    // Boxed strings, not `String`s: errors stay small (a batch holds one result per entry).
    pub(super) code: Box<str>,
    /// As shown: without the values of the call.
    pub(super) message: Box<str>,
    /// What is rarely there, in a box of its own so that errors stay small.
    pub(super) about: Option<Box<About>>,
    /// Whether the reply proves that nothing ran, for what it answered ([`refusal`]).
    pub(super) refusal: bool,
}

/// The script a [`ServerError`] is about, and its message as the server sent it when values of the
/// call were taken out of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct About {
    pub(super) script: Option<ScriptLabel>,
    pub(super) unredacted: Option<Box<str>>,
    /// The reply reads like a refusal but was not proven one: a redirect the cluster did not confirm
    /// is what a running script returned (`redis.error_reply('MOVED ..')`).
    pub(super) unproven: bool,
}

impl fmt::Debug for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerError")
            .field("code", &self.code)
            .field("message", &self.message)
            .field("script", &self.script())
            .field("refusal", &self.refusal)
            .finish()
    }
}

impl ServerError {
    /// The error code, the first word of the reply: `NOSCRIPT`, `ERR`, `BUSY`, `NOAUTH`, ...
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The rest of the reply after the code, without the keys and arguments of the call where the
    /// server echoed them (`No such key '<redacted>' or consumer group '<redacted>'`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The rest of the reply after the code exactly as the server sent it, keys and arguments of the
    /// call included: for a log that may hold them. [`message`](Self::message) and `Display` never
    /// show them.
    pub fn unredacted_message(&self) -> &str {
        self.about
            .as_ref()
            .and_then(|about| about.unredacted.as_deref())
            .unwrap_or(&self.message)
    }

    pub(super) fn script(&self) -> Option<&ScriptLabel> {
        self.about.as_ref()?.script.as_ref()
    }

    pub(super) fn redact<'v>(&mut self, values: impl IntoIterator<Item = &'v [u8]>) {
        let values: Vec<&[u8]> = values.into_iter().collect();
        // From the text as it is: a second redaction (the transport's, then the call's) keeps the
        // first's.
        if let Some(redacted) = redact::redact(&self.message, values.iter().copied()) {
            let original = std::mem::replace(&mut self.message, redacted.into());
            let about = self.about.get_or_insert_default();
            about.unredacted.get_or_insert(original);
        }
        if let Some(code) = redact::redact_code(&self.code, &values) {
            self.code = code.into();
        }
    }

    /// True for the server's own "script not cached" reply to EVALSHA / EVALSHA_RO.
    ///
    /// The code must be `NOSCRIPT` and the message Redis's own `No matching script...`: a script that
    /// returns `redis.error_reply("NOSCRIPT ...")` with any other text is not taken for a missing script.
    /// (One that returns Redis's exact text can not be told apart on the wire; `lua_script!` rejects
    /// scripts that return a NOSCRIPT error written in them, and in reply to EVAL it is always the
    /// script's own. See [when `exec` falls back](crate::script#when-does-exec-fall-back).)
    pub fn is_noscript(&self) -> bool {
        // Not once the script is known to have returned it itself (`Error::unproven`).
        self.refusal
            && &*self.code == "NOSCRIPT"
            && self.unredacted_message().starts_with("No matching script")
    }

    /// True for `ERR Function not found`, the server's reply to FCALL of a function no library it has
    /// registers. Matched exactly: `lua_library!` refuses functions that return that text themselves.
    pub fn is_function_not_found(&self) -> bool {
        &*self.code == "ERR" && self.unredacted_message() == refusal::FUNCTION_NOT_FOUND
    }

    /// The command the server does not know, from its `unknown command` reply: `FCALL`, `FCALL_RO`
    /// or `FUNCTION` from a server without Redis Functions (Redis 6), `EVAL_RO` or `EVALSHA_RO` from
    /// one without read-only scripts. Nothing ran.
    pub fn unknown_command(&self) -> Option<&str> {
        let quoted = self.unredacted_message().strip_prefix("unknown command ")?;
        if &*self.code != "ERR" {
            return None;
        }
        // Redis 6 quotes the name in backticks, Redis 7+ in single quotes.
        let close = match quoted.chars().next()? {
            '`' => '`',
            '\'' => '\'',
            _ => return None,
        };
        let name = quoted.get(1..)?;
        name.find(close).map(|end| &name[..end])
    }

    /// What to do about an unknown command this crate sends, if this is one.
    fn unknown_command_hint(&self) -> Option<&'static str> {
        let name = self.unknown_command()?;
        if ["FCALL", "FCALL_RO", "FUNCTION"]
            .iter()
            .any(|c| name.eq_ignore_ascii_case(c))
        {
            Some(
                "this server has no Redis Functions, which need Redis 7.0 or later, Valkey or \
                 Upstash: upgrade it, or call the code as a script (lua_script!)",
            )
        } else if ["EVAL_RO", "EVALSHA_RO"]
            .iter()
            .any(|c| name.eq_ignore_ascii_case(c))
        {
            Some(
                "this server has no read-only script commands, which need Redis 7.0 or later, \
                 Valkey or Upstash: upgrade it, or call the script as a Script (EVALSHA)",
            )
        } else {
            None
        }
    }

    /// True when this reply proves that nothing ran: one of Redis's refusals before it runs a
    /// command, which a running script can not pass through from its own commands.
    ///
    /// NOSCRIPT, BUSY, NOAUTH, NOPERM, WRONGPASS, LOADING, MOVED, ASK, CROSSSLOT, TRYAGAIN,
    /// CLUSTERDOWN, MASTERDOWN; the checks before a script runs (`allow-oom flag is not set`, a
    /// write-flagged script on a replica or with `_RO`, `Writable scripts are blocked`, a bad
    /// shebang, `Function not found`, an unknown command, a script command with the wrong number of
    /// arguments); and `OOM`, `READONLY`, `MISCONF`, `NOREPLICAS` for a script that declares flags (a
    /// `#!lua` shebang) or a function, which the server checks before running it. The same four
    /// codes for a script without a shebang may come from inside it (`return redis.pcall(..)` of a
    /// write the server refused), after it wrote: they count as "may have run", and so does every
    /// other error (`ERR This Redis command is not allowed from script` among them). For a plain
    /// command of a batch, its own refusals count too (a wrong number of arguments, a write on a
    /// replica).
    ///
    /// A script that returns one of these codes itself (`redis.error_reply("BUSY ...")`) can not be
    /// told apart; don't.
    pub fn is_refusal(&self) -> bool {
        self.refusal
    }

    /// Classifies the reply again, now that what it answered is known.
    pub(crate) fn answered(&mut self, answered: Answered<'_>) {
        let unproven = self.about.as_ref().is_some_and(|about| about.unproven);
        self.refusal =
            !unproven && refusal::is_refusal(&self.code, self.unredacted_message(), answered);
    }

    /// Counts this reply as one that may come from a running script, whatever it reads like.
    pub(super) fn unproven(&mut self) {
        self.about.get_or_insert_default().unproven = true;
        self.refusal = false;
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "server error {}", self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if self.is_noscript() {
            f.write_str(" (the script is not in this server's script cache)")?;
        }
        if let Some(hint) = self.unknown_command_hint() {
            write!(f, " ({hint})")?;
        }
        match self.script() {
            Some(script) => write!(f, " ({script})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for ServerError {}

#[cfg(test)]
mod tests {
    use crate::Error;

    #[test]
    fn noscript_from_evalsha_is_recognised() {
        let e = Error::from_reply_text("NOSCRIPT No matching script. Please use EVAL.");
        assert!(e.is_noscript());
        assert!(!e.may_have_run());
        assert_eq!(e.code(), Some("NOSCRIPT"));
    }

    #[test]
    fn an_unknown_command_names_itself_and_says_what_the_server_lacks() {
        // Redis 6.2 quotes in backticks, Redis 7 in single quotes.
        let redis6 = "ERR unknown command `FCALL`, with args beginning with: `f`, `0`, ";
        let redis7 = "ERR unknown command 'EVALSHA_RO', with args beginning with: ";
        let (fcall, ro) = (
            Error::from_reply_text(redis6),
            Error::from_reply_text(redis7),
        );
        let Error::Server(server) = &fcall else {
            panic!("{fcall:?}")
        };
        assert_eq!(server.unknown_command(), Some("FCALL"));
        assert!(fcall.is_unknown_command() && !fcall.may_have_run());
        assert!(fcall.to_string().contains("no Redis Functions"), "{fcall}");
        assert!(ro.is_unknown_command());
        assert!(
            ro.to_string().contains("no read-only script commands"),
            "{ro}"
        );
        let other = Error::from_reply_text("ERR unknown command 'FOO', with args beginning with: ");
        assert!(other.is_unknown_command());
        assert!(!other.to_string().contains("need Redis 7.0"), "{other}");
        assert!(!Error::from_reply_text("ERR unknown command").is_unknown_command());
        assert!(!Error::from_reply_text("ERR Function not found").is_unknown_command());
    }

    #[test]
    fn noscript_raised_by_a_script_is_not_a_missing_script() {
        // What Redis 7 sends for `error(...)` and failing calls inside a script.
        let e = Error::from_reply_text(
            "NOSCRIPT No matching script script: 82903a0434f1503e152f89c03c9acd881a0e8150, on @user_script:1.",
        );
        assert!(!e.is_noscript());
        assert!(matches!(e, Error::Script(_)));
        // `redis.error_reply('NOSCRIPT x')` arrives bare: the message decides.
        assert!(!Error::from_reply_text("NOSCRIPT x").is_noscript());
    }

    #[test]
    fn refusals_did_not_run_but_returned_errors_may_have() {
        let refused = [
            "NOSCRIPT No matching script. Please use EVAL.",
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
            "CROSSSLOT Keys in request don't hash to the same slot",
            "MOVED 3999 127.0.0.1:6381",
            "ERR Unexpected flag in script shebang: x",
            "ERR Can not execute a script with write flag using *_ro command.",
            "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'",
        ];
        for text in refused {
            let e = Error::from_reply_text(text);
            assert!(!e.may_have_run(), "{text}");
        }
        // What a script returns itself, after it may have written: `redis.error_reply("LIMITED ...")`,
        // or `redis.pcall(..)` of a command that failed (SINTERCARD's own refusal, here).
        for text in [
            "LIMITED too many requests",
            "ERR plain",
            "NOSCRIPT x",
            "ERR Number of keys can't be greater than number of args",
            "ERR This Redis command is not allowed from script",
        ] {
            let e = Error::from_reply_text(text);
            assert!(matches!(e, Error::Server(_)), "{text}");
            assert!(e.may_have_run(), "{text}");
        }
        let e = Error::from_reply_text(
            "ERR user_script:1: boom script: 82903a0434f1503e152f89c03c9acd881a0e8150, on @user_script:1.",
        );
        assert!(e.may_have_run());
    }

    #[test]
    fn text_without_a_code_gets_err() {
        let e = Error::from_reply_text("something odd");
        assert_eq!(e.code(), Some("ERR"));
        assert_eq!(e.to_string(), "server error ERR: something odd");
    }
}
