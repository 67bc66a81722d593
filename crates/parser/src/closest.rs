//! "Did you mean" suggestions: the candidates closest to a misspelt name.

/// Up to three candidates closest to `wanted` by edit distance (case-insensitive), best
/// first; candidates further than half their length away are dropped unless nothing is
/// closer, in which case the single best is still returned.
pub fn closest<'a, I>(wanted: &str, candidates: I) -> Vec<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let wanted_lc = wanted.to_ascii_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| (distance(&wanted_lc, &c.to_ascii_lowercase()), c))
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    let good: Vec<String> = scored
        .iter()
        .filter(|(d, c)| *d <= c.len().max(wanted.len()) / 2)
        .take(3)
        .map(|(_, c)| c.to_string())
        .collect();
    if good.is_empty() {
        scored
            .first()
            .map(|(_, c)| vec![c.to_string()])
            .unwrap_or_default()
    } else {
        good
    }
}

/// Levenshtein distance over bytes.
pub fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_names_come_first() {
        let c = closest(
            "/mto-shipment",
            ["/moves", "/mto-shipments", "/mto-service-items"],
        );
        assert_eq!(c[0], "/mto-shipments");
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(closest("zzzz", ["a"]), vec!["a".to_string()]);
        assert!(closest("x", Vec::<&str>::new()).is_empty());
    }
}
