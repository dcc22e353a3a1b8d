//! Batches over RESP: the commands of a [`Batch`] as one `redis` pipeline, MULTI / EXEC written around
//! them for a transaction, and the replies read back one per command.

use redis::Value;

use super::{error_from_redis, reply_from_value, server_error_text, to_cmd};
use crate::{
    Batch, BatchCommand, BatchError, BatchReplies, Error, TransportError, TransportErrorKind,
};

/// The `redis` pipeline for `batch`, and how many replies it gets; with `asking`, `ASKING` in front
/// (a transaction to the node a slot is being migrated to: the flag holds until EXEC).
///
/// A transaction is written as plain MULTI, the commands and EXEC, so that every queued reply comes back
/// and a command refused while queuing can be named.
pub(crate) fn to_pipeline(batch: &Batch<'_>, asking: bool) -> (redis::Pipeline, usize) {
    let commands = batch.commands();
    let count = commands.len() + usize::from(asking) + if batch.is_atomic() { 2 } else { 0 };
    let mut pipeline = redis::Pipeline::with_capacity(count);
    if asking {
        pipeline.add_command(redis::cmd("ASKING"));
    }
    if batch.is_atomic() {
        pipeline.add_command(redis::cmd("MULTI"));
    }
    for command in commands {
        pipeline.add_command(to_redis_cmd(command));
    }
    if batch.is_atomic() {
        pipeline.add_command(redis::cmd("EXEC"));
    }
    (pipeline, count)
}

/// A pipeline of `commands`, `None` standing for `ASKING`.
#[cfg(feature = "cluster")]
pub(crate) fn pipeline_of(
    commands: impl IntoIterator<Item = Option<redis::Cmd>>,
) -> redis::Pipeline {
    let mut pipeline = redis::Pipeline::new();
    for command in commands {
        pipeline.add_command(command.unwrap_or_else(|| redis::cmd("ASKING")));
    }
    pipeline
}

pub(crate) fn to_redis_cmd(command: &BatchCommand<'_>) -> redis::Cmd {
    match command {
        BatchCommand::Script(command) => to_cmd(command),
        BatchCommand::Load(script) => {
            let mut cmd = redis::Cmd::with_capacity(3, 16 + script.len());
            cmd.arg("SCRIPT").arg("LOAD").arg(*script);
            cmd
        }
        BatchCommand::LoadLibrary(code) => {
            let mut cmd = redis::Cmd::with_capacity(3, 16 + code.len());
            cmd.arg("FUNCTION").arg("LOAD").arg(*code);
            cmd
        }
        BatchCommand::Raw(words) => {
            let mut cmd = redis::Cmd::with_capacity(words.len(), words.byte_len());
            for word in words.iter() {
                cmd.arg(word);
            }
            cmd
        }
    }
}

/// Sends `batch` on any `redis` async connection, in one round trip.
pub(crate) async fn send_on<C: redis::aio::ConnectionLike + Send>(
    conn: &mut C,
    batch: Batch<'_>,
) -> BatchReplies {
    let (pipeline, count) = to_pipeline(&batch, false);
    let sent = conn.req_packed_commands(&pipeline, 0, count).await;
    // Sent: what its commands took is free for the replies (a large batch holds less at once).
    drop(pipeline);
    match sent {
        Ok(values) => read_replies(&batch, values),
        Err(e) => Err(error_from_redis(e)),
    }
}

/// One result per command of `batch` from the values the server sent for its pipeline.
pub(crate) fn read_replies(batch: &Batch<'_>, values: Vec<Value>) -> BatchReplies {
    let expected = batch.commands().len() + if batch.is_atomic() { 2 } else { 0 };
    if values.len() != expected {
        return Err(protocol(format!(
            "the server answered {} replies to a pipeline of {expected} commands",
            values.len()
        )));
    }
    if !batch.is_atomic() {
        return Ok(values.into_iter().map(reply_from_value).collect());
    }
    let mut values = values.into_iter();
    if let Some(Value::ServerError(e)) = values.next() {
        // MULTI refused: each command ran on its own, and its reply is its result.
        let multi = Error::from_reply_text(&server_error_text(&e));
        let results = values
            .take(batch.commands().len())
            .map(reply_from_value)
            .collect();
        return Err(BatchError::not_atomic(multi, results).into());
    }
    let queued: Vec<Value> = values.by_ref().take(batch.commands().len()).collect();
    match values.next() {
        Some(Value::Array(items)) if items.len() == batch.commands().len() => {
            Ok(items.into_iter().map(reply_from_value).collect())
        }
        Some(Value::ServerError(e)) => {
            let refused = queued
                .into_iter()
                .enumerate()
                .filter_map(|(i, value)| match value {
                    Value::ServerError(e) => {
                        Some((i, Error::from_reply_text(&server_error_text(&e))))
                    }
                    _ => None,
                })
                .collect();
            let exec = Error::from_reply_text(&server_error_text(&e));
            Err(BatchError::aborted(exec, refused).into())
        }
        Some(Value::Nil) => Err(BatchError::aborted(
            Error::from_reply_text("EXECABORT Transaction aborted"),
            Vec::new(),
        )
        .into()),
        other => Err(protocol(format!(
            "unexpected reply to EXEC: {}",
            match other {
                Some(Value::Array(items)) => format!("{} results", items.len()),
                Some(_) => "not an array".to_owned(),
                None => "none".to_owned(),
            }
        ))),
    }
}

pub(crate) fn protocol(message: String) -> Error {
    Error::Transport(TransportError::new(
        TransportErrorKind::Protocol,
        message,
        true,
    ))
}
