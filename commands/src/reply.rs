//! The reply a command produces, before it is encoded for the wire.
//!
//! One value type serves both protocols: the connection encodes it as RESP2
//! or RESP3 depending on what the client negotiated with `HELLO`. Where RESP3
//! has a richer type than RESP2 (maps, sets, doubles, booleans, nulls) the
//! RESP2 encoding is the one Redis 7 uses: maps become flat
//! `[field, value, ...]` arrays, sets become arrays, doubles become bulk
//! strings, booleans become integers 1/0, and every null becomes `$-1`
//! (or `*-1` for [`Reply::NullArray`]).

use std::borrow::Cow;

use bytes::Bytes;

/// A reply value. See the module docs for how each variant is encoded.
pub enum Reply {
    /// `+OK`-style status line. Must not contain `\r` or `\n`. Borrowed
    /// for the fixed lines (`OK`, `PONG`, `QUEUED`), so the commonest
    /// replies allocate nothing.
    Status(Cow<'static, str>),
    /// An error line; the text starts with its code (`ERR ...`, `WRONGTYPE ...`).
    Error(String),
    /// `:n`
    Integer(i64),
    /// `$len\r\nbytes`
    Bulk(Bytes),
    /// RESP2 `$-1`, RESP3 `_`.
    Null,
    /// RESP2 `*-1`, RESP3 `_` (e.g. `BLPOP` timeout, `EXEC` after a failed `WATCH`).
    NullArray,
    /// An array of bulk strings already in wire form, as
    /// [`Reply::bulk_array_copied`] builds it.
    Bulks(EncodedBulks),
    /// `*n` followed by n replies.
    Array(Vec<Reply>),
    /// RESP3 `%n` map; RESP2 flat array of 2n elements.
    Map(Vec<(Reply, Reply)>),
    /// RESP3 `~n` set; RESP2 array.
    Set(Vec<Reply>),
    /// RESP3 `,d` double; RESP2 bulk string in Redis's `%.17g` form.
    Double(f64),
    /// RESP3 `#t`/`#f`; RESP2 integer 1/0.
    Bool(bool),
    /// RESP3 `=len\r\ntxt:...` verbatim string; RESP2 bulk string.
    Verbatim(String),
    /// The client must wait for keys (a blocking command found nothing):
    /// the connection waits for the served reply, the timeout or an
    /// unblock (see [`crate::blocking`]).
    Block(Box<crate::blocking::Blocked>),
    /// Heavy work to run off the async workers (on tokio's blocking pool).
    /// The connection runs the closure and sends the reply it returns, in
    /// order with the connection's other replies.
    Deferred(Deferred),
    /// Several out-of-band messages sent in a row, each a RESP3 push (`>n`)
    /// or, for RESP2, an array (`SUBSCRIBE`'s per-channel confirmations).
    /// Inside an aggregate (`EXEC`) they are written as consecutive elements,
    /// as Redis does.
    Pushes(Vec<Vec<Reply>>),
}

/// A closure producing a reply, run on a blocking thread by the connection.
pub struct Deferred(pub Box<dyn FnOnce() -> Reply + Send + 'static>);

impl Reply {
    /// `+OK`.
    pub fn ok() -> Reply {
        Reply::Status("OK".into())
    }

    /// A bulk string from anything byte-like.
    pub fn bulk(value: impl Into<Bytes>) -> Reply {
        Reply::Bulk(value.into())
    }

    /// A bulk string holding `text`.
    pub fn text(text: impl Into<String>) -> Reply {
        Reply::Bulk(Bytes::from(text.into()))
    }

    /// A bulk string, or null when `value` is `None`.
    pub fn bulk_or_null(value: Option<Bytes>) -> Reply {
        value.map_or(Reply::Null, Reply::Bulk)
    }

    /// An array of bulk strings.
    pub fn bulk_array<I, B>(items: I) -> Reply
    where
        I: IntoIterator<Item = B>,
        B: Into<Bytes>,
    {
        Reply::Array(items.into_iter().map(|b| Reply::Bulk(b.into())).collect())
    }

    /// An array of bulk strings copied out of `items` (stored values
    /// borrowed under a database lock), encoded as it will be sent: the
    /// same bytes in RESP2 and RESP3. A `Reply::Bulk` per element instead
    /// cost an element a reference-counted handle (two atomic operations,
    /// and `Reply::Array` of `LRANGE 0 99` spent more cycles on those than
    /// on copying) and was encoded a second time at the connection.
    pub fn bulk_array_copied<'a, I>(items: I) -> Reply
    where
        I: IntoIterator<Item = &'a [u8]>,
        I::IntoIter: Clone,
    {
        let items = items.into_iter();
        let (count, bytes) = items.clone().fold((0, 0), |(count, bytes), item| {
            (count + 1, bytes + item.len())
        });
        // `$<len>\r\n` + `\r\n` is at most 26 bytes over the element.
        let mut resp = bytes::BytesMut::with_capacity(16 + bytes + 26 * count);
        let mut spans = Vec::with_capacity(count);
        resp_header(&mut resp, b'*', count as i64);
        for item in items {
            resp_header(&mut resp, b'$', item.len() as i64);
            spans.push((resp.len(), item.len()));
            resp.extend_from_slice(item);
            resp.extend_from_slice(b"\r\n");
        }
        Reply::Bulks(EncodedBulks {
            resp: resp.freeze(),
            spans,
        })
    }

    /// A map whose keys are text field names (`HGETALL`, `XINFO`, `SESSION.INFO` shape).
    pub fn map_of(fields: Vec<(&str, Reply)>) -> Reply {
        Reply::Map(
            fields
                .into_iter()
                .map(|(k, v)| (Reply::text(k.to_string()), v))
                .collect(),
        )
    }

    /// Runs `work` on a blocking thread; see [`Reply::Deferred`].
    pub fn deferred(work: impl FnOnce() -> Reply + Send + 'static) -> Reply {
        Reply::Deferred(Deferred(Box::new(work)))
    }

    /// True for [`Reply::Error`].
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }
}

/// Appends a RESP header line, `<kind><n>\r\n` (`*3`, `$5`, `:-1`, ...),
/// formatting `n` with `itoa`: the one place framekv writes one, for
/// [`Reply::bulk_array_copied`] and the connection's reply encoder.
pub fn resp_header(out: &mut bytes::BytesMut, kind: u8, n: i64) {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(n).as_bytes();
    out.reserve(digits.len() + 3);
    out.extend_from_slice(&[kind]);
    out.extend_from_slice(digits);
    out.extend_from_slice(b"\r\n");
}

/// An array of bulk strings in RESP form (`*<n>` then each `$<len>` and
/// its bytes), which RESP2 and RESP3 share, with where each element's bytes
/// are, for the readers that need the elements (a script's `redis.call`,
/// output buffer accounting).
pub struct EncodedBulks {
    resp: Bytes,
    /// Each element's start in `resp` and length (bytes).
    spans: Vec<(usize, usize)>,
}

impl EncodedBulks {
    /// The whole array as it goes on the wire.
    pub fn resp(&self) -> &[u8] {
        &self.resp
    }

    /// The elements, in order.
    pub fn items(&self) -> impl ExactSizeIterator<Item = &[u8]> {
        self.spans
            .iter()
            .map(|&(start, len)| &self.resp[start..start + len])
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reply::Status(s) => write!(f, "Status({s:?})"),
            Reply::Error(s) => write!(f, "Error({s:?})"),
            Reply::Integer(n) => write!(f, "Integer({n})"),
            Reply::Bulk(b) => write!(f, "Bulk({:?})", String::from_utf8_lossy(b)),
            Reply::Null => write!(f, "Null"),
            Reply::NullArray => write!(f, "NullArray"),
            Reply::Array(items) => f.debug_tuple("Array").field(items).finish(),
            Reply::Bulks(bulks) => f
                .debug_list()
                .entries(bulks.items().map(String::from_utf8_lossy))
                .finish(),
            Reply::Map(items) => f.debug_tuple("Map").field(items).finish(),
            Reply::Set(items) => f.debug_tuple("Set").field(items).finish(),
            Reply::Double(d) => write!(f, "Double({d})"),
            Reply::Bool(b) => write!(f, "Bool({b})"),
            Reply::Verbatim(s) => write!(f, "Verbatim({s:?})"),
            Reply::Deferred(_) => write!(f, "Deferred"),
            Reply::Block(_) => write!(f, "Block"),
            Reply::Pushes(items) => f.debug_tuple("Pushes").field(items).finish(),
        }
    }
}
