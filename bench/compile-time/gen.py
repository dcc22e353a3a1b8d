#!/usr/bin/env python3
"""Generates the benchmark crate: 200 distinct Lua scripts (20-60 lines) and three binaries embedding them:
through `lua_script!`, through the same const constructor without the macro, and through the item form
of `lua_script!` with the scripts declaring their keys and arguments (`---@key`, `---@arg`)."""

import hashlib
import os
import random
import sys

out, facade, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = random.Random(7)
os.makedirs(os.path.join(out, "src", "bin"), exist_ok=True)
os.makedirs(os.path.join(out, "lua"), exist_ok=True)

BLOCKS = [
    'local count_{i} = redis.call("INCR", KEYS[1] .. ":{i}")\nif count_{i} == 1 then\n  redis.call("EXPIRE", KEYS[1] .. ":{i}", tonumber(ARGV[1]) or 60)\nend',
    'local ttl_{i} = redis.call("TTL", KEYS[1])\nif ttl_{i} < 0 then\n  ttl_{i} = 0\nend\nresult[#result + 1] = ttl_{i}',
    '-- keep the newest entries only\nredis.call("ZADD", KEYS[2], tonumber(ARGV[2]) or 0, "m{i}")\nredis.call("ZREMRANGEBYRANK", KEYS[2], 0, -{n})',
    'local h_{i} = redis.call("HGETALL", KEYS[3])\nfor j = 1, #h_{i}, 2 do\n  result[#result + 1] = h_{i}[j] .. "=" .. tostring(h_{i}[j + 1])\nend',
    'local s_{i} = [[long string {i}\nwith ]] .. "tail"\nresult[#result + 1] = string.format("%s:%d", s_{i}, {n})',
    'local function helper_{i}(a, ...)\n  local n = select("#", ...)\n  return a + n * {n}\nend\nresult[#result + 1] = helper_{i}(1, 2, 3)',
    'local v_{i} = redis.call("GET", KEYS[1])\nif not v_{i} then\n  redis.call("SET", KEYS[1], ARGV[1], "PX", 1000 + {n})\nelseif tonumber(v_{i}) > {n} then\n  redis.call("DECRBY", KEYS[1], 1)\nend',
    'local items_{i} = redis.call("LRANGE", KEYS[4], 0, {n})\nfor _, item in ipairs(items_{i}) do\n  redis.call("SADD", KEYS[5], item)\nend',
]

# The same scripts declared: every key and argument they read, by name and type.
DECLARATION = (
    "---@key counter\n---@key ranks\n---@key fields\n---@key items\n---@key members\n"
    "---@arg ttl integer\n---@arg score number\n"
)

mac, base, declared = [], [], []
for s in range(count):
    lines = ["-- benchmark script %d" % s, "local result = {}"]
    target = rng.randint(20, 60)
    i = 0
    while len("\n".join(lines).splitlines()) < target - 1:
        block = rng.choice(BLOCKS).format(i="%d_%d" % (s, i), n=rng.randint(1, 500))
        lines.extend(block.splitlines())
        i += 1
    lines.append("return result")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "lua", "s%d.lua" % s), "w") as f:
        f.write(text)
    with open(os.path.join(out, "lua", "d%d.lua" % s), "w") as f:
        f.write(DECLARATION + text)
    declared.append(
        'lua_script! { static S%d: Script<Reply, P%d> = "../../lua/d%d.lua", keys_from_keys = false; }'
        % (s, s, s)
    )
    sha = hashlib.sha1(text.encode()).hexdigest()
    mac.append('static S%d: Script = lua_script!("../../lua/s%d.lua");' % (s, s))
    base.append(
        'static S%d: Script = __private::script_with_arity(include_str!("../../lua/s%d.lua"), "%s", "s%d", 0, 0, 0, 0, "");'
        % (s, s, sha, s)
    )

refs = "\n".join("    n += S%d.sha1().len();" % s for s in range(count))
main = "fn main() {\n    let mut n = 0;\n%s\n    println!(\"{n}\");\n}\n" % refs
with open(os.path.join(out, "src", "bin", "with_macro.rs"), "w") as f:
    f.write("use redis_script::{Script, lua_script};\n\n" + "\n".join(mac) + "\n\n" + main)
with open(os.path.join(out, "src", "bin", "declared.rs"), "w") as f:
    f.write("use redis_script::{Reply, Script, lua_script};\n\n" + "\n".join(declared) + "\n\n" + main)
with open(os.path.join(out, "src", "bin", "baseline.rs"), "w") as f:
    f.write("use redis_script::{Script, __private};\n\n" + "\n".join(base) + "\n\n" + main)
with open(os.path.join(out, "Cargo.toml"), "w") as f:
    f.write(
        '[package]\nname = "lua-script-compile-time"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n'
        '[dependencies]\nredis-script = { path = %r, default-features = false }\n\n[workspace]\n' % facade
    )
