//! The arity check holds to what the servers do when the call runs: for every command and
//! subcommand each server runs inside scripts, with as many arguments as its arity asks, one fewer
//! and one more, a script `return redis.pcall('NAME', '0', ...)` is checked for that server alone
//! (`servers = [..]`) and run with EVAL on it. The checker finds a wrong number of arguments exactly
//! when the server answers "Wrong number of args calling (Redis) command from script".
//!
//! The calls run on a throwaway server with placeholder arguments; commands that would stop it,
//! change its role or block the connection are left out (they are refused in scripts anyway, or
//! listed below).

#![allow(clippy::unwrap_used)]

use redis::Value;
use redis_script_check::{Kind, Options};
use redis_script_tests::{RedisServer, judges};

/// Run in scripts, but not with placeholder arguments on a server the test still needs.
const LEFT_OUT: &[&str] = &[
    "shutdown",
    "debug",
    "replicaof",
    "slaveof",
    "failover",
    "monitor",
];

/// `(name, arity, noscript)` of every command and subcommand a server reports.
fn commands(connection: &mut redis::Connection) -> Vec<(String, i64, bool)> {
    fn text(value: &Value) -> String {
        match value {
            Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            Value::SimpleString(text) => text.clone(),
            other => format!("{other:?}"),
        }
    }
    fn entry(value: &Value, out: &mut Vec<(String, i64, bool)>) {
        let Value::Array(fields) = value else {
            return;
        };
        let name = text(&fields[0]).to_ascii_lowercase();
        let Value::Int(arity) = fields[1] else {
            return;
        };
        let noscript = matches!(&fields[2], Value::Array(flags) if flags.iter().any(|f| text(f) == "noscript"));
        out.push((name, arity, noscript));
        if let Some(Value::Array(subs)) = fields.get(9) {
            for sub in subs {
                entry(sub, out);
            }
        }
    }
    let reply: Value = redis::cmd("COMMAND").query(connection).unwrap();
    let Value::Array(entries) = reply else {
        panic!("COMMAND: {reply:?}")
    };
    let mut out = Vec::new();
    for value in &entries {
        entry(value, &mut out);
    }
    out
}

/// `return redis.pcall('XGROUP', 'CREATE', '0', ...)` with `argc` arguments, the name included.
fn script(name: &str, argc: usize) -> (String, Vec<String>) {
    let mut args: Vec<String> = name.split('|').map(str::to_owned).collect();
    let named = args.len();
    args.extend((named..argc).map(|_| "0".to_owned()));
    args.truncate(argc.max(1));
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    (format!("return redis.pcall({})", quoted.join(", ")), args)
}

#[test]
fn arity_verdicts_match_the_servers() {
    let mut disagreements = Vec::new();
    let mut judged = 0;
    let mut refused = 0;
    for (name, binary) in judges::binaries("redis-7.0") {
        let server = RedisServer::start_binary(&binary);
        let mut connection = server.client().get_connection().unwrap();
        let options = {
            let mut options = Options::default();
            options.servers = vec![name.to_owned()];
            options
        };
        for (command, arity, noscript) in commands(&mut connection) {
            let container = command.split('|').next().unwrap_or_default();
            if noscript || LEFT_OUT.contains(&container) || LEFT_OUT.contains(&command.as_str()) {
                continue;
            }
            let names = command.split('|').count();
            let wanted = usize::try_from(arity.unsigned_abs()).unwrap();
            for argc in [wanted.saturating_sub(1), wanted, wanted + 1] {
                if argc < names {
                    continue;
                }
                let (lua, _) = script(&command, argc);
                let checked = redis_script_check::check("arity.lua", &lua, &options);
                let says_arity = checked
                    .as_ref()
                    .err()
                    .is_some_and(|problems| problems.iter().any(|p| p.kind() == Kind::Arity));
                let ran: redis::RedisResult<Value> =
                    redis::cmd("EVAL").arg(&lua).arg(0).query(&mut connection);
                let wrong_number = match &ran {
                    Err(error) => error.to_string().contains("Wrong number of args"),
                    Ok(_) => false,
                };
                judged += 1;
                refused += usize::from(wrong_number);
                if says_arity != wrong_number {
                    disagreements.push(format!(
                        "{name}: {lua}: checker {}, server {ran:?}",
                        if says_arity { "refuses" } else { "accepts" }
                    ));
                }
            }
        }
    }
    println!(
        "arity: {judged} calls judged, {refused} refused by the servers, {} disagreements",
        disagreements.len()
    );
    assert!(judged > 1000, "only {judged} calls judged");
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
