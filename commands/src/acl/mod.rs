//! Access control as Redis 7.0 does it: users (`ACL SETUSER` ...),
//! authentication (`AUTH`, `HELLO ... AUTH`, `requirepass` as the default
//! user's password), the permission check every command passes before it
//! runs (command, keys, channels; `NOPERM` otherwise), and `ACL LOG`.
//!
//! Clients hold a shared handle on their user, so `ACL SETUSER` changes
//! apply to connections already authenticated as that user, and a user
//! that no check can refuse (the default `+@all ~* &*`) costs one atomic
//! load per command.

pub mod cmd;
mod describe;
pub mod file;
pub mod log;
pub mod selector;
#[cfg(test)]
mod tests;
pub mod user;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};

use crate::ctx::Ctx;
use crate::error::CommandError;
use crate::table::CommandSpec;
use log::{AclLog, Denial};
use selector::Keys;
use user::User;

/// A user as clients hold it: its rules, and whether they restrict anything.
pub struct UserHandle {
    /// The user's rules.
    pub user: RwLock<User>,
    unrestricted: AtomicBool,
    admin: AtomicBool,
    deleted: AtomicBool,
}

impl UserHandle {
    fn new(user: User) -> Arc<UserHandle> {
        Arc::new(UserHandle {
            unrestricted: AtomicBool::new(user.unrestricted()),
            admin: AtomicBool::new(user.is_admin()),
            user: RwLock::new(user),
            deleted: AtomicBool::new(false),
        })
    }

    /// A handle on a default user (`+@all ~* &*`), not registered: what a
    /// client holds until its connection takes the server's. One shared
    /// handle, built once: building it lists every command, which cost a
    /// new connection about 200k instructions. Nothing changes it, as only
    /// registered users are replaced or deleted.
    pub fn detached_default() -> Arc<UserHandle> {
        static DETACHED: std::sync::LazyLock<Arc<UserHandle>> =
            std::sync::LazyLock::new(|| UserHandle::new(User::default_user()));
        Arc::clone(&DETACHED)
    }

    fn mark_deleted(&self) {
        self.deleted.store(true, Relaxed);
        self.unrestricted.store(false, Relaxed);
        self.admin.store(false, Relaxed);
    }

    fn replace(&self, user: User) {
        self.unrestricted.store(user.unrestricted(), Relaxed);
        self.admin.store(user.is_admin(), Relaxed);
        *self.user.write() = user;
    }

    /// True when the user sees every session (SPEC §3: the admin permission).
    pub fn is_admin(&self) -> bool {
        self.admin.load(Relaxed)
    }

    /// The user's name.
    pub fn name(&self) -> String {
        self.user.read().name.clone()
    }
}

/// The server's users and ACL log. One per server.
pub struct Acl {
    users: RwLock<BTreeMap<String, Arc<UserHandle>>>,
    /// `ACL LOG`.
    pub log: Mutex<AclLog>,
}

impl Default for Acl {
    fn default() -> Self {
        let mut users = BTreeMap::new();
        users.insert("default".to_string(), UserHandle::new(User::default_user()));
        Acl {
            users: RwLock::new(users),
            log: Mutex::new(AclLog::default()),
        }
    }
}

/// Redis 7.0's reply to a failed `AUTH`.
pub const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

impl Acl {
    /// The handle of user `name`.
    pub fn get(&self, name: &str) -> Option<Arc<UserHandle>> {
        self.users.read().get(name).cloned()
    }

    /// The default user's handle (new connections start as it).
    pub fn default_user(&self) -> Arc<UserHandle> {
        // The default user cannot be deleted (`ACL DELUSER` refuses it).
        self.get("default").expect("the default user always exists")
    }

    /// True when a new connection is authenticated at once: the default
    /// user is on and needs no password.
    pub fn default_needs_no_auth(&self) -> bool {
        let handle = self.default_user();
        let user = handle.user.read();
        user.enabled && user.nopass
    }

    /// Applies `acl-pubsub-default` (`allchannels` / `resetchannels`) to
    /// users created from now on.
    pub fn set_pubsub_default(value: &str) {
        user::NEW_USERS_ALL_CHANNELS.store(value == "allchannels", Relaxed);
    }

    /// Makes `requirepass` the default user's only password (none: `nopass`),
    /// as Redis 7.0 does when the directive is set.
    pub fn set_requirepass(&self, password: &str) {
        let handle = self.default_user();
        let mut user = handle.user.read().clone();
        // Fixed rules, always valid.
        user.apply("resetpass").expect("valid rule");
        if password.is_empty() {
            user.apply("nopass").expect("valid rule");
        } else {
            user.apply(&format!(">{password}")).expect("valid rule");
        }
        handle.replace(user);
    }

    /// Applies `rules` to user `name`, creating it if needed; all or none
    /// apply. Error: `ERR Error in ACL SETUSER modifier '<rule>': <reason>`.
    pub fn set_user(&self, name: &str, rules: &[String]) -> Result<(), CommandError> {
        let mut users = self.users.write();
        let mut user = match users.get(name) {
            Some(handle) => handle.user.read().clone(),
            None => User::new(name),
        };
        user.apply_all(rules).map_err(|(rule, reason)| match rule {
            Some(rule) => {
                CommandError::err(format!("Error in ACL SETUSER modifier '{rule}': {reason}"))
            }
            None => CommandError::err(reason),
        })?;
        match users.get(name) {
            Some(handle) => handle.replace(user),
            None => {
                users.insert(name.to_string(), UserHandle::new(user));
            }
        }
        Ok(())
    }

    /// Removes the named users; returns how many existed. Clients
    /// authenticated as one are disconnected by the caller.
    pub fn delete_users(&self, names: &[String]) -> Vec<Arc<UserHandle>> {
        let mut users = self.users.write();
        names
            .iter()
            .filter_map(|n| users.remove(n))
            .inspect(|h| h.mark_deleted())
            .collect()
    }

    /// Every user, by name.
    pub fn users(&self) -> Vec<Arc<UserHandle>> {
        self.users.read().values().cloned().collect()
    }

    /// The handle of `name` when `password` authenticates it (user on).
    pub fn authenticate(&self, name: &str, password: &[u8]) -> Option<Arc<UserHandle>> {
        let handle = self.get(name)?;
        let ok = {
            let user = handle.user.read();
            user.enabled && user.password_ok(password)
        };
        ok.then_some(handle)
    }
}

/// Why a command was refused, for the error reply and `ACL LOG`.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// The command (or subcommand) is not allowed.
    Command,
    /// A key the command names is not allowed.
    Key(Bytes),
    /// A channel the command names is not allowed.
    Channel(Bytes),
}

impl Refusal {
    /// Redis 7.0's order of refusals: when every selector refuses, the
    /// highest ranked refusal is reported.
    fn rank(&self) -> u8 {
        match self {
            Refusal::Command => 1,
            Refusal::Key(_) => 2,
            Refusal::Channel(_) => 4,
        }
    }
}

/// Checks `spec` with `argv` against `user`'s selectors: see
/// [`User::check`].
pub fn check_user(user: &User, spec: &CommandSpec, argv: &[Bytes]) -> Result<(), Refusal> {
    user.check(spec, argv, &keys(argv))
}

fn keys(argv: &[Bytes]) -> Keys {
    crate::introspection::keys_of(argv).ok()
}

/// The permission check dispatch runs before every command: `NOPERM`
/// (inside a script, Redis's script wording) and an `ACL LOG` entry when
/// the client's user may not run `argv`.
pub fn check(ctx: &Ctx, spec: &CommandSpec, argv: &[Bytes]) -> Result<(), CommandError> {
    let handle = &ctx.client.acl_user;
    if handle.unrestricted.load(Relaxed) {
        return Ok(());
    }
    let refusal = {
        let user = handle.user.read();
        // Key positions only when a key rule or session access can refuse.
        let keys = if !user.restricts_keys() && handle.is_admin() {
            None
        } else {
            keys(argv)
        };
        if handle.deleted.load(Relaxed) {
            Err(Refusal::Command)
        } else {
            user.check(spec, argv, &keys)
        }
        .map(|()| keys)
    };
    let refusal = refusal.and_then(|keys| session_access(ctx, handle, argv, &keys));
    let Err(refusal) = refusal else {
        return Ok(());
    };
    let context = if ctx.client.in_script {
        "lua"
    } else if ctx.client.multi.is_some() {
        "multi"
    } else {
        "toplevel"
    };
    let (reason, object) = match &refusal {
        Refusal::Command => ("command", spec.name.to_string()),
        Refusal::Key(k) => ("key", String::from_utf8_lossy(k).into_owned()),
        Refusal::Channel(c) => ("channel", String::from_utf8_lossy(c).into_owned()),
    };
    ctx.server.acl.log.lock().add(Denial {
        reason,
        context,
        object,
        username: ctx.client.user.clone(),
        client_info: ctx.client.handle.info_line(),
    });
    Err(CommandError::raw(refusal_text(
        &refusal,
        spec,
        ctx.client.in_script,
    )))
}

/// SPEC §3: a session is visible only to its owner and to admins. Refuses
/// (as a key) a session key among `argv`'s keys owned by another user.
fn session_access(
    ctx: &Ctx,
    handle: &UserHandle,
    argv: &[Bytes],
    keys: &Keys,
) -> Result<(), Refusal> {
    if handle.is_admin() {
        return Ok(());
    }
    let Some((_, positions)) = keys else {
        return Ok(());
    };
    if positions.is_empty() {
        return Ok(());
    }
    let db = ctx.db();
    for &i in positions {
        if let Some(entry) = db.stored(&argv[i])
            && let crate::keyspace::Value::Session(session) = &entry.value
            && session.owner != ctx.client.user
        {
            return Err(Refusal::Key(argv[i].clone()));
        }
    }
    Ok(())
}

/// Redis 7.0's error text for a refusal.
fn refusal_text(refusal: &Refusal, spec: &CommandSpec, in_script: bool) -> String {
    match (refusal, in_script) {
        (Refusal::Command, false) => format!(
            "NOPERM this user has no permissions to run the '{}' command",
            spec.name
        ),
        (Refusal::Key(_), false) => {
            "NOPERM this user has no permissions to access one of the keys used as arguments".into()
        }
        (Refusal::Channel(_), false) => {
            "NOPERM this user has no permissions to access one of the channels used as arguments"
                .into()
        }
        (Refusal::Command, true) => {
            "ERR The user executing the script can't run this command or subcommand".into()
        }
        (Refusal::Key(_), true) => "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments".into(),
        (Refusal::Channel(_), true) => "ERR The user executing the script can't publish to the channel mentioned in the command".into(),
    }
}

/// Logs a failed `AUTH` / `HELLO ... AUTH` in `ACL LOG` (reason `auth`).
pub fn log_auth_failure(ctx: &Ctx, username: &str, command: &str) {
    ctx.server.acl.log.lock().add(Denial {
        reason: "auth",
        context: "toplevel",
        object: command.to_string(),
        username: username.to_string(),
        client_info: ctx.client.handle.info_line(),
    });
}
