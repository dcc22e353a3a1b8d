//! [`Cluster`]: a Redis Cluster client made for at-most-once calls: the `redis` crate's cluster
//! client without retries, over node connections that hand back every reply of a pipeline.

use std::fmt;
use std::sync::Arc;

use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::{ClusterConnection, Connect};
use redis::{AsyncConnectionConfig, Cmd, IntoConnectionInfo, RedisFuture, Value};

use super::cluster::{self, Routes};
use super::{error_from_redis, to_cmd};
use crate::{
    Batch, BatchGroup, BatchKeys, BatchReplies, Command, Error, Reply, Transport, TransportError,
    TransportErrorKind,
};

/// A Redis Cluster client for scripts, functions and batches that must run at most once.
///
/// The `redis` crate's own cluster client sends a command again after a broken connection or a
/// redirect, up to its `retries` (16 by default), so a script can run twice; and it hands back only
/// the first redirect of a pipeline, dropping every other reply. `Cluster` is that client built with
/// `retries(0)`, whatever the builder said, over node connections that hand back every reply: a
/// redirect (`MOVED`, `ASK`) is followed here, and after a slot moved between two commands of one
/// node's part of a batch, exactly the commands answered with the redirect are sent again, to the
/// new node, when nothing behind them ran; the others keep their replies.
///
/// ```no_run
/// use redis_script::{Cluster, Script};
///
/// # async fn run() -> redis_script::Result<()> {
/// let cluster = Cluster::connect(["redis://127.0.0.1:7000", "redis://127.0.0.1:7001"]).await?;
/// let incr = Script::<i64>::new("return redis.call('INCR', KEYS[1])");
/// let n = incr.exec(&cluster, ["{user:1}:visits"], ()).await?;
/// # Ok(()) }
/// ```
///
/// It is also a `redis::aio::ConnectionLike`, for commands of your own (`query_async`); those are not
/// followed across redirects (a redirect is their error).
#[derive(Clone)]
pub struct Cluster {
    conn: ClusterConnection<NodeConnection>,
    routes: Arc<Routes>,
}

impl Cluster {
    /// Connects to the cluster that `nodes` (URLs such as `redis://127.0.0.1:7000`, or anything the
    /// `redis` crate takes as connection info) belong to.
    pub async fn connect<T: IntoConnectionInfo>(
        nodes: impl IntoIterator<Item = T>,
    ) -> Result<Cluster, Error> {
        Cluster::connect_with(ClusterClientBuilder::new(nodes)).await
    }

    /// Connects with the options of `builder` (passwords, TLS, timeouts, read routing, ...), but
    /// never with retries: `retries(0)` is set here, over whatever the builder said.
    pub async fn connect_with(builder: ClusterClientBuilder) -> Result<Cluster, Error> {
        let client = builder.retries(0).build().map_err(|e| {
            Error::Transport(
                TransportError::new(
                    TransportErrorKind::Config,
                    "the cluster client could not be built",
                    false,
                )
                .with_source(e),
            )
        })?;
        Cluster::over(&client).await
    }

    /// Connects with a `ClusterClient` you built, after checking that it has no retries: one built
    /// with the `redis` crate's default (16 retries) is refused with a
    /// [`Config`](TransportErrorKind::Config) error saying so, since it would send a script again.
    ///
    /// The `redis` crate does not expose a client's retries; they are read from its `Debug` output,
    /// and a client whose retries can not be read that way is refused too.
    pub async fn from_client(client: &ClusterClient) -> Result<Cluster, Error> {
        match retries_of(client) {
            Some(0) => {}
            found => {
                let found = match found {
                    Some(n) => format!("is built with {n} retries"),
                    None => "has retries this crate can not read".to_owned(),
                };
                return Err(Error::Transport(TransportError::new(
                    TransportErrorKind::Config,
                    format!(
                        "this ClusterClient {found}, so it would send a command again after a \
                         broken connection or a redirect and could run a script twice: build it \
                         with ClusterClientBuilder::retries(0), or use Cluster::connect_with"
                    ),
                    false,
                )));
            }
        }
        Cluster::over(client).await
    }

    /// The cluster of `client`, over node connections that hand back every reply.
    async fn over(client: &ClusterClient) -> Result<Cluster, Error> {
        let conn = client
            .get_async_generic_connection::<NodeConnection>()
            .await
            .map_err(error_from_redis)?;
        Ok(Cluster {
            conn,
            routes: Arc::default(),
        })
    }
}

/// The retries of a `ClusterClient`, from its `Debug` output (`number_of_retries: 16`).
fn retries_of(client: &ClusterClient) -> Option<u32> {
    let debug = format!("{client:?}");
    let (_, after) = debug.split_once("number_of_retries: ")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let routes = self
            .routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len();
        f.debug_struct("Cluster")
            .field("retries", &0)
            .field("moved_slots_known", &routes)
            .finish()
    }
}

impl Transport for Cluster {
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send {
        let cmd = to_cmd(&command);
        let slot = command.keys().iter().next().map(cluster::slot);
        let (conn, routes) = (self.conn.clone(), self.routes.clone());
        async move { cluster::send_command(conn, cmd, slot, Some(&routes)).await }
    }

    async fn send_batch(&self, batch: Batch<'_>) -> BatchReplies {
        cluster::send_part(&mut self.conn.clone(), &batch, Some(&self.routes)).await
    }

    async fn split_batch(
        &self,
        entries: BatchKeys<'_>,
        atomic: bool,
    ) -> Result<Option<Vec<BatchGroup>>, Error> {
        cluster::split(&mut self.conn.clone(), entries, atomic, Some(&self.routes)).await
    }

    async fn primaries(&self) -> Result<Option<Vec<String>>, Error> {
        cluster::primaries(&mut self.conn.clone()).await
    }
}

impl ConnectionLike for Cluster {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            match self.conn.req_packed_command(cmd).await.map(unshelter)? {
                Value::ServerError(e) => Err(e.into()),
                value => Ok(value),
            }
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            let values = self
                .conn
                .req_packed_commands(pipeline, offset, count)
                .await?;
            Ok(unshelter_all(values))
        })
    }

    fn get_db(&self) -> i64 {
        self.conn.get_db()
    }
}

/// A node connection of [`Cluster`]: a multiplexed connection whose pipelines hand back every reply.
///
/// The `redis` crate's cluster connection looks at each reply of a pipeline, and when one is a
/// redirect or a "try later" (MOVED, ASK, TRYAGAIN, ...) it keeps only that one, as the error of the
/// whole pipeline. Here every error reply of a pipeline is sheltered first (wrapped in a RESP3
/// attribute the crate does not look into), and [`unshelter`] gives it back as it came. Of a single
/// command's replies, a redirect is sheltered too: the crate then keeps routing its slot to the node
/// that answered, which the rules ask whether it meant the redirect (a script can return the same
/// reply); other error replies pass as they are.
///
/// The `redis` crate builds the node connections itself (`Connect`), through
/// `ClusterClient::get_async_generic_connection`, which it exposes (hidden from its docs) for exactly
/// this: a cluster over connections of another type. That keeps every option of the client (TLS,
/// passwords, address maps, timeouts) for the node connections, which a second set of connections
/// built here would not.
#[derive(Clone)]
pub(super) struct NodeConnection(MultiplexedConnection);

/// The attribute key that marks a sheltered reply.
const SHELTERED: &str = "redis-script:sheltered";

fn shelter(value: Value) -> Value {
    match value {
        Value::ServerError(_) => Value::Attribute {
            data: Box::new(value),
            attributes: vec![(Value::SimpleString(SHELTERED.to_owned()), Value::Nil)],
        },
        other => other,
    }
}

/// A sheltered reply as it came; any other value as it is.
pub(super) fn unshelter(value: Value) -> Value {
    match value {
        Value::Attribute { data, attributes } if matches!(attributes.as_slice(), [(Value::SimpleString(k), Value::Nil)] if k == SHELTERED) => {
            *data
        }
        other => other,
    }
}

/// [`unshelter`] of each value.
pub(super) fn unshelter_all(values: Vec<Value>) -> Vec<Value> {
    values.into_iter().map(unshelter).collect()
}

impl ConnectionLike for NodeConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            // A pipeline of one: the same bytes, its error reply handed back as a value.
            let mut one = redis::pipe();
            one.add_command(cmd.clone());
            let reply = self.0.req_packed_commands(&one, 0, 1).await?.pop();
            match reply {
                Some(Value::ServerError(e)) if matches!(e.code(), "MOVED" | "ASK") => {
                    Ok(shelter(Value::ServerError(e)))
                }
                Some(Value::ServerError(e)) => Err(e.into()),
                Some(value) => Ok(value),
                None => Err(redis::RedisError::from((
                    redis::ErrorKind::Parse,
                    "no reply to a command",
                ))),
            }
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            let values = self.0.req_packed_commands(pipeline, offset, count).await?;
            Ok(values.into_iter().map(shelter).collect())
        })
    }

    fn get_db(&self) -> i64 {
        self.0.get_db()
    }
}

impl Connect for NodeConnection {
    fn connect_with_config<'a, T>(info: T, config: AsyncConnectionConfig) -> RedisFuture<'a, Self>
    where
        T: IntoConnectionInfo + Send + 'a,
    {
        Box::pin(async move {
            MultiplexedConnection::connect_with_config(info, config)
                .await
                .map(NodeConnection)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheltered_errors_come_back_as_they_were_and_other_values_pass() {
        let moved = redis::parse_redis_value(b"-MOVED 3828 127.0.0.1:7001\r\n").ok();
        let Some(moved @ Value::ServerError(_)) = moved else {
            panic!("{moved:?}")
        };
        let sheltered = shelter(moved.clone());
        assert!(!matches!(sheltered, Value::ServerError(_)), "{sheltered:?}");
        assert_eq!(unshelter(sheltered), moved);
        assert_eq!(unshelter(shelter(Value::Int(3))), Value::Int(3));
        // An attribute the server sent stays as it is.
        let attribute = Value::Attribute {
            data: Box::new(Value::Int(1)),
            attributes: vec![(Value::SimpleString("ttl".into()), Value::Int(2))],
        };
        assert_eq!(unshelter(attribute.clone()), attribute);
    }

    #[test]
    fn retries_are_read_from_the_client() {
        let default = ClusterClient::new(["redis://127.0.0.1:1"]).ok();
        assert_eq!(default.as_ref().and_then(retries_of), Some(16));
        let none = ClusterClientBuilder::new(["redis://127.0.0.1:1"])
            .retries(0)
            .build()
            .ok();
        assert_eq!(none.as_ref().and_then(retries_of), Some(0));
    }
}
