// Runs the official @upstash/redis SDK against UPSTASH_REDIS_REST_URL / UPSTASH_REDIS_REST_TOKEN and
// prints one JSON object with every result (or error message) to stdout.
//
// SDK_AUTO_PIPELINE=0 turns the SDK's auto-pipelining off (then single commands use `POST /`);
// by default it is on, as in the SDK, and commands travel through `POST /pipeline`.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

import { Redis } from "@upstash/redis";

const autoPipeline = process.env.SDK_AUTO_PIPELINE !== "0";
const redis = new Redis({
  url: process.env.UPSTASH_REDIS_REST_URL,
  token: process.env.UPSTASH_REDIS_REST_TOKEN,
  enableAutoPipelining: autoPipeline,
  enableTelemetry: false,
  // A retried request could run a script twice: fail instead, so effects stay countable.
  retry: false,
});

// The examples' scripts, read from examples/lua: the SDK runs the very files the Rust examples and
// tests compile in.
const example = (name) =>
  readFileSync(new URL(`../../examples/lua/${name}.lua`, import.meta.url), "utf8");

// Every script, by name; printed too, so other clients can run exactly the same text.
const SOURCES = {
  greet: example("greeting"),
  ro_get: example("get"),
  ro_write: 'return redis.call("SET", KEYS[1], "x")',
  counter_ttl: example("incr_ttl"),
  set_if_higher: example("set_if_higher"),
  // The seed's own text, not examples/lua/post_stats.lua: it returns the ratio as a Lua number, which
  // Redis truncates to an integer (0.15 arrives as 0; the example file sends tostring(ratio)).
  post_stats: `
  local views = tonumber(redis.call("GET", KEYS[1] .. ":views") or "0")
  local likes = tonumber(redis.call("GET", KEYS[1] .. ":likes") or "0")
  local ratio = 0

  if views > 0 then
    ratio = likes / views
  end

  return {views, likes, ratio}
`,
  batch_increment: example("batch_incr"),
  rate_limit: example("rate_limit"),
  user_activity: example("user_activity"),
  typed: `
  local count = redis.call("INCR", KEYS[1])
  local time = redis.call("TIME")
  return {count, time[1]}
`,
};

const out = { sdk: "@upstash/redis", autoPipeline, sources: SOURCES, steps: {} };

// Runs `f`, recording its result or its error message under `steps[name]`, in order.
async function step(name, f) {
  try {
    out.steps[name] = { result: await f() };
  } catch (error) {
    out.steps[name] = { error: error instanceof Error ? error.message : String(error) };
  }
}

// Script: EVALSHA (NOSCRIPT) then EVAL on the first exec, EVALSHA afterwards.
const greet = redis.createScript(SOURCES.greet);
await step("greet_exec_first", () => greet.exec([], ["World"]));
await step("greet_exec_second", () => greet.exec([], ["Again"]));
await step("greet_eval", () => greet.eval([], ["Eval"]));
await step("greet_evalsha", () => greet.evalsha([], ["Sha"]));
out.greet_sha1 = greet.sha1;

// ScriptRO: EVALSHA_RO (NOSCRIPT) then EVAL_RO, EVALSHA_RO afterwards.
await step("ro_set", () => redis.set("ro:key", "ro-value"));
const ro = redis.createScript(SOURCES.ro_get, { readonly: true });
await step("ro_exec_first", () => ro.exec(["ro:key"], []));
await step("ro_exec_second", () => ro.exec(["ro:key"], []));
await step("ro_eval_ro", () => ro.evalRo(["ro:key"], []));
await step("ro_evalsha_ro", () => ro.evalshaRo(["ro:key"], []));
const roWrite = redis.createScript(SOURCES.ro_write, { readonly: true });
await step("ro_write_exec", () => roWrite.exec(["ro:written"], []));

// An explicit pipeline and a transaction.
await step("pipeline", () =>
  redis
    .pipeline()
    .set("pipe:a", "1")
    .incr("pipe:a")
    .evalsha(greet.sha1, [], ["Pipe"])
    .get("pipe:a")
    .exec(),
);
await step("multi", () => redis.multi().set("tx:a", "x").append("tx:a", "y").get("tx:a").exec());

// Script calls in a pipeline: the SDK has no fallback there, so the script is loaded first, as
// redis-script's batches do it. The SHA-1 that SCRIPT LOAD answers is left out: it is no call.
const rateSha = createHash("sha1").update(SOURCES.rate_limit).digest("hex");
await step("pipeline_scripts", async () => {
  const replies = await redis
    .pipeline()
    .scriptLoad(SOURCES.rate_limit)
    .evalsha(rateSha, ["limit:user:1"], ["10", "60"])
    .evalsha(rateSha, ["limit:user:2"], ["10", "60"])
    .evalsha(rateSha, ["limit:user:1"], ["10", "60"])
    .incr("limit:hits")
    .exec();
  return replies.slice(1);
});

// Values that must survive the JSON + base64 round trip.
const unicode = "héllo wörld ✓ 😀 中文 עברית";
const binaryish = "\u0000\u0001\u001f\u007f\u0080\u00ff\ufffd tab\t nl\n quote\" backslash\\ end";
out.unicode_input = unicode;
out.binaryish_input = binaryish;
await step("unicode_set", () => redis.set("text:unicode", unicode));
await step("unicode_get", () => redis.get("text:unicode"));
await step("binaryish_set", () => redis.set("text:binaryish", binaryish));
await step("binaryish_get", () => redis.get("text:binaryish"));

// The documented examples (Script and ScriptRO page).
const incrementCounter = redis.createScript(SOURCES.counter_ttl);
await step("seed_counter_first", () => incrementCounter.exec(["page:views:homepage"], ["3600"]));
await step("seed_counter_second", () => incrementCounter.exec(["page:views:homepage"], ["3600"]));

const setIfHigher = redis.createScript(SOURCES.set_if_higher);
await step("seed_high_1500", () => setIfHigher.exec(["user:123:highscore"], ["1500"]));
await step("seed_high_1200", () => setIfHigher.exec(["user:123:highscore"], ["1200"]));
await step("seed_high_2000", () => setIfHigher.exec(["user:123:highscore"], ["2000"]));

await step("seed_stats_setup", () =>
  redis.pipeline().set("post:123:views", 1000).set("post:123:likes", 150).exec(),
);
const getPostStats = redis.createScript(SOURCES.post_stats, { readonly: true });
await step("seed_post_stats", () => getPostStats.exec(["post:123"], []));

const batchIncrement = redis.createScript(SOURCES.batch_increment);
await step("seed_batch", () => batchIncrement.exec(["counter:1", "counter:2", "counter:3"], []));

const checkRateLimit = redis.createScript(SOURCES.rate_limit);
await step("seed_rate_limit", () => checkRateLimit.exec(["ratelimit:user:123"], ["100", "60"]));

const updateUserActivity = redis.createScript(SOURCES.user_activity);
await step("seed_activity", () =>
  updateUserActivity.exec([], ["123", "logged_in", "1700000000000"]),
);

const typed = redis.createScript(SOURCES.typed);
await step("seed_typed", () => typed.exec(["counter"], []));

process.stdout.write(JSON.stringify(out) + "\n");
