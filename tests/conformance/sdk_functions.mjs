// Runs the official @upstash/redis SDK's Redis Functions API (`redis.functions`) against
// UPSTASH_REDIS_REST_URL / UPSTASH_REDIS_REST_TOKEN and prints one JSON object with every result (or
// error message) to stdout.
//
// LIBRARY_CODE is the library as redis-script loads it (versioned names); LIBRARY, INCR_TTL and
// GREETING are the names it is loaded and called under.

import { Redis } from "@upstash/redis";

const redis = new Redis({
  url: process.env.UPSTASH_REDIS_REST_URL,
  token: process.env.UPSTASH_REDIS_REST_TOKEN,
  enableAutoPipelining: false,
  enableTelemetry: false,
  // A retried request could run a function twice: fail instead, so effects stay countable.
  retry: false,
});

const code = process.env.LIBRARY_CODE;
const library = process.env.LIBRARY;
const incrTtl = process.env.INCR_TTL;
const greeting = process.env.GREETING;

const out = { sdk: "@upstash/redis", steps: {} };

// Runs `f`, recording its result or its error message under `steps[name]`, in order.
async function step(name, f) {
  try {
    out.steps[name] = { result: await f() };
  } catch (error) {
    out.steps[name] = { error: error instanceof Error ? error.message : String(error) };
  }
}

await step("call_before_load", () => redis.functions.call(incrTtl, ["fn:views"], ["60"]));
await step("load", () => redis.functions.load({ code }));
await step("load_again", () => redis.functions.load({ code }));
await step("list", async () =>
  (await redis.functions.list({ libraryName: library })).map((l) => ({
    libraryName: l.libraryName,
    functions: l.functions.map((f) => ({ name: f.name, flags: f.flags })).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    ),
  })),
);
await step("call_first", () => redis.functions.call(incrTtl, ["fn:views"], ["60"]));
await step("call_second", () => redis.functions.call(incrTtl, ["fn:views"], ["60"]));
await step("call_ro", () => redis.functions.callRo(greeting, [], ["SDK"]));
await step("call_ro_write", () => redis.functions.callRo(incrTtl, ["fn:views"], ["60"]));
await step("pipeline", () =>
  redis
    .pipeline()
    .functions.call(incrTtl, ["fn:views"], ["60"])
    .functions.callRo(greeting, [], ["Pipe"])
    .exec(),
);
await step("multi", () =>
  redis.multi().functions.call(incrTtl, ["fn:views"], ["60"]).incr("fn:other").exec(),
);
await step("stats", async () => (await redis.functions.stats()).engines);

process.stdout.write(JSON.stringify(out) + "\n");
