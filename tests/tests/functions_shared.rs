//! Shared libraries: `lua_library!` with `unversioned` loads a library under the name in its file,
//! so that other services call its functions by name; two builds of it side by side share one code,
//! the first loaded until a build replaces it, and a call never replaces it.

#![allow(clippy::unwrap_used)]

use redis_script::{Error, Function, FunctionRO, Library, lua_library};
use redis_script_tests::RedisServer;
use redis_script_tests::function_batches::{function_counts as counts, libraries};

// Two builds of one shared library: the same names, different code; the second adds `total`.
lua_library! {
    static BUILD_1: Library = "../lua/shared_v1.lua", unversioned;
    static BUMP_1: Function<i64> = "bump";
}

lua_library! {
    static BUILD_2: Library = "../lua/shared_v2.lua", unversioned;
    static BUMP_2: Function<i64> = "bump";
    static TOTAL_2: FunctionRO<i64> = "total";
}

async fn log(server: &RedisServer) -> Vec<String> {
    server
        .query(redis::cmd("LRANGE").arg("n:log").arg(0).arg(-1))
        .await
}

#[test]
fn an_unversioned_library_keeps_the_names_of_its_file() {
    assert_eq!(BUILD_1.name(), "shared");
    assert_eq!(BUILD_1.loaded_name(), "shared");
    assert_eq!(BUILD_1.version(), None);
    assert_eq!(BUILD_1.code(), include_str!("../lua/shared_v1.lua"));
    assert_eq!(BUMP_1.called_name(), "bump");
    assert_eq!(TOTAL_2.called_name(), "total");
    assert_ne!(BUILD_1.sha1(), BUILD_2.sha1());
}

#[tokio::test]
async fn two_builds_share_one_library_that_others_call_by_name() {
    let server = RedisServer::start();
    let (first, second) = (server.connection().await, server.connection().await);

    // The first build's first call loads its code, under the file's own name.
    assert_eq!(BUMP_1.call(&first, ["n"], ()).await.unwrap(), 1);
    assert_eq!(libraries(&server).await, ["shared"]);
    // Another service (redis-cli, another language) calls it by name.
    let n: i64 = server
        .query(redis::cmd("FCALL").arg("bump").arg(1).arg("n"))
        .await;
    assert_eq!(n, 2);

    // The second build finds the function and runs the code that is loaded: the first build's. It
    // never loads, so it never replaces.
    server.reset_stats().await;
    assert_eq!(BUMP_2.call(&second, ["n"], ()).await.unwrap(), 3);
    assert_eq!(counts(&server).await, (1, 0, 0));
    // A function only its code has is not there: it loads once (without REPLACE: "already exists")
    // and fails, having run nothing.
    let err = TOTAL_2.call(&second, ["n"], ()).await.unwrap_err();
    assert!(err.is_function_not_found(), "{err:?}");
    assert!(!err.may_have_run(), "{err:?}");
    assert_eq!(counts(&server).await, (1, 2, 1));
    // So does a load of its own: it counts as loaded, and changes nothing.
    BUILD_2.load(&second).await.unwrap();
    assert_eq!(log(&server).await, ["v1", "v1", "v1"]);

    // The second build publishes its code: from then on both builds, and everyone else, run it.
    assert_eq!(BUILD_2.replace(&second).await.unwrap(), 1);
    assert_eq!(libraries(&server).await, ["shared"]);
    assert_eq!(BUMP_1.call(&first, ["n"], ()).await.unwrap(), 13);
    assert_eq!(BUMP_2.call(&second, ["n"], ()).await.unwrap(), 23);
    assert_eq!(TOTAL_2.call(&second, ["n"], ()).await.unwrap(), 23);
    assert_eq!(log(&server).await, ["v1", "v1", "v1", "v2", "v2"]);

    // The first build's load, as a restarted instance of it would send, does not take it back.
    BUILD_1.load(&first).await.unwrap();
    assert_eq!(BUMP_1.call(&first, ["n"], ()).await.unwrap(), 33);
    // Nor does a call of a straggler after the library was deleted: it loads its own code again,
    // which is then what everyone runs, as the first load always wins.
    let () = server.query(redis::cmd("FUNCTION").arg("FLUSH")).await;
    assert_eq!(BUMP_1.call(&first, ["n"], ()).await.unwrap(), 34);
    assert!(matches!(
        TOTAL_2.call(&second, ["n"], ()).await,
        Err(Error::Server(_))
    ));
}
