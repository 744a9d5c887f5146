//! What of an input title is matched: classification titles carry clauses that name what the
//! entry is *not* ("Architects, Except Landscape and Naval", "DISEÑADORES (EXCEPTO CALZADO)")
//! and fillers that name no occupation ("Managers, All Other", "PEONES GANADEROS, EN
//! GENERAL"). Matched as they are, their words pull in exactly the concepts they exclude.

/// Words that open an exclusion clause, in the EU languages (lower case, accents kept).
const EXCLUSIONS: &[&str] = &[
    "except",
    "excluding",
    "other than",
    "excepto",
    "salvo",
    "excluidos",
    "excluidas",
    "eccetto",
    "tranne",
    "esclusi",
    "escluse",
    "ad eccezione",
    "utom",
    "förutom",
    "exklusive",
    "izņemot",
    "außer",
    "ausgenommen",
    "sauf",
    "à l'exception",
    "hors",
    "exceto",
    "behalve",
    "uitgezonderd",
    "z wyjątkiem",
    "kromě",
    "okrem",
    "kivéve",
    "cu excepția",
    "με εξαίρεση",
    "paitsi",
    "välja arvatud",
    "išskyrus",
    "razen",
    "osim",
    "с изключение на",
    "undtagen",
];

/// Phrases that stand for "anything else" in a classification, as a whole comma- or
/// parenthesis-delimited part.
const FILLERS: &[&str] = &[
    "all other",
    "general",
    "not elsewhere classified",
    "n.e.c.",
    "nec",
    "en general",
    "no clasificados bajo otros epígrafes",
    "n.c.o.p.",
    "non classificati altrove",
    "in generale",
    "n.c.a.",
    "citur neklasificēti",
    "ej annorstädes klassificerade",
    "övriga",
    "a.n.g.",
    "non classés ailleurs",
    "n.c.a",
];

/// The part of `text` to match: exclusion clauses and filler parts removed (the text itself
/// when nothing would be left), in lower case when it is written in capitals, else with its
/// runs of capital letters lower-cased.
pub fn focus(text: &str) -> String {
    let focused = cut_clauses(text);
    if shouted(&focused) {
        focused.to_lowercase()
    } else {
        lower_capital_runs(&focused)
    }
}

/// Whether `text` is written in capitals ("OPERADORES DE MÁQUINA TEJEDORA", as many national
/// classifications write their titles): at least four cased letters, nine in ten of them upper
/// case. ESCO's labels are in lower case and the models' tokenisers are case-sensitive, so a
/// title in capitals falls apart into rare word pieces.
fn shouted(text: &str) -> bool {
    let (mut upper, mut cased) = (0usize, 0usize);
    for c in text.chars() {
        if c.is_uppercase() {
            upper += 1;
            cased += 1;
        } else if c.is_lowercase() {
            cased += 1;
        }
    }
    cased >= 4 && upper * 10 >= cased * 9
}

/// `text` with each run of four or more capital letters lower-cased: the Latvian classification
/// writes the head of three titles in four that way ("Suņu FRIZIERIS", "AgroMETEOROLOGS").
/// Shorter runs are acronyms ("IT manager", "SAP-Berater") and stay.
fn lower_capital_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 4 {
            out.push_str(&run.to_lowercase());
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_uppercase() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// `text` without its exclusion clauses and filler parts.
fn cut_clauses(text: &str) -> String {
    let lower = text.to_lowercase();
    // Lower-casing may change byte lengths (rarely); then cut nothing rather than misplace a cut.
    let aligned = lower.len() == text.len();
    let mut kept = text.to_owned();
    if aligned {
        if let Some(cut) = exclusion_start(&lower) {
            kept = if text[cut..].starts_with('(') {
                // A parenthesised clause: only it goes, what follows stays.
                let rest = matching_close(&text[cut..]).map_or("", |end| &text[cut + end + 1..]);
                format!("{} {}", text[..cut].trim_end(), rest.trim_start())
                    .trim()
                    .to_owned()
            } else {
                close_parenthesis(&text[..cut])
            };
        }
    }
    let parts: Vec<&str> = kept
        .split([',', ';'])
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let p = p.to_lowercase();
            let p = p.trim_matches(|c: char| c == '(' || c == ')' || c.is_whitespace());
            !FILLERS.contains(&p)
        })
        .collect();
    let focused = parts.join(", ");
    let focused = focused.trim_matches(|c: char| c.is_whitespace() || c == '(' || c == '-');
    if focused.chars().any(char::is_alphanumeric) {
        focused.to_owned()
    } else {
        text.trim().to_owned()
    }
}

/// Where the first exclusion clause starts: at its comma or opening parenthesis when it has
/// one, else at its word. Only words that stand alone count (not "exceptional").
fn exclusion_start(lower: &str) -> Option<usize> {
    let mut best: Option<usize> = None;
    for word in EXCLUSIONS {
        let mut from = 0;
        while let Some(at) = lower[from..].find(word).map(|p| p + from) {
            let end = at + word.len();
            let before = lower[..at].chars().next_back();
            let after = lower[end..].chars().next();
            let alone = before.is_none_or(|c| !c.is_alphanumeric())
                && after.is_none_or(|c| !c.is_alphanumeric());
            // Not at the very start: "Except..." alone is no clause.
            if alone && lower[..at].chars().any(char::is_alphanumeric) {
                best = Some(best.map_or(at, |b| b.min(at)));
                break;
            }
            from = end;
        }
    }
    let at = best?;
    // Back over the clause's own opening: spaces, then one comma or parenthesis.
    let head = lower[..at].trim_end();
    Some(match head.chars().next_back() {
        Some(',' | '(' | ';' | '-' | '–') => head.len() - 1,
        _ => head.len(),
    })
}

/// The byte offset of the parenthesis closing the one `text` opens with.
fn matching_close(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `text` with a parenthesis it leaves open dropped (the clause it opened was cut).
fn close_parenthesis(text: &str) -> String {
    let open = text.matches('(').count();
    let closed = text.matches(')').count();
    let text = text.trim_end();
    if open > closed {
        if let Some(p) = text.rfind('(') {
            return text[..p].trim_end().to_owned();
        }
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusions_and_fillers_go() {
        assert_eq!(
            focus("Architects, Except Landscape and Naval"),
            "Architects"
        );
        assert_eq!(
            focus("Engineering Technologists and Technicians, Except Drafters, All Other"),
            "Engineering Technologists and Technicians"
        );
        assert_eq!(focus("Managers, All Other"), "Managers");
        assert_eq!(focus("Office Clerks, General"), "Office Clerks");
        assert_eq!(
            cut_clauses("DISEÑADORES PRENDAS VESTIR (EXCEPTO PIEL Y CUERO)"),
            "DISEÑADORES PRENDAS VESTIR"
        );
        assert_eq!(
            focus("DIBUJANTES, EN GENERAL (EXCEPTO DIBUJANTES TÉCNICOS)"),
            "dibujantes"
        );
        assert_eq!(
            focus("OPERADORES INSTALACIONES DE RESIDUOS (EXCEPTO RADIOACTIVOS), EN GENERAL"),
            "operadores instalaciones de residuos"
        );
        assert_eq!(
            focus("Profesores de enseñanza secundaria (excepto materias específicas)"),
            "Profesores de enseñanza secundaria"
        );
        assert_eq!(focus("Disc Jockeys, Except Radio"), "Disc Jockeys");
        // A parenthesised clause inside the title: the rest stays.
        assert_eq!(
            focus("Produktu (izņemot pārtiku un dzērienus) vērtētāji un izmēģinātāji"),
            "Produktu vērtētāji un izmēģinātāji"
        );
        assert_eq!(
            cut_clauses(
                "REZIDENTS (izņemot REZIDENTUS ģimenes (vispārējās prakses) ārsta specialitātē)"
            ),
            "REZIDENTS"
        );
    }

    #[test]
    fn titles_in_capitals_go_lower_case() {
        assert_eq!(focus("BROMATÓLOGOS"), "bromatólogos");
        assert_eq!(focus("ÄRZTE UND ÄRZTINNEN"), "ärzte und ärztinnen");
        assert_eq!(
            focus("REZIDENTS (izņemot REZIDENTUS ģimenes (vispārējās prakses) ārsta specialitātē)"),
            "rezidents"
        );
        // One lower-case letter in ten is still capitals (a stray "y", "of", "de").
        assert_eq!(
            focus("DIRECTORES DE DEPARTAMENTO y JEFES"),
            "directores de departamento y jefes"
        );
        // In mixed case, the words in capitals go lower case; a word's lower-case part stays.
        assert_eq!(focus("Suņu FRIZIERIS"), "Suņu frizieris");
        assert_eq!(
            focus("Pamatdarbības struktūrvienības VADĪTĀJS (restorānu pakalpojumu jomā)"),
            "Pamatdarbības struktūrvienības vadītājs (restorānu pakalpojumu jomā)"
        );
        assert_eq!(focus("AgroMETEOROLOGS"), "Agrometeorologs");
        assert_eq!(
            focus("HSEQ Manager/KMA-samordnare"),
            "hseq Manager/KMA-samordnare"
        );
        // Mixed case, acronyms and words too short to tell stay as written.
        for t in [
            "IT manager",
            "CEO",
            "ICT",
            "Chief Executive Officer",
            "SAP-Berater",
        ] {
            assert_eq!(focus(t), t, "{t}");
        }
    }

    #[test]
    fn other_titles_stay() {
        for t in [
            "software developer",
            "Exceptional children teacher",
            "General practitioner",
            "Except",
            "All other",
            "Secretaries and Administrative Assistants",
            "Pferdewirt (Zucht)",
        ] {
            assert_eq!(focus(t), t, "{t}");
        }
    }
}
