//! Value parsers for flags: a bad value is a usage error (exit code 2, clap's message naming
//! the flag), never a run-time error.

use crate::load::crosswalk::table::{parse_relation, MatchKind, Relation};

/// A positive, finite number of seconds.
pub fn seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s.is_finite() => Ok(s),
        _ => Err(format!("{text:?} is not a positive number of seconds")),
    }
}

/// An absolute IRI ending with `/` or `#`: the URI space served.
pub fn base_uri(text: &str) -> Result<String, String> {
    if oxigraph::model::NamedNode::new(text).is_ok() && (text.ends_with('/') || text.ends_with('#'))
    {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "{text:?} is not an absolute IRI ending with / or #"
        ))
    }
}

/// A token of at least 16 characters.
pub fn admin_token(text: &str) -> Result<String, String> {
    let token = text.trim();
    if token.chars().count() >= 16 {
        Ok(token.to_owned())
    } else {
        Err("the admin token must have at least 16 characters".into())
    }
}

/// A language tag (ISO 639-1 such as `sv`, or a BCP 47 tag), lower-cased.
pub fn language(text: &str) -> Result<String, String> {
    if crate::matching::language::valid_tag(text.trim()) {
        Ok(text.trim().to_ascii_lowercase())
    } else {
        Err(format!(
            "{text:?} is not a language tag (ISO 639-1, e.g. sv)"
        ))
    }
}

/// A mapping relation: `exact`, `close`, `broad`, `narrow` (or the SKOS property names).
pub fn relation(text: &str) -> Result<MatchKind, String> {
    match parse_relation(text) {
        Some(Relation::Match(kind)) => Ok(kind),
        _ => Err(format!(
            "unknown relation {text:?}: exact, close, broad or narrow"
        )),
    }
}

/// A share from 0 up to (not including) 1.
pub fn share(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if (0.0..1.0).contains(&s) => Ok(s),
        _ => Err(format!("{text:?} is not a share from 0 up to 1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_each_parser_refuses() {
        assert_eq!(seconds("2.5"), Ok(2.5));
        assert!(seconds("0").is_err() && seconds("inf").is_err() && seconds("x").is_err());
        assert!(base_uri("http://data.europa.eu/esco/").is_ok());
        assert!(base_uri("http://x/ns#").is_ok());
        assert!(base_uri("http://x/esco").is_err() && base_uri("esco/").is_err());
        assert!(admin_token("short").is_err());
        assert_eq!(
            admin_token(" sixteen-chars-ok ").as_deref(),
            Ok("sixteen-chars-ok")
        );
        assert_eq!(language("SV").as_deref(), Ok("sv"));
        assert!(language("not a tag").is_err());
        assert_eq!(relation("skos:exactMatch"), Ok(MatchKind::Exact));
        assert!(relation("sibling").is_err());
        assert!(share("0.1").is_ok() && share("0").is_ok());
        assert!(share("1").is_err() && share("-0.1").is_err());
    }
}
