//! The entries of a batch: script calls and raw commands, in the order they were added, with their
//! keys, arguments and words encoded into one list for the whole batch.

use std::ops::Range;

use super::commands::{self, Kind, Refusal};
use crate::script::Source;
use crate::{ArgList, Args, EntryKeys, Values};

/// A script call or a raw command; its values are ranges of the batch's list.
#[derive(Debug)]
pub(crate) enum Entry<'a> {
    /// A call of a [`Script`](crate::Script) or [`ScriptRO`](crate::ScriptRO).
    Script {
        source: &'a Source,
        /// A `ScriptRO`: sent with EVALSHA_RO.
        read_only: bool,
        keys: Range<usize>,
        args: Range<usize>,
    },
    /// Any other command, as its words.
    Command { words: Range<usize>, kind: Kind },
}

impl Entry<'_> {
    /// True when the entry can not write: a read-only script, or a command the table knows only reads.
    pub(crate) fn is_read_only(&self) -> bool {
        match self {
            Entry::Script { read_only, .. } => *read_only,
            Entry::Command { kind, .. } => kind.read_only,
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
}

/// The entries of one batch and the list their values are encoded in: adding an entry costs no
/// allocation of its own.
#[derive(Debug, Default)]
pub(crate) struct Entries<'a> {
    values: ArgList,
    list: Vec<Entry<'a>>,
}

impl<'a> Entries<'a> {
    /// Adds a call; returns its position.
    pub(crate) fn push_script(
        &mut self,
        (source, read_only): (&'a Source, bool),
        keys: &(impl Args + ?Sized),
        args: &(impl Args + ?Sized),
    ) -> usize {
        let keys = self.encode(keys);
        let args = self.encode(args);
        self.list.push(Entry::Script {
            source,
            read_only,
            keys,
            args,
        });
        self.list.len() - 1
    }

    /// Adds a command, classified once here; returns its position.
    pub(crate) fn push_command(&mut self, words: &(impl Args + ?Sized)) -> usize {
        let words = self.encode(words);
        let kind = commands::classify(self.values.values_in(words.clone()));
        self.list.push(Entry::Command { words, kind });
        self.list.len() - 1
    }

    fn encode(&mut self, values: &(impl Args + ?Sized)) -> Range<usize> {
        let start = self.values.len();
        values.write_args(&mut self.values);
        start..self.values.len()
    }

    /// How many entries there are.
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// True when there are none.
    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The entries, in order.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, Entry<'a>> {
        self.list.iter()
    }

    /// The entry at `position`.
    pub(crate) fn get(&self, position: usize) -> Option<&Entry<'a>> {
        self.list.get(position)
    }

    /// The script the entry at `position` calls; `None` for a command.
    pub(crate) fn source(&self, position: usize) -> Option<&'a Source> {
        match self.list.get(position)? {
            Entry::Script { source, .. } => Some(source),
            Entry::Command { .. } => None,
        }
    }

    /// The values in `range` (keys, arguments or words of an entry).
    pub(crate) fn values(&self, range: &Range<usize>) -> Values<'_> {
        self.values.values_in(range.clone())
    }

    /// The keys, arguments and command words of all entries together, in bytes.
    pub(crate) fn byte_len(&self) -> usize {
        self.values.byte_len()
    }

    /// What a cluster routes each entry by, in order.
    pub(crate) fn keys(&self) -> impl ExactSizeIterator<Item = EntryKeys<'_>> + '_ {
        self.list.iter().map(|entry| match entry {
            Entry::Script { keys, .. } => EntryKeys::Script(self.values(keys)),
            Entry::Command { words, .. } => EntryKeys::Command(self.values(words)),
        })
    }
}
