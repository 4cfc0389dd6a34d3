//! Every command family's registrations, gathered for [`crate::table`].

use crate::table::CommandSpec;

/// All top-level commands of every family.
pub fn all_commands() -> Vec<CommandSpec> {
    let mut all = Vec::new();
    all.extend(crate::connection::commands());
    all.extend(crate::server_cmds::commands());
    all.extend(crate::introspection::commands());
    all.extend(crate::string::commands());
    all.extend(crate::keys::commands());
    all.extend(crate::session::commands());
    all.extend(crate::session::restore::commands());
    all.extend(crate::frame::commands());
    all.extend(crate::hash::commands());
    all.extend(crate::list::commands());
    all.extend(crate::set::commands());
    all.extend(crate::zset::commands());
    all.extend(crate::zset::blocking_commands());
    all.extend(crate::stream::commands());
    all.extend(crate::bitmap::commands());
    all.extend(crate::hll::commands());
    all.extend(crate::multi::commands());
    all.extend(crate::pubsub::commands());
    all.extend(crate::sort::commands());
    all.extend(crate::scripting::commands());
    all.extend(crate::acl::cmd::commands());
    all.extend(crate::monitor::commands());
    all
}
