//! The server-wide pub/sub registry: which clients listen on which channel
//! or pattern, and message delivery (`PUBLISH`).

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use indexmap::IndexMap;
use parking_lot::Mutex;

use crate::client::ClientHandle;
use crate::reply::Reply;

/// Subscribers by client id, in subscription order.
type Subscribers = IndexMap<u64, Arc<ClientHandle>>;

/// Channel and pattern subscriptions of every client. One per server
/// ([`crate::state::Server::pubsub`]).
#[derive(Default)]
pub struct Registry {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Channel name → its subscribers (never empty: emptied entries are removed).
    channels: HashMap<Bytes, Subscribers>,
    /// Glob pattern → its subscribers (never empty).
    patterns: HashMap<Bytes, Subscribers>,
}

/// Whether a subscription is to a channel or to a pattern.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// `SUBSCRIBE`: exact channel names.
    Channel,
    /// `PSUBSCRIBE`: glob patterns matched against channel names.
    Pattern,
}

impl Inner {
    fn map(&mut self, kind: Kind) -> &mut HashMap<Bytes, Subscribers> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
        }
    }
}

impl Registry {
    /// Adds `client` to the subscribers of `name`.
    pub fn add(&self, kind: Kind, name: &Bytes, client: &Arc<ClientHandle>) {
        let mut inner = self.inner.lock();
        inner
            .map(kind)
            .entry(name.clone())
            .or_default()
            .insert(client.id, client.clone());
    }

    /// Removes client `id` from the subscribers of `name`, dropping the
    /// entry once nobody is left.
    pub fn remove(&self, kind: Kind, name: &[u8], id: u64) {
        let mut inner = self.inner.lock();
        let map = inner.map(kind);
        if let Some(subscribers) = map.get_mut(name) {
            subscribers.shift_remove(&id);
            if subscribers.is_empty() {
                map.remove(name);
            }
        }
    }

    /// Delivers `payload` on `channel`: `["message", channel, payload]` to
    /// each channel subscriber, then `["pmessage", pattern, channel, payload]`
    /// once per matching pattern subscription. Returns the number of
    /// messages queued (clients already gone are not counted).
    pub fn publish(&self, channel: &Bytes, payload: &Bytes) -> i64 {
        let mut deliveries: Vec<(Arc<ClientHandle>, Vec<Reply>)> = Vec::new();
        {
            let inner = self.inner.lock();
            if let Some(subscribers) = inner.channels.get(channel) {
                for handle in subscribers.values() {
                    let message = vec![
                        Reply::text("message"),
                        Reply::Bulk(channel.clone()),
                        Reply::Bulk(payload.clone()),
                    ];
                    deliveries.push((handle.clone(), message));
                }
            }
            for (pattern, subscribers) in &inner.patterns {
                if !crate::glob::glob_match(pattern, channel, false) {
                    continue;
                }
                for handle in subscribers.values() {
                    let message = vec![
                        Reply::text("pmessage"),
                        Reply::Bulk(pattern.clone()),
                        Reply::Bulk(channel.clone()),
                        Reply::Bulk(payload.clone()),
                    ];
                    deliveries.push((handle.clone(), message));
                }
            }
        }
        let mut delivered = 0;
        for (handle, message) in deliveries {
            if handle.push(message) {
                delivered += 1;
            }
        }
        delivered
    }

    /// Channels with at least one subscriber whose name matches `pattern`
    /// (all of them when `None`), in no particular order (`PUBSUB CHANNELS`).
    pub fn channels(&self, pattern: Option<&[u8]>) -> Vec<Bytes> {
        let inner = self.inner.lock();
        inner
            .channels
            .keys()
            .filter(|name| pattern.is_none_or(|p| crate::glob::glob_match(p, name, false)))
            .cloned()
            .collect()
    }

    /// Number of subscribers of `channel`, patterns excluded (`PUBSUB NUMSUB`).
    pub fn numsub(&self, channel: &[u8]) -> i64 {
        let inner = self.inner.lock();
        inner.channels.get(channel).map_or(0, |s| s.len() as i64)
    }

    /// Number of channels with at least one subscriber (`INFO stats`
    /// `pubsub_channels`).
    pub fn channel_count(&self) -> usize {
        self.inner.lock().channels.len()
    }

    /// Number of distinct patterns with at least one subscriber (`PUBSUB NUMPAT`).
    pub fn numpat(&self) -> i64 {
        self.inner.lock().patterns.len() as i64
    }
}
