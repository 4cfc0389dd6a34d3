//! Property test: a database against a plain model under random sequences
//! of writes, deletes, expiries, reads, time passing and active expiry.
//! After every step every key reads back as the model says, TTLs agree,
//! and an expired key is never seen.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use proptest::prelude::*;

use super::{Db, StringValue, Value};

/// One step of a sequence. Keys are indexes into a small set so that
/// steps collide often; times are ms.
#[derive(Clone, Debug)]
enum Step {
    Set(u8, u8, Option<i64>),
    Del(u8),
    Expire(u8, i64),
    Persist(u8),
    Get(u8),
    Advance(i64),
    ActiveExpire(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..6, any::<u8>(), proptest::option::of(1i64..500))
            .prop_map(|(k, v, t)| Step::Set(k, v, t)),
        (0u8..6).prop_map(Step::Del),
        (0u8..6, -50i64..500).prop_map(|(k, t)| Step::Expire(k, t)),
        (0u8..6).prop_map(Step::Persist),
        (0u8..6).prop_map(Step::Get),
        (0i64..300).prop_map(Step::Advance),
        (1usize..8).prop_map(Step::ActiveExpire),
    ]
}

fn key(k: u8) -> Bytes {
    Bytes::from(format!("key:{k}"))
}

/// The model: value and deadline per key; a key past its deadline is gone.
#[derive(Default)]
struct Model {
    entries: HashMap<u8, (u8, Option<i64>)>,
}

impl Model {
    fn live(&self, k: u8, now: i64) -> Option<(u8, Option<i64>)> {
        self.entries
            .get(&k)
            .copied()
            .filter(|(_, at)| at.is_none_or(|at| at > now))
    }
}

fn new_db() -> Db {
    let pubsub = Arc::new(crate::pubsub::Registry::default());
    Db::new(
        0,
        Arc::new(crate::aof::Aof::default()),
        Arc::new(crate::notify::Notifier::new(pubsub)),
        Arc::default(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_keyspace_matches_a_model(steps in proptest::collection::vec(step(), 1..80)) {
        let mut db = new_db();
        let mut model = Model::default();
        let mut now: i64 = 1_000_000;
        for step in steps {
            match step {
                Step::Set(k, v, ttl) => {
                    let at = ttl.map(|t| now + t);
                    db.insert(key(k), Value::String(StringValue::from_slice(&[v])), at, now);
                    model.entries.insert(k, (v, at));
                }
                Step::Del(k) => {
                    let existed = db.get(&key(k), now).is_some();
                    prop_assert_eq!(existed, model.live(k, now).is_some());
                    db.remove(&key(k));
                    model.entries.remove(&k);
                }
                Step::Expire(k, ttl) => {
                    let live = model.live(k, now);
                    let exists = db.get(&key(k), now).is_some();
                    prop_assert_eq!(exists, live.is_some());
                    if let Some((v, _)) = live {
                        if ttl <= 0 {
                            // Redis: a deadline in the past deletes the key.
                            db.remove(&key(k));
                            model.entries.remove(&k);
                        } else {
                            db.set_expire(&key(k), Some(now + ttl), now);
                            model.entries.insert(k, (v, Some(now + ttl)));
                        }
                    }
                }
                Step::Persist(k) => {
                    if let Some((v, _)) = model.live(k, now) {
                        prop_assert!(db.get(&key(k), now).is_some());
                        db.set_expire(&key(k), None, now);
                        model.entries.insert(k, (v, None));
                    }
                }
                Step::Get(k) => {
                    let got = db.get_string(&key(k), now).unwrap();
                    prop_assert_eq!(got.map(|b| b[0]), model.live(k, now).map(|(v, _)| v));
                }
                Step::Advance(ms) => now += ms,
                Step::ActiveExpire(budget) => {
                    let (freed, _) = db.active_expire(now, budget);
                    // Only keys the model says are gone may be reclaimed.
                    prop_assert!(freed.len() <= budget);
                }
            }
            for k in 0..6u8 {
                let live = model.live(k, now);
                prop_assert_eq!(db.peek(&key(k), now).is_some(), live.is_some(), "key {}", k);
                if let Some((_, at)) = live {
                    prop_assert_eq!(db.expire_at(&key(k)), at, "ttl of key {}", k);
                }
            }
            let live_count = (0..6u8).filter(|k| model.live(*k, now).is_some()).count();
            prop_assert_eq!(db.len(), live_count, "every expired key was removed by peek");
        }
    }
}
