//! The values of a call (its keys and arguments, a command's words) taken out of the error texts the
//! server echoes them in: `NOGROUP No such key 'user:42' or consumer group 'g'`, `ERR unknown
//! subcommand 'x'`, a script's own `error('no user ' .. ARGV[1])`.
//!
//! A value is replaced by `<redacted>` where the server quotes it (`'v'`, `"v"` or `` `v` ``), at any
//! length, and where it stands as a word of its own (no letter or digit right before or after it),
//! from [`MIN_WORD_LEN`] bytes on: a shorter value (`1`, `ok`) is in too many texts to tell it apart.
//! Longer values go first, and no replacement reaches into another. What the server prints in a form of
//! its own is not the value and stays (GEOADD shows `200.123` as `200.123000`).

/// Values shorter than this are redacted only where quoted.
pub(crate) const MIN_WORD_LEN: usize = 4;

/// What a redacted value is replaced by.
pub(crate) const REDACTED: &str = "<redacted>";

/// The error codes Redis, Valkey and their modules answer with: their vocabulary, never a value of
/// a call, and what telling a refusal from a script's own error reads, so kept whatever the values.
const SERVER_CODES: [&str; 27] = [
    "ASK",
    "BUSY",
    "BUSYGROUP",
    "BUSYKEY",
    "CLUSTERDOWN",
    "CROSSSLOT",
    "ERR",
    "EXECABORT",
    "INVALIDOBJ",
    "LOADING",
    "MASTERDOWN",
    "MISCONF",
    "MOVED",
    "NOAUTH",
    "NOGROUP",
    "NOPERM",
    "NOPROTO",
    "NOREPLICAS",
    "NOSCRIPT",
    "NOTBUSY",
    "OOM",
    "READONLY",
    "TRYAGAIN",
    "UNBLOCKED",
    "UNKILLABLE",
    "WRONGPASS",
    "WRONGTYPE",
];

/// [`REDACTED`] in place of an error's `code` that holds one of `values`, or `None` to keep it. A
/// script makes any word its code (`redis.error_reply(ARGV[1] .. ' rejected')`); the server's own
/// codes are kept.
pub(crate) fn redact_code(code: &str, values: &[&[u8]]) -> Option<&'static str> {
    if SERVER_CODES.contains(&code) {
        return None;
    }
    redact(code, values.iter().copied()).map(|_| REDACTED)
}

/// `text` with `values` replaced, or `None` when none of them is in it.
pub(crate) fn redact<'v>(text: &str, values: impl IntoIterator<Item = &'v [u8]>) -> Option<String> {
    let mut values: Vec<&str> = values
        .into_iter()
        .filter_map(|v| std::str::from_utf8(v).ok())
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    values.dedup();
    // The byte ranges of `text` to replace, kept apart from each other.
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let free = |ranges: &[(usize, usize)], start: usize, end: usize| {
        ranges.iter().all(|&(s, e)| end <= s || e <= start)
    };
    for value in values {
        for (start, _) in text.match_indices(value) {
            let end = start + value.len();
            let before = text[..start].chars().next_back();
            let after = text[end..].chars().next();
            let quoted = matches!((before, after), (Some(q), Some(r)) if q == r && matches!(q, '\'' | '"' | '`'));
            let word = value.len() >= MIN_WORD_LEN
                && !before.is_some_and(char::is_alphanumeric)
                && !after.is_some_and(char::is_alphanumeric);
            if (quoted || word) && free(&ranges, start, end) {
                ranges.push((start, end));
            }
        }
    }
    if ranges.is_empty() {
        return None;
    }
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in ranges {
        out.push_str(&text[at..start]);
        out.push_str(REDACTED);
        at = end;
    }
    out.push_str(&text[at..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str, values: &[&str]) -> String {
        redact(text, values.iter().map(|v| v.as_bytes())).unwrap_or_else(|| text.to_owned())
    }

    #[test]
    fn quoted_values_of_any_length_and_words_of_four_bytes_or_more() {
        assert_eq!(
            r(
                "No such key 'secret:user42' or consumer group 'g' in XREADGROUP with GROUP option",
                &["secret:user42", "g", ">"]
            ),
            "No such key '<redacted>' or consumer group '<redacted>' in XREADGROUP with GROUP option"
        );
        assert_eq!(
            r("user_script:3: no user alice here", &["alice", "3"]),
            "user_script:3: no user <redacted> here"
        );
        assert_eq!(
            r("Unsupported option FOO", &["FOO"]),
            "Unsupported option FOO"
        );
        assert_eq!(
            r("Unsupported option LATER", &["LATER"]),
            "Unsupported option <redacted>"
        );
    }

    #[test]
    fn never_inside_a_longer_word_or_number_nor_inside_another_replacement() {
        // The server's own rendering of a number is not the value sent.
        let geo = "invalid longitude,latitude pair 200.123000,91.500000";
        assert_eq!(r(geo, &["200.123", "91.5"]), geo);
        assert_eq!(r("no malice here", &["alice"]), "no malice here");
        // The longer value wins; the shorter one inside it is not replaced again.
        assert_eq!(
            r("key 'user:alice' and alice", &["alice", "user:alice"]),
            "key '<redacted>' and <redacted>"
        );
        // A value that reads like the marker does not reach into it.
        assert_eq!(r("key 'abc'", &["abc", "redacted"]), "key '<redacted>'");
        assert_eq!(redact("nothing to hide", [b"x".as_slice()]), None);
    }

    #[test]
    fn binary_and_empty_values_are_left_alone() {
        assert_eq!(
            redact("key '' here", [b"".as_slice(), b"\xff\xfe".as_slice()]),
            None
        );
        assert_eq!(r("ünïcødé 'ключ'", &["ключ"]), "ünïcødé '<redacted>'");
    }
}
