//! A script's declared reply: the fields of the table it returns, by name and type, in order.
//!
//! One line in the comment block at the top of the file, in the language server's table-literal type:
//!
//! ```lua
//! ---@return {allowed: integer, remaining: integer, reset: integer}
//! ```
//!
//! The language server reads it as "returns one table with these fields", which is what the script
//! does; one `---@return` line per field would say "returns several values", which a script can not
//! (Redis keeps the first). The order of the fields is the order of the reply's items: Redis replies
//! to a Lua table with its positional items only (`{allowed = 1}` arrives as an empty array, under
//! RESP2 and RESP3 alike), so the script returns `{allowed, remaining, reset}` and the declaration
//! names them. A flat `{'allowed', a, 'remaining', r}` (names and values) is read by name.
//!
//! [`check_returns`] holds the script's literal `return {...}` to it, as far as is sound: a table
//! with only positional items has exactly the declared number of them (unless its last item is a
//! call or `...`, which may expand to any number), a flat table of names and values names exactly
//! the declared fields, and a table with `name = value` items is refused, since Redis drops those.
//! A return of anything else (a local, a call) is left alone.

use crate::lua::ast::{Block, Expression, Field, LastStmt, Stmt};
use crate::lua::tokenizer::TokenType;

use crate::declare::{Param, Type};
use crate::{Kind, Problem};

/// Reads the text after `---@return` when it is a table-literal type (`{name: type, ...}`): its
/// fields; `None` for another return type, which stays a comment; a problem when it does not parse.
pub(crate) fn parse(rest: &str, line: usize) -> Option<Result<Vec<Param>, Problem>> {
    let inner = rest.trim_start().strip_prefix('{')?;
    let problem = |message: String| Some(Err(Problem::new(Kind::Declaration, Some(line), message)));
    let Some((inner, doc)) = inner.split_once('}') else {
        return problem("`---@return {` is not closed: `---@return {allowed: integer}`".to_owned());
    };
    let doc = doc.trim();
    let mut fields: Vec<Param> = Vec::new();
    for item in inner.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let Some((name, ty)) = item.split_once(':') else {
            return problem(format!(
                "`---@return {{{item}}}`: a field is `name: type`, as in `{{allowed: integer}}`"
            ));
        };
        let (name, ty) = (name.trim(), ty.trim());
        if let Some(reason) = crate::declare::name_problem(name) {
            return problem(format!("`---@return` field `{name}`: {reason}"));
        }
        let Some(parsed) = Type::parse(ty).filter(|ty| *ty != Type::Bytes) else {
            return problem(format!(
                "`---@return` field `{name}: {ty}`: a field's type is string, integer, number or \
                 boolean{}",
                if ty == "bytes" {
                    " (`bytes` types a key or an argument; a reply's text is read as a string)"
                } else {
                    ""
                }
            ));
        };
        if fields.iter().any(|f| f.name() == name) {
            return problem(format!("`---@return` names the field `{name}` twice"));
        }
        fields.push(Param::new(name, parsed, doc, line));
    }
    if fields.is_empty() {
        return problem(
            "`---@return {}` declares no field: name them, `{allowed: integer}`".to_owned(),
        );
    }
    Some(Ok(fields))
}

/// A problem for each literal `return {...}` of the script (not of a function inside it) that does
/// not have the declared fields.
pub(crate) fn check_returns(block: &Block, fields: &[Param]) -> Vec<Problem> {
    let mut problems = Vec::new();
    walk(block, fields, &mut problems);
    problems
}

fn walk(block: &Block, fields: &[Param], problems: &mut Vec<Problem>) {
    for stmt in block.stmts() {
        match stmt {
            Stmt::Do(s) => walk(s.block(), fields, problems),
            Stmt::While(s) => walk(s.block(), fields, problems),
            Stmt::Repeat(s) => walk(s.block(), fields, problems),
            Stmt::NumericFor(s) => walk(s.block(), fields, problems),
            Stmt::GenericFor(s) => walk(s.block(), fields, problems),
            Stmt::If(s) => {
                walk(s.block(), fields, problems);
                for branch in s.else_if().into_iter().flatten() {
                    walk(branch.block(), fields, problems);
                }
                if let Some(other) = s.else_block() {
                    walk(other, fields, problems);
                }
            }
            // A function's `return` is its own reply, not the script's.
            _ => {}
        }
    }
    if let Some(LastStmt::Return(ret)) = block.last_stmt()
        && let Some(Expression::TableConstructor(table)) = ret.returns().iter().next()
    {
        let at = table.braces().tokens().0.token().start_position();
        if let Some(message) = mismatch(table.fields().iter().collect(), fields) {
            problems.push(Problem::at(
                Kind::Declaration,
                at.line(),
                at.character(),
                message,
            ));
        }
    }
}

/// The fields by which Redis reads a table as another kind of reply (an error, a status, a RESP3
/// map, set, double, big number or verbatim string) rather than as an array.
const SPECIAL: &[&str] = &[
    "err",
    "ok",
    "double",
    "big_number",
    "map",
    "set",
    "verbatim_string",
];

/// What is wrong with a returned table of `items` against the declared `fields`, if anything.
fn mismatch(items: Vec<&Field>, fields: &[Param]) -> Option<String> {
    let declared: Vec<&str> = fields.iter().map(Param::name).collect();
    let list = format!("{{{}}}", declared.join(", "));
    let special = items.iter().find_map(|item| match item {
        Field::NameKey { key, value, .. }
            if SPECIAL.contains(&key.token().to_string().as_str()) =>
        {
            Some((key.token().to_string(), value))
        }
        _ => None,
    });
    if let Some((key, value)) = special {
        // `{map = {allowed = a, ...}}`: a RESP3 map (a flat array of names and values under
        // RESP2), read by name; its literal names are the declared ones.
        let Expression::TableConstructor(map) = &**value else {
            return None;
        };
        let names: Option<Vec<String>> = map
            .fields()
            .iter()
            .map(|item| match item {
                Field::NameKey { key, .. } => Some(key.token().to_string()),
                _ => None,
            })
            .collect();
        let names = names.filter(|_| key == "map")?;
        return by_name(&names, &declared, "map");
    }
    let named: Vec<String> = items
        .iter()
        .filter_map(|item| match item {
            Field::NameKey { key, .. } => Some(key.token().to_string()),
            Field::ExpressionKey { key, .. } => Some(format!("[{}]", key.to_string().trim())),
            _ => None,
        })
        .collect();
    if !named.is_empty() {
        let unknown = named.iter().find(|n| !declared.contains(&n.as_str()));
        let missing = declared.iter().find(|d| !named.iter().any(|n| n == *d));
        let detail = match (unknown, missing) {
            (Some(unknown), _) => format!("; `{unknown}` is no declared field"),
            (None, Some(missing)) => format!("; the field `{missing}` is missing"),
            (None, None) => String::new(),
        };
        return Some(format!(
            "this table returns named items ({}), which Redis drops: it replies with the \
             positional items only{detail}; return the values in the declared order, {list}",
            named.join(", ")
        ));
    }
    // A call or `...` last expands to all its values: the count is not known.
    if let Some(Field::NoKey(last)) = items.last()
        && match last {
            Expression::FunctionCall(_) => true,
            Expression::Symbol(token) => token.token().to_string() == "...",
            _ => false,
        }
    {
        return None;
    }
    if let Some(names) = flat_names(&items)
        && items.len() == 2 * fields.len()
    {
        return by_name(&names, &declared, "table of names and values");
    }
    if items.len() != fields.len() {
        let lacking = fields
            .get(items.len())
            .map(|f| format!("; `{}` has no value", f.name()))
            .unwrap_or_default();
        return Some(format!(
            "this table returns {} item{}, but the `---@return` line declares {} fields \
             {list}{lacking}; return one value per field, in the declared order",
            items.len(),
            if items.len() == 1 { "" } else { "s" },
            fields.len()
        ));
    }
    None
}

/// What is wrong with a table read by name, whose literal `names` should be the `declared` ones.
fn by_name(names: &[String], declared: &[&str], what: &str) -> Option<String> {
    let list = format!("{{{}}}", declared.join(", "));
    if let Some(unknown) = names.iter().find(|n| !declared.contains(&n.as_str())) {
        return Some(format!(
            "this {what} names the field `{unknown}`, which the `---@return` line does not \
             declare ({list})"
        ));
    }
    let missing = declared.iter().find(|d| !names.iter().any(|n| n == *d))?;
    Some(format!(
        "this {what} lacks the declared field `{missing}` ({list})"
    ))
}

/// The names of a flat `{'name', value, 'name', value}`: every item at an odd position a string
/// literal.
fn flat_names(items: &[&Field]) -> Option<Vec<String>> {
    if items.is_empty() || !items.len().is_multiple_of(2) {
        return None;
    }
    items
        .iter()
        .step_by(2)
        .map(|item| match item {
            Field::NoKey(Expression::String(token)) => match token.token().token_type() {
                TokenType::StringLiteral { literal, .. } => Some(literal.to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::{Declared, declaration};

    fn problems(text: &str) -> Vec<String> {
        match declaration("s.lua", text) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.iter().map(|p| p.message().to_owned()).collect(),
        }
    }

    const HEAD: &str = "---@key k\n---@return {allowed: integer, remaining: integer} the verdict\n";

    #[test]
    fn the_declared_fields_in_order() {
        let Ok(Declared::Found(d)) = declaration("s.lua", &format!("{HEAD}return {{1, 2}}")) else {
            panic!("not declared");
        };
        let fields: Vec<&str> = d.reply().unwrap().iter().map(|f| f.name()).collect();
        assert_eq!(fields, ["allowed", "remaining"]);
        assert_eq!(d.reply().unwrap()[0].doc(), "the verdict");
        // Another return type is a comment.
        let Ok(Declared::Found(d)) =
            declaration("s.lua", "---@key k\n---@return integer\nreturn 1")
        else {
            panic!("not declared");
        };
        assert!(d.reply().is_none());
        // The reply alone declares no parameters: they are inferred.
        let text = "---@return {a: integer}\nlocal k = KEYS[1]\nreturn {1}";
        let Ok(Declared::Found(d)) = declaration("s.lua", text) else {
            panic!("not declared");
        };
        assert!(d.inferred());
        assert_eq!(d.keys()[0].name(), "k");
        assert_eq!(d.reply().unwrap()[0].name(), "a");
        // A script whose parameters are not inferred still has its returns checked.
        let text = "---@return {a: integer}\nreturn {#KEYS, 2}";
        assert!(problems(text)[0].starts_with("s.lua:2:8: this table returns 2 items"));
    }

    #[test]
    fn literal_returns_are_held_to_the_declaration() {
        let ok = [
            "return {1, 2}",
            "if x then return {1, 2} end return {3, 4};",
            "return {'remaining', 1, 'allowed', 0}",
            "return {1, unpack(t)}",
            "return {err = 'ERR no'}",
            "return {1, 2, ok = 'OK'}",
            "redis.setresp(3)\nreturn {map = {remaining = 1, allowed = 0}}",
            "return {map = m}",
            "local t = {}\nreturn t",
            "local f = function() return {1} end\nreturn {f(), 2}",
        ];
        for body in ok {
            assert_eq!(
                problems(&format!("{HEAD}{body}")),
                Vec::<String>::new(),
                "{body}"
            );
        }
        let bad = [
            (
                "return {1}",
                "s.lua:3:8: this table returns 1 item",
                "`remaining` has no value",
            ),
            (
                "do return {1, 2, 3} end",
                "s.lua:3:11: this table returns 3 items",
                "{allowed, remaining}",
            ),
            (
                "return {allowed = 1, remaining = 2}",
                "s.lua:3:8: this table returns named items",
                "Redis drops",
            ),
            (
                "return {allowed = 1, left = 2}",
                "s.lua:3:8: this table returns named items",
                "`left` is no declared field",
            ),
            (
                "return {'allowed', 1, 'left', 2}",
                "s.lua:3:8: this table of names and values names the field `left`",
                "does not declare",
            ),
            (
                "return {map = {allowed = 1, left = 2}}",
                "s.lua:3:8: this map names the field `left`",
                "does not declare",
            ),
            (
                "while true do return {1} end",
                "s.lua:3:22:",
                "returns 1 item",
            ),
        ];
        for (body, start, contains) in bad {
            let found = problems(&format!("{HEAD}{body}"));
            assert!(
                found.len() == 1 && found[0].starts_with(start) && found[0].contains(contains),
                "{body}: {found:?}"
            );
        }
    }

    #[test]
    fn bad_reply_annotations() {
        let cases = [
            ("---@return {a: integer", "not closed"),
            ("---@return {a integer}", "`name: type`"),
            ("---@return {a: table}", "string, integer, number or"),
            ("---@return {type: integer}", "Rust keyword"),
            ("---@return {a: integer, a: string}", "twice"),
            ("---@return {}", "no field"),
            (
                "---@return {a: integer}\n---@return {b: integer}",
                "declared twice",
            ),
        ];
        for (line, expected) in cases {
            let found = problems(&format!("{line}\nreturn {{1}}"));
            assert!(
                found
                    .iter()
                    .any(|m| m.contains(expected) && m.starts_with("s.lua:")),
                "{line}: {found:?}"
            );
        }
    }
}
