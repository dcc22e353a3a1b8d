#!/usr/bin/env python3
"""Writes scripts/module-commands.json: the commands of the modules Redis 8 Open Source ships with the
server (JSON, search and query, time series, probabilistic structures), read from each module's own
source at the release Redis 8.2 bundles, never by hand. scripts/write-commands.py reads the file.

Vector sets are not here: Redis 8.2 builds them into the server, so `COMMAND` on it reports them.

For each module the file records where it was read (repository, tag, commit), and per command:
  name            lowercase, as registered
  family          json, search, timeseries, bloom, cuckoo, cms, topk, tdigest
  flags           the flags string given to RedisModule_CreateCommand ("write deny-oom", "readonly")
  first/last/step the legacy key positions given to RedisModule_CreateCommand (0: no key)
  since           the module version that added it (the module's commands.json)
  arity           what the command's handler refuses with RedisModule_WrongArity before anything
                  else: `n` exactly, `-n` at least (the name counted), as Redis writes arity; 0 when
                  the handler checks the count later, conditionally, or argument by argument
  syntax          the syntax line the module's docs give (its commands.json arguments, rendered as
                  Redis renders `COMMAND DOCS`)
  subcommands     for a command the module documents only through its subcommands (FT.CURSOR READ,
                  JSON.DEBUG MEMORY): those documented, with the version that added each. The module
                  parses them itself (Redis sees one command), and handles some it does not document
                  (FT.CURSOR GC, JSON.DEBUG DEFRAG_INFO), so they are recorded, not checked
Only commands both registered and documented (in the module's commands.json, by name or through
subcommands) are kept: the others are internal (`_FT.*`, cluster plumbing).

The modules 8.2 versions declare no arity to Redis (RedisModule_SetCommandInfo came later), so Redis
itself never refuses their calls by argument count; the module does, with its own message ("ERR wrong
number of arguments for 'bf.add' command"), read here from the handler.

Usage:
  python3 scripts/module-commands.py MIRRORS_DIR
where MIRRORS_DIR holds git clones named RedisJSON+RedisJSON/repo, RediSearch+RediSearch/repo,
RedisTimeSeries+RedisTimeSeries/repo and RedisBloom+RedisBloom/repo (bare or not). Needs git.
"""

import importlib.util
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "scripts", "module-commands.json")

# (repository, tag, families by name prefix)
MODULES = [
    ("RedisJSON/RedisJSON", "v8.2.3", {"json.": "json"}),
    ("RediSearch/RediSearch", "v8.2.3", {"ft.": "search"}),
    ("RedisTimeSeries/RedisTimeSeries", "v8.2.3", {"ts.": "timeseries"}),
    (
        "RedisBloom/RedisBloom",
        "v8.2.3",
        {"bf.": "bloom", "cf.": "cuckoo", "cms.": "cms", "topk.": "topk", "tdigest.": "tdigest"},
    ),
]

NAME = r'("[^"]+"|[A-Z_][A-Z0-9_]*)'
# The handler, possibly wrapped (RediSearch's `SafeCmd(CursorCommand)`): the innermost name is kept.
CALLBACK = r"([^,()]*(?:\([^()]*\))?)"
FLAGS = r'"([^"]*)"'
INT = r"\s*(-?\d+)\s*"
REGISTRATIONS = [
    # C: RedisModule_CreateCommand(ctx, "ts.add", f, "write deny-oom", 1, 1, 1), and RediSearch's
    # wrapper of the same arguments.
    re.compile(
        r"(?:RedisModule_CreateCommand|RMCreateSearchCommand)\(\s*ctx,\s*%s,\s*%s,\s*%s,%s,%s,%s"
        % (NAME, CALLBACK, FLAGS, INT, INT, INT)
    ),
    # Rust (redis-module's redis_module! macro): ["json.set", json_command!(json_set), "write", 1,1,1, ...
    re.compile(r'\[\s*("[a-z._]+"),\s*json_command!\((\w+)\),\s*%s,%s,%s,%s' % (FLAGS, INT, INT, INT)),
    # RedisBloom's and RedisTimeSeries' RegisterCommand(ctx, "bf.add", f, "write deny-oom", acl) and
    # RegisterCommandWithModesAndAcls(...): keys 1, 1, 1 (RedisBloom's common.h; RedisTimeSeries'
    # goes through rmutil's __rmutil_register_cmd, which registers 1, 1, 1 as well).
    re.compile(r'RegisterCommand(?:WithModesAndAcls)?\(\s*ctx,\s*("[a-z._]+"),\s*(\w+),\s*%s' % FLAGS),
]


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def sources(repo, tag):
    """Text of every C, header and Rust file under src/ (and redis_json/src/) at `tag`."""
    names = git(repo, "ls-tree", "-r", "--name-only", tag).splitlines()
    wanted = [
        n
        for n in names
        if re.match(r"(src|redis_json/src)/", n) and n.endswith((".c", ".h", ".rs")) and "/tests/" not in n
    ]
    return {n: git(repo, "show", "%s:%s" % (tag, n)) for n in wanted}


def defines(texts):
    """`#define NAME "text"` and `#define NAME OTHER ".text"` (string concatenation), resolved."""
    raw = {}
    for text in texts.values():
        for name, value in re.findall(r"^\s*#define\s+([A-Z_][A-Z0-9_]*)\s+(.+?)\s*$", text, re.M):
            raw.setdefault(name, value)
    resolved = {}

    def resolve(name, depth=0):
        if name in resolved or depth > 10:
            return resolved.get(name)
        value = raw.get(name)
        if value is None:
            return None
        parts = re.findall(r'"([^"]*)"|([A-Z_][A-Z0-9_]*)', value)
        if not parts or "".join(p[0] + p[1] for p in parts).strip() == "":
            return None
        out = ""
        for literal, macro in parts:
            if macro:
                sub = resolve(macro, depth + 1)
                if sub is None:
                    return None
                out += sub
            else:
                out += literal
        resolved[name] = out
        return out

    for name in raw:
        resolve(name)
    return resolved


# The first thing a handler does, when it is a check of the argument count (the name counted):
# C `if (argc != 3) { return RedisModule_WrongArity(ctx); }` or `if (argc < 4) ...`, and Rust (whose
# `args` holds the name too) `if args.len() < 3 { return Err(RedisError::WrongArity); }`.
C_HANDLER = r"\bint\s+%s\s*\(\s*RedisModuleCtx\s*\*\s*ctx\s*,\s*RedisModuleString\s*\*\*\s*argv\s*,\s*int\s+argc\s*\)\s*\{"
C_CHECK = re.compile(r"if\s*\(\s*argc\s*(!=|<)\s*(\d+)\s*\)\s*\{?\s*return\s+RedisModule_WrongArity\(ctx\);")
RUST_HANDLER = r"\bpub fn %s\s*<[^>]*>\s*\([^)]*\bargs:\s*Vec<RedisString>\s*\)\s*->\s*RedisResult\s*\{"
RUST_CHECK = re.compile(r"if\s+args\.len\(\)\s*(!=|<)\s*(\d+)\s*\{\s*return\s+Err\(RedisError::WrongArity\);")


def render_arguments(arguments):
    """commands.json arguments as the syntax line the docs show, rendered as scripts/write-commands.py
    renders `COMMAND DOCS` (the modules' docs have the same shape)."""
    spec = importlib.util.spec_from_file_location("write_commands", os.path.join(ROOT, "scripts", "write-commands.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.render_arguments(arguments)


def syntax(documented, name):
    """The syntax line of a command, or of each of its documented subcommands joined by ` | `."""
    names = sorted(n for n in documented if n.startswith(name + " ")) or [name]
    return " | ".join(
        ("%s %s" % (n.upper(), render_arguments(documented[n].get("arguments")))).strip() for n in names
    )


def handler_arity(texts, callback):
    """The arity a handler refuses before anything else (see C_CHECK), or 0."""
    name = re.findall(r"\w+", callback)
    if not name:
        return 0
    name = name[-1]
    for text in texts.values():
        for header, check in ((C_HANDLER, C_CHECK), (RUST_HANDLER, RUST_CHECK)):
            start = re.search(header % re.escape(name), text)
            if not start:
                continue
            body = text[start.end():]
            first_if = re.search(r"\bif\b", body)
            # Only a check nothing can return before, and of the arguments as received: what comes
            # first may declare and call RedisModule_AutoMemory, not touch the arguments (RedisJSON
            # rebinds `args` without the name before some checks).
            if not first_if or re.search(r"\breturn\b|\?|\bmatch\b|\barg[cvs]\b", body[: first_if.start()]):
                return 0
            check = check.match(body, first_if.start())
            if not check:
                return 0
            n = int(check.group(2))
            return n if check.group(1) == "!=" else -n
    return 0


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    mirrors = sys.argv[1]
    modules = []
    commands = {}
    for repository, tag, families in MODULES:
        repo = os.path.join(mirrors, repository.replace("/", "+"), "repo")
        commit = git(repo, "rev-parse", tag + "^{commit}").strip()
        documented = json.loads(git(repo, "show", "%s:commands.json" % tag))
        documented = {name.lower(): doc for name, doc in documented.items()}
        texts = sources(repo, tag)
        macros = defines(texts)
        # Key positions given by a macro (`#define INDEX_ONLY_CMD_ARGS 0, 0, 0`), and RediSearch's
        # flags for Redis Enterprise (`IsEnterprise() ? "readonly _proxy-filtered" : "readonly"`):
        # spelled out, as Redis Open Source reads them.
        triples = {}
        for text in texts.values():
            for name, value in re.findall(r"^\s*#define\s+([A-Z_][A-Z0-9_]*)\s+(-?\d+\s*,\s*-?\d+\s*,\s*-?\d+)\s*$", text, re.M):
                triples[name] = value
        for path, text in texts.items():
            for name, value in triples.items():
                text = re.sub(r"\b%s\b" % name, value, text)
            text = re.sub(r"IsEnterprise\(\)\s*\?\s*[^:]*:\s*", "", text)
            # RediSearch's coordinator registers some commands differently on Redis Enterprise
            # (`if (clusterConfig.type == ClusterType_RedisLabs) {...} else {...}`): the else branch.
            texts[path] = re.sub(
                r"if\s*\(\s*clusterConfig\.type\s*==\s*ClusterType_RedisLabs\s*\)\s*\{[^{}]*\}\s*else\s*\{", "{", text
            )
        # Commands documented only through their subcommands ("FT.CURSOR READ"): name -> {sub: since}.
        subcommands = {}
        for documented_name, doc in documented.items():
            if " " in documented_name:
                command, sub = documented_name.split(" ", 1)
                subcommands.setdefault(command, {})[sub] = doc.get("since", "")
        found = 0
        for path in sorted(texts):
            for pattern in REGISTRATIONS:
                for match in pattern.finditer(texts[path]):
                    groups = match.groups()
                    name = groups[0]
                    name = name.strip('"') if name.startswith('"') else macros.get(name)
                    if not name:
                        continue
                    name = name.lower()
                    callback = groups[1]
                    flags = groups[2].split()
                    first, last, step = (int(g) for g in groups[3:6]) if len(groups) >= 6 else (1, 1, 1)
                    family = next((f for prefix, f in families.items() if name.startswith(prefix)), None)
                    if family is None or (name not in documented and name not in subcommands):
                        continue
                    if name in commands:
                        # Registered twice (standalone and cluster): a write if either says so, an
                        # arity only if both handlers refuse the same counts.
                        if "write" in flags and "write" not in commands[name]["flags"]:
                            commands[name]["flags"].append("write")
                        if handler_arity(texts, callback) != commands[name]["arity"]:
                            print("  %s: handlers disagree on arity, none recorded" % name)
                            commands[name]["arity"] = 0
                        continue
                    found += 1
                    subs = subcommands.get(name, {})
                    since = documented[name].get("since", "") if name in documented else min(subs.values())
                    commands[name] = {
                        "name": name,
                        "family": family,
                        "flags": flags,
                        "first": first,
                        "last": last,
                        "step": step,
                        "since": since,
                        "arity": handler_arity(texts, callback),
                        "syntax": syntax(documented, name),
                        "module": repository,
                    }
                    if subs:
                        commands[name]["subcommands"] = [{"name": sub, "since": subs[sub]} for sub in sorted(subs)]
        missing = sorted(
            n
            for n in documented
            if any(n.startswith(p) for p in families) and n not in commands and n.split(" ")[0] not in commands
        )
        modules.append(
            {
                "repository": repository,
                "tag": tag,
                "commit": commit,
                "commands": found,
                "documented_but_not_registered": missing,
            }
        )
        print("%s %s (%s): %d commands; documented, not found registered: %s" % (
            repository, tag, commit[:12], found, ", ".join(missing) or "none"))
    data = {
        "about": "Commands of the modules Redis 8 Open Source bundles, read from their sources by "
        "scripts/module-commands.py; regenerate with it, never by hand.",
        "modules": modules,
        "commands": [commands[name] for name in sorted(commands)],
    }
    with open(OUT, "w") as f:
        json.dump(data, f, indent=1, sort_keys=False)
        f.write("\n")
    print("wrote %s: %d commands" % (os.path.relpath(OUT, ROOT), len(commands)))


if __name__ == "__main__":
    main()
