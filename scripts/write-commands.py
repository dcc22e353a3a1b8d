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
                         inside one read-only script and marked WRITE if refused;
                      -> which of Lua's `getfenv`, `setfenv` and `newproxy` the server's Lua still has
                         (security releases remove them);
  * `COMMAND`         -> for the checks also the arity and the key specs (begin_search / find_keys) of
                         every command and subcommand.
The commands of the modules Redis 8 bundles (JSON, search, time series, probabilistic) come from
scripts/module-commands.json (read from the modules' sources by scripts/module-commands.py), as
known to the newest Redis; vector sets are built into Redis 8.2 and come from its `COMMAND`.
The Rust files are formatted with rustfmt, so that `--check` can compare them byte for byte.

Usage:
  python3 scripts/write-commands.py [--check] [SERVER_BINARY ...]
--check writes nothing: it fails, showing the difference, if the committed tables differ from what
the servers say (CI runs it, so that a new server version shows what changed).

With no arguments: `redis-server` on PATH (Debian's Redis 7.0) and the servers `scripts/fetch-servers`
puts in target/servers (Redis 8.2, Valkey 9.1). Needs redis-cli >= 7 (for --json); REDIS_CLI overrides.
"""

import difflib
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
MODULES = os.path.join(ROOT, "scripts", "module-commands.json")
LUA_GLOBALS = ["getfenv", "setfenv", "newproxy"]


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


GLOBALS_PROBE = """
local present = {}
for _, name in ipairs(cjson.decode(ARGV[1])) do
  if rawget(_G, name) ~= nil then present[#present + 1] = name end
end
return present
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


def render_arguments(arguments):
    """`COMMAND DOCS` arguments as the syntax line the docs show: `key value [NX | XX]`. (The modules'
    commands.json write the flags as fields, `"optional": true`; taken alike.)"""
    out = []
    for arg in arguments or []:
        kind = arg.get("type")
        flags = (arg.get("flags") or []) + [f for f in ("optional", "multiple", "multiple_token") if arg.get(f) is True]
        if kind == "pure-token":
            text = arg.get("token", arg.get("name", ""))
        elif kind == "oneof":
            text = " | ".join(render_arguments([a]) for a in arg.get("arguments") or [])
            if "optional" not in flags:
                text = "<%s>" % text
        elif kind == "block":
            text = render_arguments(arg.get("arguments"))
        else:
            text = arg.get("display_text") or arg.get("name", "")
        if arg.get("token") and kind != "pure-token":
            text = "%s %s" % (arg["token"], text)
        if "multiple" in flags:
            repeat = text if "multiple_token" in flags or not arg.get("token") else text.split(" ", 1)[-1]
            text = "%s [%s ...]" % (text, repeat)
        if "optional" in flags:
            text = "[%s]" % text
        out.append(text)
    return " ".join(out)


def docs_since(args):
    """`since` and the syntax of every command and subcommand, from `COMMAND DOCS`."""
    docs = json.loads(cli(args, "--json", "COMMAND", "DOCS"))
    since = {}
    syntax = {}

    def walk(name, doc):
        since[name.lower()] = doc.get("since", "")
        shown = name.upper().replace("|", " ")
        syntax[name.lower()] = ("%s %s" % (shown, render_arguments(doc.get("arguments")))).strip()
        for sub, subdoc in (doc.get("subcommands") or {}).items():
            walk(sub, subdoc)

    for name, doc in docs.items():
        walk(name, doc)
    return since, syntax


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
            self.since, self.syntax = docs_since(args)
            self.refused = probe_read_only_refusals(args, self.commands)
            self.lua_globals = set(json.loads(cli(args, "--json", "EVAL", GLOBALS_PROBE, "0", json.dumps(LUA_GLOBALS))))
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
            out[name] = (check, runtime, (entry[3], entry[4], entry[5]), entry[1], key_specs(entry))
        return out


def key_specs(entry):
    """The key specs of a `COMMAND` entry as Rust: `KeySpec(Begin::Index(1), Find::Range(0, 1, 0))`.
    Specs flagged `not_key` (arguments that look like keys but are not) are left out."""
    out = []
    for spec in entry[8] if len(entry) > 8 else []:
        if "not_key" in spec.get("flags", []):
            continue
        begin, find = spec.get("begin_search", {}), spec.get("find_keys", {})
        bs, fk = begin.get("spec", {}), find.get("spec", {})
        if begin.get("type") == "index":
            b = "Begin::Index(%d)" % bs["index"]
        elif begin.get("type") == "keyword":
            b = "Begin::Keyword(%s, %d)" % (json.dumps(bs["keyword"]), bs["startfrom"])
        else:
            b = "Begin::Unknown"
        if find.get("type") == "range":
            f = "Find::Range(%d, %d, %d)" % (fk["lastkey"], fk["keystep"], fk["limit"])
        elif find.get("type") == "keynum":
            f = "Find::Keynum(%d, %d, %d)" % (fk["keynumidx"], fk["firstkey"], fk["keystep"])
        else:
            f = "Find::Unknown"
        out.append("KeySpec(%s, %s)" % (b, f))
    return out


def legacy_key_spec(first, last, step):
    """A module's first key, last key and step, as the key spec Redis derives from them."""
    if first <= 0:
        return []
    return ["KeySpec(Begin::Index(%d), Find::Range(%d, %d, 0))" % (first, last if last < 0 else last - first, step)]


def module_rows():
    """name -> row of the compile-time table, for the modules Redis 8 bundles."""
    with open(MODULES) as f:
        data = json.load(f)
    sources = {m["repository"]: "%s %s" % (m["repository"].split("/")[1], m["tag"]) for m in data["modules"]}
    rows = {}
    for command in data["commands"]:
        flags = ["KNOWN"] + (["WRITE"] if "write" in command["flags"] else [])
        keys = legacy_key_spec(command["first"], command["last"], command["step"])
        rows[command["name"]] = (
            flags, keys, sources[command["module"]], command["since"], command["arity"], command["syntax"]
        )
    return rows


def version_key(server):
    """Redis first, newest last: the key spec of the newest Redis wins in the run-time table."""
    engine, version = server.name.split(" ", 1)
    return (engine != "Redis", [int(p) for p in version.split(".") if p.isdigit()])


def render_check(servers):
    rows = [server.rows() for server in servers]
    modules = module_rows()
    names = sorted(set().union(*rows) | set(modules))
    newest_redis = max((i for i, s in enumerate(servers) if s.name.startswith("Redis")), key=lambda i: version_key(servers[i]))
    n = len(servers)
    lines = [
        "// @generated by scripts/write-commands.py from `COMMAND` and `COMMAND DOCS` on %s, and from"
        % ", ".join(s.name for s in servers),
        "// scripts/module-commands.json for the modules Redis 8 bundles. Do not edit. Regenerate:",
        "// `scripts/fetch-servers && python3 scripts/write-commands.py`.",
        "",
        "use super::{Begin, CONTAINER, Command, Find, KNOWN, KeySpec, NOSCRIPT, WRITE};",
        "",
        "/// The servers the table was read from, in the order of the flags below.",
        "pub(crate) static SERVERS: [&str; %d] = [%s];" % (n, ", ".join(json.dumps(s.name) for s in servers)),
        "",
        "/// Lua globals that security releases removed, and per server whether its Lua still has them.",
        "pub(crate) static LUA_GLOBALS: [(&str, [bool; %d]); %d] = [" % (n, len(LUA_GLOBALS)),
    ]
    for name in LUA_GLOBALS:
        lines.append("    (%s, [%s])," % (json.dumps(name), ", ".join("true" if name in s.lua_globals else "false" for s in servers)))
    lines += [
        "];",
        "",
        "/// Every command of any of those servers (`container|sub` for subcommands), sorted by name: per",
        "/// server its flags (0: unknown there), the version that added it there (`COMMAND DOCS`) and its",
        "/// arity (0: not declared; for a module's command, what its handler refuses first), then its key",
        "/// specs (of the newest server that knows it) and, for a command of a module Redis 8 bundles, the",
        "/// module it comes from; last its syntax (`COMMAND DOCS`, or the module's own docs).",
        "pub(crate) static COMMANDS: &[Command] = &[",
    ]
    for name in names:
        flags, since, arity = [], [], []
        keys, module, syntax = None, None, ""
        for i, (server, row) in enumerate(zip(servers, rows)):
            if name in row:
                flags.append(" | ".join(row[name][0]))
                since.append(json.dumps(server.since.get(name, "")))
                arity.append(str(row[name][3]))
            elif name in modules and i == newest_redis:
                flags.append(" | ".join(modules[name][0]))
                since.append(json.dumps(modules[name][3]))
                arity.append(str(modules[name][4]))
                keys, module, syntax = modules[name][1], modules[name][2], modules[name][5]
            else:
                flags.append("0")
                since.append('""')
                arity.append("0")
        if keys is None:
            known = sorted((i for i, row in enumerate(rows) if name in row), key=lambda i: (i != newest_redis, -i))
            keys = rows[known[0]][name][4]
            syntax = servers[known[0]].syntax.get(name, "")
        lines.append(
            "    Command { name: %s, flags: [%s], since: [%s], arity: [%s], keys: &[%s], module: %s, syntax: %s },"
            % (json.dumps(name), ", ".join(flags), ", ".join(since), ", ".join(arity), ", ".join(keys),
               "Some(%s)" % json.dumps(module) if module else "None", json.dumps(syntax))
        )
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


def rustfmt(text):
    """The text as `cargo fmt` leaves it."""
    return subprocess.run(
        ["rustfmt", "--edition", "2024", "--emit", "stdout"], input=text, check=True, capture_output=True, text=True
    ).stdout


def main():
    args = sys.argv[1:]
    check = "--check" in args
    binaries = [a for a in args if a != "--check"]
    if not binaries:
        binaries = [shutil.which("redis-server") or sys.exit("redis-server is not on PATH")]
        binaries += sorted(glob.glob(os.path.join(ROOT, "target", "servers", "*", "*-server")))
    servers = [Server(binary) for binary in binaries]
    outputs = [(CHECK_OUT, rustfmt(render_check(servers))), (RUNTIME_OUT, rustfmt(render_runtime(servers)))]
    if check:
        differ = False
        for path, text in outputs:
            with open(path) as f:
                committed = f.read()
            if committed != text:
                differ = True
                rel = os.path.relpath(path, ROOT)
                sys.stdout.writelines(difflib.unified_diff(
                    committed.splitlines(True), text.splitlines(True), rel + " (committed)", rel + " (servers)"))
        if differ:
            sys.exit("the command tables differ from what the servers say (above); regenerate with "
                     "`python3 scripts/write-commands.py` and review the difference")
        print("the command tables match %s" % ", ".join(s.name for s in servers))
        return
    for path, text in outputs:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    for server in servers:
        print("%s: %d commands and subcommands; refused by EVAL_RO without the write flag: %s; Lua globals %s: %s" % (
            server.name, len(server.rows()), ", ".join(sorted(server.refused)), "/".join(LUA_GLOBALS),
            ", ".join(sorted(server.lua_globals)) or "none"))
    print("modules (scripts/module-commands.json): %d commands" % len(module_rows()))
    print("wrote %s and %s" % (os.path.relpath(CHECK_OUT, ROOT), os.path.relpath(RUNTIME_OUT, ROOT)))


if __name__ == "__main__":
    main()
