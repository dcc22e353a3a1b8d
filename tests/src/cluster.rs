//! [`RedisCluster`]: throwaway `redis-server`s joined into a cluster with `redis-cli --cluster create`.

use std::ffi::OsString;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;

use crate::port::free_port;
use crate::server::RedisServer;
use crate::stats::CommandStats;

/// How long the cluster may take to reach `cluster_state:ok` on every node.
const CONVERGE: Duration = Duration::from_secs(30);

/// A cluster of `masters` primaries with `replicas` replicas each, on free loopback ports (client and bus
/// ports both picked free, so clusters of parallel tests never meet). Killed on drop, with every node's
/// log printed when the test is failing.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts the nodes, runs `redis-cli --cluster create ... --cluster-replicas <replicas>`, and waits
    /// until every node reports `cluster_state:ok` and every replica follows its master. Panics with
    /// the logs if that does not happen.
    pub fn start(masters: usize, replicas: usize) -> RedisCluster {
        assert!(
            masters >= 3,
            "redis-cli --cluster create needs at least 3 masters"
        );
        let nodes: Vec<RedisServer> = (0..masters * (1 + replicas))
            .map(|_| {
                RedisServer::spawn(&|dir| {
                    let conf = dir.join("nodes.conf");
                    [
                        "--cluster-enabled".into(),
                        "yes".into(),
                        "--cluster-config-file".into(),
                        OsString::from(conf),
                        "--cluster-port".into(),
                        free_port().to_string().into(),
                        "--cluster-node-timeout".into(),
                        "5000".into(),
                        // Replicas sync at once instead of waiting 5 s for more replicas to join.
                        "--repl-diskless-sync-delay".into(),
                        "0".into(),
                        // `DEBUG SLEEP`, to hold a node still while a client writes or waits.
                        "--enable-debug-command".into(),
                        "local".into(),
                    ]
                    .into()
                })
            })
            .collect();
        let cluster = RedisCluster { nodes };
        cluster.create(replicas);
        cluster.wait_until_ok(replicas);
        cluster
    }

    fn create(&self, replicas: usize) {
        let output = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(self.nodes.iter().map(|n| format!("127.0.0.1:{}", n.port())))
            .arg("--cluster-replicas")
            .arg(replicas.to_string())
            .arg("--cluster-yes")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| {
                panic!("can not run redis-cli (apt-get install -y redis-tools): {e}")
            });
        assert!(
            output.status.success(),
            "redis-cli --cluster create failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn wait_until_ok(&self, replicas: usize) {
        let deadline = Instant::now() + CONVERGE;
        for node in &self.nodes {
            loop {
                let info: String = node
                    .client()
                    .get_connection()
                    .and_then(|mut c| redis::cmd("CLUSTER").arg("INFO").query(&mut c))
                    .unwrap_or_default();
                if info.contains("cluster_state:ok") {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "node {} not cluster_state:ok after {CONVERGE:?}:\n{info}",
                    node.port()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        // Replicas are of use only once they follow their master.
        for node in &self.nodes {
            loop {
                let info: String = node
                    .client()
                    .get_connection()
                    .and_then(|mut c| redis::cmd("INFO").arg("replication").query(&mut c))
                    .unwrap_or_default();
                let following = info.contains("role:master")
                    && info.contains(&format!("connected_slaves:{replicas}\r\n"))
                    || info.contains("role:slave") && info.contains("master_link_status:up");
                if following {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "node {} has not synced its replicas after {CONVERGE:?}:\n{info}",
                    node.port()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Every node, masters and replicas, in start order.
    pub fn nodes(&self) -> &[RedisServer] {
        &self.nodes
    }

    /// The URL of every node.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// A `ClusterClient` seeded with every node.
    pub fn client(&self) -> ClusterClient {
        ClusterClient::new(self.urls()).unwrap()
    }

    /// A new async cluster connection.
    pub async fn connection(&self) -> ClusterConnection {
        self.client().get_async_connection().await.unwrap()
    }

    /// A connection of a client built with `retries(0)`: it never sends a command again by itself.
    pub async fn connection_without_retries(&self) -> ClusterConnection {
        redis::cluster::ClusterClientBuilder::new(self.urls())
            .retries(0)
            .build()
            .unwrap()
            .get_async_connection()
            .await
            .unwrap()
    }

    /// A [`redis_script::Cluster`] client of this cluster: no retries, every reply of a pipeline seen.
    pub async fn exactly_once(&self) -> redis_script::Cluster {
        redis_script::Cluster::connect(self.urls()).await.unwrap()
    }

    /// A [`redis_script::BlockingCluster`] of this cluster, for the blocking API.
    pub fn blocking(&self) -> redis_script::BlockingCluster {
        redis_script::BlockingCluster::connect(self.urls()).unwrap()
    }

    /// A connection of the `redis` crate's blocking cluster client built with `retries(0)`, for the
    /// blocking API.
    pub fn blocking_without_retries(&self) -> redis::cluster::ClusterConnection {
        redis::cluster::ClusterClientBuilder::new(self.urls())
            .retries(0)
            .build()
            .unwrap()
            .get_connection()
            .unwrap()
    }

    /// The master that owns the slot of `key` (asked of the cluster: `CLUSTER KEYSLOT`, `CLUSTER NODES`).
    pub async fn master_for_key(&self, key: &str) -> &RedisServer {
        let mut conn = self.nodes[0].connection().await;
        let slot: u16 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query_async(&mut conn)
            .await
            .unwrap();
        let nodes: String = redis::cmd("CLUSTER")
            .arg("NODES")
            .query_async(&mut conn)
            .await
            .unwrap();
        let port = owner_of(&nodes, slot)
            .unwrap_or_else(|| panic!("no master owns slot {slot}:\n{nodes}"));
        self.nodes
            .iter()
            .find(|n| n.port() == port)
            .unwrap_or_else(|| panic!("slot {slot} owned by unknown port {port}"))
    }

    /// The list `key` as the node on `port` holds it (`LRANGE key 0 -1`).
    pub async fn list(&self, port: u16, key: &str) -> Vec<String> {
        self.node(port)
            .query(redis::cmd("LRANGE").arg(key).arg(0).arg(-1))
            .await
    }

    /// The node listening on `port`.
    pub fn node(&self, port: u16) -> &RedisServer {
        self.nodes
            .iter()
            .find(|n| n.port() == port)
            .unwrap_or_else(|| panic!("no node of this cluster listens on {port}"))
    }

    /// One key owned by each master, `(key, port of its master)`, as `{prefix}:<n>` names.
    pub async fn key_per_master(&self, prefix: &str) -> Vec<(String, u16)> {
        let masters = self.master_count().await;
        let mut found: Vec<(String, u16)> = Vec::new();
        for i in 0..1000 {
            let key = format!("{prefix}:{i}");
            let owner = self.master_for_key(&key).await.port();
            if !found.iter().any(|(_, port)| *port == owner) {
                found.push((key, owner));
            }
            if found.len() == masters {
                return found;
            }
        }
        panic!("no key found for every master: {found:?}")
    }

    /// The ports of the masters that serve slots, as the first node's `CLUSTER NODES` says (after a
    /// failover, not those started as masters).
    pub async fn master_ports(&self) -> Vec<u16> {
        let nodes: String = self.nodes[0]
            .query(redis::cmd("CLUSTER").arg("NODES"))
            .await;
        nodes
            .lines()
            .filter_map(|l| {
                let fields: Vec<&str> = l.split_whitespace().collect();
                let master = fields.get(2)?.split(',').any(|f| f == "master") && fields.len() > 8;
                let address = fields.get(1)?.split('@').next()?;
                master.then(|| address.rsplit(':').next()?.parse().ok())?
            })
            .collect()
    }

    async fn master_count(&self) -> usize {
        let nodes: String = self.nodes[0]
            .query(redis::cmd("CLUSTER").arg("NODES"))
            .await;
        nodes
            .lines()
            .filter(|l| {
                l.split_whitespace()
                    .nth(2)
                    .is_some_and(|f| f.contains("master"))
            })
            .count()
    }

    /// Moves the (empty) slot of `key` to another master, as a resharding does, and returns the new
    /// owner's port.
    pub async fn move_slot_of(&self, key: &str) -> u16 {
        let from = self.master_for_key(key).await.port();
        let masters = self.master_count().await;
        let to = self.nodes[..masters]
            .iter()
            .find(|n| n.port() != from)
            .unwrap();
        let to_id: String = to.query(redis::cmd("CLUSTER").arg("MYID")).await;
        let slot: u16 = to
            .query(redis::cmd("CLUSTER").arg("KEYSLOT").arg(key))
            .await;
        let mut setslot = redis::cmd("CLUSTER");
        setslot.arg("SETSLOT").arg(slot).arg("NODE").arg(&to_id);
        // The new owner first, then the others, as `redis-cli --cluster reshard` ends a migration.
        let () = to.query(&setslot).await;
        for node in self.nodes.iter().filter(|n| n.port() != to.port()) {
            let () = node.query(&setslot).await;
        }
        to.port()
    }

    /// Starts moving the slot of `key`, with its keys, to another master, as `redis-cli --cluster
    /// reshard` does: the new owner IMPORTING, the old one MIGRATING. Until
    /// [`Migration::finish`], the old owner answers `ASK` for keys it no longer has.
    pub async fn begin_migration(&self, key: &str) -> Migration<'_> {
        let from = self.master_for_key(key).await;
        let to = self.node(
            self.master_ports()
                .await
                .into_iter()
                .find(|&port| port != from.port())
                .unwrap(),
        );
        let slot: u16 = from
            .query(redis::cmd("CLUSTER").arg("KEYSLOT").arg(key))
            .await;
        let from_id: String = from.query(redis::cmd("CLUSTER").arg("MYID")).await;
        let to_id: String = to.query(redis::cmd("CLUSTER").arg("MYID")).await;
        let () = to
            .query(
                redis::cmd("CLUSTER")
                    .arg("SETSLOT")
                    .arg(slot)
                    .arg("IMPORTING")
                    .arg(&from_id),
            )
            .await;
        let () = from
            .query(
                redis::cmd("CLUSTER")
                    .arg("SETSLOT")
                    .arg(slot)
                    .arg("MIGRATING")
                    .arg(&to_id),
            )
            .await;
        Migration {
            cluster: self,
            slot,
            from: from.port(),
            to: to.port(),
            to_id,
        }
    }

    /// Kills the node listening on `port` (`SIGKILL`), as a crash would; the cluster still lists it.
    pub fn kill(&mut self, port: u16) {
        let node = self
            .nodes
            .iter_mut()
            .find(|n| n.port() == port)
            .unwrap_or_else(|| panic!("no node of this cluster listens on {port}"));
        node.kill();
    }

    /// The replica of the master listening on `master`, as the replicas say (`INFO replication`: the
    /// other nodes may not have heard of it yet).
    pub async fn replica_of(&self, master: u16) -> &RedisServer {
        for node in &self.nodes {
            let info: String = node.query(redis::cmd("INFO").arg("replication")).await;
            if info.contains("role:slave") && info.contains(&format!("master_port:{master}\r\n")) {
                return node;
            }
        }
        panic!("master {master} has no replica")
    }

    /// `CLUSTER FAILOVER` on the replica listening on `replica`, once every node knows it as a replica
    /// (the master ignores a failover request from a replica it has not heard of yet), and waits until
    /// every node sees it as a master; a request that times out is made again (at most 30 s in all).
    pub async fn fail_over_to(&self, replica: u16) {
        let deadline = Instant::now() + CONVERGE;
        self.wait_for_role(replica, "slave", deadline).await;
        loop {
            let () = self
                .node(replica)
                .query(redis::cmd("CLUSTER").arg("FAILOVER"))
                .await;
            let attempt = (Instant::now() + Duration::from_secs(8)).min(deadline);
            if self.wait_for_role(replica, "master", attempt).await {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no failover to {replica} after {CONVERGE:?}"
            );
        }
    }

    /// Waits until every node's `CLUSTER NODES` flags the node on `port` with `role`; false at
    /// `deadline`.
    async fn wait_for_role(&self, port: u16, role: &str, deadline: Instant) -> bool {
        for node in &self.nodes {
            loop {
                let nodes: String = node.query(redis::cmd("CLUSTER").arg("NODES")).await;
                let seen = nodes.lines().any(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    f.len() > 3
                        && f[1].contains(&format!(":{port}@"))
                        && f[2].split(',').any(|flag| flag == role)
                });
                if seen {
                    break;
                }
                if Instant::now() >= deadline {
                    return false;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        true
    }

    /// `INFO commandstats` of every node, in [`nodes`](Self::nodes) order.
    pub async fn commandstats_per_node(&self) -> Vec<CommandStats> {
        let mut all = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            all.push(node.commandstats().await);
        }
        all
    }

    /// `INFO commandstats` summed over all nodes.
    pub async fn commandstats(&self) -> CommandStats {
        self.commandstats_per_node().await.into_iter().sum()
    }

    /// `CONFIG RESETSTAT` on every node.
    pub async fn reset_stats(&self) {
        for node in &self.nodes {
            node.reset_stats().await;
        }
    }

    /// `SCRIPT FLUSH` on every node.
    pub async fn script_flush(&self) {
        for node in &self.nodes {
            node.script_flush().await;
        }
    }
}

/// A slot on its way from one master to another ([`RedisCluster::begin_migration`]).
#[derive(Debug)]
pub struct Migration<'c> {
    cluster: &'c RedisCluster,
    /// The slot that moves.
    pub slot: u16,
    /// The port of its old owner.
    pub from: u16,
    /// The port of its new owner.
    pub to: u16,
    to_id: String,
}

impl Migration<'_> {
    /// Moves every key of the slot to the new owner (`MIGRATE`), as they are now.
    pub async fn move_keys(&self) {
        let from = self.cluster.node(self.from);
        loop {
            let keys: Vec<String> = from
                .query(
                    redis::cmd("CLUSTER")
                        .arg("GETKEYSINSLOT")
                        .arg(self.slot)
                        .arg(100),
                )
                .await;
            if keys.is_empty() {
                return;
            }
            let () = from
                .query(
                    redis::cmd("MIGRATE")
                        .arg("127.0.0.1")
                        .arg(self.to)
                        .arg("")
                        .arg(0)
                        .arg(5000)
                        .arg("KEYS")
                        .arg(&keys),
                )
                .await;
        }
    }

    /// Moves the remaining keys and gives the slot to the new owner on every node (the new owner
    /// first): from now on the old owner answers `MOVED`.
    pub async fn finish(self) {
        self.move_keys().await;
        let mut setslot = redis::cmd("CLUSTER");
        setslot
            .arg("SETSLOT")
            .arg(self.slot)
            .arg("NODE")
            .arg(&self.to_id);
        let to = self.cluster.node(self.to);
        let () = to.query(&setslot).await;
        // Replicas refuse SETSLOT: they learn it from their masters.
        for port in self.cluster.master_ports().await {
            if port != self.to {
                let () = self.cluster.node(port).query(&setslot).await;
            }
        }
    }
}

/// The client port of the master serving `slot`, from `CLUSTER NODES` text
/// (`<id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot> <slot>...`).
fn owner_of(nodes: &str, slot: u16) -> Option<u16> {
    nodes.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 9 || !fields[2].split(',').any(|f| f == "master") {
            return None;
        }
        let serves = fields[8..].iter().any(|range| {
            let (start, end) = range.split_once('-').unwrap_or((range, range));
            matches!((start.parse::<u16>(), end.parse::<u16>()), (Ok(s), Ok(e)) if (s..=e).contains(&slot))
        });
        let address = fields[1].split('@').next()?;
        serves.then(|| address.rsplit(':').next()?.parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::owner_of;

    #[test]
    fn finds_the_owner_of_a_slot() {
        let nodes = "a 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460\n\
                     b 127.0.0.1:7002@17002 master - 0 0 2 connected 5461-10922\n\
                     c 127.0.0.1:7003@17003 master - 0 0 3 connected 10923-16383\n\
                     d 127.0.0.1:7004@17004 slave a 0 0 1 connected\n";
        assert_eq!(owner_of(nodes, 0), Some(7001));
        assert_eq!(owner_of(nodes, 5461), Some(7002));
        assert_eq!(owner_of(nodes, 16383), Some(7003));
    }
}

#[cfg(test)]
mod start_tests {
    use super::RedisCluster;

    #[tokio::test]
    async fn three_masters_serve_all_slots() {
        let cluster = RedisCluster::start(3, 0);
        assert_eq!(cluster.urls().len(), 3);
        let mut conn = cluster.connection().await;
        for key in ["a", "b", "c", "d", "e"] {
            let () = redis::cmd("SET")
                .arg(key)
                .arg(key)
                .query_async(&mut conn)
                .await
                .unwrap();
        }
        let mut owners: Vec<u16> = Vec::new();
        for key in ["a", "b", "c", "d", "e"] {
            let owner = cluster.master_for_key(key).await;
            let value: Option<String> = redis::cmd("GET")
                .arg(key)
                .query_async(&mut owner.connection().await)
                .await
                .unwrap();
            assert_eq!(value.as_deref(), Some(key));
            owners.push(owner.port());
        }
        owners.sort_unstable();
        owners.dedup();
        assert!(owners.len() > 1, "keys a..e all on one node");
        assert!(cluster.commandstats().await.calls("set") >= 5);
    }
}

#[cfg(test)]
mod replica_tests {
    use super::RedisCluster;

    #[tokio::test]
    async fn three_masters_with_one_replica_each() {
        let cluster = RedisCluster::start(3, 1);
        assert_eq!(cluster.nodes().len(), 6);
        let mut conn = cluster.connection().await;
        let () = redis::cmd("SET")
            .arg("k")
            .arg("v")
            .query_async(&mut conn)
            .await
            .unwrap();
        let value: String = redis::cmd("GET")
            .arg("k")
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(value, "v");
    }
}
