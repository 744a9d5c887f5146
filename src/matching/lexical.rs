//! Lexical similarity: TF-IDF cosine over character trigrams of accent-folded, lower-cased
//! words (each word padded with a space on both sides), with an inverted index over all
//! surface forms. The score is in [0, 1]: 1 when the folded texts have the same trigrams, 0 when
//! they share none; typos and inflections keep most trigrams.

use std::collections::HashMap;

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

/// The trigrams of a text with their counts, as hashes.
pub fn trigrams(text: &str) -> HashMap<u64, u16> {
    let folded = fold(text);
    let mut out: HashMap<u64, u16> = HashMap::new();
    let mut window: Vec<char> = Vec::with_capacity(32);
    for word in folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        window.clear();
        window.push(' ');
        window.extend(word.chars());
        window.push(' ');
        for g in window.windows(3) {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for c in g {
                h ^= u64::from(*c);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            let n = out.entry(h).or_default();
            *n = n.saturating_add(1);
        }
    }
    out
}

/// Inverted trigram index over texts numbered 0..n.
#[derive(Debug, Default)]
pub struct LexicalIndex {
    grams: HashMap<u64, u32>,
    /// Per gram: its postings' range in `postings`.
    offsets: Vec<u32>,
    postings: Vec<(u32, u16)>,
    idf: Vec<f32>,
    norms: Vec<f32>,
}

impl LexicalIndex {
    /// Indexes `texts` (their position is their number).
    pub fn build<'a>(texts: impl Iterator<Item = &'a str>) -> Self {
        let per_text: Vec<HashMap<u64, u16>> = texts.map(trigrams).collect();
        let mut grams: HashMap<u64, u32> = HashMap::new();
        let mut df: Vec<u32> = Vec::new();
        for t in &per_text {
            for g in t.keys() {
                let next = u32::try_from(grams.len()).unwrap_or(u32::MAX);
                let id = *grams.entry(*g).or_insert(next);
                if id as usize == df.len() {
                    df.push(0);
                }
                df[id as usize] += 1;
            }
        }
        let n = per_text.len().max(1) as f32;
        let idf: Vec<f32> = df.iter().map(|d| (1.0 + n / *d as f32).ln()).collect();
        let mut offsets = Vec::with_capacity(df.len() + 1);
        let mut total = 0u32;
        offsets.push(0);
        for d in &df {
            total += d;
            offsets.push(total);
        }
        let mut fill: Vec<u32> = offsets[..df.len()].to_vec();
        let mut postings = vec![(0u32, 0u16); total as usize];
        let mut norms = Vec::with_capacity(per_text.len());
        for (i, t) in per_text.iter().enumerate() {
            let mut norm = 0.0f32;
            for (g, tf) in t {
                let id = grams[g] as usize;
                postings[fill[id] as usize] = (u32::try_from(i).unwrap_or(u32::MAX), *tf);
                fill[id] += 1;
                let w = f32::from(*tf) * idf[id];
                norm += w * w;
            }
            norms.push(norm.sqrt());
        }
        Self {
            grams,
            offsets,
            postings,
            idf,
            norms,
        }
    }

    /// Number of texts.
    pub fn len(&self) -> usize {
        self.norms.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.norms.is_empty()
    }

    fn weights(&self, text: &str) -> (Vec<(usize, f32)>, f32) {
        let mut norm = 0.0f32;
        let mut ws = Vec::new();
        for (g, tf) in trigrams(text) {
            match self.grams.get(&g) {
                Some(&id) => {
                    let w = f32::from(tf) * self.idf[id as usize];
                    norm += w * w;
                    ws.push((id as usize, w));
                }
                None => {
                    // A trigram no text has: as rare as can be.
                    let w = f32::from(tf) * (1.0 + self.len().max(1) as f32).ln();
                    norm += w * w;
                }
            }
        }
        (ws, norm.sqrt())
    }

    /// The `k` texts most similar to `query` among those `keep` accepts, best first, with their
    /// cosine in [0, 1].
    pub fn search(&self, query: &str, k: usize, keep: impl Fn(u32) -> bool) -> Vec<(u32, f32)> {
        let (ws, qnorm) = self.weights(query);
        if ws.is_empty() || qnorm == 0.0 {
            return Vec::new();
        }
        // Dense accumulators: a hash map costs more than a pass over every text.
        let mut acc = vec![0.0f32; self.len()];
        let mut touched: Vec<u32> = Vec::new();
        for (id, w) in ws {
            let range = self.offsets[id] as usize..self.offsets[id + 1] as usize;
            let idf = self.idf[id];
            for &(doc, tf) in &self.postings[range] {
                let a = &mut acc[doc as usize];
                if *a == 0.0 {
                    touched.push(doc);
                }
                *a += w * f32::from(tf) * idf;
            }
        }
        let mut scored: Vec<(u32, f32)> = touched
            .into_iter()
            .map(|doc| {
                let dot = acc[doc as usize];
                (doc, (dot / (qnorm * self.norms[doc as usize])).min(1.0))
            })
            .collect();
        // The filter is applied to the best texts first (it is the costly part when most texts
        // are touched): widen the window until it yields k.
        let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        let mut window = (k * 8).max(2048);
        loop {
            let w = window.min(scored.len());
            if w == 0 {
                return Vec::new();
            }
            if w < scored.len() {
                scored.select_nth_unstable_by(w - 1, order);
            }
            let mut kept: Vec<(u32, f32)> =
                scored[..w].iter().copied().filter(|d| keep(d.0)).collect();
            if kept.len() >= k || w == scored.len() {
                kept.sort_by(order);
                kept.truncate(k);
                return kept;
            }
            window *= 8;
        }
    }

    /// The similarity of `query` to one indexed text.
    pub fn similarity(&self, query: &str, text: &str) -> f32 {
        let (ws, qnorm) = self.weights(query);
        let (ts, tnorm) = self.weights(text);
        if qnorm == 0.0 || tnorm == 0.0 {
            return 0.0;
        }
        let t: HashMap<usize, f32> = ts.into_iter().collect();
        let dot: f32 = ws
            .iter()
            .filter_map(|(id, w)| t.get(id).map(|v| w * v))
            .sum();
        (dot / (qnorm * tnorm)).min(1.0)
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

    #[test]
    fn identical_texts_score_one_and_unrelated_zero() {
        let texts = ["software developer", "nurse", "baker", "bakery assistant"];
        let index = LexicalIndex::build(texts.iter().copied());
        let hits = index.search("Software Developer", 4, |_| true);
        assert_eq!(hits[0].0, 0);
        assert!((hits[0].1 - 1.0).abs() < 1e-5, "{hits:?}");
        assert!(hits.iter().all(|(d, _)| *d != 1), "{hits:?}");
        // A typo keeps most trigrams.
        let hits = index.search("sofware developper", 1, |_| true);
        assert_eq!(hits[0].0, 0);
        assert!(hits[0].1 > 0.5 && hits[0].1 < 1.0, "{hits:?}");
        // Filters apply.
        let hits = index.search("baker", 4, |d| d != 2);
        assert_eq!(hits[0].0, 3);
        assert!(index.search("zzzz", 3, |_| true).is_empty());
        assert!((index.similarity("baker", "Baker") - 1.0).abs() < 1e-5);
    }
}
