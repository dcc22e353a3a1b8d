//! The command table (generated from real servers, see `commands/table.rs`) and its lookup.

mod table;

pub(crate) use table::SERVERS;

/// The server knows the command.
pub(crate) const KNOWN: u8 = 8;
/// The command writes: refused by EVAL_RO and by scripts flagged `no-writes`.
pub(crate) const WRITE: u8 = 1;
/// The server refuses the command inside any script (EVAL, MULTI, blocking pops, ...).
pub(crate) const NOSCRIPT: u8 = 2;
/// The command only groups subcommands (`XGROUP CREATE`, `CONFIG GET`).
pub(crate) const CONTAINER: u8 = 4;

/// One command across the servers: per server (in [`SERVERS`] order) its flags (0: unknown there) and
/// the version that added it there.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Row {
    pub(crate) flags: &'static [u8; SERVERS.len()],
    pub(crate) since: &'static [&'static str; SERVERS.len()],
}

/// The row of a command or `container|sub`, by lowercase name.
pub(crate) fn lookup(name: &str) -> Option<Row> {
    let i = table::COMMANDS
        .binary_search_by(|(known, _, _)| (*known).cmp(name))
        .ok()?;
    table::COMMANDS
        .get(i)
        .map(|(_, flags, since)| Row { flags, since })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn flags(name: &str, server: &str) -> u8 {
        let i = SERVERS.iter().position(|s| s.starts_with(server)).unwrap();
        lookup(name).map_or(0, |row| row.flags[i])
    }

    #[test]
    fn the_table_is_sorted_and_has_the_usual_commands() {
        assert!(table::COMMANDS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(flags("set", "Redis 7.0"), KNOWN | WRITE);
        assert_eq!(flags("get", "Redis 8.2"), KNOWN);
        assert_eq!(
            flags("publish", "Redis 7.0"),
            KNOWN | WRITE,
            "EVAL_RO refuses may-replicate commands"
        );
        assert_eq!(flags("eval", "Valkey") & NOSCRIPT, NOSCRIPT);
        assert_eq!(flags("xgroup", "Redis 7.0"), KNOWN | CONTAINER);
        assert_eq!(flags("xgroup|create", "Redis 8.2"), KNOWN | WRITE);
        assert!(lookup("nosuchcommand").is_none());
        // Newer than 7.0: hash-field expiration, WAITAOF (allowed in scripts since 7.4).
        assert_eq!(flags("hexpire", "Redis 7.0"), 0);
        assert_eq!(flags("hexpire", "Redis 8.2"), KNOWN | WRITE);
        assert_eq!(flags("waitaof", "Redis 8.2"), KNOWN);
        assert_eq!(lookup("hexpire").unwrap().since[1], "7.4.0");
    }
}
