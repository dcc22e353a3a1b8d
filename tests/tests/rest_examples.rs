//! The examples of the seed documentation over the Upstash REST API: the local REST server in front of a
//! real Redis, each reply and each effect on the server checked as over RESP (the checks are in
//! `redis_script_tests::seed`, shared with the RESP transport).

#![allow(clippy::unwrap_used)]

use redis_script::rest::Upstash;
use redis_script_tests::upstash::UpstashLocal;
use redis_script_tests::{RedisServer, seed};

/// The local REST server in front of `server`, and a client of it (base64 replies, the default).
fn rest(server: &RedisServer) -> (UpstashLocal, Upstash) {
    let local = UpstashLocal::start(server);
    let client = Upstash::new(local.url(), local.token()).unwrap();
    (local, client)
}

#[tokio::test]
async fn greeting_says_hello() {
    let server = RedisServer::start();
    let (_local, upstash) = rest(&server);
    seed::greeting(&upstash, &server).await;
}

#[tokio::test]
async fn echo_returns_its_argument() {
    let server = RedisServer::start();
    let (_local, upstash) = rest(&server);
    seed::echo(&upstash, &server).await;
}

#[tokio::test]
async fn counter_with_ttl_counts_and_sets_the_ttl_once() {
    let server = RedisServer::start();
    let (_local, upstash) = rest(&server);
    seed::incr_ttl(&upstash, &server).await;
}

#[tokio::test]
async fn set_if_higher_takes_both_branches() {
    let server = RedisServer::start();
    let (_local, upstash) = rest(&server);
    seed::set_if_higher(&upstash, &server).await;
}

#[tokio::test]
async fn post_stats_reads_views_likes_and_a_fractional_ratio() {
    let server = RedisServer::start();
    let (_local, upstash) = rest(&server);
    seed::post_stats(&upstash, &server).await;
}

#[tokio::test]
async fn batch_increment_counts_every_key() {
    let server = RedisServer::start();
    let (_local, upstash) = rest(&server);
    seed::batch_incr(&upstash, &server).await;
}

#[tokio::test]
async fn rate_limit_counts_requests_in_a_window() {
    let server = RedisServer::start();
    let (_local, upstash) = rest(&server);
    seed::rate_limit(&upstash, &server).await;
}

#[tokio::test]
async fn rate_limits_of_several_users_and_a_batch_increment_in_one_round_trip() {
    let server = RedisServer::start();
    let (local, upstash) = rest(&server);
    seed::batches(&upstash, &server).await;
    let paths: Vec<String> = local.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/pipeline", "/multi-exec"], "one request per batch");
}

#[tokio::test]
async fn user_activity_updates_the_hash_and_keeps_the_last_100() {
    let server = RedisServer::start();
    let (_local, upstash) = rest(&server);
    seed::user_activity(&upstash, &server).await;
}

#[tokio::test]
async fn get_and_lrange_read_only() {
    let server = RedisServer::start();
    let (_local, upstash) = rest(&server);
    seed::get_and_lrange(&upstash, &server).await;
}
