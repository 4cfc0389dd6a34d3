//! The two extra Lua libraries Redis scripts use most, `cjson` and `bit`,
//! written against their documented behaviour (lua-cjson 2.1 and
//! LuaBitOp 1.0, which Redis 7.0 bundles). Redis's `struct` and
//! `cmsgpack` are not provided.

use mlua::{LightUserData, Lua, Table, Value, Variadic};

/// Deepest nesting `cjson.encode` / `cjson.decode` accept (lua-cjson's default).
const MAX_JSON_DEPTH: usize = 1000;

/// Registers `cjson` and `bit` as globals (before the sandbox locks them).
pub fn install(lua: &Lua) -> mlua::Result<()> {
    let cjson = lua.create_table()?;
    cjson.raw_set("null", null())?;
    cjson.raw_set(
        "encode",
        lua.create_function(|_, value: Value| {
            let mut out = String::new();
            encode(&value, 0, &mut out).map_err(mlua::Error::RuntimeError)?;
            Ok(out)
        })?,
    )?;
    cjson.raw_set(
        "decode",
        lua.create_function(|lua, text: mlua::LuaString| {
            let parsed: serde_json::Value =
                serde_json::from_slice(&text.as_bytes()).map_err(|e| {
                    mlua::Error::RuntimeError(format!(
                        "Expected value but found invalid token: {e}"
                    ))
                })?;
            decode(lua, &parsed, 0)
        })?,
    )?;
    lua.globals().raw_set("cjson", cjson)?;
    lua.globals().raw_set("bit", bit_library(lua)?)?;
    Ok(())
}

/// `cjson.null`: a light userdata holding NULL, as lua-cjson's.
fn null() -> Value {
    Value::LightUserData(LightUserData(std::ptr::null_mut()))
}

fn encode(value: &Value, depth: usize, out: &mut String) -> Result<(), String> {
    if depth > MAX_JSON_DEPTH {
        return Err(format!("Cannot serialise, excessive nesting ({depth})"));
    }
    match value {
        Value::Nil => out.push_str("null"),
        Value::LightUserData(ud) if ud.0.is_null() => out.push_str("null"),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Integer(n) => out.push_str(&n.to_string()),
        Value::Number(n) => {
            if !n.is_finite() {
                return Err("Cannot serialise number: must not be NaN or Inf".into());
            }
            out.push_str(&format_g(*n, 14));
        }
        Value::String(s) => quote(&s.as_bytes(), out),
        Value::Table(t) => encode_table(t, depth, out)?,
        other => {
            return Err(format!(
                "Cannot serialise {}: type not supported",
                other.type_name()
            ));
        }
    }
    Ok(())
}

/// A table is an array when every key is a positive integer and it is not
/// "excessively sparse" (lua-cjson: largest index over twice the count and
/// over 10).
fn encode_table(table: &Table, depth: usize, out: &mut String) -> Result<(), String> {
    let mut count = 0usize;
    let mut max = 0usize;
    let mut array = true;
    for pair in table.pairs::<Value, Value>() {
        let (key, _) = pair.map_err(|e| e.to_string())?;
        count += 1;
        let index = match key {
            Value::Integer(n) if n >= 1 => Some(n as usize),
            Value::Number(n) if n >= 1.0 && n.fract() == 0.0 => Some(n as usize),
            _ => None,
        };
        match index {
            Some(i) => max = max.max(i),
            None => array = false,
        }
    }
    if array && count > 0 {
        if max > count * 2 && max > 10 {
            return Err("Cannot serialise table: excessively sparse array".into());
        }
        out.push('[');
        for i in 1..=max {
            if i > 1 {
                out.push(',');
            }
            let item: Value = table.raw_get(i).map_err(|e| e.to_string())?;
            encode(&item, depth + 1, out)?;
        }
        out.push(']');
        return Ok(());
    }
    out.push('{');
    let mut first = true;
    for pair in table.pairs::<Value, Value>() {
        let (key, value) = pair.map_err(|e| e.to_string())?;
        if !first {
            out.push(',');
        }
        first = false;
        match &key {
            Value::String(s) => quote(&s.as_bytes(), out),
            Value::Integer(n) => quote(n.to_string().as_bytes(), out),
            Value::Number(n) => quote(format_g(*n, 14).as_bytes(), out),
            _ => return Err("Cannot serialise table: table key must be a number or string".into()),
        }
        out.push(':');
        encode(&value, depth + 1, out)?;
    }
    out.push('}');
    Ok(())
}

/// A JSON string literal, escaped as lua-cjson does (`/` included); bytes
/// that are not UTF-8 pass through unchanged.
fn quote(bytes: &[u8], out: &mut String) {
    out.push('"');
    let text = String::from_utf8_lossy(bytes);
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn decode(lua: &Lua, value: &serde_json::Value, depth: usize) -> mlua::Result<Value> {
    if depth > MAX_JSON_DEPTH {
        return Err(mlua::Error::RuntimeError(format!(
            "Found too many nested data structures ({depth})"
        )));
    }
    Ok(match value {
        serde_json::Value::Null => null(),
        serde_json::Value::Bool(b) => Value::Boolean(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::String(lua.create_string(s)?),
        serde_json::Value::Array(items) => {
            let table = lua.create_table_with_capacity(items.len(), 0)?;
            for (i, item) in items.iter().enumerate() {
                table.raw_set(i + 1, decode(lua, item, depth + 1)?)?;
            }
            Value::Table(table)
        }
        serde_json::Value::Object(fields) => {
            let table = lua.create_table_with_capacity(0, fields.len())?;
            for (key, item) in fields {
                table.raw_set(key.as_str(), decode(lua, item, depth + 1)?)?;
            }
            Value::Table(table)
        }
    })
}

/// C's `printf("%.<precision>g")` for a finite `x`.
pub fn format_g(x: f64, precision: usize) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let scientific = format!("{:.*e}", precision - 1, x);
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if exponent < -4 || exponent >= precision as i32 {
        let mantissa = trim_fraction(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    } else {
        let decimals = (precision as i32 - 1 - exponent).max(0) as usize;
        trim_fraction(&format!("{x:.decimals$}")).to_string()
    }
}

fn trim_fraction(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// LuaBitOp's normalisation: the number rounded to an integer, reduced
/// modulo 2^32, as a signed 32-bit value.
fn tobit(x: f64) -> i32 {
    (x.round_ties_even() as i128 & 0xffff_ffff) as u32 as i32
}

fn bit_library(lua: &Lua) -> mlua::Result<Table> {
    let bit = lua.create_table()?;
    bit.raw_set("tobit", lua.create_function(|_, x: f64| Ok(tobit(x)))?)?;
    bit.raw_set("bnot", lua.create_function(|_, x: f64| Ok(!tobit(x)))?)?;
    let fold = |op: fn(i32, i32) -> i32| {
        move |_: &Lua, (first, rest): (f64, Variadic<f64>)| {
            Ok(rest.iter().fold(tobit(first), |acc, &x| op(acc, tobit(x))))
        }
    };
    bit.raw_set("band", lua.create_function(fold(|a, b| a & b))?)?;
    bit.raw_set("bor", lua.create_function(fold(|a, b| a | b))?)?;
    bit.raw_set("bxor", lua.create_function(fold(|a, b| a ^ b))?)?;
    let shift = |op: fn(i32, u32) -> i32| {
        move |_: &Lua, (x, n): (f64, f64)| Ok(op(tobit(x), tobit(n) as u32 & 31))
    };
    bit.raw_set(
        "lshift",
        lua.create_function(shift(|x, n| ((x as u32) << n) as i32))?,
    )?;
    bit.raw_set(
        "rshift",
        lua.create_function(shift(|x, n| ((x as u32) >> n) as i32))?,
    )?;
    bit.raw_set("arshift", lua.create_function(shift(|x, n| x >> n))?)?;
    bit.raw_set(
        "rol",
        lua.create_function(shift(|x, n| (x as u32).rotate_left(n) as i32))?,
    )?;
    bit.raw_set(
        "ror",
        lua.create_function(shift(|x, n| (x as u32).rotate_right(n) as i32))?,
    )?;
    bit.raw_set(
        "bswap",
        lua.create_function(|_, x: f64| Ok(tobit(x).swap_bytes()))?,
    )?;
    bit.raw_set(
        "tohex",
        lua.create_function(|_, (x, n): (f64, Option<f64>)| {
            let n = n.map_or(8, tobit);
            let digits = n.unsigned_abs().min(8) as usize;
            let value = tobit(x) as u32 as u64;
            let masked = if digits == 8 {
                value
            } else {
                value & ((1u64 << (4 * digits)) - 1)
            };
            Ok(if n < 0 {
                format!("{masked:0digits$X}")
            } else {
                format!("{masked:0digits$x}")
            })
        })?,
    )?;
    Ok(bit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_g_matches_printf() {
        assert_eq!(format_g(1.0, 14), "1");
        assert_eq!(format_g(0.1, 14), "0.1");
        assert_eq!(format_g(1.5e20, 14), "1.5e+20");
        assert_eq!(format_g(1e-5, 14), "1e-05");
        assert_eq!(format_g(123456789012345.0, 14), "1.2345678901234e+14");
        assert_eq!(format_g(3.7, 17), "3.7000000000000002");
    }

    #[test]
    fn bit_ops_wrap_to_32_bits() {
        assert_eq!(tobit(4294967295.0), -1);
        assert_eq!(tobit(2147483648.0), i32::MIN);
        let lua = Lua::new();
        install(&lua).unwrap();
        let check = |code: &str| lua.load(code).eval::<Value>().unwrap();
        assert!(matches!(
            check("return bit.band(0xff, 0x0f, 0x3)"),
            Value::Integer(3)
        ));
        assert!(matches!(
            check("return bit.lshift(1, 31)"),
            Value::Integer(-2147483648)
        ));
        assert!(matches!(
            check("return bit.rshift(-1, 28)"),
            Value::Integer(15)
        ));
        let hex: String = lua.load("return bit.tohex(-1, -4)").eval().unwrap();
        assert_eq!(hex, "FFFF");
    }

    #[test]
    fn cjson_round_trips_arrays_objects_and_null() {
        let lua = Lua::new();
        install(&lua).unwrap();
        let text: String = lua
            .load("return cjson.encode({1, 'a/b', {x = true}, cjson.null})")
            .eval()
            .unwrap();
        assert_eq!(text, r#"[1,"a\/b",{"x":true},null]"#);
        let n: i64 = lua
            .load(r#"local t = cjson.decode('{"a":[1,2,3]}') return #t.a + t.a[3]"#)
            .eval()
            .unwrap();
        assert_eq!(n, 6);
        let err = lua
            .load("return cjson.encode({[1]=1, [100]=2})")
            .eval::<String>()
            .unwrap_err();
        assert!(err.to_string().contains("excessively sparse"), "{err}");
    }
}
