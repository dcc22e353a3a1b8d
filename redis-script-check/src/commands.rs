//! The command table (generated from real servers and the modules Redis 8 bundles, see
//! `commands/table.rs`) and its lookup.

mod table;

pub(crate) use table::{LUA_GLOBALS, SERVERS};

/// The server knows the command.
pub(crate) const KNOWN: u8 = 8;
/// The command writes: refused by EVAL_RO and by scripts flagged `no-writes`.
pub(crate) const WRITE: u8 = 1;
/// The server refuses the command inside any script (EVAL, MULTI, blocking pops, ...).
pub(crate) const NOSCRIPT: u8 = 2;
/// The command only groups subcommands (`XGROUP CREATE`, `CONFIG GET`).
pub(crate) const CONTAINER: u8 = 4;

/// One command (or `container|sub`) across the servers, as `COMMAND` reports it.
#[derive(Debug)]
pub(crate) struct Command {
    /// Lowercase; `container|sub` for a subcommand.
    pub(crate) name: &'static str,
    /// Per server (in [`SERVERS`] order) its flags; 0: unknown there.
    pub(crate) flags: [u8; SERVERS.len()],
    /// Per server the version that added it there.
    pub(crate) since: [&'static str; SERVERS.len()],
    /// Per server its arity, counting the command's own name (and a subcommand's container): `n`
    /// exactly, `-n` at least; 0 where unknown or not declared. A module's command declares none to
    /// Redis: its arity is the count the module's handler refuses before anything else, when it
    /// does (`scripts/module-commands.py`).
    pub(crate) arity: [i16; SERVERS.len()],
    /// Where its keys are, as the newest server that knows it says.
    pub(crate) keys: &'static [KeySpec],
    /// For a command of a module Redis 8 bundles, that module and the tag it was read at.
    pub(crate) module: Option<&'static str>,
    /// Its syntax, as the docs show it (`SET key value [NX | XX] ...`).
    pub(crate) syntax: &'static str,
}

/// Where a command's keys start: Redis's `begin_search`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Begin {
    /// At this argument.
    Index(i16),
    /// After the first argument equal to the keyword, searched from this argument (negative: from
    /// the end, backwards).
    Keyword(&'static str, i16),
    /// The command finds its keys itself.
    Unknown,
}

/// Which arguments from there are keys: Redis's `find_keys`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Find {
    /// Last key (relative to the first; negative: from the end), step between keys, limit.
    Range(i16, i16, i16),
    /// The argument holding the number of keys, the first key, the step (relative to the start).
    Keynum(i16, i16, i16),
    /// The command finds its keys itself.
    Unknown,
}

/// One of a command's key specs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeySpec(pub(crate) Begin, pub(crate) Find);

/// The row of a command or `container|sub`, by lowercase name.
pub(crate) fn lookup(name: &str) -> Option<&'static Command> {
    let i = table::COMMANDS
        .binary_search_by(|command| command.name.cmp(name))
        .ok()?;
    table::COMMANDS.get(i)
}

/// Every command of the table.
pub(crate) fn all() -> &'static [Command] {
    table::COMMANDS
}

impl Command {
    /// Whether a call with `argc` arguments (the command's name included) fits the arity of server
    /// `i`; `true` where the arity is not known.
    pub(crate) fn takes(&self, i: usize, argc: usize) -> bool {
        let arity = self.arity[i];
        let argc = i64::try_from(argc).unwrap_or(i64::MAX);
        match arity {
            0 => true,
            n if n > 0 => argc == i64::from(n),
            n => argc >= -i64::from(n),
        }
    }

    /// The positions (in `args`, the command's name at 0) of the keys of a call, as Redis finds
    /// them from the key specs; `None` when they depend on an argument that is not a literal, or
    /// the command finds its keys itself.
    pub(crate) fn key_positions(&self, args: &[Option<&str>]) -> Option<Vec<usize>> {
        let mut keys = Vec::new();
        for spec in self.keys {
            keys.extend(spec.positions(args)?);
        }
        keys.sort_unstable();
        keys.dedup();
        Some(keys)
    }
}

impl KeySpec {
    /// Redis's `getKeysUsingKeySpecs` for one spec, on arguments known only where literal.
    fn positions(&self, args: &[Option<&str>]) -> Option<Vec<usize>> {
        let argc = i64::try_from(args.len()).ok()?;
        let start = match self.0 {
            Begin::Index(index) => i64::from(index),
            Begin::Keyword(keyword, from) => {
                let from = i64::from(from);
                let range: Box<dyn Iterator<Item = i64>> = if from >= 0 {
                    Box::new(from..argc)
                } else {
                    Box::new((1..=(argc + from)).rev())
                };
                let mut found = None;
                for i in range {
                    let arg = args.get(usize::try_from(i).ok()?)?.as_deref()?;
                    if arg.eq_ignore_ascii_case(keyword) {
                        found = Some(i + 1);
                        break;
                    }
                }
                match found {
                    Some(start) => start,
                    None => return Some(Vec::new()),
                }
            }
            Begin::Unknown => return None,
        };
        if start >= argc {
            return Some(Vec::new());
        }
        let (first, last, step) = match self.1 {
            Find::Range(lastkey, keystep, limit) => {
                let last = if lastkey >= 0 {
                    start + i64::from(lastkey)
                } else if limit <= 1 {
                    argc + i64::from(lastkey)
                } else {
                    start + (argc - start) / i64::from(limit) + i64::from(lastkey)
                };
                (start, last, i64::from(keystep))
            }
            Find::Keynum(keynumidx, firstkey, keystep) => {
                let at = usize::try_from(start + i64::from(keynumidx)).ok()?;
                let numkeys: i64 = args.get(at)?.as_deref()?.trim().parse().ok()?;
                let first = start + i64::from(firstkey);
                let step = i64::from(keystep);
                (first, first + (numkeys - 1) * step, step)
            }
            Find::Unknown => return None,
        };
        if step <= 0 {
            return Some(Vec::new());
        }
        let mut out = Vec::new();
        let mut i = first;
        while i <= last && i < argc {
            out.push(usize::try_from(i).ok()?);
            i += step;
        }
        Some(out)
    }
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
        assert!(table::COMMANDS.windows(2).all(|w| w[0].name < w[1].name));
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
        // The modules Redis 8 bundles, on Redis 8.2 only.
        assert_eq!(flags("json.set", "Redis 8.2"), KNOWN | WRITE);
        assert_eq!(flags("json.set", "Redis 7.0"), 0);
        assert_eq!(flags("ts.range", "Redis 8.2"), KNOWN);
        assert!(
            lookup("bf.add")
                .unwrap()
                .module
                .unwrap()
                .starts_with("RedisBloom")
        );
        assert_eq!(flags("vadd", "Redis 8.2"), KNOWN | WRITE);
    }

    fn keys(name: &str, args: &[&str]) -> Option<Vec<usize>> {
        let args: Vec<Option<&str>> = args
            .iter()
            .map(|a| if *a == "?" { None } else { Some(*a) })
            .collect();
        lookup(name).unwrap().key_positions(&args)
    }

    #[test]
    fn key_positions_follow_the_key_specs() {
        assert_eq!(keys("get", &["GET", "k"]), Some(vec![1]));
        assert_eq!(
            keys("mset", &["MSET", "a", "1", "b", "2"]),
            Some(vec![1, 3])
        );
        assert_eq!(keys("del", &["DEL", "a", "b", "?"]), Some(vec![1, 2, 3]));
        assert_eq!(
            keys(
                "zunionstore",
                &["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"]
            ),
            Some(vec![1, 3, 4])
        );
        assert_eq!(keys("zunionstore", &["ZUNIONSTORE", "d", "?", "a"]), None);
        assert_eq!(
            keys("xgroup|create", &["XGROUP", "CREATE", "s", "g", "$"]),
            Some(vec![2])
        );
        assert_eq!(
            keys(
                "xread",
                &["XREAD", "COUNT", "2", "STREAMS", "a", "b", "0", "0"]
            ),
            Some(vec![4, 5])
        );
        assert_eq!(
            keys("json.mset", &["JSON.MSET", "a", "$", "1", "b", "$", "2"]),
            Some(vec![1, 4])
        );
        assert_eq!(keys("ft.search", &["FT.SEARCH", "idx", "*"]), Some(vec![]));
        assert_eq!(keys("eval", &["EVAL", "s", "1", "k"]), Some(vec![3]));
    }

    #[test]
    fn arity_counts_the_name() {
        let set = lookup("set").unwrap();
        assert!(!set.takes(0, 2) && set.takes(0, 3) && set.takes(0, 5));
        let get = lookup("get").unwrap();
        assert!(get.takes(0, 2) && !get.takes(0, 3));
        let json = lookup("json.set").unwrap();
        assert!(
            (0..SERVERS.len()).all(|i| json.takes(i, 1)),
            "not checked first"
        );
        // Modules' handlers that refuse a count before anything else: `if (argc < 4)` in TS.ADD.
        let redis8 = SERVERS
            .iter()
            .position(|s| s.starts_with("Redis 8"))
            .unwrap();
        let ts_add = lookup("ts.add").unwrap();
        assert!(!ts_add.takes(redis8, 3) && ts_add.takes(redis8, 4) && ts_add.takes(redis8, 9));
        let bf_card = lookup("bf.card").unwrap();
        assert!(!bf_card.takes(redis8, 1) && bf_card.takes(redis8, 2) && !bf_card.takes(redis8, 3));
        // Commands the module documents only through their subcommands are known.
        assert_eq!(lookup("ft.cursor").unwrap().arity[redis8], -4);
        assert_eq!(lookup("ft.config").unwrap().arity[redis8], -3);
    }
}
