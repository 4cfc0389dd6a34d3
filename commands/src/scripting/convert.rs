//! Redis 7.0's conversions between command replies and Lua values.
//!
//! A reply reaches the script (`redis.call`) in the protocol the script
//! chose with `redis.setresp` (RESP2 unless it asked for 3): RESP2 maps
//! become flat tables, doubles strings, booleans 1/0 and nulls `false`;
//! RESP3 gives `{map=...}`, `{set=...}`, `{double=n}`, booleans and `nil`.
//! Status replies become `{ok=text}` and errors `{err=text}` in both.
//!
//! A script's return value becomes the reply: strings bulk strings,
//! numbers integers (truncated, as C casts them), `{err=...}` an error,
//! `{ok=...}` a status, `{double=n}`, `{map=...}`, `{set=...}` their RESP3
//! types, other tables arrays up to their first `nil`, `nil` a null, and
//! booleans `1`/null (RESP2 scripts) or RESP3 booleans.

use bytes::Bytes;
use mlua::{Lua, Table, Value};

use crate::reply::Reply;

/// Deepest nesting converted; deeper (or self-referencing) tables become
/// an error reply instead of overflowing the stack.
const MAX_DEPTH: usize = 256;

/// The Lua value `redis.call` returns for `reply`, in RESP3 form when
/// `resp3` (the script called `redis.setresp(3)`).
pub fn reply_to_lua(lua: &Lua, reply: Reply, resp3: bool) -> mlua::Result<Value> {
    Ok(match reply {
        Reply::Status(text) => {
            Value::Table(single(lua, "ok", lua.create_string(text.as_bytes())?)?)
        }
        Reply::Error(text) => {
            Value::Table(single(lua, "err", lua.create_string(text.as_bytes())?)?)
        }
        Reply::Integer(n) => Value::Integer(n),
        Reply::Bulk(bytes) => Value::String(lua.create_string(&bytes)?),
        Reply::Null | Reply::NullArray if resp3 => Value::Nil,
        Reply::Null | Reply::NullArray => Value::Boolean(false),
        Reply::Array(items) => sequence(lua, items, resp3)?,
        Reply::Bulks(bulks) => {
            let table = lua.create_table_with_capacity(bulks.items().len(), 0)?;
            for (i, item) in bulks.items().enumerate() {
                table.raw_set(i + 1, lua.create_string(item)?)?;
            }
            Value::Table(table)
        }
        Reply::Set(items) if resp3 => {
            let members = lua.create_table()?;
            for item in items {
                members.raw_set(reply_to_lua(lua, item, resp3)?, true)?;
            }
            Value::Table(single(lua, "set", members)?)
        }
        Reply::Set(items) => sequence(lua, items, resp3)?,
        Reply::Map(pairs) if resp3 => {
            let map = lua.create_table()?;
            for (key, value) in pairs {
                map.raw_set(
                    reply_to_lua(lua, key, resp3)?,
                    reply_to_lua(lua, value, resp3)?,
                )?;
            }
            Value::Table(single(lua, "map", map)?)
        }
        Reply::Map(pairs) => {
            let flat = lua.create_table()?;
            for (i, (key, value)) in pairs.into_iter().enumerate() {
                flat.raw_set(2 * i + 1, reply_to_lua(lua, key, resp3)?)?;
                flat.raw_set(2 * i + 2, reply_to_lua(lua, value, resp3)?)?;
            }
            Value::Table(flat)
        }
        Reply::Double(d) if resp3 => Value::Table(single(lua, "double", d)?),
        Reply::Double(d) => Value::String(lua.create_string(crate::zset::score::fmt_score(d))?),
        Reply::Bool(b) if resp3 => Value::Boolean(b),
        Reply::Bool(b) => Value::Integer(i64::from(b)),
        Reply::Verbatim(text) if resp3 => {
            let verbatim = lua.create_table()?;
            verbatim.raw_set("format", "txt")?;
            verbatim.raw_set("string", lua.create_string(text.as_bytes())?)?;
            Value::Table(single(lua, "verbatim_string", verbatim)?)
        }
        Reply::Verbatim(text) => Value::String(lua.create_string(text.as_bytes())?),
        Reply::Pushes(messages) => {
            let items = messages.into_iter().map(Reply::Array).collect();
            sequence(lua, items, resp3)?
        }
        // Dispatch runs deferred work and turns a would-be block into its
        // timeout reply before converting (see `run`).
        Reply::Deferred(_) | Reply::Block(_) => Value::Boolean(false),
    })
}

fn single(lua: &Lua, field: &str, value: impl mlua::IntoLua) -> mlua::Result<Table> {
    let table = lua.create_table_with_capacity(0, 1)?;
    table.raw_set(field, value)?;
    Ok(table)
}

fn sequence(lua: &Lua, items: Vec<Reply>, resp3: bool) -> mlua::Result<Value> {
    let table = lua.create_table_with_capacity(items.len(), 0)?;
    for (i, item) in items.into_iter().enumerate() {
        table.raw_set(i + 1, reply_to_lua(lua, item, resp3)?)?;
    }
    Ok(Value::Table(table))
}

/// The reply for a script's return value. `resp3` is the script's
/// protocol (`redis.setresp`), which decides what booleans become.
pub fn lua_to_reply(value: &Value, resp3: bool) -> Reply {
    to_reply(value, resp3, 0)
}

fn to_reply(value: &Value, resp3: bool, depth: usize) -> Reply {
    if depth > MAX_DEPTH {
        return Reply::Error("ERR reached lua stack limit".into());
    }
    match value {
        Value::String(s) => Reply::Bulk(Bytes::copy_from_slice(&s.as_bytes())),
        Value::Integer(n) => Reply::Integer(*n),
        Value::Number(n) => Reply::Integer(c_cast(*n)),
        Value::Boolean(b) if resp3 => Reply::Bool(*b),
        Value::Boolean(true) => Reply::Integer(1),
        Value::Table(table) => table_to_reply(table, resp3, depth),
        _ => Reply::Null,
    }
}

/// C's `(long long)` cast of a double on x86-64: out of range (and NaN)
/// gives `LLONG_MIN`, which is what Redis replies for `return 1/0`.
fn c_cast(n: f64) -> i64 {
    if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&n) {
        i64::MIN
    } else {
        n as i64
    }
}

fn table_to_reply(table: &Table, resp3: bool, depth: usize) -> Reply {
    let field = |name: &str| table.raw_get::<Value>(name).unwrap_or(Value::Nil);
    if let Value::String(text) = field("err") {
        return Reply::Error(text.to_string_lossy());
    }
    if let Value::String(text) = field("ok") {
        return Reply::Status(text.to_string_lossy().into());
    }
    match field("double") {
        Value::Number(d) => return Reply::Double(d),
        Value::Integer(n) => return Reply::Double(n as f64),
        _ => {}
    }
    if let Value::Table(map) = field("map") {
        let pairs = map
            .pairs::<Value, Value>()
            .filter_map(|pair| pair.ok())
            .map(|(k, v)| {
                (
                    to_reply(&k, resp3, depth + 1),
                    to_reply(&v, resp3, depth + 1),
                )
            })
            .collect();
        return Reply::Map(pairs);
    }
    if let Value::Table(set) = field("set") {
        let members = set
            .pairs::<Value, Value>()
            .filter_map(|pair| pair.ok())
            .map(|(k, _)| to_reply(&k, resp3, depth + 1))
            .collect();
        return Reply::Set(members);
    }
    let mut items = Vec::new();
    for i in 1.. {
        match table.raw_get::<Value>(i) {
            Ok(Value::Nil) | Err(_) => break,
            Ok(item) => items.push(to_reply(&item, resp3, depth + 1)),
        }
    }
    Reply::Array(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_numbers_cast_as_c_does() {
        assert_eq!(c_cast(3.99), 3);
        assert_eq!(c_cast(-3.99), -3);
        assert_eq!(c_cast(1e20), i64::MIN);
        assert_eq!(c_cast(f64::NAN), i64::MIN);
        assert_eq!(c_cast(f64::NEG_INFINITY), i64::MIN);
    }

    #[test]
    fn a_self_referencing_table_is_an_error_not_a_crash() {
        let lua = Lua::new();
        let table: Table = lua.load("local t = {} t[1] = t return t").eval().unwrap();
        let reply = lua_to_reply(&Value::Table(table), false);
        let mut depth = 0;
        let mut at = &reply;
        while let Reply::Array(items) = at {
            depth += 1;
            at = &items[0];
        }
        assert!(
            matches!(at, Reply::Error(e) if e.contains("stack limit")),
            "{at:?}"
        );
        assert_eq!(depth, MAX_DEPTH + 1);
    }
}
