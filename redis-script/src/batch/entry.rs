//! One entry of a batch: a script call or a raw command, with what the planner needs to know of it.

use super::commands::{self, Kind, Refusal};
use crate::{ArgList, EntryKeys};

/// A script call or a raw command, in the order it was added to its batch.
#[derive(Debug)]
pub(crate) enum Entry<'a> {
    /// A call of a [`Script`](crate::Script) or [`ScriptRO`](crate::ScriptRO).
    Script {
        text: &'a str,
        sha1: &'a str,
        /// A `ScriptRO`: sent with EVALSHA_RO.
        read_only: bool,
        keys: ArgList,
        args: ArgList,
    },
    /// Any other command, as its words.
    Command { words: ArgList, kind: Kind },
}

impl<'a> Entry<'a> {
    pub(crate) fn command(words: ArgList) -> Self {
        let kind = commands::classify(&words);
        Entry::Command { words, kind }
    }

    /// True when the entry can not write: a read-only script, or a command the table knows only reads.
    pub(crate) fn is_read_only(&self) -> bool {
        match self {
            Entry::Script { read_only, .. } => *read_only,
            Entry::Command { kind, .. } => kind.read_only,
        }
    }

    /// What it weighs against [`Limits::max_bytes`](crate::Limits::max_bytes): keys, arguments and
    /// command words.
    pub(crate) fn byte_len(&self) -> usize {
        match self {
            Entry::Script { keys, args, .. } => keys.byte_len() + args.byte_len(),
            Entry::Command { words, .. } => words.byte_len(),
        }
    }

    /// Why the entry can not be in a batch, if it can not.
    pub(crate) fn refusal(&self) -> Option<Refusal> {
        match self {
            Entry::Script { .. } => None,
            Entry::Command { kind, .. } => kind.refused,
        }
    }

    /// True for `SCRIPT FLUSH`: later calls need their script loaded again.
    pub(crate) fn flushes_scripts(&self) -> bool {
        matches!(self, Entry::Command { kind, .. } if kind.flushes_scripts)
    }

    /// What a cluster routes the entry by.
    pub(crate) fn keys(&self) -> EntryKeys<'_> {
        match self {
            Entry::Script { keys, .. } => EntryKeys::Script(keys),
            Entry::Command { words, .. } => EntryKeys::Command(words),
        }
    }
}
