//! Unit tests of selectors and first-args: which commands, keys and
//! channels a user with `(...)` selectors or `+cmd|arg` rules may use, and
//! Redis 7.0's reasons for bad rules.

use bytes::Bytes;

use super::Refusal;
use super::selector::merge_selector_args;
use super::user::User;

fn user(rules: &[&str]) -> Result<User, (Option<String>, String)> {
    let mut user = User::new("u");
    let rules: Vec<String> = rules.iter().map(|r| r.to_string()).collect();
    user.apply_all(&rules)?;
    Ok(user)
}

fn argv(words: &str) -> Vec<Bytes> {
    words
        .split(' ')
        .map(|w| Bytes::copy_from_slice(w.as_bytes()))
        .collect()
}

fn check(user: &User, words: &str) -> Result<(), Refusal> {
    let argv = argv(words);
    let spec = crate::dispatch::resolve(&argv).expect("a known command");
    let keys = crate::introspection::keys_of(&argv).ok();
    user.check(spec, &argv, &keys)
}

#[test]
fn first_args_allow_a_command_only_with_that_argument() {
    let u = user(&["+select|0", "+GET|Foo"]).expect("valid rules");
    assert_eq!(check(&u, "select 0"), Ok(()));
    assert_eq!(check(&u, "select 1"), Err(Refusal::Command));
    // The command is allowed; the key `FOO` is not.
    assert_eq!(
        check(&u, "get FOO"),
        Err(Refusal::Key(Bytes::from_static(b"FOO")))
    );
    assert_eq!(check(&u, "get bar"), Err(Refusal::Command));
    let reason = user(&["-select|0"]).expect_err("refused").1;
    assert_eq!(reason, "Unknown command or category name in ACL");
    assert_eq!(user(&["+get|"]).expect_err("refused").1, "Syntax error");
    let mut u = user(&["+select|0"]).expect("valid rules");
    u.apply("-select").expect("valid rule");
    assert_eq!(check(&u, "select 0"), Err(Refusal::Command));
}

#[test]
fn a_selector_allows_a_command_with_all_its_keys() {
    let u = user(&[
        "on",
        "nopass",
        "-@all",
        "+client",
        "(~x* +get)",
        "(%R~y*",
        "+@string",
        "-append)",
    ])
    .expect("valid rules");
    assert_eq!(u.selectors.len(), 2);
    assert_eq!(check(&u, "get x1"), Ok(()));
    assert_eq!(check(&u, "get y1"), Ok(()));
    assert_eq!(check(&u, "client id"), Ok(()));
    let key = |k: &'static [u8]| Err(Refusal::Key(Bytes::from_static(k)));
    assert_eq!(check(&u, "set y1 v"), key(b"y1"));
    assert_eq!(check(&u, "set x1 v"), key(b"x1"));
    assert_eq!(check(&u, "mget x1 y1"), key(b"x1"));
    assert_eq!(check(&u, "get z"), key(b"z"));
    assert_eq!(check(&u, "append y1 v"), Err(Refusal::Command));
    assert_eq!(check(&u, "del z"), Err(Refusal::Command));
    assert_eq!(
        u.describe(),
        "user u on nopass resetchannels -@all +client \
         (~x* resetchannels -@all +get) (%R~y* resetchannels -@all +@string -append)"
    );
    let mut u = u;
    u.apply("clearselectors").expect("valid rule");
    assert!(u.selectors.is_empty());
}

#[test]
fn bad_selectors_give_redis_reasons() {
    let unmatched = |rules: &[&str]| user(rules).expect_err("refused");
    assert_eq!(
        unmatched(&["(~x"]),
        (
            None,
            "Unmatched parenthesis in acl selector starting at '(~x'.".into()
        )
    );
    assert_eq!(unmatched(&["(+get)x"]).0, None);
    for (rule, reason) in [
        ("(~x +nosuch)", "Unknown command or category name in ACL"),
        ("(on)", "Syntax error"),
        ("((~x))", "Syntax error"),
        ("(clearselectors)", "Syntax error"),
        ("x(+get)", "Syntax error"),
    ] {
        assert_eq!(
            user(&[rule]).expect_err("refused"),
            (Some(rule.to_string()), reason.to_string())
        );
    }
    let empty = user(&["()"]).expect("an empty selector");
    assert_eq!(empty.selectors[0].commands_text(), "-@all");
    assert_eq!(
        merge_selector_args(&["(a".into(), "(b".into(), "c)".into(), "d".into()]),
        Ok(vec!["(b c)".to_string(), "d".to_string()])
    );
}
