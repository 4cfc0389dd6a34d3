//! (family under construction)

use crate::table::CommandSpec;

/// This family's commands.
pub fn commands() -> Vec<CommandSpec> {
    Vec::new()
}
