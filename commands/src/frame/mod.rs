//! Frames: each session table is a linear history of data-frame versions
//! with a cursor. `FRAME.*` commands live here.

use crate::table::CommandSpec;

/// A table: its versions and the cursor (under construction).
pub struct Table {}

pub mod ops;

pub mod ops;

/// The frame family's commands.
pub fn commands() -> Vec<CommandSpec> {
    Vec::new()
}
