// Calls per second of the official @upstash/redis SDK running one script with `inFlight` calls at a
// time (each of `inFlight` loops awaits its call before the next), with the SDK's defaults
// (auto-pipelining on). Prints {"calls": n, "seconds": s} to stdout.
//
// Usage: node tests/conformance/bench.mjs <inFlight> <calls>   (UPSTASH_REDIS_REST_URL / _TOKEN set)
import { readFileSync } from "node:fs";

import { Redis } from "@upstash/redis";

const [inFlight, calls] = process.argv.slice(2).map(Number);
const redis = new Redis({
  url: process.env.UPSTASH_REDIS_REST_URL,
  token: process.env.UPSTASH_REDIS_REST_TOKEN,
  enableTelemetry: false,
});
const script = redis.createScript(
  readFileSync(new URL("../../examples/lua/incr_ttl.lua", import.meta.url), "utf8"),
);
// Warm: the script is cached and the connection open, as for the other client.
await script.exec(["bench:rest:warm"], ["3600"]);

const perLoop = Math.floor(calls / inFlight);
const start = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: inFlight }, async (_, i) => {
    for (let n = 0; n < perLoop; n++) {
      await script.exec([`bench:rest:sdk:${i}`], ["3600"]);
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(JSON.stringify({ calls: perLoop * inFlight, seconds }) + "\n");
