//! The examples of the seed documentation, run against a real Redis: each reply and each effect on the
//! server (the checks are in `redis_script_tests::seed`, shared with the REST transport).

#![allow(clippy::unwrap_used)]

use redis_script_tests::{RedisServer, seed};

#[tokio::test]
async fn greeting_says_hello() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    seed::greeting(&conn, &server).await;
}

#[tokio::test]
async fn echo_returns_its_argument() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    seed::echo(&conn, &server).await;
}

#[tokio::test]
async fn counter_with_ttl_counts_and_sets_the_ttl_once() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    seed::incr_ttl(&conn, &server).await;
}

#[tokio::test]
async fn set_if_higher_takes_both_branches() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    seed::set_if_higher(&conn, &server).await;
}

#[tokio::test]
async fn post_stats_reads_views_likes_and_a_fractional_ratio() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    seed::post_stats(&conn, &server).await;
}

#[tokio::test]
async fn batch_increment_counts_every_key() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    seed::batch_incr(&conn, &server).await;
}

#[tokio::test]
async fn rate_limit_counts_requests_in_a_window() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    seed::rate_limit(&conn, &server).await;
}

#[tokio::test]
async fn rate_limits_of_several_users_and_a_batch_increment_in_one_round_trip() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    seed::batches(&conn, &server).await;
}

#[tokio::test]
async fn user_activity_updates_the_hash_and_keeps_the_last_100() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    seed::user_activity(&conn, &server).await;
}

#[tokio::test]
async fn get_and_lrange_read_only() {
    let server = RedisServer::start();
    let conn = server.connection().await;
    seed::get_and_lrange(&conn, &server).await;
}
