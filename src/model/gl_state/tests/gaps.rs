use super::super::*;

#[test]
fn gap_set_and_catalogue() {
    let mut s = Gaps::NONE;
    assert!(s.is_empty());
    for g in Gap::ALL {
        assert!(!s.contains(g));
        s.add(g);
        assert!(s.contains(g));
    }
    assert_eq!(s.iter().collect::<Vec<_>>(), Gap::ALL);
    assert!((Gap::ALL.len()) <= 32, "Gaps is a u32");
    for (i, g) in Gap::ALL.into_iter().enumerate() {
        assert_eq!(g as usize, i, "ALL is in declaration order");
        // A version without an extension (or the reverse) is only allowed where the
        // feature has an extension but no core version.
        if g.core_in().is_some() {
            assert!(g.extension().is_some(), "{g:?}");
        }
    }
    assert_eq!(Gap::WrapMirrorClamp.core_in(), None);
    assert_eq!(Gap::Quads.extension(), None);
    assert_eq!(Gaps::from(Gap::Quads).union(Gap::Polygon.into()).iter().count(), 2);
}
