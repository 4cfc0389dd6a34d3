//! framekv's commands: the command table, the keyspace, and every command's
//! implementation, grouped by family (one file per Redis type, as Redis's
//! `t_string.c`, `t_hash.c`).
//!
//! The server binary decodes RESP, builds a [`ctx::Ctx`] for the calling
//! client and calls [`dispatch::execute`]; everything after that lives here.

pub mod acl;
pub mod aof;
pub mod blocking;
pub mod client;
pub mod config;
pub mod ctx;
pub mod dispatch;
pub mod error;
pub mod evict;
mod families;
pub mod glob;
pub mod keyspace;
pub mod memory;
pub mod monitor;
pub mod obuf;
pub mod parse;
pub mod pause;
pub mod protected;
pub mod reply;
pub mod repr;
pub mod shard;
pub mod state;
pub mod table;

pub mod bitmap;
pub mod connection;
pub mod frame;
pub mod hash;
pub mod hll;
pub mod introspection;
pub mod keys;
pub mod list;
pub mod multi;
pub mod notify;
pub mod pubsub;
pub mod scripting;
pub mod server_cmds;
pub mod session;
pub mod set;
pub mod sort;
pub mod stream;
pub mod string;
pub mod zset;

pub use ctx::Ctx;
pub use error::{CommandError, Result};
pub use parse::Parse;
pub use reply::Reply;
pub use state::Server;
pub use table::CommandSpec;
