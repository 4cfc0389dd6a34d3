//! Redis 7's protected actions: `CONFIG SET` of a protected config (see
//! [`crate::config::PROTECTED`]) and the `DEBUG` command are refused unless
//! their setting (`enable-protected-configs`, `enable-debug-command`) is
//! `yes`, or `local` and the client is local.
//!
//! Local means what Redis's `islocalClient` means: a peer address of
//! exactly `127.0.0.1` or `::1` (framekv has no unix socket). Other
//! `127.0.0.0/8` addresses are not local, as in Redis. framekv may listen
//! dual-stack on `::`, where an IPv4 loopback peer shows as
//! `::ffff:127.0.0.1`; that counts as `127.0.0.1`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::config::Config;
use crate::ctx::Ctx;
use crate::table::CommandSpec;

/// Redis 7.0's refusal of `DEBUG` (without the `ERR ` prefix the reply adds).
pub const DEBUG_NOT_ALLOWED: &str = "DEBUG command not allowed. If the enable-debug-command \
option is set to \"local\", you can run it from a local connection, otherwise you need to set \
this option in the configuration file, and then restart the server.";

/// True when `addr` (a client's peer address, `ip:port`) is `127.0.0.1` or
/// `::1`, as Redis's `islocalClient`. Unparsable addresses are not local.
pub fn is_local_client(addr: &str) -> bool {
    let Ok(peer) = addr.parse::<SocketAddr>() else {
        return false;
    };
    let ip = match peer.ip() {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    ip == IpAddr::V4(Ipv4Addr::LOCALHOST) || ip == IpAddr::V6(Ipv6Addr::LOCALHOST)
}

/// Redis's `allowProtectedAction`: whether the setting `setting` (one of
/// the `enable-*` directives: `no`, `yes` or `local`) allows the client at
/// `addr`.
pub fn allows(config: &Config, setting: &str, addr: &str) -> bool {
    match config.get(setting).as_str() {
        "yes" => true,
        "local" => is_local_client(addr),
        _ => false,
    }
}

/// Whether the calling client may `CONFIG SET` protected configs.
pub fn may_set_protected(ctx: &Ctx) -> bool {
    allows(
        &ctx.server.config,
        "enable-protected-configs",
        &ctx.client.handle.addr,
    )
}

/// The error text (without `ERR `) refusing `spec` to the calling client,
/// or `None` when it may run. Only `DEBUG` is gated (framekv has no
/// `MODULE` command); Redis checks this right after arity, before
/// authentication.
pub fn command_refusal(ctx: &Ctx, spec: &CommandSpec) -> Option<&'static str> {
    if spec.name == "debug"
        && !allows(
            &ctx.server.config,
            "enable-debug-command",
            &ctx.client.handle.addr,
        )
    {
        return Some(DEBUG_NOT_ALLOWED);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_means_exactly_loopback_as_redis() {
        assert!(is_local_client("127.0.0.1:5000"));
        assert!(is_local_client("[::1]:5000"));
        assert!(is_local_client("[::ffff:127.0.0.1]:5000"));
        assert!(!is_local_client("127.0.0.2:5000"));
        assert!(!is_local_client("10.0.0.1:5000"));
        assert!(!is_local_client(""));
    }

    #[test]
    fn settings_default_to_no_and_take_local() {
        let config = Config::default();
        assert!(!allows(&config, "enable-debug-command", "127.0.0.1:1"));
        config
            .set_at_startup("enable-debug-command", "LOCAL")
            .unwrap();
        assert_eq!(config.get("enable-debug-command"), "local");
        assert!(allows(&config, "enable-debug-command", "127.0.0.1:1"));
        assert!(!allows(&config, "enable-debug-command", "10.1.2.3:1"));
        config
            .set_at_startup("enable-debug-command", "yes")
            .unwrap();
        assert!(allows(&config, "enable-debug-command", "10.1.2.3:1"));
        assert!(config.set_at_startup("enable-debug-command", "1").is_err());
        assert!(
            config
                .set_at_runtime("enable-protected-configs", "yes")
                .is_err()
        );
    }
}
