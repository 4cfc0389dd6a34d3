//! Per-connection state, and the registry of connected clients that
//! `CLIENT LIST`, `CLIENT KILL` and `INFO clients` read.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use parking_lot::Mutex;
use tokio::sync::Notify;

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
    /// The part other connections can see.
    pub handle: Arc<ClientHandle>,
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
    /// Wakes the connection task when it is killed.
    pub kill_notify: Notify,
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
    /// Last command, lower-case (`client|list` for subcommands).
    pub last_cmd: String,
    /// Last command time.
    pub last_interaction: Instant,
    /// Protocol version.
    pub resp: u8,
    /// Authenticated user.
    pub user: String,
    /// Bytes waiting in the query buffer.
    pub qbuf: usize,
}

impl ClientHandle {
    /// Marks the client killed and wakes its task.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        self.kill_notify.notify_one();
    }

    /// True once [`ClientHandle::kill`] was called.
    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
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
                last_cmd: "NULL".into(),
                last_interaction: now,
                resp: 2,
                user: "default".into(),
                qbuf: 0,
            }),
            killed: AtomicBool::new(false),
            kill_notify: Notify::new(),
        });
        self.clients.lock().insert(id, handle.clone());
        Client {
            id,
            db: 0,
            resp: 2,
            user: "default".into(),
            authenticated: true,
            close_after_reply: false,
            handle,
        }
    }

    /// Removes a closed connection.
    pub fn disconnect(&self, id: u64) {
        self.clients.lock().remove(&id);
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
