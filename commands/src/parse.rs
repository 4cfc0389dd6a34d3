//! The argument cursor: turns a command's arguments into typed values.
//!
//! Parsing is separate from executing: a command reads every argument it
//! needs and calls [`Parse::finish`] before it changes anything, so a syntax
//! error never leaves a half-done write.

use bytes::Bytes;

use crate::error::{CommandError, Result};
use crate::keyspace::StringValue;

/// A cursor over a command's arguments (not including the command name,
/// which [`Parse::name`] returns lower-cased). The full argv stays readable
/// through [`Parse::argv`] after the handler ran (for the slow log).
pub struct Parse {
    name: std::borrow::Cow<'static, str>,
    argv: Vec<Bytes>,
    /// Index in `argv` of the next argument to read.
    pos: usize,
}

/// Arguments up to this long are handed out as copies, longer ones as
/// shared references to the argv's buffer (bytes).
const COPY_UP_TO: usize = 1024;

/// An argument for a handler to keep. The decoder gives every argument its
/// own allocation, and the argv keeps it for the AOF, the slow log and
/// MONITOR; sharing it would make `Bytes` allocate a reference-counted
/// header on the first clone (a malloc and two atomic operations per
/// argument) and keep that header alive with every stored key and value (24
/// bytes each). Copying a short argument is cheaper and stores it compactly.
fn own(arg: &Bytes) -> Bytes {
    if arg.len() <= COPY_UP_TO {
        Bytes::copy_from_slice(arg)
    } else {
        arg.clone()
    }
}

impl Parse {
    /// Builds a cursor from the full argv (`argv[0]` is the command name).
    pub fn new(argv: Vec<Bytes>) -> Parse {
        let name = argv
            .first()
            .map(|n| String::from_utf8_lossy(n).to_ascii_lowercase())
            .unwrap_or_default();
        Parse {
            name: name.into(),
            argv,
            pos: 1,
        }
    }

    /// Builds a cursor for a command the table resolved: `name` is its
    /// top-level name (what `argv[0]` lower-cases to), so nothing is
    /// allocated for it.
    pub fn resolved(argv: Vec<Bytes>, name: &'static str) -> Parse {
        Parse {
            name: name.into(),
            argv,
            pos: 1,
        }
    }

    /// The command name, lower-cased (`"get"`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of arguments not read yet.
    pub fn remaining(&self) -> usize {
        self.argv.len().saturating_sub(self.pos)
    }

    /// Number of arguments after the name, read or not.
    pub fn arg_count(&self) -> usize {
        self.argv.len().saturating_sub(1)
    }

    /// True when every argument has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.argv.len()
    }

    /// The next argument as bytes. Error: `ERR syntax error` when none is left.
    pub fn next_bytes(&mut self) -> Result<Bytes> {
        self.try_next().ok_or_else(CommandError::syntax)
    }

    /// The next argument copied into a string value, for a handler to
    /// store. Errors: `ERR syntax error` when none is left; `ERR string
    /// exceeds maximum allowed size (proto-max-bulk-len)` past
    /// [`StringValue::MAX_LEN`] (only a script can build such an argument).
    pub fn next_value(&mut self) -> Result<StringValue> {
        let arg = self.argv.get(self.pos).ok_or_else(CommandError::syntax)?;
        self.pos += 1;
        if !StringValue::fits(arg.len()) {
            return Err(CommandError::err(
                "string exceeds maximum allowed size (proto-max-bulk-len)",
            ));
        }
        Ok(StringValue::from_slice(arg))
    }

    /// The next argument as a key, shared with the request instead of
    /// copied: for the key a handler looks up, and passes to [`Db`]
    /// (which keeps a copy of any key it stores) and to `Db::log`, nothing
    /// else: kept elsewhere, a shared key would hold the client's read
    /// buffer alive. Error: `ERR syntax error` when none is left.
    ///
    /// [`Db`]: crate::keyspace::Db
    pub fn next_key(&mut self) -> Result<Bytes> {
        let arg = self.argv.get(self.pos).ok_or_else(CommandError::syntax)?;
        self.pos += 1;
        Ok(arg.clone())
    }

    /// The next argument, if any.
    pub fn try_next(&mut self) -> Option<Bytes> {
        let arg = self.argv.get(self.pos).map(own);
        self.pos += usize::from(arg.is_some());
        arg
    }

    /// The next argument without consuming it.
    pub fn peek(&self) -> Option<&Bytes> {
        self.argv.get(self.pos)
    }

    /// The next argument as UTF-8 text. Error: `ERR syntax error` when none is
    /// left or it is not UTF-8.
    pub fn next_string(&mut self) -> Result<String> {
        let bytes = self.next_bytes()?;
        String::from_utf8(bytes.to_vec()).map_err(|_| CommandError::syntax())
    }

    /// The next argument as an upper-cased keyword, for option matching.
    pub fn next_keyword(&mut self) -> Result<String> {
        Ok(self.next_string()?.to_ascii_uppercase())
    }

    /// Consumes the next argument when it equals `keyword` (case-insensitive).
    pub fn eat_keyword(&mut self, keyword: &str) -> bool {
        match self.peek() {
            Some(b) if b.eq_ignore_ascii_case(keyword.as_bytes()) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    /// The next argument as a signed 64-bit integer.
    /// Error: `ERR value is not an integer or out of range`.
    pub fn next_i64(&mut self) -> Result<i64> {
        let bytes = self.next_bytes()?;
        parse_i64(&bytes).ok_or_else(CommandError::not_integer)
    }

    /// The next argument as a finite or infinite float (`inf`, `-inf` accepted,
    /// NaN refused). Error: `ERR value is not a valid float`.
    pub fn next_f64(&mut self) -> Result<f64> {
        let bytes = self.next_bytes()?;
        parse_f64(&bytes).ok_or_else(CommandError::not_float)
    }

    /// Every argument not read yet.
    pub fn rest(&mut self) -> Vec<Bytes> {
        let rest = self
            .argv
            .get(self.pos..)
            .unwrap_or_default()
            .iter()
            .map(own)
            .collect();
        self.pos = self.argv.len();
        rest
    }

    /// The whole argv, command name included, whatever has been read.
    pub fn argv(&self) -> &[Bytes] {
        &self.argv
    }

    /// Ends parsing. Error: `ERR syntax error` when arguments are left over.
    pub fn finish(&self) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(CommandError::syntax())
        }
    }
}

/// Parses a Redis integer argument: optional `-`, decimal digits, no spaces,
/// no `+`, no leading zeros beyond `0` itself, within `i64`. Matches Redis's
/// `string2ll`.
pub fn parse_i64(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || bytes.len() > 20 {
        return None;
    }
    let (neg, digits) = match bytes[0] {
        b'-' => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() || (digits[0] == b'0' && (digits.len() > 1 || neg)) {
        return None;
    }
    let mut value: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        let digit = (d - b'0') as i64;
        value = value.checked_mul(10)?;
        value = if neg {
            value.checked_sub(digit)?
        } else {
            value.checked_add(digit)?
        };
    }
    Some(value)
}

/// Parses a Redis float argument (`strtold` rules as Redis applies them: no
/// surrounding spaces, `inf`/`-inf`/`+inf` allowed, NaN refused).
pub fn parse_f64(bytes: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(bytes).ok()?;
    if text.is_empty() || text.trim() != text {
        return None;
    }
    let value = match text.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => f64::INFINITY,
        "-inf" | "-infinity" => f64::NEG_INFINITY,
        _ => text.parse::<f64>().ok()?,
    };
    (!value.is_nan()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_i64_follows_redis_string2ll() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-12"), Some(-12));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b"01"), None);
        assert_eq!(parse_i64(b"-0"), None);
        assert_eq!(parse_i64(b"+1"), None);
        assert_eq!(parse_i64(b" 1"), None);
        assert_eq!(parse_i64(b""), None);
    }

    #[test]
    fn parse_f64_refuses_nan_and_spaces() {
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"nan"), None);
        assert_eq!(parse_f64(b" 1"), None);
    }

    #[test]
    fn finish_rejects_leftover_arguments() {
        let mut p = Parse::new(vec![Bytes::from("get"), Bytes::from("a"), Bytes::from("b")]);
        assert_eq!(p.name(), "get");
        assert_eq!(p.next_bytes().unwrap(), Bytes::from("a"));
        assert!(p.finish().is_err());
    }
}
