//! AOF records: one command each, framed with a length and a CRC32.
//!
//! ```text
//! offset 0        8          12                      12 + len
//!        | len u64 LE | crc u32 LE | payload (len bytes) |
//! ```
//!
//! The payload is the command's argv as a RESP2 multibulk in canonical form
//! (`*N\r\n` then `$L\r\n<arg>\r\n` per argument, decimal numbers without sign
//! or leading zeros, `N >= 1`), so it reads by eye and by any RESP tool; `crc`
//! is the CRC-32 (IEEE, as `crc32fast` computes it) of the payload alone.
//!
//! [`decode_all`] reads a whole file and keeps the longest valid prefix; see
//! [`Tail`] for how it tells a torn tail from corruption.

use std::ops::Range;

use bytes::Bytes;

/// Bytes before the payload: `len` (8) and `crc` (4).
pub const HEADER_LEN: usize = 12;

/// Largest payload length (bytes) a header may claim, 2^40 (1 TiB). A larger
/// value can only come from damage, so it is never read as a torn write unless
/// the header is the last thing in the file.
pub const MAX_PAYLOAD_LEN: u64 = 1 << 40;

/// Appends one record holding `argv` to `out`.
///
/// `argv` is the command name followed by its arguments, already in
/// deterministic form; it must not be empty (a record always names a
/// command, and [`decode_all`] treats `*0` as damage).
pub fn encode(argv: &[impl AsRef<[u8]>], out: &mut Vec<u8>) {
    debug_assert!(!argv.is_empty(), "an AOF record needs a command name");
    let start = out.len();
    out.extend_from_slice(&[0; HEADER_LEN]);
    out.push(b'*');
    push_decimal(out, argv.len());
    out.extend_from_slice(b"\r\n");
    for arg in argv {
        let arg = arg.as_ref();
        out.push(b'$');
        push_decimal(out, arg.len());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    let payload = &out[start + HEADER_LEN..];
    let len = payload.len() as u64;
    let crc = crc32fast::hash(payload);
    out[start..start + 8].copy_from_slice(&len.to_le_bytes());
    out[start + 8..start + HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
}

/// Appends `n` in decimal without allocating (this runs once per argument
/// of every logged command).
fn push_decimal(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// What [`decode_all`] found: the records of the valid prefix and why it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The argv of every complete, valid record, in file order.
    pub records: Vec<Vec<Bytes>>,
    /// Length in bytes of the valid prefix: the end of the last valid record
    /// (0 when there is none). Cutting the file to this length removes a torn tail.
    pub valid_len: usize,
    /// Why decoding stopped at `valid_len`.
    pub tail: Tail,
}

/// How a file ends after its valid prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tail {
    /// The valid prefix is the whole file.
    Clean,
    /// The record at `offset` (== `valid_len`) is torn: its header or payload
    /// runs past end of file, or it reaches exactly end of file but its CRC or
    /// payload is bad (a torn write may leave full-length garbage). Safe to cut
    /// off (`aof-load-truncated yes`).
    Truncated {
        /// Byte offset of the torn record's first header byte.
        offset: usize,
    },
    /// The record at `offset` (== `valid_len`) is bad and more bytes follow
    /// it, or its header claims more than [`MAX_PAYLOAD_LEN`] bytes and is not
    /// the last thing in the file: damage, not a torn write. Loading must stop.
    Corrupt {
        /// Byte offset of the bad record's first header byte.
        offset: usize,
        /// Why the record is bad, for the log and the check tool.
        reason: String,
    },
}

/// Decodes every record of `bytes`, copying arguments out of the slice.
///
/// Never panics, whatever the input. Rules, in order, for the record at
/// `offset` (with `rest = bytes.len() - offset`):
/// 1. `rest == 0`: [`Tail::Clean`].
/// 2. `rest < 12` (header cut): [`Tail::Truncated`].
/// 3. `len > 2^40`: [`Tail::Truncated`] if `rest == 12`, else [`Tail::Corrupt`].
/// 4. `len > rest - 12` (payload cut): [`Tail::Truncated`].
/// 5. CRC mismatch or a payload that is not a canonical RESP multibulk of at
///    least one bulk string filling exactly `len` bytes: [`Tail::Truncated`] if
///    the record ends exactly at end of file, else [`Tail::Corrupt`].
/// 6. Otherwise the record is valid and decoding goes on after it.
pub fn decode_all(bytes: &[u8]) -> Decoded {
    decode_with(bytes, |range| Bytes::copy_from_slice(&bytes[range]))
}

/// Like [`decode_all`], but the arguments are zero-copy slices of `buf`
/// (for instance a memory-mapped file wrapped with `Bytes::from_owner`).
pub fn decode_all_shared(buf: &Bytes) -> Decoded {
    decode_with(buf, |range| buf.slice(range))
}

fn decode_with(bytes: &[u8], mut make: impl FnMut(Range<usize>) -> Bytes) -> Decoded {
    let mut records = Vec::new();
    let mut offset = 0;
    let tail = loop {
        match next_record(bytes, offset) {
            Step::End => break Tail::Clean,
            Step::Torn => break Tail::Truncated { offset },
            Step::Bad { reason, record_end } => {
                // A torn write can leave a full-length record of garbage, but
                // only as the last thing in the file.
                if record_end == Some(bytes.len()) {
                    break Tail::Truncated { offset };
                }
                break Tail::Corrupt { offset, reason };
            }
            Step::Record { args, end } => {
                records.push(args.into_iter().map(&mut make).collect());
                offset = end;
            }
        }
    };
    Decoded {
        records,
        valid_len: offset,
        tail,
    }
}

/// The outcome of reading the record that starts at one offset.
enum Step {
    End,
    Torn,
    /// `record_end` is where the record would end, when its length is sane.
    Bad {
        reason: String,
        record_end: Option<usize>,
    },
    /// Argument ranges are absolute offsets into the file.
    Record {
        args: Vec<Range<usize>>,
        end: usize,
    },
}

fn next_record(bytes: &[u8], offset: usize) -> Step {
    let rest = bytes.len() - offset;
    if rest == 0 {
        return Step::End;
    }
    let Some(header) = bytes.get(offset..offset + HEADER_LEN) else {
        return Step::Torn;
    };
    let mut len_bytes = [0; 8];
    len_bytes.copy_from_slice(&header[..8]);
    let mut crc_bytes = [0; 4];
    crc_bytes.copy_from_slice(&header[8..]);
    let len = u64::from_le_bytes(len_bytes);
    let stored_crc = u32::from_le_bytes(crc_bytes);
    if len > MAX_PAYLOAD_LEN {
        let reason = format!("payload length {len} exceeds the limit of 2^40 bytes");
        // Same rule as a bad full-length record: torn only when nothing follows.
        let record_end = (rest == HEADER_LEN).then_some(bytes.len());
        return Step::Bad { reason, record_end };
    }
    // len <= 2^40, so it fits in usize on 64-bit targets; on smaller ones a
    // length that does not fit is past end of file anyway.
    let Ok(len) = usize::try_from(len) else {
        return Step::Torn;
    };
    if len > rest - HEADER_LEN {
        return Step::Torn;
    }
    let start = offset + HEADER_LEN;
    let end = start + len;
    let payload = &bytes[start..end];
    let crc = crc32fast::hash(payload);
    if crc != stored_crc {
        let reason = format!("checksum mismatch: stored {stored_crc:#010x}, computed {crc:#010x}");
        return Step::Bad {
            reason,
            record_end: Some(end),
        };
    }
    match parse_multibulk(payload) {
        Ok(args) => Step::Record {
            args: args
                .into_iter()
                .map(|r| r.start + start..r.end + start)
                .collect(),
            end,
        },
        Err(why) => Step::Bad {
            reason: format!("payload is not a RESP multibulk: {why}"),
            record_end: Some(end),
        },
    }
}

/// Parses a canonical `*N\r\n($L\r\n<L bytes>\r\n){N}` that fills `payload`
/// exactly; returns the argument ranges relative to `payload`.
fn parse_multibulk(payload: &[u8]) -> Result<Vec<Range<usize>>, String> {
    let mut pos = 0;
    let count = parse_prefixed_number(payload, &mut pos, b'*')?;
    if count == 0 {
        return Err("empty command (*0)".into());
    }
    // Each argument takes at least 6 bytes (`$0\r\n\r\n`), so a count beyond
    // that cannot fit; checking first keeps a damaged count from allocating.
    if count > (payload.len() - pos) / 6 {
        return Err(format!(
            "argument count {count} does not fit in the payload"
        ));
    }
    let mut args = Vec::with_capacity(count);
    for index in 0..count {
        let len = parse_prefixed_number(payload, &mut pos, b'$')?;
        let start = pos;
        let end = start
            .checked_add(len)
            .filter(|&end| end <= payload.len())
            .ok_or_else(|| format!("argument {index} runs past the payload"))?;
        if payload.get(end..end + 2) != Some(b"\r\n") {
            return Err(format!("argument {index} is not followed by CRLF"));
        }
        args.push(start..end);
        pos = end + 2;
    }
    if pos != payload.len() {
        return Err(format!("{} trailing bytes", payload.len() - pos));
    }
    Ok(args)
}

/// Reads `<prefix><decimal>\r\n` at `*pos`: digits only, no leading zeros.
fn parse_prefixed_number(payload: &[u8], pos: &mut usize, prefix: u8) -> Result<usize, String> {
    let what = prefix as char;
    if payload.get(*pos) != Some(&prefix) {
        return Err(format!("expected '{what}' at byte {pos}"));
    }
    let digits_start = *pos + 1;
    let digits_len = payload[digits_start..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let digits = &payload[digits_start..digits_start + digits_len];
    if digits.is_empty() || (digits.len() > 1 && digits[0] == b'0') {
        return Err(format!("bad number after '{what}' at byte {pos}"));
    }
    let mut value: usize = 0;
    for &d in digits {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(usize::from(d - b'0')))
            .ok_or_else(|| format!("number after '{what}' at byte {pos} overflows"))?;
    }
    let after = digits_start + digits_len;
    if payload.get(after..after + 2) != Some(b"\r\n") {
        return Err(format!(
            "number after '{what}' at byte {pos} is not followed by CRLF"
        ));
    }
    *pos = after + 2;
    Ok(value)
}

#[cfg(test)]
mod tests;
