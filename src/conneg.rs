//! Content negotiation: picks the representation a client prefers among those offered, from an
//! `Accept` header with q-values, wildcards and parameters (RFC 9110 §12.5.1).

/// A media range of an `Accept` header.
#[derive(Debug, Clone, PartialEq)]
struct Range {
    kind: String,
    subtype: String,
    params: Vec<(String, String)>,
    q: f32,
}

impl Range {
    /// How specifically this range matches `media` (a `type/subtype`): 3 exact with parameters,
    /// 2 exact, 1 `type/*`, 0 `*/*`; `None` if it does not match.
    fn specificity(&self, media: &str) -> Option<u8> {
        let (kind, subtype) = media.split_once('/')?;
        if self.kind == "*" && self.subtype == "*" {
            Some(0)
        } else if self.kind.eq_ignore_ascii_case(kind) && self.subtype == "*" {
            Some(1)
        } else if self.kind.eq_ignore_ascii_case(kind) && self.subtype.eq_ignore_ascii_case(subtype)
        {
            Some(if self.params.is_empty() { 2 } else { 3 })
        } else {
            None
        }
    }
}

/// An `Accept` header that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed Accept header: {0}")]
pub struct AcceptError(pub String);

fn parse(header: &str) -> Result<Vec<Range>, AcceptError> {
    let mut ranges = Vec::new();
    for part in header.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let mut pieces = part.split(';');
        let media = pieces.next().unwrap_or_default().trim();
        let (kind, subtype) = media
            .split_once('/')
            .filter(|(k, s)| !(k.is_empty() || s.is_empty() || *k == "*" && *s != "*"))
            .ok_or_else(|| AcceptError(format!("{media:?} is not a media range")))?;
        let mut range = Range {
            kind: kind.to_owned(),
            subtype: subtype.to_owned(),
            params: Vec::new(),
            q: 1.0,
        };
        for param in pieces {
            let (name, value) = param.split_once('=').unwrap_or((param, ""));
            let (name, value) = (
                name.trim().to_ascii_lowercase(),
                value.trim().trim_matches('"').to_owned(),
            );
            if name == "q" {
                range.q = value
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q))
                    .ok_or_else(|| {
                        AcceptError(format!("q={value:?} is not a weight between 0 and 1"))
                    })?;
            } else if !name.is_empty() {
                range.params.push((name, value));
            }
        }
        ranges.push(range);
    }
    Ok(ranges)
}

/// Picks among `offered` media types (`type/subtype`, in the server's order of preference) the
/// one the `Accept` header weighs highest. A missing or empty header accepts anything (the
/// first offer). `Ok(None)` means nothing offered is acceptable (406).
pub fn negotiate<'a>(
    accept: Option<&str>,
    offered: &[&'a str],
) -> Result<Option<&'a str>, AcceptError> {
    let Some(header) = accept.filter(|h| !h.trim().is_empty()) else {
        return Ok(offered.first().copied());
    };
    let ranges = parse(header)?;
    let mut best: Option<(&'a str, f32)> = None;
    for media in offered {
        // The most specific matching range decides the weight.
        let weight = ranges
            .iter()
            .filter_map(|r| r.specificity(media).map(|s| (s, r.q)))
            .max_by_key(|(s, _)| *s)
            .map(|(_, q)| q);
        if let Some(q) = weight.filter(|q| *q > 0.0) {
            if best.is_none_or(|(_, b)| q > b) {
                best = Some((media, q));
            }
        }
    }
    Ok(best.map(|(m, _)| m))
}

/// Languages of an `Accept-Language` header, most wanted first (primary subtags, lower-case).
pub fn languages(header: Option<&str>) -> Vec<String> {
    let mut langs: Vec<(String, f32)> = header
        .unwrap_or_default()
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.trim().parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or_default().to_owned();
            (!primary.is_empty() && primary != "*" && q > 0.0).then_some((primary, q))
        })
        .collect();
    langs.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut seen = Vec::new();
    for (lang, _) in langs {
        if !seen.contains(&lang) {
            seen.push(lang);
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    const RDF: &[&str] = &[
        "text/html",
        "text/turtle",
        "application/n-triples",
        "application/rdf+xml",
        "application/ld+json",
    ];

    fn pick(accept: &str) -> Option<&'static str> {
        negotiate(Some(accept), RDF).unwrap()
    }

    #[test]
    fn no_header_or_any_gives_the_first_offer() {
        assert_eq!(negotiate(None, RDF).unwrap(), Some("text/html"));
        assert_eq!(negotiate(Some(" "), RDF).unwrap(), Some("text/html"));
        assert_eq!(pick("*/*"), Some("text/html"));
    }

    #[test]
    fn exact_types_and_q_values() {
        assert_eq!(pick("text/turtle"), Some("text/turtle"));
        assert_eq!(
            pick("application/ld+json;q=0.5, text/turtle;q=0.9"),
            Some("text/turtle")
        );
        assert_eq!(
            pick("text/turtle;q=0.2, application/rdf+xml"),
            Some("application/rdf+xml")
        );
        assert_eq!(
            pick("TEXT/Turtle"),
            Some("text/turtle"),
            "media types are case-insensitive"
        );
    }

    #[test]
    fn the_most_specific_range_decides() {
        // text/* at 0.9, but text/html explicitly refused: Turtle wins.
        assert_eq!(pick("text/*;q=0.9, text/html;q=0"), Some("text/turtle"));
        assert_eq!(
            pick("*/*;q=0.1, application/n-triples"),
            Some("application/n-triples")
        );
        assert_eq!(pick("application/*"), Some("application/n-triples"));
    }

    #[test]
    fn a_browser_gets_html() {
        assert_eq!(
            pick("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            Some("text/html")
        );
    }

    #[test]
    fn nothing_acceptable_is_none() {
        assert_eq!(pick("image/png"), None);
        assert_eq!(pick("text/turtle;q=0"), None);
    }

    #[test]
    fn malformed_headers_are_errors() {
        assert!(negotiate(Some("turtle"), RDF).is_err());
        assert!(negotiate(Some("text/turtle;q=2"), RDF).is_err());
        assert!(negotiate(Some("*/turtle"), RDF).is_err());
        assert!(negotiate(Some("text/turtle;q=abc"), RDF).is_err());
    }

    #[test]
    fn accept_language_order() {
        assert_eq!(
            languages(Some("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5")),
            ["fr", "en", "de"]
        );
        assert_eq!(languages(Some("de;q=0.3, es")), ["es", "de"]);
        assert!(languages(None).is_empty());
    }
}
