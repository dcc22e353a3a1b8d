//! What names a script wherever it is shown: its text, SHA-1 and name as shared strings, the label an
//! error or a trace carries, and the SHA-1 itself.
//!
//! The ground floor: errors, decoding and traces name scripts with these, so this module imports
//! nothing of this crate.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A script's text, SHA-1 or name: in the binary (`lua_script!`) or shared (built at run time), so that
/// cloning a script, or naming it in an error, never copies its text.
#[derive(Clone)]
pub(crate) enum Shared {
    Static(&'static str),
    Arc(Arc<str>),
}

impl Deref for Shared {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Shared::Static(s) => s,
            Shared::Arc(s) => s,
        }
    }
}

impl From<Cow<'static, str>> for Shared {
    fn from(text: Cow<'static, str>) -> Self {
        match text {
            Cow::Borrowed(s) => Shared::Static(s),
            Cow::Owned(s) => Shared::Arc(s.into()),
        }
    }
}

impl PartialEq for Shared {
    fn eq(&self, other: &Shared) -> bool {
        **self == **other
    }
}

impl Eq for Shared {}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// The script an error is about: its name, if it has one, and its SHA-1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ScriptLabel {
    pub(crate) name: Option<Shared>,
    pub(crate) sha1: Shared,
    /// A function: `name` is `library.function`, `sha1` the library's.
    pub(crate) function: bool,
}

impl fmt::Display for ScriptLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.name, self.function) {
            (Some(name), true) => write!(f, "function {:?} (library {})", &**name, &*self.sha1),
            (Some(name), false) => write!(f, "script {:?} ({})", &**name, &*self.sha1),
            (None, _) => write!(f, "script {}", &*self.sha1),
        }
    }
}

/// The script an error is about, where it is about one; boxed, as most errors are about none.
pub(crate) type Label = Option<Box<ScriptLabel>>;

/// ` (script "lua/limit.lua" (<sha1>))` after an error's own text.
pub(crate) fn about(f: &mut fmt::Formatter<'_>, script: &Label) -> fmt::Result {
    match script {
        Some(script) => write!(f, " ({script})"),
        None => Ok(()),
    }
}

/// Lowercase hex SHA-1 of `bytes`, as Redis names scripts.
pub(crate) fn sha1_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut hex = String::with_capacity(40);
    for byte in sha1_smol::Sha1::from(bytes).digest().bytes() {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Something that names a script (or a function): a script's insides, or a label already made. Errors
/// and traces take one, so that they never need to know what a script is made of.
pub(crate) trait Named {
    /// Its name, if it has one.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    fn name(&self) -> Option<&str>;
    /// Its SHA-1 (a function: its library's).
    fn sha1(&self) -> &str;
    /// True for a function of a library.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    fn is_function(&self) -> bool;
    /// The label an error about it carries.
    fn label(&self) -> ScriptLabel;
    /// True for a function or a script with a `#!lua` shebang: the server checks memory,
    /// replication and disk before running those, so an OOM, READONLY, MISCONF or NOREPLICAS reply
    /// to them proves nothing ran.
    fn declares_flags(&self) -> bool;
}

impl Named for ScriptLabel {
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn sha1(&self) -> &str {
        &self.sha1
    }

    fn is_function(&self) -> bool {
        self.function
    }

    fn label(&self) -> ScriptLabel {
        self.clone()
    }

    /// A label does not hold the script's text: only a function is known to declare flags.
    fn declares_flags(&self) -> bool {
        self.function
    }
}
