//! Connection commands: PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET, CLIENT.

use crate::ctx::Ctx;
use crate::error::Result;
use crate::parse::Parse;
use crate::reply::Reply;
use crate::table::CommandSpec;

/// The connection family's commands.
pub fn commands() -> Vec<CommandSpec> {
    vec![
        CommandSpec::new("ping", -1, ping)
            .flags(&["fast", "sentinel"])
            .categories(&["fast", "connection"])
            .doc("connection", "1.0.0", "Returns the server's liveliness response.", "[message]"),
    ]
}

/// `PING [message]` — `+PONG`, or the message as a bulk string.
///
/// Matches Redis 7.0 (outside pub/sub mode).
fn ping(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let message = args.try_next();
    if !args.is_empty() {
        return Err(crate::error::CommandError::wrong_arity("ping"));
    }
    Ok(match message {
        Some(m) => Reply::Bulk(m),
        None => Reply::Status("PONG".into()),
    })
}
