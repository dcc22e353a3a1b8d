//! A library on every server: FUNCTION LOAD, and the versions older builds left (FUNCTION LIST,
//! FUNCTION DELETE), on each primary of a cluster or the one server of any other transport.

use super::Library;
use crate::preload::{load_everywhere, on, servers, unexpected};
use crate::{ArgList, BatchCommand, Error, Reply, Transport};

/// FUNCTION LOAD of each library (once per loaded name) on every server, in one round trip per
/// server; "already exists" counts as loaded. Returns on how many servers.
pub(super) async fn load<C: Transport + ?Sized>(
    libraries: &[&Library],
    conn: &C,
) -> Result<usize, Error> {
    let libraries = distinct(libraries);
    if libraries.is_empty() {
        return Ok(0);
    }
    let commands: Vec<BatchCommand<'_>> = libraries
        .iter()
        .map(|library| BatchCommand::LoadLibrary(library.code()))
        .collect();
    let named: Vec<(Option<&str>, &str)> = libraries
        .iter()
        .map(|library| (Some(library.loaded_name()), library.sha1()))
        .collect();
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
}

/// FUNCTION LOAD REPLACE of `library` on every server, in place of what it holds under that name.
pub(super) async fn replace<C: Transport + ?Sized>(
    library: &Library,
    conn: &C,
) -> Result<usize, Error> {
    let words = ArgList::new(&("FUNCTION", "LOAD", "REPLACE", library.code()));
    let commands = [BatchCommand::Raw(words.values())];
    let named = [(Some(library.loaded_name()), library.sha1())];
    load_everywhere(
        conn,
        &commands,
        &named,
        ("FUNCTION LOAD REPLACE", "library"),
        |_, reply| reply.as_ref().map(|_| ()).map_err(Error::clone),
    )
    .await
}

/// Each of `libraries` (once per loaded name) that a server lacks, with that server: FUNCTION LIST
/// on every server.
pub(super) async fn missing<'a, C: Transport + ?Sized>(
    libraries: &[&'a Library],
    conn: &C,
) -> Result<Vec<(&'a Library, Option<String>)>, Error> {
    let libraries = distinct(libraries);
    if libraries.is_empty() {
        return Ok(Vec::new());
    }
    let words = ArgList::new(&("FUNCTION", "LIST"));
    let commands = [BatchCommand::Raw(words.values())];
    let mut missing = Vec::new();
    for server in servers(conn).await? {
        let listed = match on(conn, &commands, server.as_deref()).await?.pop() {
            Some(Ok(reply)) => library_names(&reply),
            Some(Err(e)) => return Err(e),
            None => return Err(unexpected("FUNCTION LIST")),
        };
        for library in &libraries {
            if !listed.iter().any(|name| name == library.loaded_name()) {
                missing.push((*library, server.clone()));
            }
        }
    }
    Ok(missing)
}

/// `libraries`, each loaded name once, in their order.
fn distinct<'a>(libraries: &[&'a Library]) -> Vec<&'a Library> {
    let mut seen: Vec<&'a Library> = Vec::with_capacity(libraries.len());
    for library in libraries {
        if !seen
            .iter()
            .any(|s| s.loaded_name() == library.loaded_name())
        {
            seen.push(library);
        }
    }
    seen
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
