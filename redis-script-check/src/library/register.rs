//! `redis.register_function` and `redis.log` in the load run: their arguments checked as Redis
//! checks them (`luaRegisterFunction`, `luaLogCommand`), and the functions registered.

use std::ops::Range;

use crate::lua::ast::{BinOp, Expression, Field, FunctionArgs, TableConstructor, Var};
use crate::lua::tokenizer::TokenReference;

use crate::calls::identifier;
use crate::shebang::{UPSTASH_KEY_LOCKING, VALID_FLAGS};

use super::load::{Load, is_vararg, table_id};
use super::lua::{Value, numeral, numeral_text, numeral_value, unescape};
use super::metadata::valid_name;
use super::{NAME_RULE, Registered, lines};

/// The longest string [`Load::constant_string`] folds: names and flags are short.
const MAX_FOLDED_BYTES: usize = 4096;
/// The most literals, locals and operators [`Load::constant_string`] visits for one string.
const MAX_FOLDED_NODES: usize = 1024;

/// The name a `redis.register_function` argument gives.
enum Name {
    /// A string literal: the name's bytes, and where its text is in the body.
    Literal(Vec<u8>, Range<usize>),
    /// A constant Redis turns into a name the file does not write as one literal (a numeral, which
    /// becomes its text, literals joined by `..`, a local holding one): that name.
    Unwritten(Vec<u8>),
    /// Not a string (Redis refuses it).
    NotString,
    /// Computed: the checks can not see it.
    Computed,
}

/// The flags of a function, as the walk reads them.
enum Flags {
    Read(Vec<String>),
    /// Not literals: a problem of the checks' own; Redis may take them.
    Computed,
    /// Refused by Redis: a problem already.
    Refused,
}

/// A key of the table `redis.register_function{...}` takes.
enum Key {
    Name(Vec<u8>),
    /// A number, which Redis reads as a string that names no argument.
    Number,
    NotString,
    Computed,
}

/// Why the checks refuse a name that is not one string literal.
const COMPUTED_NAME: &str = "the function's name is computed, so the macro can not see it, check it \
     or give it a type; write it as a string literal: redis.register_function('name', ...)";

/// Redis's answers to `redis.register_function` calls it refuses (`luaRegisterFunctionReadArgs`).
const SINGLE_ARGUMENT: &str = "redis.register_function takes a name and a function, or one table of \
     named arguments (Redis: \"calling redis.register_function with a single argument is only \
     applicable to Lua table (representing named arguments).\")";

impl<'a> Load<'a> {
    /// `redis.register_function(args)`, run while the library loads, as Redis reads its arguments
    /// (`values`: what the walk made of them).
    pub(super) fn register(&mut self, line: usize, args: &'a FunctionArgs, values: &[Value<'a>]) {
        // What an argument is: as written, or else as the walk found it (a call's result).
        let value = |load: &Self, at: usize, argument: &'a Expression| match load.peek(argument) {
            Value::Unknown => values.get(at).copied().unwrap_or(Value::Unknown),
            known => known,
        };
        self.registrations += 1;
        let mut arguments: Vec<&'a Expression> = match args {
            FunctionArgs::Parentheses { arguments, .. } => arguments.iter().collect(),
            FunctionArgs::TableConstructor(table) => return self.register_named(line, table),
            FunctionArgs::String(_) => return self.refuse(line, SINGLE_ARGUMENT),
        };
        // `...` last in the chunk gives no value at all.
        if self.running == 0 && arguments.last().is_some_and(|e| is_vararg(e)) {
            arguments.pop();
        }
        // A call last may give any number of values; after a name, most likely the one function.
        if arguments.len() == 1 && self.open_ended(arguments[0]) {
            return self.computed(
                line,
                "the arguments of redis.register_function are computed (a call or ... last), so the \
                 macro can not see the function; write redis.register_function('name', function(keys, \
                 args) ... end)",
            );
        }
        match arguments.as_slice() {
            [Expression::TableConstructor(table)] => self.register_named(line, table),
            [argument] => match value(self, 0, argument) {
                Value::Table(_) | Value::Unknown => self.computed(
                    line,
                    "the named arguments of redis.register_function are computed, so the macro can \
                     not see the function; write the table in the call: \
                     redis.register_function{function_name = 'name', callback = ...}",
                ),
                _ => self.refuse(line, SINGLE_ARGUMENT),
            },
            [name_argument, callback] => {
                let mut name = self.name(name_argument);
                if matches!(name, Name::Computed) && value(self, 0, name_argument).not_string() {
                    name = Name::NotString;
                }
                if matches!(name, Name::NotString) {
                    return self.refuse(
                        line,
                        "the function's name is a string (Redis: \"first argument to \
                         redis.register_function must be a string\")",
                    );
                }
                let Some(callback) = callback_lines(value(self, 1, callback)) else {
                    return self.refuse(
                        line,
                        "the second argument of redis.register_function is the function (Redis: \
                         \"second argument to redis.register_function must be a function\")",
                    );
                };
                self.create(line, name, Some(Vec::new()), callback);
            }
            _ => self.refuse(
                line,
                "redis.register_function takes a name and a function, or one table (Redis: \"wrong \
                 number of arguments to redis.register_function\")",
            ),
        }
    }

    /// `redis.register_function{function_name = .., callback = .., flags = {..}, description = ..}`,
    /// keys in any case (`strcasecmp`). Redis reads the table in an order of its own and stops at the
    /// first wrong field: every wrong field is a problem.
    fn register_named(&mut self, line: usize, table: &'a TableConstructor) {
        let (mut name, mut callback, mut flags) = (None, None, Some(Vec::new()));
        let mut refused = false;
        let fields: Vec<(Key, &'a Expression)> = table
            .fields()
            .iter()
            .map(|field| -> (Key, &'a Expression) {
                match field {
                    Field::NameKey { key, value, .. } => (
                        Key::Name(identifier(key).unwrap_or_default().as_bytes().to_vec()),
                        value,
                    ),
                    Field::ExpressionKey { key, value, .. } => (self.key(key), value),
                    Field::NoKey(value) => (Key::Number, value),
                }
            })
            .collect();
        for (i, (key, value)) in fields.iter().enumerate() {
            // A field set to nil is not in the table, nor one set again further on (the same key:
            // the case counts).
            let again = |later: &(Key, &Expression)| matches!((key, &later.0), (Key::Name(a), Key::Name(b)) if a == b);
            if matches!(self.peek(value), Value::Nil) || fields[i + 1..].iter().any(again) {
                continue;
            }
            let key = match key {
                Key::Name(key) => key.to_ascii_lowercase(),
                Key::Number => Vec::new(),
                Key::NotString => {
                    refused = true;
                    self.refuse(
                        line,
                        "the keys of redis.register_function's table are names (Redis: \"named \
                         argument key given to redis.register_function is not a string\")",
                    );
                    continue;
                }
                Key::Computed => {
                    refused = true;
                    self.computed(
                        line,
                        "a key of redis.register_function's table is computed, so the macro can not \
                         see the function; write function_name = .., callback = .., flags = ..",
                    );
                    continue;
                }
            };
            match key.as_slice() {
                b"function_name" => match self.name(value) {
                    Name::NotString => {
                        refused = true;
                        self.refuse(
                            line,
                            "function_name is a string (Redis: \"function_name argument given to \
                             redis.register_function must be a string\")",
                        );
                    }
                    given => name = Some(given),
                },
                b"callback" => match self.callback(value) {
                    Some(given) => callback = Some(given),
                    None => {
                        refused = true;
                        self.refuse(
                            line,
                            "callback is a function (Redis: \"callback argument given to \
                             redis.register_function must be a function\")",
                        );
                    }
                },
                b"description" => {
                    if self.peek(value).not_string() {
                        refused = true;
                        self.refuse(
                            line,
                            "description is a string (Redis: \"description argument given to \
                             redis.register_function must be a string\")",
                        );
                    }
                }
                b"flags" => match self.flags(line, value) {
                    Flags::Read(given) => flags = Some(given),
                    Flags::Computed => flags = None,
                    Flags::Refused => refused = true,
                },
                _ => {
                    refused = true;
                    self.refuse(
                        line,
                        "redis.register_function takes the named arguments function_name, callback, \
                         flags and description (Redis: \"unknown argument given to \
                         redis.register_function\")",
                    );
                }
            }
        }
        if refused {
            return;
        }
        let Some(name) = name else {
            return self.refuse(
                line,
                "redis.register_function needs function_name = 'name' (Redis: \"redis.register_function \
                 must get a function name argument\")",
            );
        };
        let Some(callback) = callback else {
            return self.refuse(
                line,
                "redis.register_function needs callback = function(keys, args) ... end (Redis: \
                 \"redis.register_function must get a callback argument\")",
            );
        };
        self.create(line, name, flags, callback);
    }

    /// A key written `[key] = ..`.
    fn key(&self, key: &'a Expression) -> Key {
        if let Expression::String(token) = key
            && let Some((text, _)) = self.string_literal(token)
        {
            return Key::Name(text);
        }
        match self.peek(key) {
            Value::Number => Key::Number,
            // A nil key is an error of Lua's own ("table index is nil").
            Value::String(_) | Value::Unknown | Value::Nil => Key::Computed,
            _ => Key::NotString,
        }
    }

    fn name(&self, name: &'a Expression) -> Name {
        match name {
            Expression::String(token) => match self.string_literal(token) {
                Some((text, at)) => Name::Literal(text, at),
                None => Name::Computed,
            },
            _ => match self.peek(name) {
                value if value.not_string() => Name::NotString,
                _ => match self.constant_string(name) {
                    Some(text) => Name::Unwritten(text),
                    None => Name::Computed,
                },
            },
        }
    }

    /// The string a constant expression makes: literals (numbers as Lua writes them) joined by `..`,
    /// and locals that hold one.
    ///
    /// Folded within bounds: a local read again is expanded again, so `local b = a..a..a` a few times
    /// over would otherwise make a string of gigabytes (and take minutes). Past
    /// [`MAX_FOLDED_BYTES`] or [`MAX_FOLDED_NODES`], the string is taken as not constant.
    pub(super) fn constant_string(&self, expression: &'a Expression) -> Option<Vec<u8>> {
        let mut nodes = MAX_FOLDED_NODES;
        self.constant_string_within(expression, 32, &mut nodes)
    }

    fn constant_string_within(
        &self,
        expression: &'a Expression,
        depth: usize,
        nodes: &mut usize,
    ) -> Option<Vec<u8>> {
        let depth = depth.checked_sub(1)?;
        *nodes = nodes.checked_sub(1)?;
        match expression {
            Expression::String(token) => self
                .string_literal(token)
                .map(|(text, _)| text)
                .filter(|text| text.len() <= MAX_FOLDED_BYTES),
            Expression::Number(token) => {
                let at = token.token().start_position().bytes();
                Some(numeral_text(self.body.get(at..).unwrap_or_default()).into_bytes())
            }
            Expression::Parentheses { expression, .. } => {
                self.constant_string_within(expression, depth, nodes)
            }
            Expression::BinaryOperator {
                lhs,
                binop: BinOp::TwoDots(_),
                rhs,
            } => {
                let mut text = self.constant_string_within(lhs, depth, nodes)?;
                let rest = self.constant_string_within(rhs, depth, nodes)?;
                if text.len() + rest.len() > MAX_FOLDED_BYTES {
                    return None;
                }
                text.extend(rest);
                Some(text)
            }
            Expression::Var(Var::Name(_)) => match self.peek(expression) {
                Value::String(Some(made)) => self.constant_string_within(made, depth, nodes),
                _ => None,
            },
            _ => None,
        }
    }

    /// `table.field` of a table made by `table` and not changed since.
    fn table_field(&self, table: &'a TableConstructor, field: &str) -> Value<'a> {
        let mut found = Value::Nil;
        for entry in table.fields() {
            match entry {
                Field::NameKey { key, value, .. } if identifier(key) == Some(field) => {
                    found = self.peek(value);
                }
                Field::ExpressionKey { key, value, .. } => match self.constant_string(key) {
                    Some(text) if text == field.as_bytes() => found = self.peek(value),
                    Some(_) => {}
                    None => return Value::Unknown,
                },
                _ => {}
            }
        }
        found
    }

    /// `table[position]` of a table made by `table` and not changed since.
    pub(super) fn table_position(&self, table: &'a TableConstructor, position: f64) -> Value<'a> {
        let mut found = Value::Nil;
        let mut at = 0.0;
        let fields: Vec<&'a Field> = table.fields().iter().collect();
        for (i, entry) in fields.iter().enumerate() {
            match entry {
                Field::NoKey(value) => {
                    at += 1.0;
                    if i + 1 == fields.len() && self.open_ended(value) && position >= at {
                        return Value::Unknown;
                    }
                    if at == position {
                        found = self.peek(value);
                    }
                }
                Field::ExpressionKey { key, value, .. } => match key.as_ref() {
                    Expression::Number(token) => {
                        let at = token.token().start_position().bytes();
                        let key = numeral_value(numeral(self.body.get(at..).unwrap_or_default()));
                        if key == Some(position) {
                            found = self.peek(value);
                        }
                    }
                    Expression::String(_) => {}
                    _ => return Value::Unknown,
                },
                _ => {}
            }
        }
        found
    }

    /// `table.field`, when the walk knows it: what was stored there last, or the constructor's.
    pub(super) fn known_field(&self, table: &'a TableConstructor, field: &str) -> Value<'a> {
        if !self.knows(table) {
            return Value::Unknown;
        }
        let stored =
            self.written.iter().rev().find(|(at, written, _)| {
                *at == table_id(table) && written.as_deref() == Some(field)
            });
        match stored {
            Some((.., value)) => *value,
            None => self.table_field(table, field),
        }
    }

    /// Whether what `table`'s constructor says still holds: no table went where the walk does not
    /// follow it (written fields are in `written`).
    pub(super) fn knows(&self, table: &TableConstructor) -> bool {
        !self.tables_escaped
            && !self
                .written
                .iter()
                .any(|(at, field, _)| *at == table_id(table) && field.is_none())
    }

    /// The lines of a callback's code (`None` inside when the walk does not know them), or `None`
    /// when it is not a function.
    fn callback(&self, callback: &'a Expression) -> Option<Option<Range<usize>>> {
        callback_lines(self.peek(callback))
    }

    /// The flags of the table form, as `luaRegisterFunctionReadFlags` reads them: the entries 1, 2, ...
    /// up to the first nil, each a flag name in any case; named entries are not read.
    fn flags(&mut self, line: usize, value: &'a Expression) -> Flags {
        let table = match (value, self.peek(value)) {
            (Expression::TableConstructor(table), _) => Some(table.as_ref()),
            (_, Value::Table(Some(table)))
                if self.knows(table)
                    && !self.written.iter().any(|(at, ..)| *at == table_id(table)) =>
            {
                Some(table)
            }
            _ => None,
        };
        let Some(table) = table else {
            if matches!(self.peek(value), Value::Table(_) | Value::Unknown) {
                self.computed(
                    line,
                    "flags are written as a table of string literals, flags = { 'no-writes' }, so \
                     that the macro can check them and tell read-only functions",
                );
                return Flags::Computed;
            } else {
                self.refuse(
                    line,
                    "flags is a table of names: flags = { 'no-writes' } (Redis: \"flags argument to \
                     redis.register_function must be a table representing function flags\")",
                );
            }
            return Flags::Refused;
        };
        let mut flags = Vec::new();
        for field in table.fields() {
            let flag = match field {
                Field::NoKey(flag) => flag,
                Field::NameKey { .. } => continue,
                Field::ExpressionKey { key, .. } if matches!(self.key(key), Key::Name(_)) => {
                    continue;
                }
                _ => {
                    self.computed(
                        line,
                        "each flag is a string literal in a list, flags = { 'no-writes', 'allow-oom' }, \
                         so that the macro can check it",
                    );
                    return Flags::Computed;
                }
            };
            let text = match flag {
                Expression::String(token) => self.string_literal(token).map(|(text, _)| text),
                _ => None,
            };
            let Some(text) = text else {
                match self.peek(flag) {
                    Value::Nil => break,
                    Value::String(_) | Value::Unknown => {
                        self.computed(
                            line,
                            "each flag is a string literal, flags = { 'no-writes', 'allow-oom' }, so \
                             that the macro can check it",
                        );
                        return Flags::Computed;
                    }
                    _ => {
                        self.refuse(
                            line,
                            &format!(
                                "a flag is one of the names {} (Redis: \"unknown flag given\")",
                                VALID_FLAGS.join(", ")
                            ),
                        );
                        return Flags::Refused;
                    }
                }
            };
            let shown = String::from_utf8_lossy(&text);
            let known = VALID_FLAGS
                .iter()
                .chain([&UPSTASH_KEY_LOCKING])
                .find(|known| known.as_bytes().eq_ignore_ascii_case(&text));
            match known {
                Some(&UPSTASH_KEY_LOCKING) if !self.allow_key_locking => {
                    self.refuse(
                        line,
                        &format!(
                            "the flag \"{shown}\" is Upstash's (a function that names every key in \
                             keys then runs without its global lock), and Redis refuses it (\"unknown \
                             flag given\"); if this library runs only on Upstash, opt in with the \
                             option `allow_key_locking` after its path"
                        ),
                    );
                    return Flags::Refused;
                }
                // A set of bits to Redis: a flag given twice is there once.
                Some(known) if !flags.iter().any(|flag| flag == known) => {
                    flags.push((*known).to_owned());
                }
                Some(_) => {}
                None => {
                    self.refuse(
                        line,
                        &format!(
                            "unknown function flag \"{shown}\" (Redis: \"unknown flag given\"); valid \
                             flags are {}",
                            VALID_FLAGS.join(", ")
                        ),
                    );
                    return Flags::Refused;
                }
            }
        }
        Flags::Read(flags)
    }

    /// The function Redis creates once the arguments are read (`functionLibCreateFunction`): a name
    /// it allows, not registered before.
    fn create(
        &mut self,
        line: usize,
        name: Name,
        flags: Option<Vec<String>>,
        callback: Option<Range<usize>>,
    ) {
        let (text, at) = match name {
            Name::Literal(text, at) => (text, Some(at)),
            Name::Unwritten(text) => (text, None),
            Name::NotString => return,
            Name::Computed => return self.computed(line, COMPUTED_NAME),
        };
        let name = String::from_utf8_lossy(&text).into_owned();
        if !valid_name(&text) {
            return self.refuse(
                line,
                &format!(
                    "the function name {name:?} is refused (Redis: \"{NAME_RULE}\"); use letters, \
                     digits and _"
                ),
            );
        }
        if self.loops > 0 || self.names.contains(&name) {
            let why = if self.loops > 0 {
                "is registered on every turn of the loop around it"
            } else {
                "is registered twice"
            };
            return self.refuse(
                line,
                &format!(
                    "function {name:?} {why} (Redis: \"Function already exists in the library\"); \
                     register each name once"
                ),
            );
        }
        self.names.push(name.clone());
        // Redis registers it, but not as a literal the macro can see and rename.
        let Some(at) = at else {
            return self.computed(line, COMPUTED_NAME);
        };
        // Flags the walk could not read are a problem already.
        let Some(flags) = flags else {
            return;
        };
        self.registered.push(Registered {
            name,
            flags,
            line,
            name_at: at,
            callback,
        });
    }

    /// `redis.log(level, message)` while the library loads: what Redis checks (`luaLogCommand`), and
    /// Valkey 9.1, which crashes on it.
    pub(super) fn log(
        &mut self,
        line: usize,
        first: Option<&'a Expression>,
        values: &[Value<'a>],
        open: bool,
    ) {
        if self.valkey {
            self.refuse(
                line,
                "redis.log while the library loads crashes Valkey 9.1 (an assertion fails, \"'rctx' \
                 is not true\", and the server exits); log inside a function",
            );
        }
        if !open && values.len() < 2 {
            return self.refuse(
                line,
                "redis.log takes a level and a message (Redis: \"redis.log() requires two arguments \
                 or more.\")",
            );
        }
        let level = match first {
            Some(Expression::Number(token)) => {
                let at = token.token().start_position().bytes();
                numeral_value(numeral(self.body.get(at..).unwrap_or_default()))
            }
            Some(first) => match self.constant_string(first) {
                Some(text) => numeral_value(String::from_utf8_lossy(&text).trim()),
                None => Some(1.0),
            },
            None => Some(1.0),
        };
        match level {
            None => self.refuse(
                line,
                "the first argument of redis.log is the level, such as redis.LOG_WARNING (Redis: \
                 \"First argument must be a number (log level).\")",
            ),
            Some(level) if !(-1.0 < level && level < 4.0) => self.refuse(
                line,
                "the level of redis.log is redis.LOG_DEBUG, LOG_VERBOSE, LOG_NOTICE or LOG_WARNING \
                 (Redis 7.0: \"Invalid debug level.\"; Redis 8.2: \"Invalid log level.\")",
            ),
            Some(_) if values.first().is_some_and(|v| v.not_string()) => self.refuse(
                line,
                "the first argument of redis.log is the level, such as redis.LOG_WARNING (Redis: \
                 \"First argument must be a number (log level).\")",
            ),
            Some(_) => {}
        }
    }

    /// The bytes a string literal stands for, read from the body as Lua 5.1 reads them
    /// (`read_string`, `read_long_string`), and where its text between the quotes is.
    fn string_literal(&self, token: &TokenReference) -> Option<(Vec<u8>, Range<usize>)> {
        let start = token.token().start_position().bytes();
        let end = token.token().end_position().bytes();
        let text = self.body.as_bytes().get(start..end)?;
        match text.first()? {
            b'"' | b'\'' if text.len() >= 2 => {
                Some((unescape(&text[1..text.len() - 1]), start + 1..end - 1))
            }
            b'[' => {
                let open = 2 + text[1..].iter().take_while(|&&b| b == b'=').count();
                let inner = text.get(open..text.len().checked_sub(open)?)?;
                // The first line break right after the opening bracket is not part of the string.
                let skip = match inner {
                    [b'\r', b'\n', ..] | [b'\n', b'\r', ..] => 2,
                    [b'\n' | b'\r', ..] => 1,
                    _ => 0,
                };
                Some((inner[skip..].to_vec(), start + open..end - open))
            }
            _ => None,
        }
    }
}

/// The lines of a callback's code (`None` inside when the walk does not know them), or `None` when it
/// is not a function.
fn callback_lines(callback: Value<'_>) -> Option<Option<Range<usize>>> {
    match callback {
        Value::Function(body, ..) => Some(Some(lines(body))),
        Value::Unknown => Some(None),
        _ => None,
    }
}
