//! Request decoding: takes complete requests off the front of a
//! connection's read buffer.
//!
//! A request is either a RESP multibulk (`*<n>\r\n` followed by n bulk
//! strings `$<len>\r\n<bytes>\r\n`) or an inline line (anything not starting
//! with `*`, split like Redis's `sdssplitargs`). The decoder is incremental,
//! as Redis's `processMultibulkBuffer`: arguments are taken off the buffer as
//! soon as they are complete and the position inside a half-received request
//! is kept, so a large request arriving in many reads is scanned once.
//!
//! Limits and error texts match Redis 7.0 (the text goes after
//! `-ERR Protocol error: `):
//! * multibulk count not an integer or above `i32::MAX`: `invalid multibulk length`
//! * bulk length not an integer, negative or above `proto-max-bulk-len`: `invalid bulk length`
//! * an element not starting with `$`: `expected '$', got 'x'`
//! * a count/length line or inline request over 64 KiB without its
//!   terminator: `too big mbulk count string`, `too big bulk count string`,
//!   `too big inline request`
//! * before authentication, more than 10 elements or a bulk over 16 KiB:
//!   `unauthenticated multibulk length`, `unauthenticated bulk length`
//! * an inline request with unbalanced quotes: `unbalanced quotes in request`
//!
//! We do not use the `redis-protocol` crate's decoder here: it only reports
//! a frame once it is entirely buffered (so it cannot refuse a 1 GB bulk
//! length before the gigabyte arrives), re-parses a partial frame from its
//! start on every read, and has no way to produce Redis's error texts.

use bytes::{Buf, Bytes, BytesMut};
use commands::parse::parse_i64;

use super::splitargs::split_args;

/// Longest inline request, or count/length line, without its line end
/// (Redis's `PROTO_INLINE_MAX_SIZE`).
pub const INLINE_MAX: usize = 64 * 1024;

/// Arguments at least this long are split off the read buffer without a
/// copy (Redis's `PROTO_MBULK_BIG_ARG`); shorter ones are copied so a stored
/// value never pins a whole read buffer.
const BIG_ARG: usize = 32 * 1024;

/// A malformed request. The connection replies `-ERR Protocol error: <text>`
/// and closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub String);

impl ProtocolError {
    fn new(text: impl Into<String>) -> ProtocolError {
        ProtocolError(text.into())
    }

    /// The error reply line's text: `ERR Protocol error: <what>`.
    pub fn reply_text(&self) -> String {
        format!("ERR Protocol error: {}", self.0)
    }
}

/// The limits that apply to the next request.
pub struct Limits {
    /// `proto-max-bulk-len`, bytes.
    pub max_bulk_len: u64,
    /// Whether the client is authenticated (unauthenticated clients get the
    /// small limits Redis applies before `AUTH`).
    pub authenticated: bool,
}

/// The decoder's state between reads: where it is inside a multibulk.
#[derive(Default)]
pub struct RequestDecoder {
    /// Elements of the current multibulk not read yet; 0 between requests.
    remaining: usize,
    /// Length of the bulk whose header was read and whose bytes were not.
    bulk_len: Option<usize>,
    /// Arguments of the current multibulk read so far.
    args: Vec<Bytes>,
    /// [`whole_request`]'s argument positions, kept between requests.
    spans: Vec<(usize, usize)>,
}

impl RequestDecoder {
    /// Takes the next complete request off the front of `buf`.
    ///
    /// Returns `Ok(Some(argv))` for a request (`argv` is empty for an empty
    /// inline line or `*0`/`*-1`, which the caller ignores), `Ok(None)` when
    /// more bytes are needed (a partial request is kept in `self` and `buf`),
    /// or the protocol error.
    pub fn next(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        if self.remaining == 0
            && let Some(argv) = whole_request(buf, limits, &mut self.spans)
        {
            return Ok(Some(argv));
        }
        if self.remaining == 0 {
            if buf.is_empty() {
                return Ok(None);
            }
            if buf[0] != b'*' {
                return inline(buf);
            }
            let Some(count) = self.multibulk_header(buf, limits)? else {
                return Ok(None);
            };
            if count == 0 {
                return Ok(Some(Vec::new()));
            }
        }
        while self.remaining > 0 {
            let len = match self.bulk_len {
                Some(len) => len,
                None => match bulk_header(buf, limits)? {
                    Some(len) => {
                        self.bulk_len = Some(len);
                        len
                    }
                    None => return Ok(None),
                },
            };
            if buf.len() < len + 2 {
                if len >= BIG_ARG {
                    // Make room for the whole argument at once, so it
                    // arrives in one allocation and is split off uncopied.
                    buf.reserve(len + 2 - buf.len());
                }
                return Ok(None);
            }
            let arg = if len >= BIG_ARG {
                buf.split_to(len).freeze()
            } else {
                let arg = Bytes::copy_from_slice(&buf[..len]);
                buf.advance(len);
                arg
            };
            // Redis skips the two bytes after the payload without checking them.
            buf.advance(2);
            self.args.push(arg);
            self.bulk_len = None;
            self.remaining -= 1;
        }
        Ok(Some(std::mem::take(&mut self.args)))
    }

    /// The most bytes the connection's next read should take, as Redis's
    /// `readQueryFromClient` sizes its reads: `chunk` (Redis: 16 KiB), or,
    /// while an argument of at least 32 KiB is half received, the rest of
    /// it, so a big value arrives in one read. `buffered` is the read
    /// buffer's length.
    pub fn read_len(&self, buffered: usize, chunk: usize) -> usize {
        match self.bulk_len {
            Some(len) if len >= BIG_ARG => (len + 2).saturating_sub(buffered).max(chunk),
            _ => chunk,
        }
    }

    /// Reads `*<count>\r\n`. Returns the count (0 for an empty or negative
    /// multibulk), or `None` when the line is not complete yet.
    fn multibulk_header(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<Option<usize>, ProtocolError> {
        let Some(cr) = find(buf, b'\r') else {
            if buf.len() > INLINE_MAX {
                return Err(ProtocolError::new("too big mbulk count string"));
            }
            return Ok(None);
        };
        if cr + 2 > buf.len() {
            return Ok(None);
        }
        let count = match parse_i64(&buf[1..cr]) {
            Some(n) if n <= i32::MAX as i64 => n,
            _ => return Err(ProtocolError::new("invalid multibulk length")),
        };
        if count > 10 && !limits.authenticated {
            return Err(ProtocolError::new("unauthenticated multibulk length"));
        }
        buf.advance(cr + 2);
        if count <= 0 {
            return Ok(Some(0));
        }
        let count = count as usize;
        self.remaining = count;
        // Capped so a huge announced count cannot allocate before its elements arrive.
        self.args = Vec::with_capacity(count.min(1024));
        Ok(Some(count))
    }
}

/// Reads `$<len>\r\n`; returns the length or `None` when incomplete.
fn bulk_header(buf: &mut BytesMut, limits: &Limits) -> Result<Option<usize>, ProtocolError> {
    let Some(cr) = find(buf, b'\r') else {
        if buf.len() > INLINE_MAX {
            return Err(ProtocolError::new("too big bulk count string"));
        }
        return Ok(None);
    };
    if cr + 2 > buf.len() {
        return Ok(None);
    }
    if buf[0] != b'$' {
        return Err(ProtocolError::new(format!(
            "expected '$', got '{}'",
            buf[0] as char
        )));
    }
    let len = match parse_i64(&buf[1..cr]) {
        Some(n) if n >= 0 && n as u64 <= limits.max_bulk_len => n as usize,
        _ => return Err(ProtocolError::new("invalid bulk length")),
    };
    if len > 16384 && !limits.authenticated {
        return Err(ProtocolError::new("unauthenticated bulk length"));
    }
    buf.advance(cr + 2);
    Ok(Some(len))
}

/// Most arguments [`whole_request`] takes; a request with more goes the
/// incremental way.
const WHOLE_MAX_ARGS: usize = 32;

/// Arguments at most this long are handed out as slices of the request's
/// bytes by [`whole_request`]; `Parse` copies any it gives a handler to
/// keep, so a stored value never holds the read buffer (bytes).
const WHOLE_MAX_ARG: usize = 1024;

/// The fast path for the common case, a complete multibulk of small
/// arguments already buffered: its lines are scanned in place, then the
/// request is split off the buffer at once and its arguments are slices of
/// it (a reference count each, where a copy would be an allocation each).
///
/// Returns `None`, consuming nothing, for anything else (an inline or
/// partial request, more than [`WHOLE_MAX_ARGS`] arguments or one longer
/// than [`WHOLE_MAX_ARG`], anything over the client's limits, any line that
/// is not plain digits): the incremental decoder then takes it, with its
/// exact error texts.
fn whole_request(
    buf: &mut BytesMut,
    limits: &Limits,
    spans: &mut Vec<(usize, usize)>,
) -> Option<Vec<Bytes>> {
    let bytes: &[u8] = buf;
    if bytes.first() != Some(&b'*') {
        return None;
    }
    let (count, mut pos) = digits_line(bytes, 1)?;
    if count == 0 || count > WHOLE_MAX_ARGS || (count > 10 && !limits.authenticated) {
        return None;
    }
    spans.clear();
    for _ in 0..count {
        if bytes.get(pos) != Some(&b'$') {
            return None;
        }
        let (len, start) = digits_line(bytes, pos + 1)?;
        if len > WHOLE_MAX_ARG || len as u64 > limits.max_bulk_len {
            return None;
        }
        // Redis skips the two bytes after the payload without checking them.
        pos = start + len + 2;
        if pos > bytes.len() {
            return None;
        }
        spans.push((start, len));
    }
    let request = buf.split_to(pos).freeze();
    Some(
        spans
            .iter()
            .map(|&(start, len)| request.slice(start..start + len))
            .collect(),
    )
}

/// Reads a count or length line's digits starting at `from`: returns the
/// value and where the next line starts, or `None` unless the line is
/// complete and is 1 to 9 digits without a leading zero (or `0` itself), the
/// form every client sends (anything else goes to [`parse_i64`]'s checks).
fn digits_line(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut value = 0usize;
    let mut pos = from;
    loop {
        let &b = bytes.get(pos)?;
        if b == b'\r' {
            break;
        }
        if !b.is_ascii_digit() || pos - from == 9 || (pos > from && value == 0) {
            return None;
        }
        value = value * 10 + (b - b'0') as usize;
        pos += 1;
    }
    // The byte after `\r` is skipped unchecked, as the incremental path does.
    (pos > from && pos + 2 <= bytes.len()).then_some((value, pos + 2))
}

/// Reads one inline request (a line ending in `\n` or `\r\n`).
fn inline(buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
    let Some(newline) = find(buf, b'\n') else {
        if buf.len() > INLINE_MAX {
            return Err(ProtocolError::new("too big inline request"));
        }
        return Ok(None);
    };
    let end = if newline > 0 && buf[newline - 1] == b'\r' {
        newline - 1
    } else {
        newline
    };
    let args = split_args(&buf[..end])
        .ok_or_else(|| ProtocolError::new("unbalanced quotes in request"))?;
    buf.advance(newline + 1);
    Ok(Some(args.into_iter().map(Bytes::from).collect()))
}

fn find(buf: &[u8], byte: u8) -> Option<usize> {
    buf.iter().position(|&b| b == byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: Limits = Limits {
        max_bulk_len: 512 * 1024 * 1024,
        authenticated: true,
    };

    fn decode_all(input: &[u8]) -> (Vec<Vec<Bytes>>, Result<(), ProtocolError>, usize) {
        let mut decoder = RequestDecoder::default();
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        loop {
            match decoder.next(&mut buf, &OPEN) {
                Ok(Some(argv)) => out.push(argv),
                Ok(None) => return (out, Ok(()), buf.len()),
                Err(e) => return (out, Err(e), buf.len()),
            }
        }
    }

    fn argv(items: &[&str]) -> Vec<Bytes> {
        items
            .iter()
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect()
    }

    #[test]
    fn decodes_pipelined_multibulk_and_inline_requests() {
        let (reqs, res, left) =
            decode_all(b"*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\nPING\r\n\r\n*0\r\n*1\r\n$4\r\nPI");
        assert_eq!(res, Ok(()));
        assert_eq!(
            reqs,
            vec![argv(&["ECHO", "abc"]), argv(&["PING"]), vec![], vec![]]
        );
        assert_eq!(left, 2, "the partial request's payload stays buffered");
    }

    #[test]
    fn a_request_split_into_single_bytes_decodes_once_complete() {
        let input = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n";
        let mut decoder = RequestDecoder::default();
        let mut buf = BytesMut::new();
        for (i, byte) in input.iter().enumerate() {
            buf.extend_from_slice(&[*byte]);
            let got = decoder.next(&mut buf, &OPEN).unwrap();
            if i + 1 < input.len() {
                assert!(got.is_none(), "complete too early at byte {i}");
            } else {
                assert_eq!(got, Some(argv(&["SET", "k", "hello"])));
            }
        }
        assert!(buf.is_empty());
    }

    #[test]
    fn malformed_lengths_give_redis_texts() {
        let err = |input: &[u8]| decode_all(input).1.unwrap_err().0;
        assert_eq!(err(b"*1\r\n$x\r\n"), "invalid bulk length");
        assert_eq!(err(b"*1\r\n$-5\r\n"), "invalid bulk length");
        assert_eq!(err(b"*1\r\n$600000000\r\n"), "invalid bulk length");
        assert_eq!(err(b"*3000000000\r\n"), "invalid multibulk length");
        assert_eq!(err(b"*+1\r\n"), "invalid multibulk length");
        assert_eq!(err(b"*1\r\n:1\r\n"), "expected '$', got ':'");
        assert_eq!(err(b"ECHO \"a\r\n"), "unbalanced quotes in request");
        assert_eq!(err(&vec![b'a'; INLINE_MAX + 1]), "too big inline request");
    }

    #[test]
    fn negative_multibulk_count_is_an_empty_request() {
        let (reqs, res, _) = decode_all(b"*-10\r\nPING\r\n");
        assert_eq!(res, Ok(()));
        assert_eq!(reqs, vec![vec![], argv(&["PING"])]);
    }

    #[test]
    fn unauthenticated_clients_get_small_limits() {
        let closed = Limits {
            max_bulk_len: 1 << 29,
            authenticated: false,
        };
        let mut d = RequestDecoder::default();
        let mut buf = BytesMut::from(&b"*11\r\n"[..]);
        assert_eq!(
            d.next(&mut buf, &closed).unwrap_err().0,
            "unauthenticated multibulk length"
        );
        let mut d = RequestDecoder::default();
        let mut buf = BytesMut::from(&b"*2\r\n$20000\r\n"[..]);
        assert_eq!(
            d.next(&mut buf, &closed).unwrap_err().0,
            "unauthenticated bulk length"
        );
    }

    /// Decodes `input` fed one byte at a time: the incremental path takes
    /// every request, as the fast one only sees complete requests.
    fn decode_bytewise(input: &[u8]) -> (Vec<Vec<Bytes>>, Result<(), ProtocolError>, usize) {
        let mut decoder = RequestDecoder::default();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for byte in input {
            buf.extend_from_slice(&[*byte]);
            loop {
                match decoder.next(&mut buf, &OPEN) {
                    Ok(Some(argv)) => out.push(argv),
                    Ok(None) => break,
                    Err(e) => return (out, Err(e), buf.len()),
                }
            }
        }
        (out, Ok(()), buf.len())
    }

    #[test]
    fn the_whole_request_path_agrees_with_the_incremental_one() {
        let many: String = (0..40).map(|i| format!("$1\r\n{}\r\n", i % 10)).collect();
        let inputs: Vec<Vec<u8>> = vec![
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n".to_vec(),
            b"*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n".to_vec(),
            b"*01\r\n$4\r\nPING\r\n".to_vec(),
            b"*1\r\n$04\r\nPING\r\n".to_vec(),
            b"*1\r\n$-1\r\n".to_vec(),
            b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n".to_vec(),
            b"*2\r\n$3\r\nGET\r\n:1\r\n".to_vec(),
            b"*0\r\n*1\r\n$1\r\na\r\n".to_vec(),
            b"*1\r\n$1234567890\r\n".to_vec(),
            b"*1\n$4\r\nPING\r\n".to_vec(),
            format!("*40\r\n{many}").into_bytes(),
            format!("*1\r\n$1025\r\n{}\r\n", "x".repeat(1025)).into_bytes(),
        ];
        for input in inputs {
            let (whole, whole_end, whole_left) = decode_all(&input);
            let (bytewise, bytewise_end, bytewise_left) = decode_bytewise(&input);
            let text = String::from_utf8_lossy(&input);
            assert_eq!((&whole, &whole_end), (&bytewise, &bytewise_end), "{text:?}");
            if whole_end.is_ok() {
                // After an error, fed bytewise, the rest was never buffered.
                assert_eq!(whole_left, bytewise_left, "{text:?}");
            }
        }
    }

    #[test]
    fn whole_requests_are_sliced_not_copied() {
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n*1"[..]);
        let start = buf.as_ptr() as usize;
        let argv = RequestDecoder::default()
            .next(&mut buf, &OPEN)
            .unwrap()
            .unwrap();
        assert_eq!(argv, vec![Bytes::from("GET"), Bytes::from("key")]);
        assert_eq!(
            argv[1].as_ptr() as usize - start,
            17,
            "a slice of the read buffer"
        );
        assert_eq!(&buf[..], b"*1");
    }

    #[test]
    fn big_arguments_arrive_whole() {
        let payload = vec![b'z'; BIG_ARG + 5];
        let mut input = format!("*2\r\n$3\r\nSET\r\n${}\r\n", payload.len()).into_bytes();
        input.extend_from_slice(&payload);
        input.extend_from_slice(b"\r\n");
        let (reqs, res, left) = decode_all(&input);
        assert_eq!((res, left), (Ok(()), 0));
        assert_eq!(reqs[0][1].as_ref(), payload.as_slice());
    }

    #[test]
    fn reads_are_chunks_except_for_the_rest_of_a_big_argument() {
        let mut decoder = RequestDecoder::default();
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nSET\r\n$10\r\nabc"[..]);
        assert_eq!(decoder.next(&mut buf, &OPEN), Ok(None));
        assert_eq!(decoder.read_len(buf.len(), 16), 16, "a small argument");
        let big = 100_000;
        let mut buf = BytesMut::from(format!("*2\r\n$3\r\nSET\r\n${big}\r\nabc").as_bytes());
        let mut decoder = RequestDecoder::default();
        assert_eq!(decoder.next(&mut buf, &OPEN), Ok(None));
        assert_eq!(buf.len(), 3, "the header lines were taken off");
        assert_eq!(decoder.read_len(buf.len(), 16), big + 2 - 3);
    }
}
