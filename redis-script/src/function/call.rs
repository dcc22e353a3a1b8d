//! The one place a function call loads its library: FCALL; on the server's own `ERR Function not
//! found`, and only on it, FUNCTION LOAD and FCALL again, in one round trip to the same server.

use serde::de::DeserializeOwned;

use super::Inner;
use crate::batch::Entries;
use crate::error::PreloadError;
use crate::script::Call;
use crate::{Batch, BatchCommand, BatchKeys, Command, CommandName, Error, Reply, Transport};

/// Calls the function; decodes the reply; names the function in any error.
pub(super) async fn call<T: DeserializeOwned, C: Transport + ?Sized>(
    conn: &C,
    function: &Inner,
    name: CommandName,
    call: Call,
) -> Result<T, Error> {
    #[cfg(feature = "tracing")]
    {
        let id = crate::trace::FunctionId {
            library: function.library.name(),
            version: function.library.version(),
            function: &function.name,
        };
        let span =
            crate::trace::CallSpan::function(&function.source, id, name, conn.server_address());
        span.around(run(conn, function, name, call, || span.library_loaded()))
            .await
    }
    #[cfg(not(feature = "tracing"))]
    run(conn, function, name, call, || {}).await
}

async fn run<T: DeserializeOwned, C: Transport + ?Sized>(
    conn: &C,
    function: &Inner,
    name: CommandName,
    call: Call,
    on_load: impl Fn(),
) -> Result<T, Error> {
    function.source.check_call(&call)?;
    let (keys, args) = call.split();
    let command = Command::new(name, &function.called_as, &function.source.sha1, keys, args);
    let reply = match conn.send(command).await {
        Err(e) if e.is_function_not_found() => {
            on_load();
            load_and_call(conn, function, command).await
        }
        reply => reply,
    };
    // The keys and arguments come out of any error text that echoes them.
    let reply = reply.map_err(|e| e.redacted(keys.iter().chain(args.iter())));
    function.source.decode(reply)
}

/// `FUNCTION LOAD <code>` and `command` in one round trip, to the server the call's keys live on.
///
/// The call's reply is the answer, unless the server still has no such function: then the load's
/// failure, if it failed for another reason than "already exists", says why (NOPERM, a library the
/// server refuses).
async fn load_and_call<C: Transport + ?Sized>(
    conn: &C,
    function: &Inner,
    command: Command<'_>,
) -> Result<Reply, Error> {
    let mut entries = Entries::default();
    entries.push_call((function.callee(), false), &command.keys(), &());
    let groups = conn.split_batch(BatchKeys::new(&entries), false).await?;
    let commands = [
        BatchCommand::LoadLibrary(function.library.code()),
        BatchCommand::Script(command),
    ];
    let batch = Batch::new(&commands, false, false);
    let batch = match groups.as_ref().and_then(|groups| groups.first()) {
        Some(group) => batch.for_group(group),
        None => batch,
    };
    let mut replies = conn.send_batch(batch).await?.into_iter();
    let (Some(loaded), Some(called)) = (replies.next(), replies.next()) else {
        return Err(Error::Transport(crate::TransportError::new(
            crate::TransportErrorKind::Protocol,
            "the server answered FUNCTION LOAD and FCALL with fewer replies than commands"
                .to_owned(),
            true,
        )));
    };
    match (loaded, called) {
        (Err(load), Err(call)) if call.is_function_not_found() && !load.is_library_exists() => {
            Err(PreloadError::library_refused(
                function.library.loaded_name(),
                function.library.sha1(),
                load,
            ))
        }
        // The library is there (just loaded, or already): a second "not found" is the function's
        // own error text (it then ran twice: the first reply was the same), or the library lacks
        // the function, as a batch reads it.
        (loaded, Err(call))
            if call.is_function_not_found()
                && loaded
                    .as_ref()
                    .map_or_else(Error::is_library_exists, |_| true) =>
        {
            Err(function.callee().not_found_though_loaded(call))
        }
        (_, called) => called,
    }
}
