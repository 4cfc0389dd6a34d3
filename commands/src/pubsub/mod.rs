//! Pub/Sub, as Redis 7.0: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
//! PUBLISH and the PUBSUB container (CHANNELS, NUMSUB, NUMPAT,
//! SHARDCHANNELS, SHARDNUMSUB, HELP).
//!
//! The server-wide [`Registry`] maps channels and patterns to subscribed
//! clients; each client keeps its own subscriptions in
//! [`crate::client::Client::subscriptions`]. Subscription confirmations
//! (`["subscribe", channel, count]`, one per argument) are replied as
//! [`Reply::Pushes`]: RESP3 pushes, RESP2 arrays, as Redis sends them.
//! Messages reach subscribers through [`crate::client::ClientHandle::push`].
//! A RESP2 client with subscriptions may only run the commands that
//! [`allowed_while_subscribed`] lists (checked in [`crate::dispatch`]).

mod registry;

pub use registry::{Kind, Registry};

use bytes::Bytes;
use indexmap::IndexSet;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::Parse;
use crate::reply::Reply;
use crate::table::CommandSpec;

/// A client's own subscriptions, in subscription order.
#[derive(Default, Debug)]
pub struct Subscriptions {
    /// Channels (`SUBSCRIBE`).
    pub channels: IndexSet<Bytes>,
    /// Patterns (`PSUBSCRIBE`).
    pub patterns: IndexSet<Bytes>,
}

impl Subscriptions {
    /// Channels plus patterns: the count in every (un)subscribe confirmation.
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    fn set(&mut self, kind: Kind) -> &mut IndexSet<Bytes> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
        }
    }
}

/// The pub/sub family's commands.
pub fn commands() -> Vec<CommandSpec> {
    const SUB_FLAGS: &[&str] = &["pubsub", "noscript", "loading", "stale"];
    const SLOW: &[&str] = &["pubsub", "slow"];
    const INTROSPECT: &[&str] = &["pubsub", "loading", "stale"];
    vec![
        CommandSpec::new("subscribe", -2, subscribe)
            .flags(SUB_FLAGS)
            .categories(SLOW)
            .doc("pubsub", "2.0.0", "Listens for messages published to channels.", "channel [channel ...]"),
        CommandSpec::new("unsubscribe", -1, unsubscribe)
            .flags(SUB_FLAGS)
            .categories(SLOW)
            .doc("pubsub", "2.0.0", "Stops listening to messages posted to channels.", "[channel [channel ...]]"),
        CommandSpec::new("psubscribe", -2, psubscribe)
            .flags(SUB_FLAGS)
            .categories(SLOW)
            .doc("pubsub", "2.0.0", "Listens for messages published to channels that match one or more patterns.", "pattern [pattern ...]"),
        CommandSpec::new("punsubscribe", -1, punsubscribe)
            .flags(SUB_FLAGS)
            .categories(SLOW)
            .doc("pubsub", "2.0.0", "Stops listening to messages published to channels that match one or more patterns.", "[pattern [pattern ...]]"),
        CommandSpec::new("publish", 3, publish)
            .flags(&["pubsub", "loading", "stale", "fast"])
            .categories(&["pubsub", "fast"])
            .doc("pubsub", "2.0.0", "Posts a message to a channel.", "channel message"),
        CommandSpec::container(
            "pubsub",
            vec![
                CommandSpec::new("pubsub|channels", -2, channels)
                    .flags(INTROSPECT)
                    .categories(SLOW)
                    .doc("pubsub", "2.8.0", "Returns the active channels.", "[pattern]"),
                CommandSpec::new("pubsub|numsub", -2, numsub)
                    .flags(INTROSPECT)
                    .categories(SLOW)
                    .doc("pubsub", "2.8.0", "Returns a count of subscribers to channels.", "[channel [channel ...]]"),
                CommandSpec::new("pubsub|numpat", 2, numpat)
                    .flags(INTROSPECT)
                    .categories(SLOW)
                    .doc("pubsub", "2.8.0", "Returns a count of unique pattern subscriptions.", ""),
                CommandSpec::new("pubsub|shardchannels", -2, shardchannels)
                    .flags(INTROSPECT)
                    .categories(SLOW)
                    .doc("pubsub", "7.0.0", "Returns the active shard channels (framekv has none).", "[pattern]"),
                CommandSpec::new("pubsub|shardnumsub", -2, shardnumsub)
                    .flags(INTROSPECT)
                    .categories(SLOW)
                    .doc("pubsub", "7.0.0", "Returns the count of subscribers of shard channels (always 0).", "[shardchannel [shardchannel ...]]"),
                CommandSpec::new("pubsub|help", 2, help)
                    .flags(&["loading", "stale"])
                    .categories(&["slow"])
                    .doc("pubsub", "6.2.0", "Returns helpful text about the different subcommands.", ""),
            ],
        )
        .categories(&["slow"])
        .doc("pubsub", "2.8.0", "A container for Pub/Sub commands.", "<subcommand> [arg ...]"),
    ]
}

/// True for the commands a RESP2 client with subscriptions may still run
/// (Redis 7.0's list: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT, RESET).
pub fn allowed_while_subscribed(name: &str) -> bool {
    matches!(
        name,
        "subscribe"
            | "psubscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "punsubscribe"
            | "sunsubscribe"
            | "ping"
            | "quit"
            | "reset"
    )
}

/// The error a subscribed RESP2 client gets for any other command
/// (`name` is the full name, `client|list` for subcommands).
pub fn subscribed_mode_error(name: &str) -> String {
    format!(
        "ERR Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET \
         are allowed in this context"
    )
}

/// True when the client has any channel or pattern subscription.
pub fn is_subscribed(ctx: &Ctx) -> bool {
    ctx.client.subscriptions.count() > 0
}

/// `[kind, name, count]`: one (un)subscribe confirmation.
fn confirmation(kind: &'static str, name: Reply, count: usize) -> Vec<Reply> {
    vec![Reply::text(kind), name, Reply::Integer(count as i64)]
}

/// Mirrors the client's subscription counts into `CLIENT LIST`'s fields.
fn update_info(ctx: &Ctx) {
    let mut info = ctx.client.handle.info.lock();
    info.sub = ctx.client.subscriptions.channels.len();
    info.psub = ctx.client.subscriptions.patterns.len();
}

fn add(ctx: &mut Ctx, args: &mut Parse, kind: Kind, word: &'static str) -> Result<Reply> {
    let mut out = Vec::new();
    while let Some(name) = args.try_next() {
        if ctx.client.subscriptions.set(kind).insert(name.clone()) {
            ctx.server.pubsub.add(kind, &name, &ctx.client.handle);
        }
        let count = ctx.client.subscriptions.count();
        out.push(confirmation(word, Reply::Bulk(name), count));
    }
    update_info(ctx);
    Ok(Reply::Pushes(out))
}

fn remove(ctx: &mut Ctx, args: &mut Parse, kind: Kind, word: &'static str) -> Result<Reply> {
    let names: Vec<Bytes> = if args.is_empty() {
        ctx.client.subscriptions.set(kind).iter().cloned().collect()
    } else {
        std::iter::from_fn(|| args.try_next()).collect()
    };
    if names.is_empty() {
        let count = ctx.client.subscriptions.count();
        return Ok(Reply::Pushes(vec![confirmation(word, Reply::Null, count)]));
    }
    let mut out = Vec::new();
    for name in names {
        if ctx.client.subscriptions.set(kind).shift_remove(&name) {
            ctx.server.pubsub.remove(kind, &name, ctx.client.id);
        }
        let count = ctx.client.subscriptions.count();
        out.push(confirmation(word, Reply::Bulk(name), count));
    }
    update_info(ctx);
    Ok(Reply::Pushes(out))
}

/// `SUBSCRIBE channel [channel ...]` — one `["subscribe", channel, count]`
/// per argument (repeats included), `count` being the client's channels
/// plus patterns afterwards.
fn subscribe(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    add(ctx, args, Kind::Channel, "subscribe")
}

/// `PSUBSCRIBE pattern [pattern ...]` — as SUBSCRIBE, with `psubscribe`.
fn psubscribe(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    add(ctx, args, Kind::Pattern, "psubscribe")
}

/// `UNSUBSCRIBE [channel ...]` — one `["unsubscribe", channel, count]` per
/// argument (also for channels not subscribed); without arguments, one per
/// subscribed channel, or `["unsubscribe", nil, count]` when there is none.
fn unsubscribe(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    remove(ctx, args, Kind::Channel, "unsubscribe")
}

/// `PUNSUBSCRIBE [pattern ...]` — as UNSUBSCRIBE, with `punsubscribe`.
fn punsubscribe(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    remove(ctx, args, Kind::Pattern, "punsubscribe")
}

/// Drops every subscription of the client without replying (`RESET`,
/// disconnect).
pub fn unsubscribe_all(ctx: &mut Ctx) {
    let subs = std::mem::take(&mut ctx.client.subscriptions);
    for name in &subs.channels {
        ctx.server.pubsub.remove(Kind::Channel, name, ctx.client.id);
    }
    for name in &subs.patterns {
        ctx.server.pubsub.remove(Kind::Pattern, name, ctx.client.id);
    }
    update_info(ctx);
}

/// `PUBLISH channel message` — the number of clients that received it
/// (channel subscribers plus matching pattern subscriptions). Not logged to
/// the AOF: it changes no data.
fn publish(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let channel = args.next_bytes()?;
    let message = args.next_bytes()?;
    Ok(Reply::Integer(
        ctx.server.pubsub.publish(&channel, &message),
    ))
}

/// Redis 7.0's error for a PUBSUB subcommand given too many arguments.
fn subcommand_syntax(name: &str) -> CommandError {
    CommandError::err(format!(
        "unknown subcommand or wrong number of arguments for '{name}'. Try PUBSUB HELP."
    ))
}

/// `PUBSUB CHANNELS [pattern]` — active channels (with at least one
/// subscriber) matching the pattern, as an array in no particular order.
fn channels(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let pattern = args.try_next();
    if !args.is_empty() {
        return Err(subcommand_syntax("channels"));
    }
    Ok(Reply::bulk_array(
        ctx.server.pubsub.channels(pattern.as_deref()),
    ))
}

/// `PUBSUB NUMSUB [channel ...]` — flat `[channel, count, ...]` array
/// (RESP2 and RESP3 alike, as Redis 7.0).
fn numsub(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let mut out = Vec::new();
    while let Some(channel) = args.try_next() {
        let count = ctx.server.pubsub.numsub(&channel);
        out.push(Reply::Bulk(channel));
        out.push(Reply::Integer(count));
    }
    Ok(Reply::Array(out))
}

/// `PUBSUB NUMPAT` — the number of distinct subscribed patterns.
fn numpat(ctx: &mut Ctx, _args: &mut Parse) -> Result<Reply> {
    Ok(Reply::Integer(ctx.server.pubsub.numpat()))
}

/// `PUBSUB SHARDCHANNELS [pattern]` — always empty (no SSUBSCRIBE).
fn shardchannels(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.try_next();
    if !args.is_empty() {
        return Err(subcommand_syntax("shardchannels"));
    }
    Ok(Reply::Array(Vec::new()))
}

/// `PUBSUB SHARDNUMSUB [channel ...]` — `[channel, 0, ...]`.
fn shardnumsub(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let mut out = Vec::new();
    while let Some(channel) = args.try_next() {
        out.push(Reply::Bulk(channel));
        out.push(Reply::Integer(0));
    }
    Ok(Reply::Array(out))
}

/// `PUBSUB HELP` — Redis 7.0's help lines.
fn help(_ctx: &mut Ctx, _args: &mut Parse) -> Result<Reply> {
    const LINES: &[&str] = &[
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    ];
    Ok(Reply::Array(
        LINES.iter().map(|l| Reply::Status((*l).into())).collect(),
    ))
}
