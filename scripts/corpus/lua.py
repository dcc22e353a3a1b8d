"""Lua as the corpus tools read it: tokens (comments and whitespace dropped, long brackets and
strings kept whole), and the functions a script calls without defining them."""

import re

TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>--\[(?P<ceq>=*)\[.*?\](?P=ceq)\]|--[^\n]*)
  | (?P<long>\[(?P<leq>=*)\[.*?\](?P=leq)\])
  | (?P<string>"(?:[^"\\\n]|\\.|\\\n)*"|'(?:[^'\\\n]|\\.|\\\n)*')
  | (?P<number>0[xX][0-9a-fA-F]+|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\.\.\.|\.\.|==|~=|<=|>=|[-+*/%^#<>=(){}\[\];:,.])
""", re.S | re.X)

def tokens(text):
    if text.startswith("#!"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
    out, i = [], 0
    while i < len(text):
        m = TOKEN.match(text, i)
        if not m:
            out.append(("op", text[i]))
            i += 1
            continue
        kind = m.lastgroup if m.lastgroup not in ("ceq", "leq") else ("comment" if m.group("comment") else "long")
        if kind not in ("space", "comment"):
            value = m.group()
            out.append(("string" if kind == "long" else kind, value))
        i = m.end()
    return out


# The globals Redis gives a script: Lua 5.1's base library and the libraries Redis loads.
BUILTINS = {
    "assert", "collectgarbage", "error", "gcinfo", "getfenv", "getmetatable", "ipairs", "load",
    "loadstring", "next", "newproxy", "pairs", "pcall", "print", "rawequal", "rawget", "rawset", "select",
    "setfenv", "setmetatable", "tonumber", "tostring", "type", "unpack", "xpcall", "module", "require",
    "redis", "server", "KEYS", "ARGV", "cjson", "cmsgpack", "bit", "struct", "string", "table", "math",
    "os", "coroutine", "_G", "_VERSION",
}
KEYWORDS = {
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "if", "in", "local", "nil",
    "not", "or", "repeat", "return", "then", "true", "until", "while",
}


def undefined_calls(text):
    """Names the script calls (`f(...)`, `f"..."`, `f{...}`) but never binds (`local`, `function`,
    a parameter, a loop variable, an assignment) and Redis does not provide: the functions of another
    piece the package pastes in front of it."""
    toks = tokens(text)
    defined, called = set(), set()
    for j, (kind, value) in enumerate(toks):
        if kind != "name" or value in KEYWORDS:
            continue
        prev = toks[j - 1] if j else ("", "")
        nxt = toks[j + 1] if j + 1 < len(toks) else ("", "")
        if prev[1] in (".", ":"):
            continue
        if prev[1] in ("local", "function", "for") or (prev == ("op", ",") and bound_list(toks, j)):
            defined.add(value)
        elif nxt == ("op", "=") or (nxt == ("op", ",") and assigned_list(toks, j)):
            defined.add(value)
        elif in_parameters(toks, j):
            defined.add(value)
        elif nxt == ("op", "(") or nxt[0] == "string" or nxt == ("op", "{"):
            called.add(value)
    return sorted(called - defined - BUILTINS)


def bound_list(toks, j):
    """Whether the name at toks[j], after a comma, is in a `local a, b` or `for a, b` list."""
    k = j - 1
    while k >= 1 and toks[k] == ("op", ",") and toks[k - 1][0] == "name":
        k -= 2
    return toks[k][1] in ("local", "for")


def assigned_list(toks, j):
    """Whether the name at toks[j] starts or continues `a, b = ...`."""
    k = j + 1
    while k + 1 < len(toks) and toks[k] == ("op", ",") and toks[k + 1][0] == "name":
        k += 2
    return k < len(toks) and toks[k] == ("op", "=")


def in_parameters(toks, j):
    """Whether the name at toks[j] is a parameter: inside `function name(` ... `)`."""
    k = j - 1
    while k >= 0 and (toks[k] == ("op", ",") or toks[k][0] == "name" and toks[k][1] not in KEYWORDS
                      or toks[k] == ("op", "...")):
        k -= 1
    if k < 0 or toks[k] != ("op", "("):
        return False
    k -= 1
    while k >= 0 and (toks[k][0] == "name" and toks[k][1] != "function" or toks[k][1] in (".", ":")):
        k -= 1
    return k >= 0 and toks[k] == ("name", "function")


def defined_functions(text):
    """Names the script defines functions under: `function f(`, `local function f(`, `f = function(`."""
    toks = tokens(text)
    out = set()
    for j, (kind, value) in enumerate(toks):
        if kind == "name" and value == "function" and j + 1 < len(toks) and toks[j + 1][0] == "name":
            out.add(toks[j + 1][1])
        elif (kind == "name" and j + 2 < len(toks) and toks[j + 1] == ("op", "=")
              and toks[j + 2] == ("name", "function")):
            out.add(value)
    return out
