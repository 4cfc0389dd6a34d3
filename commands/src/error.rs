//! Command errors: values that become Redis error replies in exactly one
//! place ([`crate::dispatch`]).

use std::fmt;

/// A command failure. The text is the whole error line without the leading
/// `-`, starting with its code: `ERR ...`, `WRONGTYPE ...`, `NOPERM ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandError(pub String);

/// Shorthand for command results.
pub type Result<T, E = CommandError> = std::result::Result<T, E>;

impl CommandError {
    /// `ERR <msg>`.
    pub fn err(msg: impl fmt::Display) -> Self {
        CommandError(format!("ERR {msg}"))
    }

    /// An error with its own code (`WRONGTYPE`, `NOPERM`, `OOM`, ...): `msg` must
    /// already start with the code.
    pub fn raw(msg: impl Into<String>) -> Self {
        CommandError(msg.into())
    }

    /// Redis's `ERR syntax error`.
    pub fn syntax() -> Self {
        Self::err("syntax error")
    }

    /// Redis's WRONGTYPE error, for an operation on a key of another type.
    pub fn wrong_type() -> Self {
        Self::raw("WRONGTYPE Operation against a key holding the wrong kind of value")
    }

    /// Redis's `ERR value is not an integer or out of range`.
    pub fn not_integer() -> Self {
        Self::err("value is not an integer or out of range")
    }

    /// Redis's `ERR value is not a valid float`.
    pub fn not_float() -> Self {
        Self::err("value is not a valid float")
    }

    /// Redis's arity error: `ERR wrong number of arguments for 'get' command`.
    /// `name` is the command's lower-case name (`config|get` for subcommands).
    pub fn wrong_arity(name: &str) -> Self {
        Self::err(format!("wrong number of arguments for '{name}' command"))
    }

    /// Redis's `ERR no such key`.
    pub fn no_such_key() -> Self {
        Self::err("no such key")
    }

    /// The error text without its code, as it goes on the wire after `-`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CommandError {}
