//! Splitting a line into arguments, as Redis's `sdssplitargs` does for
//! inline requests and `redis.conf` lines.
//!
//! Arguments are separated by whitespace. `"double quotes"` allow the escapes
//! `\n \r \t \b \a \\ \"` and `\xHH`; `'single quotes'` allow only `\'`. A
//! closing quote must be followed by whitespace or the end of the line. A
//! NUL byte ends the line (Redis works on C strings).

/// C's `isspace`: space, `\t`, `\n`, `\v`, `\f`, `\r`.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// The escape starting with `c` inside a `quote`d argument, as the byte it
/// stands for and how many bytes it spans: in double quotes `\xHH` and
/// `\n \r \t \b \a` (any other `\x` is `x`), in single quotes only `\'`.
fn escape(quote: u8, c: u8, next: u8, hi: u8, lo: u8) -> Option<(u8, usize)> {
    if c != b'\\' || next == 0 {
        return None;
    }
    if quote == b'\'' {
        return (next == b'\'').then_some((b'\'', 2));
    }
    if next == b'x'
        && let (Some(hi), Some(lo)) = (hex_value(hi), hex_value(lo))
    {
        return Some((hi * 16 + lo, 4));
    }
    let byte = match next {
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'b' => 0x08,
        b'a' => 0x07,
        other => other,
    };
    Some((byte, 2))
}

/// Splits `line` into arguments. Returns `None` for unbalanced quotes or a
/// closing quote followed by something other than whitespace (Redis's
/// "unbalanced quotes" cases). An empty or all-blank line gives no arguments.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let end = line.iter().position(|&b| b == 0).unwrap_or(line.len());
    let line = &line[..end];
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let mut args = Vec::new();
    let mut p = 0;
    loop {
        while p < line.len() && is_space(line[p]) {
            p += 1;
        }
        if p >= line.len() {
            return Some(args);
        }
        let mut current = Vec::new();
        let mut quote: Option<u8> = None;
        loop {
            let c = at(p);
            let Some(q) = quote else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => break,
                    b'"' | b'\'' => quote = Some(c),
                    other => current.push(other),
                }
                p += 1;
                continue;
            };
            if let Some((byte, len)) = escape(q, at(p), at(p + 1), at(p + 2), at(p + 3)) {
                current.push(byte);
                p += len;
                continue;
            }
            if c == q {
                if at(p + 1) != 0 && !is_space(at(p + 1)) {
                    return None;
                }
                p += 1;
                break;
            }
            if c == 0 {
                return None;
            }
            current.push(c);
            p += 1;
        }
        args.push(current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Option<Vec<String>> {
        split_args(line.as_bytes()).map(|args| {
            args.into_iter()
                .map(|a| String::from_utf8_lossy(&a).into_owned())
                .collect()
        })
    }

    #[test]
    fn splits_on_whitespace_and_ignores_blank_lines() {
        assert_eq!(
            split("  set  a\t1 "),
            Some(vec!["set".into(), "a".into(), "1".into()])
        );
        assert_eq!(split(""), Some(vec![]));
        assert_eq!(split("   \t "), Some(vec![]));
    }

    #[test]
    fn double_quotes_take_escapes_and_hex() {
        assert_eq!(
            split(r#"echo "hello world""#),
            Some(vec!["echo".into(), "hello world".into()])
        );
        assert_eq!(split(r#""a\nb\x41\"""#), Some(vec!["a\nbA\"".into()]));
        assert_eq!(split(r#""""#), Some(vec!["".into()]));
        // `\x` without two hex digits is an ordinary escape of `x`.
        assert_eq!(split(r#""\xZZ""#), Some(vec!["xZZ".into()]));
    }

    #[test]
    fn single_quotes_only_escape_the_quote() {
        assert_eq!(split(r"'it\'s \n'"), Some(vec![r"it's \n".into()]));
    }

    #[test]
    fn unbalanced_or_glued_quotes_are_refused() {
        assert_eq!(split(r#"echo "hello"#), None);
        assert_eq!(split(r#"echo "hello"x"#), None);
        assert_eq!(split("echo 'a"), None);
        assert_eq!(split("echo 'a'b"), None);
    }

    #[test]
    fn quotes_may_start_inside_a_word_and_nul_ends_the_line() {
        assert_eq!(split(r#"a"b c""#), Some(vec!["ab c".into()]));
        assert_eq!(split_args(b"ping\0 ignored"), Some(vec![b"ping".to_vec()]));
    }
}
