//! Redis Cluster's hash slots: which of the 16,384 slots a key belongs to, as `CLUSTER KEYSLOT`
//! computes it (CRC16-XMODEM of the key, or of its hash tag, modulo 16,384), so that the checks can
//! tell when two keys a script names literally can never be served together.

/// The number of hash slots of a Redis Cluster.
const SLOTS: u16 = 16_384;

/// The hash tag of a key: what lies between its first `{` and the first `}` after it, when that is
/// not empty. Only that part is hashed, so keys sharing a tag share a slot.
pub(crate) fn hash_tag(key: &[u8]) -> Option<&[u8]> {
    let open = key.iter().position(|&b| b == b'{')?;
    let rest = &key[open + 1..];
    let close = rest.iter().position(|&b| b == b'}')?;
    (close > 0).then(|| &rest[..close])
}

/// The slot of a key, as `CLUSTER KEYSLOT` answers.
pub(crate) fn key_slot(key: &[u8]) -> u16 {
    crc16(hash_tag(key).unwrap_or(key)) % SLOTS
}

/// CRC16-XMODEM (polynomial 0x1021, initial value 0), the checksum Redis Cluster hashes keys with.
fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &byte in bytes {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_those_redis_computes() {
        // The check value of CRC16-XMODEM, and `CLUSTER KEYSLOT` answers of Redis.
        assert_eq!(crc16(b"123456789"), 0x31c3);
        assert_eq!(key_slot(b"foo"), 12_182);
        assert_eq!(key_slot(b"bar"), 5_061);
        assert_eq!(key_slot(b"somekey"), 11_058);
        assert_eq!(key_slot(b""), 0);
        assert_eq!(
            key_slot(b"{user1000}.following"),
            key_slot(b"{user1000}.followers")
        );
        assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"user1000"));
    }

    #[test]
    fn hash_tags_follow_the_first_brace() {
        assert_eq!(hash_tag(b"{a}:x"), Some(&b"a"[..]));
        assert_eq!(hash_tag(b"x{a}{b}"), Some(&b"a"[..]));
        assert_eq!(
            hash_tag(b"{}{a}"),
            None,
            "an empty tag hashes the whole key"
        );
        assert_eq!(hash_tag(b"{a"), None);
        assert_eq!(hash_tag(b"x{{a}}"), Some(&b"{a"[..]));
        // `CLUSTER KEYSLOT` of Redis 7.0 on these.
        assert_eq!(key_slot(b"{}{a}"), 13_650);
        assert_eq!(key_slot(b"x{{a}}"), 10_276);
        assert_eq!(key_slot(b"x{a}{b}"), 15_495);
        assert_eq!(key_slot(b"{user1000}.following"), 3_443);
    }
}
