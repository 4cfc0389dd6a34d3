//! The parts of `framekv-server` that read untrusted bytes, as a library so
//! that the fuzz targets in `fuzz/` drive the same code as the binary:
//!
//! * [`protocol`]: requests in (RESP multibulk or inline) and replies out.
//! * [`config`]: the redis.conf parser and the command-line overrides.
//!
//! The listener, connections and background jobs live in the binary
//! (`src/main.rs` and its modules).

pub mod config;
pub mod protocol;
