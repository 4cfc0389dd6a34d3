//! The wire protocol: requests in (RESP multibulk or inline), replies out
//! (RESP2 or RESP3).
//!
//! * [`request`] takes complete requests off a connection's read buffer,
//!   incrementally, with Redis 7.0's limits and protocol-error texts.
//! * [`encode`] writes [`commands::Reply`] values in the client's protocol.
//! * [`splitargs`] splits an inline request or a config-file line into
//!   arguments the way Redis's `sdssplitargs` does.

pub mod encode;
pub mod request;
pub mod splitargs;
