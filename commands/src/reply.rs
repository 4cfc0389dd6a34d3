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
    /// borrowed under a database lock) into one new buffer, each element a
    /// slice of it. Cloning each stored `Bytes` instead would bump every
    /// element's own reference count, a cache line that other cores reading
    /// the same value also write: `LRANGE` of a list all clients read spent
    /// 12% of its time there. The slices share one count, local to this
    /// thread.
    pub fn bulk_array_copied<'a, I>(items: I) -> Reply
    where
        I: IntoIterator<Item = &'a [u8]>,
        I::IntoIter: Clone,
    {
        let items = items.into_iter();
        let total = items.clone().map(<[u8]>::len).sum();
        let mut buf = bytes::BytesMut::with_capacity(total);
        let mut ends = Vec::with_capacity(items.size_hint().0);
        for item in items {
            buf.extend_from_slice(item);
            ends.push(buf.len());
        }
        let buf = buf.freeze();
        let mut start = 0;
        Reply::Array(
            ends.into_iter()
                .map(|end| {
                    let bulk = Reply::Bulk(buf.slice(start..end));
                    start = end;
                    bulk
                })
                .collect(),
        )
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
