//! The navigation model behind the pattern tabs.

use std::collections::HashSet;

use converge::ui::Pattern;

#[test]
fn tabs_are_in_the_documented_order() {
    let labels: Vec<&str> = Pattern::all().iter().map(|p| p.label()).collect();
    assert_eq!(labels, ["Event-based", "Background sync", "Saga", "CQRS"]);
    assert_eq!(Pattern::default(), Pattern::all()[0]);
}

#[test]
fn labels_and_slugs_are_unique() {
    let labels: HashSet<_> = Pattern::all().iter().map(|p| p.label()).collect();
    let slugs: HashSet<_> = Pattern::all().iter().map(|p| p.slug()).collect();
    let tab_ids: HashSet<_> = Pattern::all().iter().map(|p| p.tab_id()).collect();
    assert_eq!(labels.len(), Pattern::all().len());
    assert_eq!(slugs.len(), Pattern::all().len());
    assert_eq!(tab_ids.len(), Pattern::all().len());
}

#[test]
fn slugs_are_id_safe_and_round_trip() {
    for p in Pattern::all() {
        let slug = p.slug();
        assert!(!slug.is_empty());
        assert!(
            slug.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{slug:?} is not lowercase-and-dashes"
        );
        assert!(!slug.starts_with('-') && !slug.ends_with('-'), "{slug:?}");
        assert_eq!(Pattern::from_slug(slug), Some(p));
    }
    assert_eq!(Pattern::from_slug(""), None);
    assert_eq!(Pattern::from_slug("Saga"), None);
}

#[test]
fn arrow_navigation_visits_every_tab_in_order() {
    let mut p = Pattern::first();
    let mut forward = vec![p];
    for _ in 1..Pattern::all().len() {
        p = p.next();
        forward.push(p);
    }
    assert_eq!(forward, Pattern::all());
    assert_eq!(p, Pattern::last());
    assert_eq!(
        p.next(),
        Pattern::first(),
        "ArrowRight wraps to the first tab"
    );
    assert_eq!(
        Pattern::first().prev(),
        Pattern::last(),
        "ArrowLeft wraps to the last tab"
    );
}

#[test]
fn every_pattern_has_plain_words_copy() {
    for p in Pattern::all() {
        let d = p.description();
        assert!(d.len() > 200, "{p:?}: description too short");
        assert!(
            d.ends_with('.'),
            "{p:?}: description is not a finished paragraph"
        );
        assert!(
            !d.contains("  "),
            "{p:?}: stray double space in description"
        );
        assert!(
            !d.contains('\n'),
            "{p:?}: description must be one paragraph"
        );
        assert!(!p.tagline().is_empty());
    }
}
