//! Per-connection state, and the registry of connected clients that
//! `CLIENT LIST`, `CLIENT KILL` and `INFO clients` read.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::reply::Reply;

/// State owned by one connection's task.
pub struct Client {
    /// Unique, increasing id (`CLIENT ID`).
    pub id: u64,
    /// Selected database.
    pub db: usize,
    /// Protocol version: 2 or 3 (`HELLO`).
    pub resp: u8,
    /// Authenticated user name (`default` until `AUTH` names another).
    pub user: String,
    /// False while a password is required and none was given.
    pub authenticated: bool,
    /// Close the connection once the current reply is written (`QUIT`, `CLIENT KILL` of self).
    pub close_after_reply: bool,
    /// `CLIENT NO-EVICT ON`: eviction skips this client (accepted, no client eviction yet).
    pub no_evict: bool,
    /// `CLIENT NO-TOUCH ON`: reads by this client do not update keys' access time.
    pub no_touch: bool,
    /// The AOF loader's client: runs while the server is loading.
    pub aof_loader: bool,
    /// True while this client's Lua script runs commands (`redis.call`):
    /// `noscript` commands are refused and `MONITOR` shows them as `lua`.
    pub in_script: bool,
    /// The ACL user this connection runs as (shared, so `ACL SETUSER`
    /// changes apply at once).
    pub acl_user: Arc<crate::acl::UserHandle>,
    /// The transaction being queued after `MULTI`.
    pub multi: Option<crate::multi::Multi>,
    /// Keys this client `WATCH`es.
    pub watching: Vec<crate::multi::WatchedKey>,
    /// Channels and patterns this client subscribes to (`SUBSCRIBE`, `PSUBSCRIBE`).
    pub subscriptions: crate::pubsub::Subscriptions,
    /// The part other connections can see.
    pub handle: Arc<ClientHandle>,
    /// Out-of-band messages for this client (see [`ClientHandle::push`]); the
    /// connection task drains it between reads.
    pub pushes: UnboundedReceiver<Outgoing>,
}

/// One out-of-band message queued for a connection.
#[derive(Debug)]
pub enum Outgoing {
    /// A pub/sub message or invalidation: a RESP3 push (`>n`), or an array
    /// for RESP2 clients.
    Push(Vec<Reply>),
    /// A plain status line (`+text`) in either protocol: a `MONITOR` line.
    /// It goes out after the reply of the command being run, as in Redis.
    Status(String),
    /// No message: wakes the connection's read loop to see a kill or a
    /// shutdown (see [`ClientHandle::wake`]). 0 bytes of output.
    Wake,
}

/// What other connections may read or signal about a client.
pub struct ClientHandle {
    /// Same as [`Client::id`].
    pub id: u64,
    /// Peer address, `ip:port`.
    pub addr: String,
    /// Local address, `ip:port`.
    pub laddr: String,
    /// When the connection was accepted.
    pub created: Instant,
    /// Mutable fields shown by `CLIENT LIST`.
    pub info: Mutex<ClientInfo>,
    /// Set by `CLIENT KILL`; the connection closes at its next chance.
    pub killed: AtomicBool,
    /// Wakes the connection task when it is killed, in a blocking command,
    /// a pause or a write. Between commands, the read loop is woken through
    /// its message channel instead (see [`ClientHandle::wake`]).
    pub kill_notify: Notify,
    /// True while the client waits in a blocking command (`CLIENT UNBLOCK`).
    pub waiting_on_keys: AtomicBool,
    /// Wakes a client waiting in a blocking command (`CLIENT UNBLOCK`).
    pub unblock_notify: Notify,
    /// Whether the unblock asked for an error reply instead of a timeout.
    pub unblock_error: AtomicBool,
    /// Output bytes queued, not yet written: the connection's output buffer
    /// and the out-of-band messages in the channel (see [`crate::obuf`]).
    pub output: crate::obuf::Pending,
    push_tx: UnboundedSender<Outgoing>,
}

/// The `CLIENT LIST` fields that change over a connection's life.
#[derive(Clone, Debug)]
pub struct ClientInfo {
    /// `CLIENT SETNAME`.
    pub name: String,
    /// `CLIENT SETINFO LIB-NAME`.
    pub lib_name: String,
    /// `CLIENT SETINFO LIB-VER`.
    pub lib_ver: String,
    /// Selected database.
    pub db: usize,
    /// Last command, lower-case (`client|list` for subcommands): a spec's
    /// name, so recording it per command copies nothing.
    pub last_cmd: &'static str,
    /// Last command time.
    pub last_interaction: Instant,
    /// Protocol version.
    pub resp: u8,
    /// Authenticated user.
    pub user: String,
    /// Bytes waiting in the query buffer.
    pub qbuf: usize,
    /// Free capacity of the query buffer, bytes (`qbuf-free`).
    pub qbuf_free: usize,
    /// Read buffer size, bytes (`rbs`).
    pub rbs: usize,
    /// Largest read buffer size seen, bytes (`rbp`).
    pub rbp: usize,
    /// The socket's file descriptor (`fd`), -1 when unknown.
    pub fd: i32,
    /// True while the connection waits for a deferred (blocking-pool) reply;
    /// idle `timeout` never closes such a client (as Redis spares blocked clients).
    pub blocked: bool,
    /// Subscribed channels (`sub=`).
    pub sub: usize,
    /// Subscribed patterns (`psub=`).
    pub psub: usize,
    /// In `MONITOR` mode (`flags=O`).
    pub monitor: bool,
}

impl ClientInfo {
    /// True for a client with any pub/sub subscription (`flags=P`, `TYPE pubsub`).
    pub fn is_pubsub(&self) -> bool {
        self.sub + self.psub > 0
    }
}

impl ClientHandle {
    /// Marks the client killed and wakes its task.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        self.kill_notify.notify_one();
        self.wake();
    }

    /// Wakes the connection's read loop, which then checks whether it was
    /// killed or the server is shutting down. The read loop waits on its
    /// socket and this channel only, so that an idle wait costs two polls,
    /// not four (the kill and shutdown waits beside them cost about 230
    /// instructions a request at `redis-benchmark -P 1`).
    pub fn wake(&self) {
        // A closed channel: the connection is gone, nothing to wake.
        let _ = self.push_tx.send(Outgoing::Wake);
    }

    /// Ends the client's wait in a blocking command, as if it timed out
    /// or (`error`) with an `UNBLOCKED` error (`CLIENT UNBLOCK`). False
    /// when the client is not waiting in one.
    pub fn unblock(&self, error: bool) -> bool {
        if !self.waiting_on_keys.load(Ordering::SeqCst) {
            return false;
        }
        self.unblock_error.store(error, Ordering::SeqCst);
        self.unblock_notify.notify_one();
        true
    }

    /// True once [`ClientHandle::kill`] was called.
    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }

    /// Queues an out-of-band message (pub/sub message, invalidation): the
    /// connection writes it between commands as a RESP3 push (`>n`) or, for
    /// RESP2 clients, as an array (`*n`). Returns false when the connection
    /// is already gone.
    pub fn push(&self, items: Vec<Reply>) -> bool {
        self.queue(Outgoing::Push(items))
    }

    /// Sends `item` unless that takes the client over its
    /// `client-output-buffer-limit`: then the client is closed instead, as
    /// Redis does (a message to a closing client is dropped).
    fn queue(&self, item: Outgoing) -> bool {
        if self.output.admit(self, &item) {
            self.push_tx.send(item).is_ok()
        } else {
            !self.push_tx.is_closed()
        }
    }

    /// Queues a plain status line (`+line`, both protocols; a `MONITOR`
    /// line), written after the reply of any command being run. Returns
    /// false when the connection is already gone.
    pub fn push_status(&self, line: String) -> bool {
        self.queue(Outgoing::Status(line))
    }

    /// The client's `CLIENT LIST` / `CLIENT INFO` line, without the trailing
    /// newline. Field order and names match Redis 7.0, followed by Redis 7.2's
    /// `lib-name` and `lib-ver` (framekv has `CLIENT SETINFO`).
    pub fn info_line(&self) -> String {
        let info = self.info.lock();
        let now = Instant::now();
        let age = now.duration_since(self.created).as_secs();
        let idle = now.duration_since(info.last_interaction).as_secs();
        // Redis 7.0's order: O (monitor), P (pubsub), b (blocked); N for none.
        let mut flags = String::new();
        for (on, flag) in [
            (info.monitor, 'O'),
            (info.is_pubsub(), 'P'),
            (info.blocked, 'b'),
        ] {
            if on {
                flags.push(flag);
            }
        }
        if flags.is_empty() {
            flags.push('N');
        }
        // Redis's tot-mem counts the client struct, buffers and argv; ours is
        // the query buffer plus a fixed per-client overhead.
        let tot_mem = info.rbs + 1024;
        format!(
            "id={} addr={} laddr={} fd={} name={} age={age} idle={idle} flags={flags} db={} \
             sub={} psub={} ssub=0 multi=-1 qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 \
             rbs={} rbp={} obl=0 oll=0 omem={} tot-mem={tot_mem} events=r cmd={} user={} \
             redir=-1 resp={} lib-name={} lib-ver={}",
            self.id,
            self.addr,
            self.laddr,
            info.fd,
            info.name,
            info.db,
            info.sub,
            info.psub,
            info.qbuf,
            info.qbuf_free,
            info.rbs,
            info.rbp,
            self.output.total(),
            info.last_cmd,
            info.user,
            info.resp,
            info.lib_name,
            info.lib_ver,
        )
    }
}

/// All connected clients by id.
#[derive(Default)]
pub struct ClientRegistry {
    clients: Mutex<BTreeMap<u64, Arc<ClientHandle>>>,
    next_id: Mutex<u64>,
}

impl ClientRegistry {
    /// Registers a new connection and returns its client state.
    pub fn connect(&self, addr: String, laddr: String) -> Client {
        let id = {
            let mut next = self.next_id.lock();
            *next += 1;
            *next
        };
        let now = Instant::now();
        let (push_tx, pushes) = unbounded_channel();
        let handle = Arc::new(ClientHandle {
            id,
            addr,
            laddr,
            created: now,
            info: Mutex::new(ClientInfo {
                name: String::new(),
                lib_name: String::new(),
                lib_ver: String::new(),
                db: 0,
                last_cmd: "NULL",
                last_interaction: now,
                resp: 2,
                user: "default".into(),
                qbuf: 0,
                qbuf_free: 0,
                rbs: 0,
                rbp: 0,
                fd: -1,
                blocked: false,
                sub: 0,
                psub: 0,
                monitor: false,
            }),
            killed: AtomicBool::new(false),
            kill_notify: Notify::new(),
            waiting_on_keys: AtomicBool::new(false),
            unblock_notify: Notify::new(),
            unblock_error: AtomicBool::new(false),
            output: Default::default(),
            push_tx,
        });
        self.clients.lock().insert(id, handle.clone());
        Client {
            id,
            db: 0,
            resp: 2,
            user: "default".into(),
            authenticated: true,
            close_after_reply: false,
            no_evict: false,
            no_touch: false,
            aof_loader: false,
            in_script: false,
            acl_user: crate::acl::UserHandle::detached_default(),
            multi: None,
            watching: Vec::new(),
            subscriptions: Default::default(),
            handle,
            pushes,
        }
    }

    /// Removes a closed connection.
    pub fn disconnect(&self, id: u64) {
        self.clients.lock().remove(&id);
    }

    /// Closes another client (`CLIENT KILL`, idle `timeout`): removes it from
    /// the registry at once, so `CLIENT LIST` and a repeated `CLIENT KILL` no
    /// longer see it (Redis frees it immediately), and wakes its task, which
    /// closes the socket. Returns false when no such client was connected.
    pub fn kill(&self, id: u64) -> bool {
        let removed = self.clients.lock().remove(&id);
        match removed {
            Some(handle) => {
                handle.kill();
                true
            }
            None => false,
        }
    }

    /// Every connected client, by increasing id.
    pub fn all(&self) -> Vec<Arc<ClientHandle>> {
        self.clients.lock().values().cloned().collect()
    }

    /// The client with `id`, if connected.
    pub fn get(&self, id: u64) -> Option<Arc<ClientHandle>> {
        self.clients.lock().get(&id).cloned()
    }

    /// Number of connected clients.
    pub fn len(&self) -> usize {
        self.clients.lock().len()
    }

    /// True when no client is connected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
