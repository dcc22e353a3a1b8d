//! Lua's semantics as the load run needs them: what it knows of a value, what Lua makes of string
//! and number literals, and the type errors Lua raises.

use crate::lua::ast::{BinOp, Expression, FunctionBody, TableConstructor};

/// What the load-time walk knows of a value.
#[derive(Clone, Copy, Debug)]
pub(super) enum Value<'a> {
    Nil,
    /// Its value, when the walk knows it.
    Boolean(Option<bool>),
    Number,
    /// The expression that makes it, when it is a constant (literals joined by `..`).
    String(Option<&'a Expression>),
    /// The constructor it was made by, while nothing the walk does not follow may have changed it.
    Table(Option<&'a TableConstructor>),
    /// A function: its code, and the locals in scope where it was written: how many, and the number
    /// of the innermost (`0` for none).
    Function(&'a FunctionBody, usize, usize),
    /// The `redis` table of the load run.
    Redis,
    /// `redis.register_function`.
    Register,
    /// `redis.log`.
    Log,
    /// A function of Lua's string library, which strings have as methods.
    StringFunction(&'static str),
    /// Anything the walk does not follow.
    Unknown,
}

impl Value<'_> {
    /// Whether Lua takes it for true, when the walk knows.
    pub(super) fn truthy(self) -> Option<bool> {
        match self {
            Value::Nil | Value::Boolean(Some(false)) => Some(false),
            Value::Boolean(known) => known,
            Value::Unknown => None,
            _ => Some(true),
        }
    }

    /// Neither a string nor a number, which is all Lua converts to a string (`lua_isstring`).
    pub(super) fn not_string(self) -> bool {
        !matches!(self, Value::String(_) | Value::Number | Value::Unknown)
    }
}

/// How Lua names the variable a value was read from in its errors (`getobjname`): `global`,
/// `local`, `upvalue`, `field` or `method`, and the name.
pub(super) type Named<'a> = Option<(&'static str, &'a str)>;

/// Lua's name of a value's type.
fn value_kind(value: Value<'_>) -> &'static str {
    match value {
        Value::Nil => "nil",
        Value::Boolean(_) => "boolean",
        Value::Number => "number",
        Value::String(_) => "string",
        Value::Table(_) | Value::Redis => "table",
        Value::Function(..) | Value::Register | Value::Log | Value::StringFunction(_) => "function",
        Value::Unknown => "unknown",
    }
}

/// Lua's error for `op` ("call", "index") on a value of the wrong type (`luaG_typeerror`).
pub(super) fn type_message(op: &str, value: Value<'_>, named: Named<'_>) -> String {
    let kind = value_kind(value);
    match named {
        Some((how, name)) => format!("attempt to {op} {how} '{name}' (a {kind} value)"),
        None => format!("attempt to {op} a {kind} value"),
    }
}

/// An operand as Lua's type errors see it: its value, and the variable it was read from.
#[derive(Clone, Copy)]
pub(super) struct Operand<'a> {
    pub(super) value: Value<'a>,
    pub(super) named: Named<'a>,
    /// For a string, whether it reads as a number, when the walk knows.
    pub(super) numeric: Option<bool>,
}

impl Operand<'_> {
    /// Its type, when the walk knows it.
    pub(super) fn kind(self) -> Option<&'static str> {
        match self.value {
            Value::Unknown => None,
            value => Some(value_kind(value)),
        }
    }

    /// Whether arithmetic takes it (a number, or a string that reads as one), when the walk knows.
    pub(super) fn arithmetic(self) -> Option<bool> {
        match self.value {
            Value::Number => Some(true),
            Value::String(_) => self.numeric,
            Value::Unknown => None,
            _ => Some(false),
        }
    }

    /// Lua's message for `op` on it (`luaG_typeerror`).
    pub(super) fn error(self, op: &str) -> String {
        type_message(op, self.value, self.named)
    }
}

/// The error of `lhs <op> rhs` when the types are known and Lua refuses them (`luaG_aritherror`,
/// `luaG_concaterror`, `luaG_ordererror`): it names the first operand at fault. An operand of
/// unknown type before one at fault fails too, most likely as the one named.
pub(super) fn binary_type_error(
    binop: &BinOp,
    left: Operand<'_>,
    right: Operand<'_>,
) -> Option<String> {
    let at_fault = |ok: fn(Operand<'_>) -> Option<bool>| match (ok(left), ok(right)) {
        (Some(false), _) => Some(left),
        (_, Some(false)) => Some(right),
        _ => None,
    };
    match binop {
        BinOp::Plus(_)
        | BinOp::Minus(_)
        | BinOp::Star(_)
        | BinOp::Slash(_)
        | BinOp::Percent(_)
        | BinOp::Caret(_) => {
            at_fault(|operand| operand.arithmetic()).map(|o| o.error("perform arithmetic on"))
        }
        BinOp::TwoDots(_) => at_fault(|operand| {
            operand
                .kind()
                .map(|kind| kind == "string" || kind == "number")
        })
        .map(|o| o.error("concatenate")),
        BinOp::LessThan(_)
        | BinOp::LessThanEqual(_)
        | BinOp::GreaterThan(_)
        | BinOp::GreaterThanEqual(_) => {
            // `a > b` runs as `b < a`.
            let (first, second) = match binop {
                BinOp::GreaterThan(_) | BinOp::GreaterThanEqual(_) => (right, left),
                _ => (left, right),
            };
            let (first, second) = (first.kind()?, second.kind()?);
            match (first, second) {
                ("number", "number") | ("string", "string") => None,
                _ if first == second => Some(format!("attempt to compare two {first} values")),
                _ => Some(format!("attempt to compare {first} with {second}")),
            }
        }
        _ => None,
    }
}

/// Lua 5.1's escapes in a short string: `\a \b \f \n \r \t \v`, a line break, up to three decimal
/// digits, and any other character standing for itself.
pub(super) fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'\\' {
            out.push(raw[i]);
            i += 1;
            continue;
        }
        let Some(&escaped) = raw.get(i + 1) else {
            break;
        };
        i += 2;
        out.push(match escaped {
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 0x0b,
            b'\n' | b'\r' => {
                if raw
                    .get(i)
                    .is_some_and(|&next| (next == b'\n' || next == b'\r') && next != escaped)
                {
                    i += 1;
                }
                b'\n'
            }
            b'0'..=b'9' => {
                let mut value = u32::from(escaped - b'0');
                for _ in 0..2 {
                    match raw.get(i) {
                        Some(&digit @ b'0'..=b'9') => {
                            value = value * 10 + u32::from(digit - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                u8::try_from(value).unwrap_or(u8::MAX)
            }
            other => other,
        });
    }
    out
}

/// The numeral at the start of `text`, as Lua 5.1 scans one (`read_numeral`).
pub(super) fn numeral(text: &str) -> &str {
    let bytes = text.as_bytes();
    let mut i = 0;
    while bytes
        .get(i)
        .is_some_and(|b| b.is_ascii_digit() || *b == b'.')
    {
        i += 1;
    }
    if bytes.get(i).is_some_and(|b| matches!(b, b'e' | b'E')) {
        i += 1;
        if bytes.get(i).is_some_and(|b| matches!(b, b'+' | b'-')) {
            i += 1;
        }
    }
    while bytes
        .get(i)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        i += 1;
    }
    &text[..i]
}

/// A numeral's value, as C's `strtod` reads it (decimal, or hexadecimal with a binary exponent).
pub(super) fn numeral_value(numeral: &str) -> Option<f64> {
    let lower = numeral.to_ascii_lowercase();
    let Some(hex) = lower.strip_prefix("0x") else {
        return lower.parse().ok();
    };
    let (mantissa, exponent) = match hex.split_once('p') {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<i32>().ok()?),
        None => (hex, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut value = 0f64;
    for digit in whole.chars() {
        value = value * 16.0 + f64::from(digit.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for digit in fraction.chars() {
        value += f64::from(digit.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    Some(value * 2f64.powi(exponent))
}

/// The text Lua gives the numeral at the start of `text`, which is the name Redis registers.
pub(super) fn numeral_text(text: &str) -> String {
    let numeral = numeral(text);
    numeral_value(numeral).map_or_else(|| numeral.to_owned(), format_g14)
}

/// C's `%.14g`, with which Lua 5.1 turns a number into a string (`LUA_NUMBER_FMT`).
fn format_g14(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    // The exponent once rounded to 14 significant digits decides the notation.
    let scientific = format!("{value:.13e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let trim = |digits: &str| {
        if digits.contains('.') {
            digits
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_owned()
        } else {
            digits.to_owned()
        }
    };
    if !(-4..14).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exponent.abs())
    } else {
        let decimals = usize::try_from(13 - exponent).unwrap_or(0);
        trim(&format!("{value:.decimals$}"))
    }
}
