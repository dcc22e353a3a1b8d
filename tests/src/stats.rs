//! `INFO commandstats`, parsed.

use std::collections::BTreeMap;
use std::ops::Add;

/// How many times each command was called, from `INFO commandstats` (names in lower case, as Redis
/// prints them: `eval`, `evalsha`, `eval_ro`, `evalsha_ro`, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandStats {
    calls: BTreeMap<String, u64>,
}

impl CommandStats {
    /// Parses the text of `INFO commandstats`: lines like
    /// `cmdstat_evalsha:calls=1,usec=12,usec_per_call=12.00,rejected_calls=0,failed_calls=0`.
    pub fn parse(info: &str) -> CommandStats {
        let mut calls = BTreeMap::new();
        for line in info.lines() {
            let Some((name, fields)) = line
                .trim()
                .strip_prefix("cmdstat_")
                .and_then(|l| l.split_once(':'))
            else {
                continue;
            };
            let count = fields
                .split(',')
                .find_map(|field| field.strip_prefix("calls="))
                .and_then(|n| n.parse().ok());
            if let Some(count) = count {
                calls.insert(name.to_ascii_lowercase(), count);
            }
        }
        CommandStats { calls }
    }

    /// Calls of `command` (case-insensitive); 0 when it was never called.
    pub fn calls(&self, command: &str) -> u64 {
        self.calls
            .get(&command.to_ascii_lowercase())
            .copied()
            .unwrap_or(0)
    }

    /// Command name -> calls.
    pub fn as_map(&self) -> &BTreeMap<String, u64> {
        &self.calls
    }

    /// The four script commands, `(eval, evalsha, eval_ro, evalsha_ro)`, for compact assertions.
    pub fn scripts(&self) -> (u64, u64, u64, u64) {
        (
            self.calls("eval"),
            self.calls("evalsha"),
            self.calls("eval_ro"),
            self.calls("evalsha_ro"),
        )
    }
}

impl Add for CommandStats {
    type Output = CommandStats;

    /// Sums per command, e.g. over the nodes of a cluster.
    fn add(mut self, other: CommandStats) -> CommandStats {
        for (name, count) in other.calls {
            *self.calls.entry(name).or_insert(0) += count;
        }
        self
    }
}

impl std::iter::Sum for CommandStats {
    fn sum<I: Iterator<Item = CommandStats>>(iter: I) -> CommandStats {
        iter.fold(CommandStats::default(), Add::add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: &str = "# Commandstats\r\n\
        cmdstat_evalsha:calls=2,usec=30,usec_per_call=15.00,rejected_calls=0,failed_calls=1\r\n\
        cmdstat_eval:calls=1,usec=40,usec_per_call=40.00,rejected_calls=0,failed_calls=0\r\n\
        cmdstat_eval_ro:calls=3,usec=9,usec_per_call=3.00,rejected_calls=0,failed_calls=0\r\n\
        cmdstat_config|resetstat:calls=1,usec=5,usec_per_call=5.00,rejected_calls=0,failed_calls=0\r\n";

    #[test]
    fn parses_calls_per_command() {
        let stats = CommandStats::parse(INFO);
        assert_eq!(stats.calls("evalsha"), 2);
        assert_eq!(stats.calls("EVAL"), 1);
        assert_eq!(stats.calls("eval_ro"), 3);
        assert_eq!(stats.calls("evalsha_ro"), 0);
        assert_eq!(stats.calls("config|resetstat"), 1);
        assert_eq!(stats.scripts(), (1, 2, 3, 0));
        assert_eq!(stats.as_map().len(), 4);
    }

    #[test]
    fn sums_over_nodes() {
        let one = CommandStats::parse(INFO);
        let total: CommandStats = [one.clone(), one].into_iter().sum();
        assert_eq!(total.scripts(), (2, 4, 6, 0));
    }

    #[test]
    fn empty_info_has_no_calls() {
        assert_eq!(
            CommandStats::parse("# Commandstats\r\n").scripts(),
            (0, 0, 0, 0)
        );
    }
}
