//! A selector's command rules as Redis 7.0 prints them
//! (`ACLDescribeSelectorCommandRules`): not the rules as typed, but the
//! shortest description Redis finds of the commands allowed.

use std::collections::HashSet;

use super::selector::{Selector, every_spec};
use super::user::CATEGORIES;
use crate::table::{CommandSpec, table};

impl Selector {
    /// The command rules as `ACL LIST` and `ACL GETUSER` show them: `+@all`
    /// or `-@all` (whether the selector may run future commands), the
    /// categories that best fit the allowed commands, the single commands
    /// and subcommands still different, then the first-args.
    pub fn commands_text(&self) -> String {
        let additive = !self.all_commands_base;
        let mut rules = vec![if additive { "-@all" } else { "+@all" }.to_string()];
        // `fake` is what the printed rules allow so far; `rest` is what the
        // printed categories do not explain yet.
        let mut fake = Selector::new();
        fake.set_all(!additive);
        let mut rest = self.clone();
        let mut applied = vec![false; CATEGORIES.len()];
        while let Some(best) = best_category(&rest.allowed, additive, &applied) {
            let category = CATEGORIES[best];
            fake.change_category(category, additive);
            rest.change_category(category, !additive);
            rules.push(format!("{}@{category}", if additive { '+' } else { '-' }));
            applied[best] = true;
        }
        for spec in sorted(table().iter()) {
            self.describe_difference(spec, &mut fake, &mut rules);
            for sub in sorted(spec.subcommands.iter()) {
                self.describe_difference(sub, &mut fake, &mut rules);
            }
        }
        for spec in sorted(table().iter()) {
            for arg in self.first_args.get(spec.name).into_iter().flatten() {
                rules.push(format!("+{}|{arg}", spec.name));
            }
        }
        rules.join(" ")
    }

    /// Prints `+name` / `-name` when `fake` differs from `self` on `spec`,
    /// and makes `fake` agree (on its subcommands too, as the rule does).
    fn describe_difference(
        &self,
        spec: &'static CommandSpec,
        fake: &mut Selector,
        rules: &mut Vec<String>,
    ) {
        let allowed = self.allowed.contains(spec.name);
        if allowed != fake.allowed.contains(spec.name) {
            rules.push(format!("{}{}", if allowed { '+' } else { '-' }, spec.name));
            fake.change(spec, allowed);
        }
    }
}

/// Commands by name, so that the description is the same on every run
/// (Redis prints them in its hash table's order).
fn sorted<'a>(specs: impl Iterator<Item = &'a CommandSpec>) -> Vec<&'a CommandSpec> {
    let mut specs: Vec<&CommandSpec> = specs.collect();
    specs.sort_by_key(|s| s.name);
    specs
}

/// Redis's choice of the next category to print: of those not printed
/// yet, one with more commands agreeing with `allowed` than disagreeing,
/// the fewest disagreeing, then the most agreeing; the first in
/// [`CATEGORIES`] on a tie.
fn best_category(allowed: &HashSet<&str>, additive: bool, applied: &[bool]) -> Option<usize> {
    let mut best = None;
    let (mut min_diff, mut max_same) = (usize::MAX, 0);
    for (index, category) in CATEGORIES.iter().enumerate() {
        if applied[index] {
            continue;
        }
        let (mut on, mut off) = (0, 0);
        for spec in every_spec().filter(|s| s.categories.contains(category)) {
            if allowed.contains(spec.name) {
                on += 1;
            } else {
                off += 1;
            }
        }
        let (diff, same) = if additive { (off, on) } else { (on, off) };
        if same > diff && (diff < min_diff || (diff == min_diff && same > max_same)) {
            best = Some(index);
            min_diff = diff;
            max_same = same;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::super::user::User;

    fn user(rules: &str) -> User {
        let mut user = User::new("u");
        let rules: Vec<String> = rules.split(' ').map(str::to_string).collect();
        user.apply_all(&rules).expect("valid rules");
        user
    }

    /// `actual` equals `expected` word for word up to the last category
    /// rule, then as a set (Redis prints single commands in hash order).
    fn assert_same_rules(actual: &str, expected: &str) {
        let split = |text: &str| {
            let words: Vec<String> = text.split(' ').map(str::to_string).collect();
            let cut = words
                .iter()
                .rposition(|w| w.starts_with("+@") || w.starts_with("-@"))
                .map_or(0, |i| i + 1);
            let mut rest = words[cut..].to_vec();
            rest.sort();
            (words[..cut].to_vec(), rest)
        };
        assert_eq!(split(actual), split(expected), "{actual}");
    }

    #[test]
    fn commands_are_described_as_redis_7_does() {
        let u1 = user("on >pw ~a* ~b* +get +@read -@dangerous &ch* %R~r*");
        assert_same_rules(
            &u1.describe(),
            "user u on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 \
             ~a* ~b* %R~r* resetchannels &ch* -@all +@read -sort_ro -keys",
        );
        let u3 = user("on +@all -@all +set +get +@hash -hset resetkeys ~x");
        assert_same_rules(
            &u3.describe(),
            "user u on ~x resetchannels -@all +@hash +get -hset +set",
        );
        let u2 = user("on nopass allkeys allcommands -debug +debug|object allchannels");
        assert_eq!(
            u2.describe(),
            "user u on nopass ~* &* +@all -debug +debug|object"
        );
        // Redis picks the category with the fewest differences first.
        assert_eq!(
            user("+@read +@write").root.commands_text(),
            "-@all +@write +@read"
        );
        let fast = user("+@fast -@read").root.commands_text();
        assert!(fast.starts_with("-@all +@transaction +@fast "), "{fast}");
        assert!(fast.contains(" -exec") && fast.contains(" -get"), "{fast}");
    }

    #[test]
    fn first_args_are_printed_last() {
        let u = user("+select|0 +debug|object +get|foo +@keyspace");
        assert_eq!(
            u.root.commands_text(),
            "-@all +@keyspace +debug|object +get|foo +select|0"
        );
        let u = user("+select|0 +@keyspace +select");
        assert_eq!(u.root.commands_text(), "-@all +@keyspace +select");
    }

    #[test]
    fn descriptions_load_back_to_the_same_permissions() {
        for rules in [
            "on >pw ~a* ~b* +get +@read -@dangerous &ch* %R~r*",
            "on +@all -@all +set +get +@hash -hset resetkeys ~x",
            "on nopass allkeys allcommands -debug +debug|object allchannels",
            "+@all -@write -@admin -client +client|id +select|0",
            "+@fast -@read +@stream -xadd +config|get +acl +select|1 +select|2",
            "on nopass -@all +client (~x* +get) (%R~y* +@string -append &c)",
        ] {
            let original = user(rules);
            let text = original.describe();
            let words: Vec<String> = text.split(' ').skip(2).map(str::to_string).collect();
            let mut reloaded = User::new("u");
            reloaded.apply_all(&words).expect("described rules load");
            assert_eq!(reloaded.describe(), text, "{rules}");
            assert_eq!(original.selectors.len(), reloaded.selectors.len());
            let pairs = std::iter::once((&original.root, &reloaded.root))
                .chain(original.selectors.iter().zip(&reloaded.selectors));
            for (a, b) in pairs {
                assert_eq!(a.allowed, b.allowed, "{rules}");
                assert_eq!(a.first_args, b.first_args, "{rules}");
                assert_eq!(a.all_commands_base, b.all_commands_base, "{rules}");
            }
        }
    }
}
