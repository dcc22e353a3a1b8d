//! The two rules the macro shares with the runtime, which applies them to scripts built at run time:
//! the SHA-1 that names a script, and what a script name may be.
//!
//! This file depends on `sha1_smol` and `std` alone: the tests of `redis-script-tests`
//! (`macro_and_runtime_rules.rs`) compile it as it is and hold it, input for input, to
//! `Script::new(..).sha1()` and `Script::with_name` of `redis-script`.

/// Lowercase hex SHA-1 of the exact script bytes, as `SCRIPT LOAD` returns it.
pub(crate) fn sha1_hex(text: &str) -> String {
    let mut hex = String::with_capacity(40);
    for byte in sha1_smol::Sha1::from(text).digest().bytes() {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The longest script name, in bytes; `redis_script::script::MAX_NAME_LEN` at run time.
pub(crate) const MAX_NAME_LEN: usize = 128;

/// What is wrong with `name` as a script's name, if anything: empty, longer than [`MAX_NAME_LEN`]
/// bytes, or holding a control character (it goes into log lines).
pub(crate) fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("a script name can not be empty".to_owned())
    } else if name.len() > MAX_NAME_LEN {
        Some(format!(
            "a script name is at most {MAX_NAME_LEN} bytes long, this one has {}",
            name.len()
        ))
    } else if name.chars().any(char::is_control) {
        Some("a script name can not hold control characters (line breaks, tabs, ...)".to_owned())
    } else {
        None
    }
}
