#!/usr/bin/env python3
"""Writes the command tables from real servers, never by hand:

  redis-script-check/src/commands/table.rs   every command of every covered server, and per server
                                             whether it knows it, writes, or is refused in scripts, and
                                             since which version it exists (the compile-time checks);
  redis-script/src/command_table/table.rs   which commands only read, and where their keys are (batches
                                             at run time), merged over the servers.

Each server is started on a unix socket of its own (no TCP port) and asked:
  * `COMMAND`         -> flags: `write`; `noscript` (refused inside any script); `readonly`;
                         `movablekeys`; first key, last key, step; subcommands as `container|sub`;
  * `COMMAND DOCS`    -> `since`, the version that added the command;
  * probed            -> commands without `write` that EVAL_RO still refuses ("Write commands are not
                         allowed from read-only scripts"): may-replicate ones such as PUBLISH, PFCOUNT,
                         which `COMMAND` does not flag. Each is called once with placeholder arguments
                         inside one read-only script and marked WRITE if refused.

Usage:
  python3 scripts/write-commands.py [SERVER_BINARY ...]
With no arguments: `redis-server` on PATH (Debian's Redis 7.0) and the servers `scripts/fetch-servers`
puts in target/servers (Redis 8.2, Valkey 9.1). Needs redis-cli >= 7 (for --json); REDIS_CLI overrides.
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECK_OUT = os.path.join(ROOT, "redis-script-check", "src", "commands", "table.rs")
RUNTIME_OUT = os.path.join(ROOT, "redis-script", "src", "command_table", "table.rs")
CLI = os.environ.get("REDIS_CLI", "redis-cli")


def cli(args, *cmd):
    return subprocess.run([CLI, *args, *cmd], check=True, capture_output=True, text=True).stdout


PROBE = """
local refused = {}
for _, call in ipairs(cjson.decode(ARGV[1])) do
  local reply = redis.pcall(unpack(call[2]))
  if type(reply) == "table" and reply.err and string.find(reply.err, "Write commands are not allowed", 1, true) then
    refused[#refused + 1] = string.lower(call[1])
  end
end
return refused
"""


def entries(commands):
    """Every command and subcommand entry of a `COMMAND` reply, with its container (or None)."""
    for entry in commands:
        subs = entry[9] if len(entry) > 9 else []
        yield entry, None
        for sub in subs:
            yield sub, entry[0]


def probe_read_only_refusals(args, commands):
    """Names (`cmd` or `container|sub`) that EVAL_RO refuses although `COMMAND` does not flag them write."""
    calls = []
    for entry, container in entries(commands):
        flags = entry[2]
        subs = entry[9] if len(entry) > 9 else []
        if "write" in flags or "noscript" in flags or (container is None and subs):
            continue
        arity = abs(entry[1])
        if container is None:
            calls.append([entry[0], [entry[0]] + ["0"] * (arity - 1)])
        else:
            sub = entry[0].split("|", 1)[1]
            calls.append([entry[0], [container, sub] + ["0"] * max(arity - 2, 0)])
    refused = json.loads(cli(args, "--json", "EVAL_RO", PROBE, "0", json.dumps(calls)))
    return set(refused)


def docs_since(args):
    """`since` of every command and subcommand, from `COMMAND DOCS`."""
    docs = json.loads(cli(args, "--json", "COMMAND", "DOCS"))
    since = {}

    def walk(name, doc):
        since[name.lower()] = doc.get("since", "")
        for sub, subdoc in (doc.get("subcommands") or {}).items():
            walk(sub, subdoc)

    for name, doc in docs.items():
        walk(name, doc)
    return since


class Server:
    """What one server says about its commands."""

    def __init__(self, binary):
        tmp = tempfile.mkdtemp(prefix="write-commands-")
        sock = os.path.join(tmp, "server.sock")
        proc = subprocess.Popen(
            [binary, "--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no", "--dir", tmp],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        args = ["-s", sock]
        try:
            for _ in range(200):
                try:
                    cli(args, "PING")
                    break
                except subprocess.CalledProcessError:
                    time.sleep(0.05)
            else:
                sys.exit("%s did not start within 10 s" % binary)
            info = dict(
                line.split(":", 1)
                for line in cli(args, "INFO", "server").splitlines()
                if ":" in line and not line.startswith("#")
            )
            if info.get("server_name", "").strip() == "valkey" or "valkey_version" in info:
                self.name = "Valkey %s" % info.get("valkey_version", info.get("redis_version", "")).strip()
            else:
                self.name = "Redis %s" % info["redis_version"].strip()
            self.commands = json.loads(cli(args, "--json", "COMMAND"))
            self.since = docs_since(args)
            self.refused = probe_read_only_refusals(args, self.commands)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            shutil.rmtree(tmp, ignore_errors=True)

    def rows(self):
        """name -> (flags for the compile-time table, flags and key spec for the run-time table)."""
        out = {}
        for entry, container in entries(self.commands):
            name = entry[0].lower()
            flags = entry[2]
            subs = entry[9] if len(entry) > 9 else []
            write = "write" in flags or name in self.refused
            check = ["KNOWN"]
            if write:
                check.append("WRITE")
            if "noscript" in flags:
                check.append("NOSCRIPT")
            if container is None and subs:
                check.append("CONTAINER")
            runtime = []
            if "readonly" in flags and not write:
                runtime.append("READ_ONLY")
            if "movablekeys" in flags:
                runtime.append("MOVABLE_KEYS")
            out[name] = (check, runtime, (entry[3], entry[4], entry[5]))
        return out


def version_key(server):
    """Redis first, newest last: the key spec of the newest Redis wins in the run-time table."""
    engine, version = server.name.split(" ", 1)
    return (engine != "Redis", [int(p) for p in version.split(".") if p.isdigit()])


def render_check(servers):
    rows = [server.rows() for server in servers]
    names = sorted(set().union(*rows))
    lines = [
        "// @generated by scripts/write-commands.py from `COMMAND` and `COMMAND DOCS` on %s. Do not"
        % ", ".join(s.name for s in servers),
        "// edit. Regenerate: `scripts/fetch-servers && python3 scripts/write-commands.py`.",
        "",
        "use super::{CONTAINER, KNOWN, NOSCRIPT, WRITE};",
        "",
        "/// The servers the table was read from, in the order of the flags below.",
        "pub(crate) static SERVERS: [&str; %d] = [%s];" % (len(servers), ", ".join(json.dumps(s.name) for s in servers)),
        "",
        "/// Every command of any of those servers (`container|sub` for subcommands), sorted by name: per",
        "/// server its flags (0: unknown there) and the version that added it there (`COMMAND DOCS`).",
        "pub(crate) static COMMANDS: &[(&str, [u8; %d], [&str; %d])] = &[" % (len(servers), len(servers)),
    ]
    for name in names:
        flags = []
        since = []
        for server, row in zip(servers, rows):
            if name in row:
                flags.append(" | ".join(row[name][0]))
                since.append(json.dumps(server.since.get(name, "")))
            else:
                flags.append("0")
                since.append('""')
        lines.append("    (%s, [%s], [%s])," % (json.dumps(name), ", ".join(flags), ", ".join(since)))
    lines.append("];")
    lines.append("")
    return "\n".join(lines)


def render_runtime(servers):
    ordered = sorted(servers, key=version_key)
    rows = [server.rows() for server in ordered]
    names = sorted(set().union(*rows))
    lines = [
        "// @generated by scripts/write-commands.py from `COMMAND` on %s. Do not edit." % ", ".join(s.name for s in servers),
        "// Regenerate: `scripts/fetch-servers && python3 scripts/write-commands.py`.",
        "",
        "use super::{MOVABLE_KEYS, READ_ONLY};",
        "",
        "/// Every command (`container|sub` for subcommands), sorted by name: its flags (READ_ONLY only when",
        "/// every server that knows it says it only reads), and the position of its first key, its last key",
        "/// (negative: counted from the end) and the step between keys, as the newest Redis reports them.",
        "pub(crate) static COMMANDS: &[(&str, u8, i8, i8, i8)] = &[",
    ]
    for name in names:
        known = [row[name] for row in rows if name in row]
        read_only = all("READ_ONLY" in r[1] for r in known)
        movable = any("MOVABLE_KEYS" in r[1] for r in known)
        flags = (["READ_ONLY"] if read_only else []) + (["MOVABLE_KEYS"] if movable else [])
        first, last, step = known[-1][2]
        redis_known = [row[name] for server, row in zip(ordered, rows) if name in row and server.name.startswith("Redis")]
        if redis_known:
            first, last, step = redis_known[-1][2]
        lines.append(
            "    (%s, %s, %d, %d, %d)," % (json.dumps(name), " | ".join(flags) if flags else "0", first, last, step)
        )
    lines.append("];")
    lines.append("")
    return "\n".join(lines)


def main():
    binaries = sys.argv[1:]
    if not binaries:
        binaries = [shutil.which("redis-server") or sys.exit("redis-server is not on PATH")]
        binaries += sorted(glob.glob(os.path.join(ROOT, "target", "servers", "*", "*-server")))
    servers = [Server(binary) for binary in binaries]
    for path, text in [(CHECK_OUT, render_check(servers)), (RUNTIME_OUT, render_runtime(servers))]:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    for server in servers:
        print("%s: %d commands and subcommands; refused by EVAL_RO without the write flag: %s" % (
            server.name, len(server.rows()), ", ".join(sorted(server.refused))))
    print("wrote %s and %s" % (os.path.relpath(CHECK_OUT, ROOT), os.path.relpath(RUNTIME_OUT, ROOT)))


if __name__ == "__main__":
    main()
