//! Reply encoding: [`Reply`] values to RESP2 or RESP3 bytes.
//!
//! The RESP2 forms of RESP3-only types are the ones Redis 7.0 sends: maps
//! as flat arrays, sets as arrays, doubles as bulk strings in `%.17g` form
//! (`inf`/`-inf` for infinities), booleans as `:1`/`:0`, nulls as `$-1`
//! (`*-1` for [`Reply::NullArray`]) and verbatim strings as bulk strings.

use bytes::{BufMut, BytesMut};
use commands::Reply;
use commands::reply::resp_header as header;

/// Appends `reply` to `out` in RESP3 when `resp3`, else RESP2.
///
/// A [`Reply::Deferred`] must have been run by the connection before it gets
/// here; one nested inside an aggregate is encoded as an error reply.
pub fn encode(out: &mut BytesMut, reply: &Reply, resp3: bool) {
    match reply {
        Reply::Status(text) => line(out, b'+', text),
        Reply::Error(text) => line(out, b'-', text),
        Reply::Integer(n) => header(out, b':', *n),
        Reply::Bulk(bytes) => bulk(out, bytes),
        Reply::Null if resp3 => out.put_slice(b"_\r\n"),
        Reply::Null => out.put_slice(b"$-1\r\n"),
        Reply::NullArray if resp3 => out.put_slice(b"_\r\n"),
        Reply::NullArray => out.put_slice(b"*-1\r\n"),
        Reply::Array(items) => aggregate(out, b'*', items, resp3),
        Reply::Bulks(bulks) => out.put_slice(bulks.resp()),
        Reply::Set(items) => aggregate(out, if resp3 { b'~' } else { b'*' }, items, resp3),
        Reply::Map(pairs) => {
            if resp3 {
                header(out, b'%', pairs.len() as i64);
            } else {
                header(out, b'*', 2 * pairs.len() as i64);
            }
            for (key, value) in pairs {
                encode(out, key, resp3);
                encode(out, value, resp3);
            }
        }
        Reply::Double(d) => {
            let text = format_double(*d);
            if resp3 {
                out.put_u8(b',');
                out.put_slice(text.as_bytes());
                out.put_slice(b"\r\n");
            } else {
                bulk(out, text.as_bytes());
            }
        }
        Reply::Bool(b) if resp3 => out.put_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
        Reply::Bool(b) => out.put_slice(if *b { b":1\r\n" } else { b":0\r\n" }),
        Reply::Verbatim(text) if resp3 => {
            header(out, b'=', text.len() as i64 + 4);
            out.put_slice(b"txt:");
            out.put_slice(text.as_bytes());
            out.put_slice(b"\r\n");
        }
        Reply::Verbatim(text) => bulk(out, text.as_bytes()),
        Reply::Deferred(_) => line(out, b'-', "ERR internal error: nested deferred reply"),
        Reply::Block(_) => line(out, b'-', "ERR internal error: nested blocking reply"),
        Reply::Pushes(messages) => {
            for items in messages {
                encode_push(out, items, resp3);
            }
        }
    }
}

/// Appends an out-of-band message: a RESP3 push (`>n`), or an array for
/// RESP2 clients (how Redis sends pub/sub messages to them).
pub fn encode_push(out: &mut BytesMut, items: &[Reply], resp3: bool) {
    aggregate(out, if resp3 { b'>' } else { b'*' }, items, resp3);
}

fn aggregate(out: &mut BytesMut, kind: u8, items: &[Reply], resp3: bool) {
    header(out, kind, items.len() as i64);
    for item in items {
        encode(out, item, resp3);
    }
}

/// `<kind><text>\r\n`, with any CR or LF in `text` replaced by a space so a
/// status or error can never break the framing (as Redis sanitises errors).
fn line(out: &mut BytesMut, kind: u8, text: &str) {
    out.put_u8(kind);
    if text.bytes().any(|b| b == b'\r' || b == b'\n') {
        out.put_slice(text.replace(['\r', '\n'], " ").as_bytes());
    } else {
        out.put_slice(text.as_bytes());
    }
    out.put_slice(b"\r\n");
}

fn bulk(out: &mut BytesMut, bytes: &[u8]) {
    header(out, b'$', bytes.len() as i64);
    out.put_slice(bytes);
    out.put_slice(b"\r\n");
}

/// Formats a double as C's `printf("%.17g")`, which Redis 7.0 uses for
/// double replies, with `inf`/`-inf` for infinities (and `nan`).
pub fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "nan".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d == 0.0 {
        return if d.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // %g picks the notation from the exponent after rounding to 17
    // significant digits, which is what `{:.16e}` yields.
    let scientific = format!("{d:.16e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..17).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{}e{sign}{:02}",
            strip_fraction_zeros(mantissa),
            exponent.abs()
        )
    } else {
        let fixed = format!("{:.*}", (16 - exponent) as usize, d);
        strip_fraction_zeros(&fixed).to_string()
    }
}

/// `%g` drops trailing zeros of the fraction, and the point if nothing is left.
fn strip_fraction_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use redis_protocol::resp3::decode::complete::decode;
    use redis_protocol::resp3::types::{OwnedFrame, VerbatimStringFormat};

    use super::*;

    fn wire(reply: &Reply, resp3: bool) -> Vec<u8> {
        let mut out = BytesMut::new();
        encode(&mut out, reply, resp3);
        out.to_vec()
    }

    #[test]
    fn doubles_follow_printf_17g() {
        // Expected strings are what glibc's printf("%.17g") prints.
        assert_eq!(format_double(1.1), "1.1000000000000001");
        assert_eq!(format_double(1.5), "1.5");
        assert_eq!(format_double(3.0), "3");
        assert_eq!(format_double(-2.5e-7), "-2.4999999999999999e-07");
        assert_eq!(format_double(1e17), "1e+17");
        assert_eq!(
            format_double(123456789012345680.0),
            "1.2345678901234568e+17"
        );
        assert_eq!(format_double(0.0001), "0.0001");
        assert_eq!(format_double(1e-5), "1.0000000000000001e-05");
        assert_eq!(format_double(9.999999999999998e16), "99999999999999984");
        assert_eq!(format_double(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_double(f64::INFINITY), "inf");
        assert_eq!(format_double(f64::NEG_INFINITY), "-inf");
        assert_eq!(format_double(-0.0), "-0");
    }

    #[test]
    fn resp2_encodings_match_redis() {
        assert_eq!(wire(&Reply::Integer(-42), false), b":-42\r\n");
        assert_eq!(
            wire(&Reply::Integer(i64::MIN), false),
            b":-9223372036854775808\r\n"
        );
        assert_eq!(wire(&Reply::Null, false), b"$-1\r\n");
        assert_eq!(wire(&Reply::NullArray, false), b"*-1\r\n");
        assert_eq!(wire(&Reply::Bool(true), false), b":1\r\n");
        assert_eq!(wire(&Reply::Double(1.5), false), b"$3\r\n1.5\r\n");
        assert_eq!(
            wire(&Reply::Verbatim("a\n".into()), false),
            b"$2\r\na\n\r\n"
        );
        let map = Reply::map_of(vec![("k", Reply::Integer(1))]);
        assert_eq!(wire(&map, false), b"*2\r\n$1\r\nk\r\n:1\r\n");
        assert_eq!(
            wire(&Reply::Error("ERR a\r\nb".into()), false),
            b"-ERR a  b\r\n"
        );
    }

    #[test]
    fn resp3_encodings_decode_with_an_independent_parser() {
        let reply = Reply::Array(vec![
            Reply::map_of(vec![(
                "k",
                Reply::Set(vec![Reply::bulk(Bytes::from_static(b"m"))]),
            )]),
            Reply::Double(2.5),
            Reply::Bool(false),
            Reply::Null,
            Reply::Verbatim("hello".into()),
        ]);
        let bytes = wire(&reply, true);
        let (frame, used) = decode(&bytes)
            .expect("valid RESP3")
            .expect("complete frame");
        assert_eq!(used, bytes.len());
        let OwnedFrame::Array { data, .. } = frame else {
            panic!("array expected")
        };
        assert!(matches!(&data[0], OwnedFrame::Map { data, .. } if data.len() == 1));
        assert!(matches!(data[1], OwnedFrame::Double { data, .. } if data == 2.5));
        assert!(matches!(data[2], OwnedFrame::Boolean { data: false, .. }));
        assert!(matches!(data[3], OwnedFrame::Null));
        assert!(
            matches!(&data[4], OwnedFrame::VerbatimString { data, format: VerbatimStringFormat::Text, .. } if data == b"hello")
        );
    }
}
