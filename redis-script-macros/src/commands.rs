//! The Redis command table (generated from a real server, see `commands/table.rs`) and its lookup.

mod table;

pub(crate) use table::REDIS_VERSION;

/// The command writes: refused by EVAL_RO and by scripts flagged `no-writes`.
pub(crate) const WRITE: u8 = 1;
/// Redis refuses the command inside any script (EVAL, MULTI, blocking pops, ...).
pub(crate) const NOSCRIPT: u8 = 2;
/// The command only groups subcommands (`XGROUP CREATE`, `CONFIG GET`).
pub(crate) const CONTAINER: u8 = 4;

/// Flags of a command or `container|sub`, by lowercase name.
pub(crate) fn flags(name: &str) -> Option<u8> {
    table::COMMANDS
        .binary_search_by(|(known, _)| (*known).cmp(name))
        .ok()
        .and_then(|i| table::COMMANDS.get(i))
        .map(|(_, flags)| *flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_has_the_usual_commands() {
        assert!(table::COMMANDS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(flags("set"), Some(WRITE));
        assert_eq!(flags("get"), Some(0));
        assert_eq!(
            flags("publish"),
            Some(WRITE),
            "EVAL_RO refuses may-replicate commands"
        );
        assert_eq!(flags("eval").map(|f| f & NOSCRIPT), Some(NOSCRIPT));
        assert_eq!(flags("xgroup"), Some(CONTAINER));
        assert_eq!(flags("xgroup|create"), Some(WRITE));
        assert_eq!(flags("nosuchcommand"), None);
    }
}
