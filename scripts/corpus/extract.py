"""Finds the Lua scripts inside one unpacked package: `.lua` files, and string literals of JavaScript,
TypeScript, Python and Rust source that hold Lua for Redis.

A literal holds Lua for Redis when it calls `redis.call` / `redis.pcall` / `redis.register_function`
or reads `KEYS[` / `ARGV[` and also reads like Lua code (`local`, `return`, `end`, `then`). Adjacent
literals joined by `+` (JavaScript), by juxtaposition (Python), or an array of literals joined with
`.join(<literal>)` are read as one literal. A literal whose text is built at run time (a JavaScript
template literal with `${...}`, a Python f-string, `%`/`.format(...)` applied to it, a `+` with
anything but a literal) is a template, not a fixed script: it is reported, never stored.
"""

import ast
import bisect
import re
from dataclasses import dataclass

LUA_CALL = re.compile(r"\b(redis|server)\s*\.\s*(p?call|register_function)\s*\(|\bKEYS\s*\[|\bARGV\s*\[")
LUA_WORD = re.compile(r"\b(local|return|end|then)\b")
SKIPPED_DIRS = {"test", "tests", "__tests__", "spec", "specs", "example", "examples", "docs",
                "benchmark", "benchmarks", "bench", "node_modules", "fixtures", "e2e"}
SOURCE_SUFFIXES = (".js", ".cjs", ".mjs", ".ts", ".cts", ".mts", ".py", ".rs")


@dataclass
class Found:
    """One script found in a package: `source` is its file inside the package, `line` where the
    literal starts (0 for a `.lua` file), `template` why it is not a fixed script (empty if it is)."""

    source: str
    line: int
    text: str
    embedded: bool
    template: str = ""
    note: str = ""


# Placeholders a package substitutes before it loads the script: `#NAME#`, `{{name}}`, `%(name)s`.
PLACEHOLDER = re.compile(r"#[A-Z][A-Z0-9_]+#|\{\{\s*\w+\s*\}\}|%\(\w+\)s")


def looks_like_lua(text):
    return bool(LUA_CALL.search(text)) and bool(LUA_WORD.search(text))


def skipped(path):
    parts = path.split("/")[:-1]
    name = parts and path.rsplit("/", 1)[-1] or path
    return (any(p.lower() in SKIPPED_DIRS or p.startswith(".") for p in parts)
            or name.endswith((".d.ts", ".d.mts", ".d.cts", ".min.js", ".map"))
            or ".test." in name or ".spec." in name or name.startswith("test_"))


def scripts_in(path, data):
    """The scripts in the file `path` (inside the package) with the bytes `data`."""
    if skipped(path):
        return []
    if path.endswith(".lua"):
        text = data.decode("utf-8", errors="surrogateescape")
        return [Found(path, 0, text, embedded=False)]
    if not path.endswith(SOURCE_SUFFIXES) or len(data) > 4 << 20:
        return []
    text = data.decode("utf-8", errors="replace")
    if not LUA_CALL.search(text):
        return []
    if path.endswith(".py"):
        literals = python_literals(text)
    elif path.endswith(".rs"):
        literals = rust_literals(text)
    else:
        literals = js_literals(text)
    return [Found(path, found[0], found[1], embedded=True, note=(found[3:] or [""])[0],
                  template=found[2] or ("placeholder %s substituted at run time" % PLACEHOLDER.search(found[1]).group()
                                        if PLACEHOLDER.search(found[1]) else ""))
            for found in literals if looks_like_lua(found[1])]


# --- Python: the interpreter's own parser ---------------------------------------------------------

def python_literals(source):
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    formatted = set()  # ids of str constants that `%` or `.format` is applied to
    unused = set()  # ids of the pieces of f-strings and of strings that are statements (docstrings)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            unused.update(id(n) for n in ast.walk(node) if n is not node)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            unused.add(id(node.value))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            formatted.add(id(node.left))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ("format", "format_map", "replace", "substitute")):
            formatted.add(id(node.func.value))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            # `"..." + name`: built at run time
            for side, other in ((node.left, node.right), (node.right, node.left)):
                if not (isinstance(other, ast.Constant) and isinstance(other.value, (str, bytes))):
                    formatted.add(id(side))
    out = []
    for node in ast.walk(tree):
        if id(node) in unused:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            why = "Python string formatted at run time" if id(node) in formatted else ""
            value = node.value
            if isinstance(value, bytes):
                value = value.decode("utf-8", errors="surrogateescape")
            out.append((node.lineno, value, why))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{...}" for v in node.values)
            out.append((node.lineno, text, "Python f-string"))
    return out


# --- Rust: string literals, outside comments and char literals ------------------------------------

RUST_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", "'": "'", '"': '"'}


def rust_literals(src):
    out, i, n = [], 0, len(src)
    newlines = [k for k, ch in enumerate(src) if ch == "\n"]
    while i < n:
        if src.startswith("//", i):
            end = src.find("\n", i)
            i = n if end < 0 else end
        elif src.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if src.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif src.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif (m := re.compile(r'b?r(#*)"').match(src, i)) and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            close = '"' + m.group(1)
            end = src.find(close, m.end())
            end = n if end < 0 else end
            if not re.search(r"\bdoc\s*=\s*$", src[max(0, i - 40):i]):  # documentation, not code
                out.append((bisect.bisect_left(newlines, i) + 1, src[m.end():end], ""))
            i = end + len(close)
        elif src[i] == '"' or (src.startswith('b"', i) and (i == 0 or not src[i - 1].isalnum())):
            start, i = i, i + (2 if src[i] == "b" else 1)
            value = []
            while i < n and src[i] != '"':
                if src[i] == "\\":
                    c = src[i + 1:i + 2]
                    if c == "\n":  # a line continuation: the newline and the indentation go
                        i += 2
                        while i < n and src[i] in " \t\r\n":
                            i += 1
                        continue
                    if c == "x":
                        value.append(chr(int(src[i + 2:i + 4], 16)))
                        i += 4
                        continue
                    if c == "u":
                        end = src.index("}", i)
                        value.append(chr(int(src[i + 3:end], 16)))
                        i = end + 1
                        continue
                    value.append(RUST_ESCAPES.get(c, c))
                    i += 2
                else:
                    value.append(src[i])
                    i += 1
            out.append((bisect.bisect_left(newlines, start) + 1, "".join(value), ""))
            i += 1
        elif src[i] == "'":
            # a char literal ('"', '\'', '\\') or a lifetime ('a)
            m = re.compile(r"'(\\.[^']*|[^\\'])'").match(src, i)
            i = m.end() if m else i + 1
        else:
            i += 1
    return out


# --- JavaScript / TypeScript: a tokenizer that knows strings, templates, comments and regexes ----

@dataclass
class Tok:
    kind: str  # "str", "tmpl" (template literal), "id", "punct"
    value: str
    line: int
    interpolated: bool = False


ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {"return", "typeof", "case", "do", "else", "in", "of",
                                               "void", "yield", "await", "delete", "throw", "new"}


def js_escape(src, i):
    """Decodes the escape at src[i] (just after the backslash): (text, next index)."""
    c = src[i] if i < len(src) else ""
    if c in ESCAPES and not (c == "0" and i + 1 < len(src) and src[i + 1].isdigit()):
        return ESCAPES[c], i + 1
    if c == "x":
        return chr(int(src[i + 1:i + 3], 16)), i + 3
    if c == "u":
        if src[i + 1] == "{":
            end = src.index("}", i)
            return chr(int(src[i + 2:end], 16)), end + 1
        return chr(int(src[i + 1:i + 5], 16)), i + 5
    if c == "\r" and src[i + 1:i + 2] == "\n":
        return "", i + 2
    if c in "\n\r\u2028\u2029":
        return "", i + 1
    return c, i + 1


def js_tokens(src):
    toks = []
    i, n = 0, len(src)
    newlines = [k for k, ch in enumerate(src) if ch == "\n"]
    while i < n:
        c = src[i]
        if c in " \t\r\n\ufeff":
            i += 1
        elif src.startswith("//", i):
            end = src.find("\n", i)
            i = n if end < 0 else end
        elif src.startswith("/*", i):
            end = src.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c in "'\"":
            line = bisect.bisect_left(newlines, i) + 1
            value, i = scan_string(src, i)
            toks.append(Tok("str", value, line))
        elif c == "`":
            line = bisect.bisect_left(newlines, i) + 1
            value, interpolated, i = scan_template(src, i)
            toks.append(Tok("tmpl", value, line, interpolated))
        elif c == "/" and regex_allowed(toks):
            j = skip_regex(src, i)
            toks.append(Tok("regex", src[i:j], 0))
            i = j
        elif c.isalnum() or c in "_$":
            j = i
            while j < n and (src[j].isalnum() or src[j] in "_$"):
                j += 1
            toks.append(Tok("id", src[i:j], 0))
            i = j
        else:
            toks.append(Tok("punct", c, 0))
            i += 1
    return toks


def scan_string(src, i):
    """A quoted string starting at src[i]: (its value, the index after it)."""
    quote, out, i = src[i], [], i + 1
    while i < len(src) and src[i] != quote:
        if src[i] == "\\":
            text, i = js_escape(src, i + 1)
            out.append(text)
        elif src[i] == "\n":  # unterminated: not a string after all
            return "".join(out), i
        else:
            out.append(src[i])
            i += 1
    return "".join(out), i + 1


def scan_template(src, i):
    """A template literal starting at src[i]: (its text with `${...}` for each substitution, whether
    it has one, the index after it)."""
    out, interpolated, i = [], False, i + 1
    while i < len(src) and src[i] != "`":
        if src[i] == "\\":
            text, i = js_escape(src, i + 1)
            out.append(text)
        elif src.startswith("${", i):
            interpolated = True
            out.append("${...}")
            i = skip_code(src, i + 2)
        else:
            out.append(src[i])
            i += 1
    return "".join(out), interpolated, i + 1


def skip_code(src, i):
    """Skips the code of a `${` substitution: the index after its closing `}`."""
    depth = 0
    while i < len(src):
        c = src[i]
        if c in "'\"":
            _, i = scan_string(src, i)
        elif c == "`":
            _, _, i = scan_template(src, i)
        elif c == "{":
            depth += 1
            i += 1
        elif c == "}":
            if depth == 0:
                return i + 1
            depth -= 1
            i += 1
        else:
            i += 1
    return i


def regex_allowed(toks):
    if not toks:
        return True
    last = toks[-1]
    if last.kind == "punct":
        return last.value in REGEX_AFTER
    return last.kind == "id" and last.value in REGEX_AFTER


def skip_regex(src, i):
    i += 1
    in_class = False
    while i < len(src) and src[i] != "\n":
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "/" and not in_class:
            i += 1
            while i < len(src) and (src[i].isalnum()):
                i += 1
            return i
        i += 1
    return i


def js_literals(src):
    try:
        toks = js_tokens(src)
    except (ValueError, IndexError):
        return []
    concat_args = concat_argument_tokens(toks)
    out = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        # `[lit, lit, ...].join(lit)`
        if tok.kind == "punct" and tok.value == "[":
            j, parts = i + 1, []
            while j + 1 < len(toks) and toks[j].kind in ("str", "tmpl") and toks[j + 1].value in (",", "]"):
                parts.append(toks[j])
                j += 1
                if toks[j].value == ",":
                    j += 1
                if toks[j].value == "]":
                    break
            if (parts and j + 5 < len(toks) and toks[j].value == "]" and toks[j + 1].value == "."
                    and toks[j + 2].value == "join" and toks[j + 3].value == "("
                    and toks[j + 4].kind in ("str", "tmpl") and toks[j + 5].value == ")"):
                sep = toks[j + 4].value
                why = "interpolated template literal" if any(p.interpolated for p in parts) else ""
                out.append((parts[0].line, sep.join(p.value for p in parts), why,
                            "%d literals joined with %r" % (len(parts), sep)))
                i = j + 6
                continue
        if tok.kind in ("str", "tmpl"):
            parts, j = [tok], i + 1
            while j + 1 < len(toks) and toks[j].value == "+" and toks[j + 1].kind in ("str", "tmpl"):
                parts.append(toks[j + 1])
                j += 2
            text = "".join(p.value for p in parts)
            before = toks[i - 1].value if i else ""
            text, j, rewrite = rewritten(text, toks, j)
            after = toks[j].value if j < len(toks) else ""
            why = ""
            if any(p.interpolated for p in parts):
                why = "interpolated template literal"
            elif before == "+" or after == "+":
                why = "concatenated with a value at run time"
            elif id(tok) in concat_args or (after == "." and j + 1 < len(toks) and toks[j + 1].value == "concat"):
                why = "joined with values by .concat at run time"
            elif rewrite is None:
                why = "rewritten at run time (.%s)" % toks[j + 1].value
            note = ["%d literals joined with +" % len(parts)] if len(parts) > 1 else []
            note += ["rewritten as at run time: %s" % "".join(rewrite)] if rewrite else []
            out.append((tok.line, text, why, "; ".join(note)))
            i = j
            continue
        i += 1
    return out


def concat_argument_tokens(toks):
    """ids of the literals inside the arguments of a `.concat(...)` call."""
    inside, stack = set(), []
    for k, tok in enumerate(toks):
        if tok.kind == "punct" and tok.value in "([{":
            stack.append(tok.value == "(" and k >= 2 and toks[k - 1].value == "concat" and toks[k - 2].value == ".")
        elif tok.kind == "punct" and tok.value in ")]}":
            if stack:
                stack.pop()
        elif tok.kind in ("str", "tmpl") and any(stack):
            inside.add(id(tok))
    return inside


JS_WHITESPACE = " \t\n\r\v\f\ufeff\u00a0\u2028\u2029"


def rewritten(text, toks, j):
    """Applies the rewrites chained after a literal that only strip whitespace: `.trim()`,
    `.trimStart()`, `.trimEnd()`, `.replace(/re/flags, "lit")` and `.replaceAll(...)` where the regex
    matches only whitespace. Returns (text, index after the chain, the rewrites applied or None when
    another call follows)."""
    applied = []
    while j + 1 < len(toks) and toks[j].value == "." and toks[j + 1].kind == "id":
        name = toks[j + 1].value
        if name in ("trim", "trimStart", "trimEnd") and toks[j + 2].value == "(" and toks[j + 3].value == ")":
            strip = {"trim": str.strip, "trimStart": str.lstrip, "trimEnd": str.rstrip}[name]
            text = strip(text, JS_WHITESPACE)
            applied.append(".%s()" % name)
            j += 4
            continue
        if (name in ("replace", "replaceAll") and j + 6 < len(toks) and toks[j + 2].value == "("
                and toks[j + 3].kind == "regex" and toks[j + 4].value == "," and toks[j + 5].kind == "str"
                and toks[j + 6].value == ")"):
            regex = toks[j + 3].value
            body, flags = regex[1:regex.rindex("/")], regex[regex.rindex("/") + 1:]
            if re.fullmatch(r"\^?\\s[+*]|\\s\{\d+,\d*\}|\^\\s\*|\^\[ \\t\]\+", body) and "$" not in toks[j + 5].value:
                pattern = re.compile(body.replace("\\s", "[" + JS_WHITESPACE + "]"), re.M if "m" in flags else 0)
                text = pattern.sub(toks[j + 5].value.replace("\\", "\\\\"), text, count=0 if "g" in flags else 1)
                applied.append(".%s(%s, %r)" % (name, regex, toks[j + 5].value))
                j += 7
                continue
        if name in ("replace", "replaceAll", "concat", "split", "slice", "substring"):
            return text, j, None
        break
    return text, j, applied
