//! Text folding shared by label search and matching: the same text compares the same way in
//! both.

use unicode_normalization::UnicodeNormalization;

/// Folds a text for comparison: NFKD, combining marks dropped, lower case, `ß` as `ss`.
pub fn fold(text: &str) -> String {
    let folded: String = text
        .nfkd()
        .filter(|c| !('\u{0300}'..='\u{036f}').contains(c))
        .flat_map(char::to_lowercase)
        .collect();
    if folded.contains('ß') {
        folded.replace('ß', "ss")
    } else {
        folded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_accents_and_case() {
        assert_eq!(fold("Développeur ÉLÈVE"), "developpeur eleve");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Łódź"), "łodz");
    }
}
