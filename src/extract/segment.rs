//! An ad or a CV cut into the pieces skills are looked for in: its lines, the sections headings
//! open, the sentences of each line and the phrases of lists written inline ("Java, SQL and
//! Python"), each with its place in the text in characters. Headings, boilerplate sections (what
//! the employer offers, how to apply, who the company is) and boilerplate lines (contact details,
//! links, legal lines) yield no pieces.

use crate::text::fold;

/// What a piece is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceKind {
    /// A whole sentence (or list item).
    Sentence,
    /// One part of a sentence cut at commas and list words.
    Phrase,
}

/// A piece of the text, with its place in characters (`end` exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// The text of the piece, as in the input.
    pub text: String,
    /// What it is.
    pub kind: PieceKind,
    /// The sentence it belongs to (its own index for a sentence).
    pub sentence: usize,
}

/// The text cut into pieces.
#[derive(Debug, Clone, Default)]
pub struct Segments {
    /// The first line, when it is short enough to be a title (no final full stop, 12 words at
    /// most).
    pub title: Option<Piece>,
    /// The sentences and phrases skills are looked for in, in text order.
    pub pieces: Vec<Piece>,
    /// Lines left out as headings or boilerplate.
    pub skipped: usize,
}

/// Section headings whose sections hold no skills, folded (see [`fold`]); a heading containing
/// one of them opens such a section.
const BOILERPLATE_HEADINGS: &[&str] = &[
    // English
    "we offer",
    "what we offer",
    "our offer",
    "benefits",
    "perks",
    "about us",
    "about the company",
    "about the role",
    "who we are",
    "how to apply",
    "to apply",
    "application process",
    "contact",
    "salary",
    "compensation",
    "why join",
    "why work",
    "what you get",
    "in return",
    "legal",
    "privacy",
    "equal opportunit",
    // French
    "nous offrons",
    "nous proposons",
    "ce que nous",
    "avantages",
    "qui sommes-nous",
    "qui sommes nous",
    "a propos",
    "postuler",
    "candidature",
    "remuneration",
    "salaire",
    "notre offre",
    "l'entreprise",
    // German
    "wir bieten",
    "was wir bieten",
    "unser angebot",
    "uber uns",
    "wer wir sind",
    "bewerbung",
    "kontakt",
    "gehalt",
    "vergutung",
    "ihre vorteile",
    "deine vorteile",
    "das bieten wir",
    // Spanish
    "ofrecemos",
    "que ofrecemos",
    "beneficios",
    "sobre nosotros",
    "quienes somos",
    "como aplicar",
    "contacto",
    "salario",
    "retribucion",
    // Dutch
    "wij bieden",
    "wat wij bieden",
    "wat bieden wij",
    "ons aanbod",
    "over ons",
    "solliciteren",
    "sollicitatie",
    "salaris",
    "arbeidsvoorwaarden",
];

/// Phrases that make a line boilerplate wherever it is, folded.
const BOILERPLATE_LINES: &[&str] = &[
    "equal opportunity",
    "all qualified applicants",
    "regardless of race",
    "apply now",
    "send your cv",
    "send your application",
    "all rights reserved",
    "gdpr",
    "cookie",
    "envoyez votre cv",
    "postulez",
    "bewerben sie sich",
    "bewirb dich",
    "schwerbehinderte",
    "envia tu cv",
    "inscribete",
    "solliciteer",
    "stuur je cv",
];

/// Words that join the items of a list written inline, per language (folded); the union of all
/// when the language is unknown, less the words that mean something else in another language.
fn list_words(language: Option<&str>) -> &'static [&'static str] {
    match language {
        Some("en") => &["and", "or", "as well as", "and/or"],
        Some("fr") => &["et", "ou", "ainsi que", "et/ou"],
        Some("de") => &["und", "oder", "sowie", "und/oder"],
        Some("es") => &["y", "e", "o", "u", "asi como", "y/o"],
        Some("nl") => &["en", "of", "en/of"],
        Some("it") => &["e", "ed", "o", "oppure"],
        Some("pt") => &["e", "ou"],
        _ => &["and", "or", "und", "oder", "et", "ou", "y"],
    }
}

/// Characters that open a list item.
const BULLETS: &[char] = &[
    '-', '*', '•', '·', '‣', '▪', '◦', '●', '○', '■', '□', '–', '—', '+', '>', '✓', '✔', '→',
];

/// Cuts `text` (in `language`, when known) into pieces; with `title`, a first line that reads
/// as a title is the [`Segments::title`], not a piece.
pub fn segment(text: &str, language: Option<&str>, title: bool) -> Segments {
    let chars = CharIndex::new(text);
    let mut out = Segments::default();
    let mut boilerplate_section = false;
    let mut first = true;
    let mut offset = 0usize;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let (item_at, item) = strip_bullet(line);
        let item = item.trim_end();
        if item.is_empty() {
            continue;
        }
        let at = line_start + item_at;
        if std::mem::take(&mut first) && title && is_title(item) {
            out.title = Some(chars.piece(text, at, at + item.len(), PieceKind::Sentence, 0));
            continue;
        }
        let (content_at, content) = match heading(item) {
            Heading::Whole => {
                boilerplate_section = is_boilerplate_heading(item);
                out.skipped += 1;
                continue;
            }
            Heading::Inline(head, rest_at) => {
                boilerplate_section = is_boilerplate_heading(head);
                (at + rest_at, item[rest_at..].trim_end())
            }
            Heading::None => (at, item),
        };
        if boilerplate_section || is_boilerplate_line(content) {
            out.skipped += 1;
            continue;
        }
        for (s_at, sentence) in sentences(content) {
            let s_start = content_at + s_at;
            let index = out.pieces.len();
            out.pieces.push(chars.piece(
                text,
                s_start,
                s_start + sentence.len(),
                PieceKind::Sentence,
                index,
            ));
            let phrases = phrases(sentence, language);
            if phrases.len() > 1 {
                for (p_at, phrase) in phrases {
                    let p_start = s_start + p_at;
                    out.pieces.push(chars.piece(
                        text,
                        p_start,
                        p_start + phrase.len(),
                        PieceKind::Phrase,
                        index,
                    ));
                }
            }
        }
    }
    out
}

/// Byte offsets to character offsets.
struct CharIndex {
    /// For each byte offset that starts a character (and the end), the character offset.
    at: Vec<usize>,
}

impl CharIndex {
    fn new(text: &str) -> Self {
        let mut at = vec![0; text.len() + 1];
        let mut n = 0;
        for (b, c) in text.char_indices() {
            at[b] = n;
            n += 1;
            for slot in at.iter_mut().skip(b + 1).take(c.len_utf8() - 1) {
                *slot = n;
            }
        }
        at[text.len()] = n;
        Self { at }
    }

    fn piece(
        &self,
        text: &str,
        start: usize,
        end: usize,
        kind: PieceKind,
        sentence: usize,
    ) -> Piece {
        Piece {
            start: self.at[start],
            end: self.at[end],
            text: text[start..end].to_owned(),
            kind,
            sentence,
        }
    }
}

/// The line without its bullets or enumerators ("* • item"), and where what is left starts (in
/// bytes).
fn strip_bullet(line: &str) -> (usize, &str) {
    let (mut at, mut rest) = strip_one_bullet(line);
    loop {
        let (more, next) = strip_one_bullet(rest);
        if more == 0 {
            return (at, rest);
        }
        at += more;
        rest = next;
    }
}

/// The line without one bullet or enumerator (see [`strip_bullet`]).
fn strip_one_bullet(line: &str) -> (usize, &str) {
    let trimmed = line.trim_start();
    let mut at = line.len() - trimmed.len();
    let mut rest = trimmed;
    if let Some(c) = rest.chars().next() {
        if BULLETS.contains(&c) && rest[c.len_utf8()..].starts_with([' ', '\t']) {
            rest = &rest[c.len_utf8()..];
        } else {
            // "1." "2)" "a)" followed by a space.
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            let marker_len = if (1..=2).contains(&digits) {
                digits
            } else if rest.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && rest[1..].starts_with(')')
            {
                1
            } else {
                0
            };
            if marker_len > 0 && rest[marker_len..].starts_with(['.', ')']) {
                let after = &rest[marker_len + 1..];
                if after.starts_with([' ', '\t']) {
                    rest = after;
                }
            }
        }
    }
    let content = rest.trim_start();
    at += trimmed.len() - content.len();
    (at, content)
}

/// Whether the first line reads as a title: short, not a sentence.
fn is_title(line: &str) -> bool {
    let words = line.split_whitespace().count();
    words <= 12 && !line.ends_with(['.', ':', '!', '?']) && line.chars().any(char::is_alphabetic)
}

/// What kind of heading a line is.
enum Heading<'a> {
    /// The whole line is a heading.
    Whole,
    /// "Requirements: Java, SQL": the heading and where the rest starts.
    Inline(&'a str, usize),
    /// No heading.
    None,
}

fn heading(line: &str) -> Heading<'_> {
    let words = line.split_whitespace().count();
    if line.starts_with('#') {
        return Heading::Whole;
    }
    if line.ends_with(':') && words <= 8 {
        return Heading::Whole;
    }
    let letters: Vec<char> = line.chars().filter(|c| c.is_alphabetic()).collect();
    if words <= 6
        && letters.len() >= 3
        && letters.iter().all(|c| !c.is_lowercase())
        && !line.ends_with('.')
    {
        return Heading::Whole;
    }
    if let Some(colon) = line.find(':') {
        let head = &line[..colon];
        let rest = &line[colon + 1..];
        let rest_at = colon + 1 + (rest.len() - rest.trim_start().len());
        if head.split_whitespace().count() <= 4
            && !head.trim().is_empty()
            && !rest.trim().is_empty()
            && !rest.starts_with("//")
        {
            return Heading::Inline(head, rest_at);
        }
    }
    Heading::None
}

fn is_boilerplate_heading(heading: &str) -> bool {
    let folded = fold(heading);
    BOILERPLATE_HEADINGS
        .iter()
        .any(|h| contains_words(&folded, h))
}

/// Whether `phrase` occurs in `text` at word boundaries.
fn contains_words(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Contact details, links and legal lines.
fn is_boilerplate_line(line: &str) -> bool {
    let folded = fold(line);
    if folded.contains("http://") || folded.contains("https://") || folded.contains("www.") {
        return true;
    }
    if line
        .split_whitespace()
        .any(|w| w.contains('@') && w.contains('.') && !w.starts_with('@'))
    {
        return true;
    }
    let digits = line.chars().filter(char::is_ascii_digit).count();
    let phone_chars = line
        .chars()
        .filter(|c| c.is_ascii_digit() || " +-()/.".contains(*c))
        .count();
    if digits >= 8 && phone_chars * 2 >= line.chars().count() {
        return true;
    }
    line.contains('©') || BOILERPLATE_LINES.iter().any(|p| folded.contains(p))
}

/// The sentences of a line: cut after `.`, `!`, `?` or `;` followed by a space, where the full
/// stop does not end an abbreviation or a number; with where each starts (bytes).
fn sentences(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = line.as_bytes();
    for (i, c) in line.char_indices() {
        let next = bytes.get(i + 1).copied();
        let ends = match c {
            '!' | '?' | ';' => next.is_none_or(|b| b == b' '),
            '.' => next.is_none_or(|b| b == b' ') && !is_abbreviation(&line[start..i]),
            _ => false,
        };
        if ends {
            push_trimmed(&mut out, line, start, i + 1);
            start = i + 1;
        }
    }
    push_trimmed(&mut out, line, start, line.len());
    out
}

/// Whether the text before a full stop ends with an abbreviation ("e.g", "z.B", "etc", one
/// letter) or a number.
fn is_abbreviation(before: &str) -> bool {
    let word = before.rsplit(' ').next().unwrap_or_default();
    let folded = word.to_lowercase();
    word.chars().count() <= 1
        || word.contains('.')
        || word.chars().all(|c| c.is_ascii_digit())
        || [
            "etc", "incl", "approx", "ca", "bzw", "usw", "ggf", "inkl", "mind", "min", "max", "dr",
            "mr", "mrs", "ms", "vs", "no", "nr",
        ]
        .contains(&folded.as_str())
}

/// Pushes the trimmed `line[start..end]` (without a final full stop or semicolon) when it has a
/// letter.
fn push_trimmed<'a>(out: &mut Vec<(usize, &'a str)>, line: &'a str, start: usize, end: usize) {
    let part = &line[start..end];
    let trimmed_start = part.trim_start();
    let at = start + (part.len() - trimmed_start.len());
    let text = trimmed_start
        .trim_end()
        .trim_end_matches(['.', ';', ',', ':', '!', '?'])
        .trim_end();
    if text.chars().any(char::is_alphabetic) {
        out.push((at, text));
    }
}

/// The phrases of a sentence: cut at commas, slashes, parentheses and list words; with where each
/// starts (bytes).
fn phrases<'a>(sentence: &'a str, language: Option<&str>) -> Vec<(usize, &'a str)> {
    let words = list_words(language);
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for (i, c) in sentence.char_indices() {
        if matches!(c, ',' | '/' | '(' | ')' | '|' | '&' | '+') {
            // Keep "C++", "and/or", "TCP/IP"-like tokens: only cut a slash or plus between spaces.
            let spaced = |j: usize| sentence.as_bytes().get(j).is_none_or(|b| *b == b' ');
            if matches!(c, '/' | '+' | '&') && !(i > 0 && spaced(i - 1) && spaced(i + 1)) {
                continue;
            }
            cuts.push((i, i + c.len_utf8()));
        }
    }
    let lower = sentence.to_lowercase();
    if lower.len() == sentence.len() {
        for word in words {
            for (at, _) in lower.match_indices(&format!(" {word} ")) {
                cuts.push((at, at + word.len() + 2));
            }
        }
    }
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for (from, to) in cuts {
        if from < start {
            continue;
        }
        push_trimmed(&mut out, sentence, start, from);
        start = to;
    }
    push_trimmed(&mut out, sentence, start, sentence.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &Segments, kind: PieceKind) -> Vec<&str> {
        s.pieces
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| p.text.as_str())
            .collect()
    }

    #[test]
    fn title_bullets_sentences_and_phrases() {
        let ad = "Senior Java Developer (m/w/d)\n\nYour tasks:\n- Design REST services. Review code.\n• Java, SQL and Python\n";
        let s = segment(ad, Some("en"), true);
        assert_eq!(
            s.title.as_ref().unwrap().text,
            "Senior Java Developer (m/w/d)"
        );
        assert_eq!(
            texts(&s, PieceKind::Sentence),
            [
                "Design REST services",
                "Review code",
                "Java, SQL and Python"
            ]
        );
        assert_eq!(texts(&s, PieceKind::Phrase), ["Java", "SQL", "Python"]);
        assert_eq!(s.skipped, 1);
    }

    #[test]
    fn offsets_are_characters_of_the_input() {
        let ad = "Ingénieur\nCompétences : gérer une équipe, négocier des contrats\n";
        let s = segment(ad, Some("fr"), true);
        let chars: Vec<char> = ad.chars().collect();
        assert!(!s.pieces.is_empty());
        for p in &s.pieces {
            let slice: String = chars[p.start..p.end].iter().collect();
            assert_eq!(slice, p.text);
        }
        assert_eq!(
            texts(&s, PieceKind::Phrase),
            ["gérer une équipe", "négocier des contrats"]
        );
    }

    #[test]
    fn boilerplate_sections_and_lines_yield_nothing() {
        let ad = "Pflegefachkraft\nWir bieten:\n- 30 Tage Urlaub\n- ein tolles Team\nIhr Profil:\n- Erfahrung in der Wundversorgung\nKontakt: jobs@example.de, +49 30 1234 5678\nMehr unter https://example.de\n";
        let s = segment(ad, Some("de"), true);
        assert_eq!(
            texts(&s, PieceKind::Sentence),
            ["Erfahrung in der Wundversorgung"]
        );
    }

    #[test]
    fn inline_headings_and_abbreviations() {
        let s = segment(
            "x\nRequirements: experience with e.g. Docker etc. and Kubernetes. Must drive.",
            Some("en"),
            true,
        );
        assert_eq!(
            texts(&s, PieceKind::Sentence),
            [
                "experience with e.g. Docker etc. and Kubernetes",
                "Must drive"
            ]
        );
        let s = segment("x\nBenefits: free lunch, gym", Some("en"), true);
        assert!(s.pieces.is_empty());
    }

    #[test]
    fn without_title_the_first_line_is_a_piece_and_bullets_repeat() {
        let s = segment(
            "javascript reactjs java\n* • Knowledge of SQL",
            Some("en"),
            false,
        );
        assert!(s.title.is_none());
        assert_eq!(
            texts(&s, PieceKind::Sentence),
            ["javascript reactjs java", "Knowledge of SQL"]
        );
    }

    #[test]
    fn tokens_with_slashes_and_plus_stay_whole() {
        let s = segment("x\nC++ / C# and TCP/IP", Some("en"), true);
        assert_eq!(texts(&s, PieceKind::Phrase), ["C++", "C#", "TCP/IP"]);
    }
}
