//! A library on every server: FUNCTION LOAD, and the versions older builds left (FUNCTION LIST,
//! FUNCTION DELETE), on each primary of a cluster or the one server of any other transport.

use super::Library;
use crate::preload::{load_everywhere, on, servers, unexpected};
use crate::{ArgList, BatchCommand, Error, Reply, Transport};

/// FUNCTION LOAD on every server; "already exists" counts as loaded.
pub(super) async fn load<C: Transport + ?Sized>(library: &Library, conn: &C) -> Result<(), Error> {
    let words = ArgList::new(&("FUNCTION", "LOAD", library.code()));
    let commands = [BatchCommand::Raw(words.values())];
    let named = [(Some(library.loaded_name()), library.sha1())];
    load_everywhere(
        conn,
        &commands,
        &named,
        ("FUNCTION LOAD", "library"),
        |_, reply| match reply {
            Err(e) if !e.is_library_exists() => Err(e.clone()),
            _ => Ok(()),
        },
    )
    .await
    .map(|_| ())
}

/// Each server and the other versions of `library` it holds.
pub(super) async fn other_versions<C: Transport + ?Sized>(
    library: &Library,
    conn: &C,
) -> Result<Vec<(Option<String>, String)>, Error> {
    if library.version().is_none() {
        return Ok(Vec::new());
    }
    let prefix = format!("{}__", library.name());
    // A glob pattern; library names hold no glob characters.
    let pattern = format!("{prefix}*");
    let words = ArgList::new(&("FUNCTION", "LIST", "LIBRARYNAME", pattern.as_str()));
    let commands = [BatchCommand::Raw(words.values())];
    let mut found = Vec::new();
    for server in servers(conn).await? {
        let listed = match on(conn, &commands, server.as_deref()).await?.pop() {
            Some(Ok(reply)) => reply,
            Some(Err(e)) => return Err(e),
            None => return Err(unexpected("FUNCTION LIST")),
        };
        for name in library_names(&listed) {
            let is_version = name.strip_prefix(&prefix).is_some_and(|version| {
                version.len() == 12 && version.bytes().all(|b| b.is_ascii_hexdigit())
            });
            if is_version && name != library.loaded_name() {
                found.push((server.clone(), name));
            }
        }
    }
    Ok(found)
}

/// FUNCTION DELETE of every other version, where it is.
pub(super) async fn delete_other_versions<C: Transport + ?Sized>(
    library: &Library,
    conn: &C,
) -> Result<Vec<String>, Error> {
    let mut deleted: Vec<String> = Vec::new();
    for (server, name) in other_versions(library, conn).await? {
        let words = ArgList::new(&("FUNCTION", "DELETE", name.as_str()));
        let commands = [BatchCommand::Raw(words.values())];
        match on(conn, &commands, server.as_deref()).await?.pop() {
            Some(Ok(_)) => {}
            // Deleted meanwhile by another instance doing the same.
            Some(Err(Error::Server(e)))
                if e.code() == "ERR" && e.message() == "Library not found" => {}
            Some(Err(e)) => return Err(e),
            None => return Err(unexpected("FUNCTION DELETE")),
        }
        if !deleted.contains(&name) {
            deleted.push(name);
        }
    }
    deleted.sort();
    Ok(deleted)
}

/// The `library_name` of each library in a FUNCTION LIST reply (RESP2 arrays or RESP3 maps).
fn library_names(reply: &Reply) -> Vec<String> {
    let Reply::Array(libraries) = reply else {
        return Vec::new();
    };
    libraries
        .iter()
        .filter_map(|library| {
            let pairs: Vec<(&Reply, &Reply)> = match library {
                Reply::Array(flat) => flat
                    .chunks(2)
                    .filter_map(|p| Some((p.first()?, p.get(1)?)))
                    .collect(),
                Reply::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
                _ => return None,
            };
            pairs.into_iter().find_map(|(key, value)| {
                (text(key)? == "library_name")
                    .then(|| text(value))
                    .flatten()
            })
        })
        .collect()
}

fn text(reply: &Reply) -> Option<String> {
    match reply {
        Reply::Bulk(bytes) => String::from_utf8(bytes.clone()).ok(),
        Reply::Status(text) => Some(text.clone()),
        _ => None,
    }
}
