//! [`ServerError`]: an error reply of the server that no running script raised.

use std::fmt;

use crate::label::{Label, about};

/// An error reply from the server that was not raised by a running script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerError {
    // Boxed strings, not `String`s: errors stay small (a batch holds one result per entry).
    pub(super) code: Box<str>,
    pub(super) message: Box<str>,
    pub(super) script: Label,
}

impl ServerError {
    /// The error code, the first word of the reply: `NOSCRIPT`, `ERR`, `BUSY`, `NOAUTH`, ...
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The rest of the reply after the code.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// True for the server's own "script not cached" reply to EVALSHA / EVALSHA_RO.
    ///
    /// The code must be `NOSCRIPT` and the message Redis's own `No matching script...`: a script that
    /// returns `redis.error_reply("NOSCRIPT ...")` with any other text is not taken for a missing script.
    /// (One that returns Redis's exact text can not be told apart on the wire; `lua_script!` rejects
    /// scripts that can return a NOSCRIPT error at all.)
    pub fn is_noscript(&self) -> bool {
        &*self.code == "NOSCRIPT" && self.message.starts_with("No matching script")
    }

    /// True for `ERR Function not found`, the server's reply to FCALL of a function no library it has
    /// registers. Matched exactly: `lua_library!` refuses functions that return that text themselves.
    pub fn is_function_not_found(&self) -> bool {
        &*self.code == "ERR" && &*self.message == "Function not found"
    }

    /// The command the server does not know, from its `unknown command` reply: `FCALL`, `FCALL_RO`
    /// or `FUNCTION` from a server without Redis Functions (Redis 6), `EVAL_RO` or `EVALSHA_RO` from
    /// one without read-only scripts. Nothing ran.
    pub fn unknown_command(&self) -> Option<&str> {
        let quoted = self.message.strip_prefix("unknown command ")?;
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

    /// True when this is one of Redis's refusals that come before a script runs, so nothing ran:
    /// NOSCRIPT, BUSY, NOAUTH, NOPERM, WRONGPASS, READONLY, MISCONF, OOM, LOADING, MOVED, ASK,
    /// CROSSSLOT, TRYAGAIN, CLUSTERDOWN, MASTERDOWN, and `ERR` for an unknown command, a wrong number
    /// of arguments or keys, a bad shebang, or a script with the write flag run read-only.
    ///
    /// A script that returns one of these codes itself (`redis.error_reply("BUSY ...")`) can not be
    /// told apart; don't.
    pub fn is_refusal(&self) -> bool {
        const CODES: [&str; 14] = [
            "BUSY",
            "NOAUTH",
            "NOPERM",
            "WRONGPASS",
            "READONLY",
            "MISCONF",
            "OOM",
            "LOADING",
            "MOVED",
            "ASK",
            "CROSSSLOT",
            "TRYAGAIN",
            "CLUSTERDOWN",
            "MASTERDOWN",
        ];
        const ERR_PREFIXES: [&str; 9] = [
            "Function not found",
            "unknown command",
            "wrong number of arguments",
            "Number of keys can't be",
            "Unexpected flag in script shebang",
            "Unknown lua shebang option",
            "Could not find engine",
            "Can not execute a script with write flag using *_ro command",
            "This Redis command is not allowed from script",
        ];
        self.is_noscript()
            || CODES.contains(&&*self.code)
            || (&*self.code == "ERR" && ERR_PREFIXES.iter().any(|p| self.message.starts_with(p)))
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
        about(f, &self.script)
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
            "ERR Number of keys can't be greater than number of args",
            "ERR Unexpected flag in script shebang: x",
            "ERR Can not execute a script with write flag using *_ro command.",
            "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'",
        ];
        for text in refused {
            let e = Error::from_reply_text(text);
            assert!(!e.may_have_run(), "{text}");
        }
        // What a script returns itself, after it may have written: `redis.error_reply("LIMITED ...")`.
        for text in ["LIMITED too many requests", "ERR plain", "NOSCRIPT x"] {
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
