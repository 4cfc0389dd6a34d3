//! Introspection commands: `COMMAND` (and `COUNT`, `LIST`, `INFO`, `DOCS`,
//! `GETKEYS`, `GETKEYSANDFLAGS`, `HELP`), `SLOWLOG`, `MEMORY`, `DEBUG`.
//!
//! `COMMAND` reads the command table ([`crate::table::table`]), the single
//! source of truth, so every family's commands describe themselves.
//! Arity, flags, ACL categories and docs of these commands are Redis 7.0's.

mod command;
pub mod command_list;
pub(crate) use command::keys_of;
mod command_entry;
mod latency;
pub(crate) use command_entry::key_flags_at;
mod debug;
mod docs_args;
pub mod slowlog;

use crate::table::CommandSpec;

/// The introspection family's commands.
pub fn commands() -> Vec<CommandSpec> {
    vec![
        command::command(),
        slowlog::slowlog(),
        latency::latency(),
        latency::wait_command(),
        debug::memory(),
        debug::debug(),
    ]
}
