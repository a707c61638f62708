//! What every pattern's controls and checks are made of: finding a typed
//! control by the id a link, a scene file or a lesson names, and a check
//! declared with its predicate.

use super::any::AnyMsg;
use crate::sim::scenario::{CheckKind, CheckSpec};
use crate::sim::Env;

/// The control of `all` whose spec has `id`. Ids come from the boundary
/// (links, scene files, lessons) and the engine checks them against the
/// pattern's `info()` first, so a pattern finds every id it is handed.
pub(crate) fn by_id<T: Copy>(
    all: &[T],
    id: &str,
    spec_id: impl Fn(T) -> &'static str,
) -> Option<T> {
    all.iter().copied().find(|&c| spec_id(c) == id)
}

/// A pattern's milestones (the moments its lessons may ask about),
/// written once as a table: each variant with its docs, the name lesson
/// files use and what its number is of ("" for nothing). Makes `enum
/// Milestone` (its code is its position: new ones go at the end), its
/// `ALL`, `spec` and `specs`, and its [`crate::sim::Milestone`] impl.
macro_rules! milestones {
    ($(#[$doc:meta])* enum Milestone { $($(#[$vdoc:meta])* $v:ident => $name:literal of $of:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        pub enum Milestone {
            $($(#[$vdoc])* $v,)+
        }

        impl Milestone {
            /// Every milestone, in code order.
            pub const ALL: &'static [Milestone] = &[$(Milestone::$v),+];

            /// Its name and what its number is of.
            pub fn spec(self) -> MilestoneSpec {
                let (name, of) = match self {
                    $(Milestone::$v => ($name, $of),)+
                };
                MilestoneSpec {
                    code: self as u16,
                    name,
                    of,
                }
            }

            /// Every milestone's spec, in code order.
            pub fn specs() -> Vec<MilestoneSpec> {
                Self::ALL.iter().map(|m| m.spec()).collect()
            }
        }

        impl crate::sim::Milestone for Milestone {
            fn code(self) -> u16 {
                self as u16
            }
        }
    };
}
pub(crate) use milestones;

/// A named check declared with its predicate, so a name and its
/// predicate cannot be paired by position. The predicate is split in two:
/// `broken` runs after every event and only answers yes or no, `why`
/// finds the words, and runs only when a check is first violated or the
/// meter shows it (formatting a sentence after every event was a sixth of
/// a seek's time).
pub(crate) struct Check<S> {
    /// The name the meter shows and lessons use.
    pub(crate) name: &'static str,
    /// Always or eventually.
    pub(crate) kind: CheckKind,
    /// What it means, in words.
    pub(crate) help: &'static str,
    /// True when something breaks it now, in the run as `Env` shows it.
    /// Cheap and free of words.
    pub(crate) broken: fn(&S, &Env<'_, AnyMsg>) -> bool,
    /// What breaks it now, in words (`None`: it holds); `Some` exactly
    /// when `broken` is true.
    pub(crate) why: fn(&S, &Env<'_, AnyMsg>) -> Option<String>,
}

impl<S> Check<S> {
    /// Which checks of `checks` `s` breaks now, bit `i` for `checks[i]`
    /// (what `Scenario::broken_checks` returns). Debug builds (the native
    /// tests) also ask `why` and insist the two agree.
    pub(crate) fn broken(checks: &[Check<S>], s: &S, env: &Env<'_, AnyMsg>) -> u64 {
        debug_assert!(checks.len() <= 64);
        checks.iter().enumerate().fold(0, |bits, (i, c)| {
            let broken = (c.broken)(s, env);
            debug_assert_eq!(
                broken,
                (c.why)(s, env).is_some(),
                "check \"{}\": broken and why disagree",
                c.name
            );
            bits | (u64::from(broken) << i)
        })
    }

    /// Why `checks[i]` is broken now (what `Scenario::why_broken`
    /// returns); `None` when it holds or there is no such check.
    pub(crate) fn why(
        checks: &[Check<S>],
        i: usize,
        s: &S,
        env: &Env<'_, AnyMsg>,
    ) -> Option<String> {
        checks.get(i).and_then(|c| (c.why)(s, env))
    }

    /// The spec the meter lists.
    pub(crate) fn spec(&self) -> CheckSpec {
        CheckSpec {
            name: self.name,
            kind: self.kind,
            help: self.help,
        }
    }
}

/// For a pattern's tests: every milestone's code is its position in `all`
/// (what the trace stores and [`crate::sim::Milestone::code`] returns), and
/// no name is used twice.
#[cfg(test)]
pub(crate) fn assert_milestones_are_sound<M: crate::sim::Milestone>(
    all: &[M],
    spec: fn(M) -> crate::sim::scenario::MilestoneSpec,
) {
    let mut names = Vec::new();
    for (i, &m) in all.iter().enumerate() {
        let s = spec(m);
        assert_eq!(usize::from(s.code), i, "{}", s.name);
        assert_eq!(m.code(), s.code, "{}", s.name);
        assert!(!names.contains(&s.name), "{} named twice", s.name);
        assert!(!s.name.is_empty());
        names.push(s.name);
    }
}

/// For a pattern's tests: every typed control is found by its own id, every
/// setting's default is within its range, and no id is used twice.
#[cfg(test)]
pub(crate) fn assert_controls_are_sound<T, S, A>(
    toggles: &[T],
    toggle: fn(T) -> crate::sim::scenario::ToggleSpec,
    settings: &[S],
    setting: fn(S) -> crate::sim::scenario::SettingSpec,
    actions: &[A],
    action: fn(A) -> crate::sim::scenario::ActionSpec,
) where
    T: Copy + PartialEq + std::fmt::Debug,
    S: Copy + PartialEq + std::fmt::Debug,
    A: Copy + PartialEq + std::fmt::Debug,
{
    let mut ids = Vec::new();
    for &t in toggles {
        assert_eq!(by_id(toggles, toggle(t).id, |t| toggle(t).id), Some(t));
        ids.push(toggle(t).id);
    }
    for &s in settings {
        let spec = setting(s);
        assert_eq!(by_id(settings, spec.id, |s| setting(s).id), Some(s));
        assert!(
            spec.min <= spec.default && spec.default <= spec.max,
            "{}",
            spec.id
        );
        ids.push(spec.id);
    }
    for &a in actions {
        assert_eq!(by_id(actions, action(a).id, |a| action(a).id), Some(a));
        ids.push(action(a).id);
    }
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
}

/// For a pattern's tests: each of its timers (one of each kind, ids
/// included) reads back from its tag as itself, and no two share a tag.
#[cfg(test)]
pub(crate) fn assert_timers_round_trip<T>(timers: &[T])
where
    T: crate::sim::TimerTag + PartialEq + std::fmt::Debug,
{
    let mut tags = Vec::new();
    for &t in timers {
        assert_eq!(
            T::from_tag(t.tag()),
            Some(t),
            "{t:?} reads back from its tag"
        );
        assert!(!tags.contains(&t.tag()), "{t:?} shares its tag");
        tags.push(t.tag());
    }
}
