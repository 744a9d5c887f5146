//! Input language: given, or detected (whatlang) when the text says enough.

use whatlang::Lang;

/// ISO 639-1 code of a detected language, for the languages ESCO labels use.
#[expect(
    clippy::wildcard_enum_match_arm,
    reason = "every other language of the detector maps to none"
)]
fn iso639_1(lang: Lang) -> Option<&'static str> {
    Some(match lang {
        Lang::Eng => "en",
        Lang::Deu => "de",
        Lang::Fra => "fr",
        Lang::Spa => "es",
        Lang::Ita => "it",
        Lang::Por => "pt",
        Lang::Nld => "nl",
        Lang::Pol => "pl",
        Lang::Ces => "cs",
        Lang::Slk => "sk",
        Lang::Slv => "sl",
        Lang::Hrv => "hr",
        Lang::Hun => "hu",
        Lang::Ron => "ro",
        Lang::Bul => "bg",
        Lang::Ell => "el",
        Lang::Swe => "sv",
        Lang::Dan => "da",
        Lang::Fin => "fi",
        Lang::Est => "et",
        Lang::Lav => "lv",
        Lang::Lit => "lt",
        Lang::Nob => "no",
        Lang::Ukr => "uk",
        Lang::Ara => "ar",
        _ => return None,
    })
}

/// The language of `text` when detection is reliable enough, else `None`.
pub fn detect(text: &str) -> Option<&'static str> {
    let info = whatlang::detect(text)?;
    // whatlang's confidence is modest even on clear sentences (0.39 for a plain German one).
    if info.confidence() < 0.3 {
        return None;
    }
    iso639_1(info.lang())
}

/// Whether `tag` looks like a language tag (`xx`, `xx-YY`, `xxx`).
pub fn valid_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_clear_cases_and_checks_tags() {
        assert_eq!(
            detect("Der Krankenpfleger arbeitet im Krankenhaus und versorgt Patienten"),
            Some("de")
        );
        assert_eq!(
            detect("l'infirmière travaille à l'hôpital avec les patients"),
            Some("fr")
        );
        assert_eq!(detect("qwrtz"), None);
        assert!(valid_tag("en") && valid_tag("pt-PT") && valid_tag("nob"));
        assert!(!valid_tag("english") && !valid_tag("e") && !valid_tag("en_") && !valid_tag(""));
    }
}
