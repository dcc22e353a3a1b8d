//! Redis Cluster: script commands and batches over `redis::cluster_async::ClusterConnection`.
//!
//! A batch is split by the hash slots of its entries' keys into one part per node, each sent in one
//! round trip, all at once; entries without keys go with the entry before them. Which slots a node
//! serves is read with `CLUSTER SLOTS` when a batch spans slots and kept (one map per process) until a
//! MOVED shows it is out of date. Each part is routed through the `redis` crate by the slot of its
//! first entry, so an out-of-date map can only make some entries come back MOVED (refused, not run);
//! the runner then sends those to their new node.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use redis::Value;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr};

use super::{batch, error_from_redis, send_on};
use crate::batch::commands as command_table;
use crate::error::{BatchError, BatchErrorKind, positions};
use crate::{
    Batch, BatchGroup, BatchReplies, Command, EntryKeys, Error, Reply, Transport, TransportError,
    TransportErrorKind,
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
    async fn send(&self, command: Command<'_>) -> Result<Reply, Error> {
        let mut conn = self.clone();
        let mut moved = 0;
        loop {
            match send_on(&mut conn, command).await {
                Err(Error::Server(e)) if e.code() == "MOVED" && moved < MAX_MOVED => moved += 1,
                reply => return reply,
            }
        }
    }

    async fn send_batch(&self, batch: Batch<'_>) -> BatchReplies {
        let (pipeline, count) = batch::to_pipeline(&batch);
        let addr = if batch.is_read_only() {
            SlotAddr::ReplicaOptional
        } else {
            SlotAddr::Master
        };
        let route = match batch.slot() {
            Some(slot) => SingleNodeRoutingInfo::SpecificNode(Route::new(slot, addr)),
            None if batch.is_read_only() => SingleNodeRoutingInfo::Random,
            None => SingleNodeRoutingInfo::RandomPrimary,
        };
        let replies = match self.clone().route_pipeline(pipeline, 0, count, route).await {
            Ok(values) => batch::read_replies(&batch, values)?,
            Err(e) => return Err(error_from_redis(e)),
        };
        if replies
            .iter()
            .any(|r| matches!(r, Err(e) if e.code() == Some("MOVED")))
        {
            forget_topology();
        }
        Ok(replies)
    }

    async fn split_batch(
        &self,
        entries: &[EntryKeys<'_>],
        atomic: bool,
    ) -> Result<Option<Vec<BatchGroup>>, Error> {
        let slots = entry_slots(entries)?;
        let mut distinct: Vec<u16> = slots.iter().flatten().copied().collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() > 1 && atomic {
            return Err(cross_slot_transaction(&slots, &distinct));
        }
        let all = || BatchGroup {
            entries: (0..entries.len()).collect(),
            slot: distinct.first().copied(),
        };
        if distinct.len() <= 1 {
            return Ok(Some(vec![all()]));
        }
        let topology = topology(self).await?;
        Ok(Some(group_by_node(&slots, &topology)))
    }
}

/// The hash slot of each entry (`None`: no keys); refuses entries whose keys span slots or can not be
/// told.
fn entry_slots(entries: &[EntryKeys<'_>]) -> Result<Vec<Option<u16>>, Error> {
    let (mut slots, mut spanning, mut unknown) =
        (Vec::with_capacity(entries.len()), vec![], vec![]);
    for (position, entry) in entries.iter().enumerate() {
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
        let mut primaries: Vec<Vec<u8>> = Vec::new();
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
                    let mut address = host.clone();
                    address.extend_from_slice(format!(":{port}").as_bytes());
                    address
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
        Some(Topology { ranges: out })
    }
}

/// The slot map of the cluster batches of this process, until a MOVED shows it is out of date.
static TOPOLOGY: Mutex<Option<Arc<Topology>>> = Mutex::new(None);

fn cached_topology() -> Option<Arc<Topology>> {
    match TOPOLOGY.lock() {
        Ok(guard) => guard.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

fn store_topology(topology: Option<Arc<Topology>>) {
    match TOPOLOGY.lock() {
        Ok(mut guard) => *guard = topology,
        Err(poisoned) => *poisoned.into_inner() = topology,
    }
}

fn forget_topology() {
    store_topology(None);
}

async fn topology(conn: &ClusterConnection) -> Result<Arc<Topology>, Error> {
    if let Some(topology) = cached_topology() {
        return Ok(topology);
    }
    let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::Random);
    let mut cmd = redis::cmd("CLUSTER");
    cmd.arg("SLOTS");
    let value = conn
        .clone()
        .route_command(cmd, routing)
        .await
        .map_err(error_from_redis)?;
    let topology = Topology::parse(value).map(Arc::new).ok_or_else(|| {
        Error::Transport(TransportError::new(
            TransportErrorKind::Protocol,
            "the reply to CLUSTER SLOTS is not a slot map; nothing of the batch was sent",
            false,
        ))
    })?;
    store_topology(Some(topology.clone()));
    Ok(topology)
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
        };
        let slots = [None, Some(12182), Some(100), None, Some(12000), Some(6000)];
        let groups = group_by_node(&slots, &topology);
        assert_eq!(
            groups,
            [
                BatchGroup {
                    entries: vec![0, 1, 4],
                    slot: Some(12182)
                },
                BatchGroup {
                    entries: vec![2, 3],
                    slot: Some(100)
                },
                BatchGroup {
                    entries: vec![5],
                    slot: Some(6000)
                },
            ]
        );
    }

    #[test]
    fn entries_across_slots_or_with_unknown_keys_are_refused_by_position() {
        let ok = ArgList::new(&["{a}1", "{a}2"]);
        let spanning = ArgList::new(&["foo", "bar"]);
        let words = ArgList::new(&["XREAD", "STREAMS", "s", "0"]);
        let e = entry_slots(&[EntryKeys::Script(&ok), EntryKeys::Script(&spanning)]).unwrap_err();
        let Error::Batch(b) = &e else { panic!("{e:?}") };
        assert_eq!(
            (b.kind(), b.entries()),
            (BatchErrorKind::CrossSlot, &[1][..])
        );
        assert!(!e.to_string().contains("foo"), "{e}");
        let e = entry_slots(&[EntryKeys::Command(&words)]).unwrap_err();
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
