//! Redis's `sdscatrepr`: a byte string in double quotes with C-style
//! escapes, the form `MONITOR` lines and `CONFIG REWRITE` values use, and
//! which `sdssplitargs` (a `redis.conf` line, an inline command) reads back.

use std::fmt::Write;

/// Appends `arg` in double quotes, escaped as `sdscatrepr` does: `\\`,
/// `\"`, `\n`, `\r`, `\t`, `\a`, `\b`, other bytes outside printable ASCII
/// as `\xhh`.
pub fn sdscatrepr(out: &mut String, arg: &[u8]) {
    out.push('"');
    for &b in arg {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            b' '..=b'~' => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_redis() {
        let mut out = String::new();
        sdscatrepr(&mut out, b"k\x01\"\\\n\r\t\x07\x08 \xff~");
        assert_eq!(out, r#""k\x01\"\\\n\r\t\a\b \xff~""#);
    }
}
