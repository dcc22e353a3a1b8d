//! Redis Cluster: script commands and batches over `redis::cluster_async::ClusterConnection`.
//!
//! A batch is split by the hash slots of its entries' keys into one part per node, each sent in one
//! round trip, all at once; entries without keys go with the entry before them. A batch whose keys are
//! all in one slot (a transaction always) goes to that slot's node at once. One that spans slots first
//! asks which node serves which slot (`CLUSTER SLOTS`): the `redis` crate keeps its own slot map but
//! does not expose it, and a map kept here could not be told apart from another cluster's in the same
//! process. Each part then goes to its node by address.
//!
//! The `redis` crate reads a pipeline's replies as one: when any of them is a redirect or a "try later"
//! (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, MASTERDOWN, LOADING, READONLY), it drops all the others and,
//! with client retries, sends the whole pipeline again. So a part is sent again here only when that
//! reply shows nothing of it ran: a MOVED for a part whose keys all live in the moved slot, or any such
//! refusal of a transaction (the server discards it). Otherwise the part fails as "may have run".

use std::collections::HashMap;

use redis::Value;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{
    MultipleNodeRoutingInfo, ResponsePolicy, Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr,
};

use super::{batch, error_from_redis, send_on, to_cmd};
use crate::command_table;
use crate::error::{BatchError, BatchErrorKind, positions};
use crate::{
    Batch, BatchCommand, BatchGroup, BatchKeys, BatchReplies, Command, EntryKeys, Error, Reply,
    Transport, TransportError, TransportErrorKind,
};

/// How often a cluster command is sent again after a `MOVED` refusal.
const MAX_MOVED: u32 = 5;

/// The number of hash slots of a Redis Cluster.
const SLOTS: u16 = 16384;

/// A Redis Cluster connection.
///
/// The `redis` crate re-sends a command whose connection broke, up to the client's `retries`, which can
/// run a script again after it already ran. Build the client with
/// `ClusterClientBuilder::new(urls).retries(0)` for at most one run per call: a broken connection is
/// then an error with `may_have_run()` true, and this transport follows a `MOVED` redirect itself (a
/// refusal: nothing ran), after the client has rebuilt its slot map, up to five times. The same holds
/// for each node's part of a batch.
impl Transport for ClusterConnection {
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send {
        let cmd = to_cmd(&command);
        let mut conn = self.clone();
        async move {
            let mut moved = 0;
            loop {
                match send_on(&mut conn, &cmd).await {
                    Err(Error::Server(e)) if e.code() == "MOVED" && moved < MAX_MOVED => moved += 1,
                    reply => return reply,
                }
            }
        }
    }

    async fn send_batch(&self, batch: Batch<'_>) -> BatchReplies {
        let mut route = first_route(&batch);
        let mut moved = 0;
        loop {
            let (pipeline, count) = batch::to_pipeline(&batch);
            let error = match self.clone().route_pipeline(pipeline, 0, count, route).await {
                Ok(values) => return batch::read_replies(&batch, values),
                Err(e) => error_from_redis(e),
            };
            let Some(code) = error.code().filter(|code| REPLY_DROPPING.contains(code)) else {
                return Err(error);
            };
            if code == "MOVED"
                && moved < MAX_MOVED
                && let Some((slot, to)) = moved_to(&error)
                && none_ran(&batch, slot)
            {
                moved += 1;
                route = to;
                continue;
            }
            return Err(if batch.is_atomic() {
                // Refused while queued, or at EXEC: the server discarded the transaction.
                BatchError::aborted(error, Vec::new()).into()
            } else {
                replies_dropped(error)
            });
        }
    }

    async fn split_batch(
        &self,
        entries: BatchKeys<'_>,
        atomic: bool,
    ) -> Result<Option<Vec<BatchGroup>>, Error> {
        let count = entries.len();
        let slots = entry_slots(entries.iter())?;
        let mut distinct: Vec<u16> = slots.iter().flatten().copied().collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() > 1 && atomic {
            return Err(cross_slot_transaction(&slots, &distinct));
        }
        let all = || BatchGroup {
            entries: (0..count).collect(),
            slot: distinct.first().copied(),
            node: None,
        };
        if distinct.len() <= 1 {
            return Ok(Some(vec![all()]));
        }
        let topology = topology(self).await?;
        Ok(Some(group_by_node(&slots, &topology)))
    }

    /// Every primary that serves slots, as `CLUSTER SLOTS` says now: each has its own script cache.
    /// Asked of every node, the first answer taken, so that a node that is down does not hide the
    /// others.
    async fn primaries(&self) -> Result<Option<Vec<String>>, Error> {
        let every_node = RoutingInfo::MultiNode((
            MultipleNodeRoutingInfo::AllNodes,
            Some(ResponsePolicy::OneSucceeded),
        ));
        Ok(Some(topology_by(self, every_node).await?.nodes))
    }
}

/// Error codes on which the `redis` crate drops the other replies of a pipeline (and retries it).
const REPLY_DROPPING: [&str; 7] = [
    "MOVED",
    "ASK",
    "TRYAGAIN",
    "CLUSTERDOWN",
    "MASTERDOWN",
    "LOADING",
    "READONLY",
];

/// Where a part goes first: to the node chosen in `split_batch`, else by its slot (a replica may serve
/// a read-only part), else to any primary (any node, read-only).
fn first_route(batch: &Batch<'_>) -> SingleNodeRoutingInfo {
    if let Some((host, port)) = batch
        .node()
        .and_then(|node| node.rsplit_once(':'))
        .and_then(|(host, port)| Some((host, port.parse().ok()?)))
    {
        return SingleNodeRoutingInfo::ByAddress {
            host: host.to_owned(),
            port,
        };
    }
    let addr = if batch.is_read_only() {
        SlotAddr::ReplicaOptional
    } else {
        SlotAddr::Master
    };
    match batch.slot() {
        Some(slot) => SingleNodeRoutingInfo::SpecificNode(Route::new(slot, addr)),
        None if batch.is_read_only() => SingleNodeRoutingInfo::Random,
        None => SingleNodeRoutingInfo::RandomPrimary,
    }
}

/// `MOVED <slot> <host>:<port>`: the moved slot and the node that serves it now.
fn moved_to(error: &Error) -> Option<(u16, SingleNodeRoutingInfo)> {
    let Error::Server(e) = error else {
        return None;
    };
    let mut words = e.message().split_whitespace();
    let slot = words.next()?.parse().ok()?;
    let (host, port) = words.next()?.rsplit_once(':')?;
    let node = SingleNodeRoutingInfo::ByAddress {
        host: host.to_owned(),
        port: port.parse().ok()?,
    };
    Some((slot, node))
}

/// True when a MOVED of `slot` for `batch` means none of it ran: a transaction (discarded), or a
/// pipeline whose every command has keys, all in that slot (so every one was refused; loads have none
/// and change nothing).
fn none_ran(batch: &Batch<'_>, moved_slot: u16) -> bool {
    if batch.is_atomic() {
        return true;
    }
    batch.commands().iter().all(|command| {
        let keys: Option<Vec<&[u8]>> = match command {
            BatchCommand::Load(_) | BatchCommand::LoadLibrary(_) => return true,
            BatchCommand::Script(c) => Some(c.keys().iter().collect()),
            BatchCommand::Raw(words) => {
                command_table::keys(*words, command_table::key_positions(*words))
            }
        };
        keys.is_some_and(|keys| !keys.is_empty() && keys.iter().all(|k| slot(k) == moved_slot))
    })
}

/// A part whose replies the `redis` crate dropped: whatever of it ran is unknown.
fn replies_dropped(error: Error) -> Error {
    Error::Transport(
        TransportError::new(
            TransportErrorKind::Protocol,
            format!(
                "a cluster node answered {} to part of the batch, and the redis crate then drops \
                 every other reply of that part (and, with client retries, sends it again): its \
                 entries may have run",
                error.code().unwrap_or_default()
            ),
            true,
        )
        .with_source(error),
    )
}

/// The hash slot of each entry (`None`: no keys); refuses entries whose keys span slots or can not be
/// told.
fn entry_slots<'k>(
    entries: impl ExactSizeIterator<Item = EntryKeys<'k>>,
) -> Result<Vec<Option<u16>>, Error> {
    let (mut slots, mut spanning, mut unknown) =
        (Vec::with_capacity(entries.len()), vec![], vec![]);
    for (position, entry) in entries.enumerate() {
        let keys: Option<Vec<&[u8]>> = match entry {
            EntryKeys::Script(keys) => Some(keys.iter().collect()),
            EntryKeys::Command(words) => {
                command_table::keys(words, command_table::key_positions(words))
            }
        };
        let Some(keys) = keys else {
            unknown.push(position);
            slots.push(None);
            continue;
        };
        let mut entry_slots = keys.iter().map(|key| slot(key));
        let first = entry_slots.next();
        if entry_slots.any(|s| Some(s) != first) {
            spanning.push(position);
        }
        slots.push(first);
    }
    if !unknown.is_empty() {
        let message = format!(
            "{} of the batch can not be routed in a cluster: which of its words are keys depends on its \
             arguments (or the command is unknown); send it on its own; nothing was sent",
            positions(&unknown)
        );
        return Err(BatchError::new(BatchErrorKind::NotAllowed, message, unknown).into());
    }
    if !spanning.is_empty() {
        let message = format!(
            "{} of the batch {} keys in several hash slots; a cluster runs a command only when all \
             its keys share a slot (give them a hash tag, as in {{user:1}}:a and {{user:1}}:b); \
             nothing was sent",
            positions(&spanning),
            if spanning.len() == 1 { "has" } else { "have" }
        );
        return Err(BatchError::new(BatchErrorKind::CrossSlot, message, spanning).into());
    }
    Ok(slots)
}

/// A cluster transaction must stay on one node: every key in one slot.
fn cross_slot_transaction(slots: &[Option<u16>], distinct: &[u16]) -> Error {
    let by_slot: Vec<String> = distinct
        .iter()
        .map(|&s| {
            let at: Vec<usize> = (0..slots.len()).filter(|&i| slots[i] == Some(s)).collect();
            format!("{} in slot {s}", positions(&at))
        })
        .collect();
    let message = format!(
        "a transaction in a cluster needs every key in one hash slot (give them a hash tag, as in \
         {{user:1}}:a and {{user:1}}:b), but {}; nothing was sent",
        by_slot.join(", ")
    );
    let entries = (0..slots.len()).filter(|&i| slots[i].is_some()).collect();
    BatchError::new(BatchErrorKind::CrossSlot, message, entries).into()
}

/// One group per node, each in the order entries were added, routed by the slot of its first keyed
/// entry; an entry without keys goes with the keyed entry before it (or the first one).
fn group_by_node(slots: &[Option<u16>], topology: &Topology) -> Vec<BatchGroup> {
    let mut groups: Vec<BatchGroup> = Vec::new();
    let mut group_of: HashMap<Node, usize> = HashMap::new();
    let (mut current, mut leading) = (None, Vec::new());
    for (position, slot) in slots.iter().enumerate() {
        match slot {
            Some(slot) => {
                let node = topology.node_of(*slot);
                let group = *group_of.entry(node).or_insert_with(|| {
                    groups.push(BatchGroup {
                        entries: Vec::new(),
                        slot: Some(*slot),
                        node: match node {
                            Node::Primary(i) => topology.nodes.get(i).cloned(),
                            Node::Unserved(_) => None,
                        },
                    });
                    groups.len() - 1
                });
                groups[group].entries.push(position);
                current = Some(group);
            }
            None => match current {
                Some(group) => groups[group].entries.push(position),
                None => leading.push(position),
            },
        }
    }
    if let Some(first) = groups.first_mut() {
        leading.append(&mut first.entries);
        first.entries = leading;
    }
    groups
}

/// The hash slot of `key`: CRC16 of its hash tag (the text between the first `{` and the next `}`, when
/// not empty) or of the whole key.
fn slot(key: &[u8]) -> u16 {
    let tagged = key
        .iter()
        .position(|&b| b == b'{')
        .and_then(|open| {
            let rest = &key[open + 1..];
            let close = rest.iter().position(|&b| b == b'}')?;
            Some(&rest[..close]).filter(|tag| !tag.is_empty())
        })
        .unwrap_or(key);
    crc16::State::<crc16::XMODEM>::calculate(tagged) % SLOTS
}

/// A node, as the index of its primary in the map it came from; a slot no node serves is its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Node {
    Primary(usize),
    Unserved(u16),
}

/// Which node serves each slot, as `CLUSTER SLOTS` said.
#[derive(Debug)]
struct Topology {
    /// `(first slot, last slot, primary)`, sorted.
    ranges: Vec<(u16, u16, usize)>,
    /// The primaries' addresses, `host:port`.
    nodes: Vec<String>,
}

impl Topology {
    fn node_of(&self, slot: u16) -> Node {
        let i = self.ranges.partition_point(|&(_, last, _)| last < slot);
        match self.ranges.get(i) {
            Some(&(first, _, node)) if first <= slot => Node::Primary(node),
            _ => Node::Unserved(slot),
        }
    }

    /// Reads the reply of `CLUSTER SLOTS`: `[[first, last, [host, port, id, ..], replicas..], ..]`.
    fn parse(value: Value) -> Option<Topology> {
        let Value::Array(ranges) = value else {
            return None;
        };
        let mut primaries: Vec<String> = Vec::new();
        let mut out = Vec::with_capacity(ranges.len());
        for range in ranges {
            let Value::Array(range) = range else {
                return None;
            };
            let (Some(Value::Int(first)), Some(Value::Int(last)), Some(Value::Array(primary))) =
                (range.first(), range.get(1), range.get(2))
            else {
                return None;
            };
            let address = match (primary.first(), primary.get(1)) {
                (Some(Value::BulkString(host)), Some(Value::Int(port))) => {
                    format!("{}:{port}", std::str::from_utf8(host).ok()?)
                }
                _ => return None,
            };
            let node = match primaries.iter().position(|p| *p == address) {
                Some(node) => node,
                None => {
                    primaries.push(address);
                    primaries.len() - 1
                }
            };
            out.push((
                u16::try_from(*first).ok()?,
                u16::try_from(*last).ok()?,
                node,
            ));
        }
        out.sort_unstable();
        Some(Topology {
            ranges: out,
            nodes: primaries,
        })
    }
}

/// Which node serves which slot, asked of any node now.
async fn topology(conn: &ClusterConnection) -> Result<Topology, Error> {
    topology_by(conn, RoutingInfo::SingleNode(SingleNodeRoutingInfo::Random)).await
}

/// Which node serves which slot, asked as `routing` says.
async fn topology_by(conn: &ClusterConnection, routing: RoutingInfo) -> Result<Topology, Error> {
    let mut cmd = redis::cmd("CLUSTER");
    cmd.arg("SLOTS");
    let value = conn
        .clone()
        .route_command(cmd, routing)
        .await
        .map_err(error_from_redis)?;
    Topology::parse(value).ok_or_else(|| {
        Error::Transport(TransportError::new(
            TransportErrorKind::Protocol,
            "the reply to CLUSTER SLOTS is not a slot map; nothing was sent",
            false,
        ))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ArgList;

    #[test]
    fn slots_follow_redis_hash_tags() {
        // `CLUSTER KEYSLOT foo` is 12182, `CLUSTER KEYSLOT {user:1}:a` equals that of `user:1`.
        assert_eq!(slot(b"foo"), 12182);
        assert_eq!(slot(b"{user:1}:a"), slot(b"user:1"));
        assert_eq!(slot(b"{}foo"), slot(b"{}foo"));
        assert_ne!(slot(b"{}foo"), slot(b"foo"));
        assert_eq!(slot(b"a{b}c{d}"), slot(b"b"));
    }

    #[test]
    fn groups_keep_the_order_and_take_keyless_entries_along() {
        let topology = Topology {
            ranges: vec![(0, 5460, 0), (5461, 10922, 1), (10923, 16383, 2)],
            nodes: vec!["a:1".into(), "b:2".into(), "c:3".into()],
        };
        let slots = [None, Some(12182), Some(100), None, Some(12000), Some(6000)];
        let groups = group_by_node(&slots, &topology);
        assert_eq!(
            groups,
            [
                BatchGroup {
                    entries: vec![0, 1, 4],
                    slot: Some(12182),
                    node: Some("c:3".into()),
                },
                BatchGroup {
                    entries: vec![2, 3],
                    slot: Some(100),
                    node: Some("a:1".into()),
                },
                BatchGroup {
                    entries: vec![5],
                    slot: Some(6000),
                    node: Some("b:2".into()),
                },
            ]
        );
    }

    #[test]
    fn entries_across_slots_or_with_unknown_keys_are_refused_by_position() {
        let ok = ArgList::new(&["{a}1", "{a}2"]);
        let spanning = ArgList::new(&["foo", "bar"]);
        let words = ArgList::new(&["XREAD", "STREAMS", "s", "0"]);
        let e = entry_slots(
            [
                EntryKeys::Script(ok.values()),
                EntryKeys::Script(spanning.values()),
            ]
            .into_iter(),
        )
        .unwrap_err();
        let Error::Batch(b) = &e else { panic!("{e:?}") };
        assert_eq!(
            (b.kind(), b.entries()),
            (BatchErrorKind::CrossSlot, &[1][..])
        );
        assert!(!e.to_string().contains("foo"), "{e}");
        let e = entry_slots([EntryKeys::Command(words.values())].into_iter()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("entry 0 of the batch can not be routed"),
            "{e}"
        );
        let e = cross_slot_transaction(&[Some(1), None, Some(2), Some(1)], &[1, 2]);
        assert!(
            e.to_string()
                .contains("entries 0 and 3 in slot 1, entry 2 in slot 2"),
            "{e}"
        );
    }
}
