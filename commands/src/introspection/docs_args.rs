//! `COMMAND DOCS` arguments derived from a command's syntax line
//! (`key value [NX | XX] [EX seconds | PX milliseconds]`).
//!
//! The grammar is the one Redis's documentation uses: upper-case words are
//! literal tokens, lower-case words are values, `[...]` is optional, `(...)`
//! groups, `|` separates alternatives (inside a group: whole sequences; at
//! the top level: the neighbouring words), `<...>` groups like `(...)`,
//! and `...` repeats what precedes
//! it. `key [key ...]` becomes one `multiple` argument, and a token followed
//! by a value (`EX seconds`) one argument with a `token`, as in Redis's
//! own docs. This is a description for clients (`redis-cli` hints), so an
//! odd syntax line degrades to a rougher description, never to an error.

use crate::reply::Reply;

/// The `arguments` array of a `COMMAND DOCS` entry for `syntax`.
pub fn arguments(syntax: &str) -> Vec<Reply> {
    let tokens = tokenize(syntax);
    let mut pos = 0;
    let nodes = parse_seq(&tokens, &mut pos);
    convert_seq(nodes).iter().map(Arg::to_reply).collect()
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Open(char),
    Close,
    Bar,
    Ellipsis,
    Word(String),
}

fn tokenize(syntax: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Tok>| {
        if word.is_empty() {
            return;
        }
        if let Some(stem) = word.strip_suffix("...") {
            if !stem.is_empty() {
                out.push(Tok::Word(stem.to_string()));
            }
            out.push(Tok::Ellipsis);
        } else {
            out.push(Tok::Word(word.clone()));
        }
        word.clear();
    };
    for c in syntax.chars() {
        match c {
            '[' | '(' | '{' | '<' => {
                flush(&mut word, &mut out);
                out.push(Tok::Open(c));
            }
            ']' | ')' | '}' | '>' => {
                flush(&mut word, &mut out);
                out.push(Tok::Close);
            }
            '|' => {
                flush(&mut word, &mut out);
                out.push(Tok::Bar);
            }
            c if c.is_whitespace() => flush(&mut word, &mut out),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    out
}

#[derive(Debug)]
enum Node {
    Word(String),
    Ellipsis,
    /// `[...]` (optional) or `(...)`: alternatives, each a sequence.
    Group {
        optional: bool,
        alternatives: Vec<Vec<Node>>,
    },
}

/// Parses the top-level sequence. Stray closing brackets are skipped, and
/// `|` joins the neighbouring items into a group of alternatives.
fn parse_seq(tokens: &[Tok], pos: &mut usize) -> Vec<Node> {
    let mut seq: Vec<Node> = Vec::new();
    let mut pending_bar = false;
    while *pos < tokens.len() {
        if tokens[*pos] == Tok::Bar {
            *pos += 1;
            pending_bar = true;
            continue;
        }
        for node in parse_one(tokens, pos) {
            match seq.pop() {
                Some(previous) if pending_bar => {
                    let alternatives = match previous {
                        Node::Group {
                            optional: false,
                            mut alternatives,
                        } => {
                            alternatives.push(vec![node]);
                            alternatives
                        }
                        other => vec![vec![other], vec![node]],
                    };
                    seq.push(Node::Group {
                        optional: false,
                        alternatives,
                    });
                }
                previous => {
                    seq.extend(previous);
                    seq.push(node);
                }
            }
            pending_bar = false;
        }
    }
    seq
}

/// Parses a bracketed group's alternatives (whole sequences separated by
/// `|`), consuming its closing bracket.
fn parse_group(tokens: &[Tok], pos: &mut usize) -> Vec<Vec<Node>> {
    let mut alternatives = vec![Vec::new()];
    while let Some(tok) = tokens.get(*pos) {
        match tok {
            Tok::Close => {
                *pos += 1;
                break;
            }
            Tok::Bar => {
                *pos += 1;
                alternatives.push(Vec::new());
            }
            _ => {
                // One item at a time; a nested group recurses through `parse_one`.
                let mut one = parse_one(tokens, pos);
                // `alternatives` always holds at least one sequence.
                alternatives
                    .last_mut()
                    .expect("one sequence at least")
                    .append(&mut one);
            }
        }
    }
    alternatives
}

fn parse_one(tokens: &[Tok], pos: &mut usize) -> Vec<Node> {
    let Some(tok) = tokens.get(*pos) else {
        return Vec::new();
    };
    *pos += 1;
    match tok {
        Tok::Word(w) => vec![Node::Word(w.clone())],
        Tok::Ellipsis => vec![Node::Ellipsis],
        Tok::Open(c) => vec![Node::Group {
            optional: *c == '[',
            alternatives: parse_group(tokens, pos),
        }],
        Tok::Close | Tok::Bar => Vec::new(),
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Arg {
    name: String,
    kind: &'static str,
    token: Option<String>,
    optional: bool,
    multiple: bool,
    children: Vec<Arg>,
}

impl Arg {
    fn simple(name: String, kind: &'static str) -> Arg {
        Arg {
            name,
            kind,
            token: None,
            optional: false,
            multiple: false,
            children: Vec::new(),
        }
    }

    /// A block or one-of, named after its parts (`nx-xx`) while that stays
    /// short, else after its kind.
    fn compound(kind: &'static str, children: Vec<Arg>) -> Arg {
        let mut name = children
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join("-");
        if name.len() > 24 {
            name = kind.to_string();
        }
        Arg {
            children,
            ..Arg::simple(name, kind)
        }
    }

    /// Same shape, ignoring the optional/multiple flags (for `x [x ...]`).
    fn same_shape(&self, other: &Arg) -> bool {
        self.name == other.name
            && self.kind == other.kind
            && self.token == other.token
            && self.children.len() == other.children.len()
            && self
                .children
                .iter()
                .zip(&other.children)
                .all(|(a, b)| a.same_shape(b))
    }

    fn to_reply(&self) -> Reply {
        let mut fields = vec![
            ("name", Reply::text(self.name.clone())),
            ("type", Reply::text(self.kind)),
        ];
        if self.kind == "key" {
            fields.push(("key_spec_index", Reply::Integer(0)));
        }
        if let Some(token) = &self.token {
            fields.push(("token", Reply::text(token.clone())));
        }
        let mut flags = Vec::new();
        if self.optional {
            flags.push(Reply::Status("optional".into()));
        }
        if self.multiple {
            flags.push(Reply::Status("multiple".into()));
        }
        if !flags.is_empty() {
            fields.push(("flags", Reply::Set(flags)));
        }
        if !self.children.is_empty() {
            fields.push((
                "arguments",
                Reply::Array(self.children.iter().map(Arg::to_reply).collect()),
            ));
        }
        Reply::map_of(fields)
    }
}

fn is_token(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_uppercase()) && !word.chars().any(|c| c.is_ascii_lowercase())
}

/// The Redis argument type a value's name suggests.
fn value_kind(name: &str) -> &'static str {
    const INTEGERS: &[&str] = &[
        "count",
        "seconds",
        "milliseconds",
        "timeout",
        "index",
        "start",
        "stop",
        "end",
        "offset",
        "limit",
        "db",
        "port",
        "ttl",
        "steps",
        "cursor",
        "increment",
        "length",
        "numreplicas",
        "integer",
        "n",
    ];
    match name {
        "numkeys" => "integer",
        n if n.contains("unix-time") => "unix-time",
        n if n.contains("key") => "key",
        "pattern" => "pattern",
        "score" | "float" | "double" => "double",
        n if INTEGERS.contains(&n) => "integer",
        _ => "string",
    }
}

fn convert_seq(nodes: Vec<Node>) -> Vec<Arg> {
    let mut out: Vec<Arg> = Vec::new();
    let mut pending_token: Option<String> = None;
    for node in nodes {
        let arg = match node {
            Node::Ellipsis => {
                if let Some(token) = pending_token.take() {
                    out.push(pure_token(token));
                }
                if let Some(last) = out.last_mut() {
                    last.multiple = true;
                }
                continue;
            }
            Node::Word(word) if is_token(&word) => {
                if let Some(token) = pending_token.replace(word) {
                    out.push(pure_token(token));
                }
                continue;
            }
            Node::Word(word) => {
                let kind = value_kind(&word);
                Arg::simple(word, kind)
            }
            Node::Group {
                optional,
                alternatives,
            } => convert_group(optional, alternatives),
        };
        match pending_token.take() {
            // `EX seconds`: one argument introduced by its token.
            Some(token) if arg.token.is_none() && !arg.optional => {
                out.push(Arg {
                    token: Some(token),
                    ..arg
                });
            }
            Some(token) => {
                out.push(pure_token(token));
                push_merging_repeats(&mut out, arg);
            }
            None => push_merging_repeats(&mut out, arg),
        }
    }
    if let Some(token) = pending_token {
        out.push(pure_token(token));
    }
    out
}

fn pure_token(token: String) -> Arg {
    Arg {
        token: Some(token.clone()),
        ..Arg::simple(token.to_ascii_lowercase(), "pure-token")
    }
}

/// Pushes `arg`, folding `x [x ...]` and `k v [k v ...]` into one
/// `multiple` argument (a block named `data` for several).
fn push_merging_repeats(out: &mut Vec<Arg>, arg: Arg) {
    if arg.optional && arg.multiple {
        let repeated: Vec<Arg> = if arg.kind == "block" {
            arg.children.clone()
        } else {
            vec![arg.clone()]
        };
        let n = repeated.len();
        if out.len() >= n
            && out[out.len() - n..]
                .iter()
                .zip(&repeated)
                .all(|(a, b)| a.same_shape(b))
        {
            let mut firsts = out.split_off(out.len() - n);
            let merged = if n == 1 {
                let mut one = firsts.remove(0);
                one.multiple = true;
                one
            } else {
                Arg {
                    name: "data".into(),
                    multiple: true,
                    ..Arg::compound("block", firsts)
                }
            };
            out.push(merged);
            return;
        }
    }
    out.push(arg);
}

fn convert_group(optional: bool, mut alternatives: Vec<Vec<Node>>) -> Arg {
    // `[key value ...]`: a trailing `...` repeats the whole group.
    let mut repeated = false;
    if let [only] = alternatives.as_mut_slice()
        && matches!(only.last(), Some(Node::Ellipsis))
        && only.len() > 2
    {
        only.pop();
        repeated = true;
    }
    let mut converted: Vec<Vec<Arg>> = alternatives.into_iter().map(convert_seq).collect();
    // An alternative of nothing but `...` has no argument of its own: an
    // empty block would make `redis-cli` (which reads COMMAND DOCS) crash.
    converted.retain(|seq| !seq.is_empty());
    let mut arg = if converted.len() > 1 {
        let choices = converted
            .into_iter()
            .map(|mut seq| {
                if seq.len() == 1 {
                    as_choice(seq.remove(0))
                } else {
                    Arg::compound("block", seq)
                }
            })
            .collect();
        Arg::compound("oneof", choices)
    } else {
        let mut seq = converted.pop().unwrap_or_default();
        if seq.is_empty() {
            Arg::simple("arg".to_string(), "string")
        } else if seq.len() == 1 && !(seq[0].optional && optional) {
            seq.remove(0)
        } else {
            Arg::compound("block", seq)
        }
    };
    arg.optional |= optional;
    arg.multiple |= repeated;
    arg
}

/// A bare lower-case word among alternatives (`csv | tsv`) is a literal.
fn as_choice(arg: Arg) -> Arg {
    if arg.token.is_none() && arg.children.is_empty() && arg.kind != "key" {
        Arg {
            token: Some(arg.name.clone()),
            kind: "pure-token",
            ..arg
        }
    } else {
        arg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(syntax: &str) -> Vec<Arg> {
        let tokens = tokenize(syntax);
        let mut pos = 0;
        convert_seq(parse_seq(&tokens, &mut pos))
    }

    #[test]
    fn repeated_key_becomes_one_multiple_key() {
        let a = args("key [key ...]");
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].name.as_str(), a[0].kind, a[0].multiple, a[0].optional),
            ("key", "key", true, false)
        );
    }

    #[test]
    fn key_value_pairs_become_a_multiple_block() {
        let a = args("key value [key value ...]");
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].kind, a[0].multiple), ("block", true));
        assert_eq!(
            a[0].children
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["key", "value"]
        );
    }

    #[test]
    fn tokens_with_values_and_alternatives_follow_redis_docs() {
        let a = args("key value [NX | XX] [GET] [EX seconds | PX milliseconds | KEEPTTL]");
        assert_eq!(a.len(), 5);
        assert_eq!(
            (a[2].kind, a[2].optional, a[2].children.len()),
            ("oneof", true, 2)
        );
        assert_eq!(a[2].children[0].token.as_deref(), Some("NX"));
        assert_eq!(
            (a[3].kind, a[3].token.as_deref()),
            ("pure-token", Some("GET"))
        );
        let ex = &a[4].children[0];
        assert_eq!(
            (ex.name.as_str(), ex.kind, ex.token.as_deref()),
            ("seconds", "integer", Some("EX"))
        );
        assert_eq!(a[4].children[2].kind, "pure-token");
    }

    #[test]
    fn top_level_bars_join_neighbours_only() {
        let a = args("id table FORMAT csv|tsv|parquet [REPLACE] DATA payload");
        assert_eq!(a.len(), 5);
        assert_eq!(
            (a[2].kind, a[2].token.as_deref(), a[2].children.len()),
            ("oneof", Some("FORMAT"), 3)
        );
        assert_eq!(
            (a[4].name.as_str(), a[4].token.as_deref()),
            ("payload", Some("DATA"))
        );
    }

    #[test]
    fn angle_brackets_group_alternatives() {
        let a = args("id FORMAT <csv|tsv> <DATA payload | FILE path>");
        assert_eq!(a.len(), 3);
        assert_eq!(
            (a[1].kind, a[1].token.as_deref(), a[1].children.len()),
            ("oneof", Some("FORMAT"), 2)
        );
        assert_eq!(a[1].children[0].token.as_deref(), Some("csv"));
        let data = &a[2].children;
        assert_eq!(
            (data[0].name.as_str(), data[0].token.as_deref()),
            ("payload", Some("DATA"))
        );
        assert_eq!(
            (data[1].name.as_str(), data[1].token.as_deref()),
            ("path", Some("FILE"))
        );
    }

    #[test]
    fn odd_syntax_never_panics() {
        for s in [
            "",
            "[",
            "]",
            "|",
            "... [...] (|)",
            "[[a] b",
            "A B C",
            "[a | ] | b",
        ] {
            let _ = arguments(s);
        }
    }
}
