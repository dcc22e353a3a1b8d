//! Whether a node's own `CLUSTER NODES` bears out a redirect it answered.
//!
//! A script can return an error reply byte for byte the same as a redirect
//! (`redis.error_reply('MOVED 3999 10.0.0.9:6379')`), after it ran. Only the node that answered knows
//! whether it meant it: its `myself` line no longer serves the slot and another node it knows at
//! that address does (`MOVED`), or its `myself` line migrates the slot to a node it knows at that
//! address (`ASK`, `[slot->-<node id>]`).

/// One line of `CLUSTER NODES`:
/// `<id> <ip:port@cport[,hostname]> <flags> <primary> <ping> <pong> <epoch> <link> <slot>..`.
struct Line<'a> {
    id: &'a str,
    ip: &'a str,
    hostname: Option<&'a str>,
    port: u16,
    myself: bool,
    slots: Vec<&'a str>,
}

impl<'a> Line<'a> {
    fn parse(line: &'a str) -> Option<Line<'a>> {
        let mut words = line.split_whitespace();
        let id = words.next()?;
        let address = words.next()?;
        let flags = words.next()?;
        let (at, rest) = address.split_once('@').unwrap_or((address, ""));
        let hostname = rest.split_once(',').map(|(_, name)| name);
        let (ip, port) = at.rsplit_once(':')?;
        Some(Line {
            id,
            ip,
            hostname: hostname.filter(|name| !name.is_empty()),
            port: port.parse().ok()?,
            myself: flags.split(',').any(|flag| flag == "myself"),
            slots: words.skip(5).collect(),
        })
    }

    /// True when the redirect's `host:port` names this node (by IP or by hostname).
    fn is_at(&self, host: &str, port: u16) -> bool {
        self.port == port && (self.ip == host || self.hostname == Some(host))
    }

    /// True when this node serves `slot` (a range `a-b` or a single slot, not a migration).
    fn serves(&self, slot: u16) -> bool {
        self.slots.iter().any(|range| {
            let (first, last) = range.split_once('-').unwrap_or((range, range));
            matches!((first.parse::<u16>(), last.parse::<u16>()), (Ok(a), Ok(b)) if a <= slot && slot <= b)
        })
    }

    /// The id of the node this node migrates `slot` to, from its `[slot->-<id>]`.
    fn migrates_to(&self, slot: u16) -> Option<&'a str> {
        self.slots.iter().find_map(|entry| {
            let inner = entry.strip_prefix('[')?.strip_suffix(']')?;
            let (at, to) = inner.split_once("->-")?;
            (at.parse::<u16>().ok()? == slot).then_some(to)
        })
    }
}

/// When `nodes`, the `CLUSTER NODES` of the node that answered the redirect, bears it out (for
/// `MOVED`, `ask` false, that node does not serve `slot` and the node at `host:port` does; for
/// `ASK` it migrates `slot` to the node at `host:port`): that node's own IP. An empty `host` is the
/// host of the node that answered (`cluster-preferred-endpoint-type unknown-endpoint`, or a node
/// not yet introduced to its peers).
pub(super) fn vouch_for<'n>(
    nodes: &'n str,
    ask: bool,
    slot: u16,
    host: &str,
    port: u16,
) -> Option<&'n str> {
    let lines: Vec<Line<'_>> = nodes.lines().filter_map(Line::parse).collect();
    let myself = lines.iter().find(|line| line.myself)?;
    let host = if host.is_empty() { myself.ip } else { host };
    let named = |line: &&Line<'_>| !line.myself && line.is_at(host, port);
    let borne_out = if ask {
        let to = myself.migrates_to(slot)?;
        lines.iter().filter(named).any(|line| line.id == to)
    } else {
        !myself.serves(slot) && lines.iter().filter(named).any(|line| line.serves(slot))
    };
    borne_out.then_some(myself.ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODES: &str = "\
a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460 [100->-b2]
b2 127.0.0.1:7001@17001,node-b master - 0 0 2 connected 5461-10922 12000
c3 127.0.0.1:7002@17002 master - 0 0 3 connected 10923-11999 12001-16383
";

    #[test]
    fn moved_needs_the_answering_node_to_have_given_the_slot_to_the_named_one() {
        assert!(vouch_for(NODES, false, 12000, "127.0.0.1", 7001).is_some());
        assert!(vouch_for(NODES, false, 12000, "node-b", 7001).is_some());
        assert!(vouch_for(NODES, false, 12000, "", 7001).is_some());
        // The node that answered serves the slot itself: a script's own reply.
        assert!(vouch_for(NODES, false, 100, "127.0.0.1", 7000).is_none());
        assert!(vouch_for(NODES, false, 100, "127.0.0.1", 7001).is_none());
        // Another node serves it, or nobody the node knows is there.
        assert!(vouch_for(NODES, false, 12000, "127.0.0.1", 7002).is_none());
        assert!(vouch_for(NODES, false, 12000, "10.9.9.9", 7001).is_none());
        assert!(vouch_for("", false, 12000, "127.0.0.1", 7001).is_none());
    }

    #[test]
    fn ask_needs_the_answering_node_to_migrate_the_slot_to_the_named_one() {
        assert!(vouch_for(NODES, true, 100, "127.0.0.1", 7001).is_some());
        assert!(vouch_for(NODES, true, 100, "127.0.0.1", 7002).is_none());
        assert!(vouch_for(NODES, true, 101, "127.0.0.1", 7001).is_none());
        assert!(vouch_for(NODES, true, 12000, "127.0.0.1", 7001).is_none());
    }
}
