//! Lexical similarity: TF-IDF cosine over character trigrams of accent-folded, lower-cased
//! words (each word padded with a space on both sides), with an inverted index over all
//! surface forms. The score is in [0, 1]: 1 when the folded texts have the same trigrams, 0 when
//! they share none; typos and inflections keep most trigrams.

use std::collections::HashMap;

use crate::text::fold;

/// The trigrams of a text with their counts, as hashes, in hash order (so that sums over them
/// are made in one order, and identical texts score identically, run after run).
pub fn trigrams(text: &str) -> Vec<(u64, u16)> {
    let folded = fold(text);
    let mut hashes: Vec<u64> = Vec::with_capacity(folded.len() + 2);
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
            hashes.push(h);
        }
    }
    hashes.sort_unstable();
    let mut out: Vec<(u64, u16)> = Vec::with_capacity(hashes.len());
    for h in hashes {
        match out.last_mut() {
            Some((last, n)) if *last == h => *n = n.saturating_add(1),
            _ => out.push((h, 1)),
        }
    }
    out
}

/// Texts scored together in one search pass (their accumulators: 128 KiB).
const BLOCK: usize = 32 * 1024;

thread_local! {
    /// Per-thread score accumulators for one block of texts.
    static SCRATCH: std::cell::RefCell<Box<[f32; BLOCK]>> =
        std::cell::RefCell::new(Box::new([0.0; BLOCK]));
}

/// Best first, then by number.
fn order(a: &(u32, f32), b: &(u32, f32)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

/// Inverted trigram index over texts numbered 0..n.
#[derive(Debug, Default)]
pub struct LexicalIndex {
    grams: HashMap<u64, u32>,
    /// Per gram: its postings' range in `postings`.
    offsets: Vec<u32>,
    postings: Vec<(u32, u16)>,
    idf: Vec<f32>,
    /// Number of texts.
    texts: usize,
    /// `1 / norm` per text (0 for a text without grams), padded with zeros to whole blocks.
    inverse_norms: Vec<f32>,
}

impl LexicalIndex {
    /// Indexes `texts` (their position is their number).
    pub fn build<'a>(texts: impl Iterator<Item = &'a str>) -> Self {
        // The texts' grams, one slice of the texts per core; then numbered in text order.
        let texts: Vec<&str> = texts.collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per_thread = texts.len().div_ceil(threads).max(1);
        let mut per_text: Vec<Vec<(u64, u16)>> = std::thread::scope(|scope| {
            let parts: Vec<_> = texts
                .chunks(per_thread)
                .map(|part| {
                    scope.spawn(move || part.iter().map(|t| trigrams(t)).collect::<Vec<_>>())
                })
                .collect();
            parts
                .into_iter()
                .flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let mut grams: HashMap<u64, u32> = HashMap::new();
        let mut df: Vec<u32> = Vec::new();
        for t in &mut per_text {
            for (g, _) in t.iter_mut() {
                let next = u32::try_from(grams.len()).unwrap_or(u32::MAX);
                let id = *grams.entry(*g).or_insert(next);
                if id as usize == df.len() {
                    df.push(0);
                }
                df[id as usize] += 1;
                // From here on the gram's number.
                *g = u64::from(id);
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
                let id = *g as usize;
                postings[fill[id] as usize] = (u32::try_from(i).unwrap_or(u32::MAX), *tf);
                fill[id] += 1;
                let w = f32::from(*tf) * idf[id];
                norm += w * w;
            }
            norms.push(norm.sqrt());
        }
        // Padded to whole blocks.
        let mut inverse_norms: Vec<f32> = norms
            .iter()
            .map(|n| if *n > 0.0 { 1.0 / n } else { 0.0 })
            .collect();
        inverse_norms.resize(norms.len().div_ceil(BLOCK) * BLOCK, 0.0);
        Self {
            grams,
            offsets,
            postings,
            idf,
            texts: norms.len(),
            inverse_norms,
        }
    }

    /// Number of texts.
    pub fn len(&self) -> usize {
        self.texts
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.texts == 0
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
    ///
    /// Accumulators are kept for one block of texts at a time, so that they stay in the core's
    /// cache (the postings are in text order): one accumulator per text of the whole index
    /// misses the cache at nearly every posting. Once `k` accepted texts are held, a text is
    /// only looked at (and the filter only asked) if it scores at least as high as the lowest
    /// of them.
    pub fn search(&self, query: &str, k: usize, keep: impl Fn(u32) -> bool) -> Vec<(u32, f32)> {
        let (ws, qnorm) = self.weights(query);
        if ws.is_empty() || qnorm == 0.0 || k == 0 {
            return Vec::new();
        }
        let mut best = self.best(&ws, qnorm, k, &keep);
        best.sort_by(order);
        best
    }

    /// The `k` texts of highest cosine to the query's weighted grams `ws` among those `keep`
    /// accepts, in no order.
    fn best(
        &self,
        ws: &[(usize, f32)],
        qnorm: f32,
        k: usize,
        keep: &impl Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        let mut best: Vec<(u32, f32)> = Vec::with_capacity(2 * k);
        let mut floor = 0.0f32;
        SCRATCH.with_borrow_mut(|acc| {
            let acc: &mut [f32; BLOCK] = acc;
            acc.fill(0.0);
            let mut lists: Vec<(&[(u32, u16)], f32)> = ws
                .iter()
                .map(|&(id, w)| {
                    let range = self.offsets[id] as usize..self.offsets[id + 1] as usize;
                    (&self.postings[range], w * self.idf[id])
                })
                .collect();
            let scale = 1.0 / qnorm;
            for start in (0..self.len()).step_by(BLOCK) {
                let end = start + BLOCK;
                for (list, w) in &mut lists {
                    let mut n = 0;
                    for &(doc, tf) in list.iter() {
                        if doc as usize >= end {
                            break;
                        }
                        // In the block: the mask only spares the bounds check.
                        acc[doc as usize & (BLOCK - 1)] += *w * f32::from(tf);
                        n += 1;
                    }
                    *list = &list[n..];
                }
                // Sixteen texts at a time: most groups have nothing above the floor.
                let inverse = &self.inverse_norms[start..end];
                for (g, (a16, i16)) in acc
                    .chunks_exact(16)
                    .zip(inverse.chunks_exact(16))
                    .enumerate()
                {
                    let top = a16
                        .iter()
                        .zip(i16)
                        .map(|(a, i)| a * i)
                        .fold(0.0f32, f32::max)
                        * scale;
                    if top <= 0.0 || top < floor {
                        continue;
                    }
                    for (j, (a, i)) in a16.iter().zip(i16).enumerate() {
                        let cos = (a * i * scale).min(1.0);
                        let text = (start + g * 16 + j) as u32;
                        if cos > 0.0 && cos >= floor && keep(text) {
                            best.push((text, cos));
                        }
                    }
                    if best.len() >= 2 * k {
                        best.select_nth_unstable_by(k - 1, order);
                        best.truncate(k);
                        floor = best[k - 1].1;
                    }
                }
                acc.fill(0.0);
            }
        });
        if best.len() > k {
            best.select_nth_unstable_by(k - 1, order);
            best.truncate(k);
        }
        best
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

    #[test]
    fn identical_texts_score_the_same_bits() {
        // Many distinct trigrams, so that any order-dependence of the float sums shows.
        let text = "technical director of international freight forwarding operations";
        let texts = [text, "nurse", "freight forwarder", text, "director"];
        let index = LexicalIndex::build(texts.iter().copied());
        let hits = index.search("international freight operations director", 5, |_| true);
        let score = |d: u32| hits.iter().find(|h| h.0 == d).map(|h| h.1.to_bits());
        assert!(score(0).is_some(), "{hits:?}");
        assert_eq!(score(0), score(3), "{hits:?}");
        // Ties are ordered by number.
        let first = hits.iter().position(|h| h.0 == 0);
        let second = hits.iter().position(|h| h.0 == 3);
        assert_eq!(second, first.map(|p| p + 1), "{hits:?}");
        let grams = trigrams("abc abc");
        assert!(grams.windows(2).all(|w| w[0].0 < w[1].0), "{grams:?}");
        assert_eq!(grams.len(), 3);
        assert_eq!(grams.iter().map(|g| u32::from(g.1)).sum::<u32>(), 6);
    }

    #[test]
    fn search_matches_brute_force_across_blocks() {
        // More texts than one block holds, so the block-wise pass and its floor are exercised.
        let words = [
            "software",
            "developer",
            "nurse",
            "baker",
            "assistant",
            "engineer",
            "civil",
            "data",
            "analyst",
            "teacher",
            "primary",
            "school",
            "technician",
            "electrical",
            "sales",
        ];
        let texts: Vec<String> = (0..BLOCK + 7_000)
            .map(|i| {
                let a = words[i % words.len()];
                let b = words[(i / words.len()) % words.len()];
                let c = words[(i / 225) % words.len()];
                format!("{a} {b} {c}{}", i % 97)
            })
            .collect();
        let index = LexicalIndex::build(texts.iter().map(String::as_str));
        for (query, k) in [
            ("data analyst", 40),
            ("electrical enginer 12", 25),
            ("nurse", 300),
        ] {
            for odd_only in [false, true] {
                let keep = |d: u32| !odd_only || d % 2 == 1;
                let found = index.search(query, k, keep);
                let mut brute: Vec<(u32, f32)> = (0..texts.len() as u32)
                    .filter(|d| keep(*d))
                    .map(|d| (d, index.similarity(query, &texts[d as usize])))
                    .filter(|(_, s)| *s > 0.0)
                    .collect();
                brute.sort_by(order);
                assert_eq!(found.len(), k.min(brute.len()), "{query}");
                for ((doc, score), (_, expected)) in found.iter().zip(&brute) {
                    assert!(keep(*doc));
                    assert!(
                        (score - expected).abs() < 1e-4,
                        "{query}: {score} vs {expected}"
                    );
                    let own = index.similarity(query, &texts[*doc as usize]);
                    assert!(
                        (score - own).abs() < 1e-4,
                        "{query}: doc {doc} {score} vs {own}"
                    );
                }
            }
        }
    }
}
