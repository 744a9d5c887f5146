//! The `/extract` page: a form for an ad or a CV, and what was found in it, each skill's
//! evidence marked in the text and linked to the skill's page; the result as CSV.

use std::fmt::Write;

use crate::extract::facts::{Relation, SkillType};
use crate::extract::Extraction;
use crate::http::html::{escape, page};

/// The page: the form (with what was sent), an error, or the extraction.
pub fn render(
    found: Option<(&Extraction, &str)>,
    text: &str,
    title: &str,
    error: Option<&str>,
) -> String {
    let mut body = String::from(
        "<h1>Skills and occupation from a job ad or a CV</h1>\
<p>Paste an ad or a CV in any EU language. Skills are matched against ESCO's labels; headings, \
what the employer offers, how to apply and contact lines are left out. \
The same is served as JSON by <code>POST /api/extract</code>.</p>",
    );
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/extract\"><p><label>Title (optional) \
<input name=\"title\" size=\"50\" value=\"{}\"></label></p>\
<p><textarea name=\"text\" rows=\"14\" required>{}</textarea></p>\
<p><button name=\"format\" value=\"html\">Extract</button> \
<button name=\"format\" value=\"json\">Download JSON</button> \
<button name=\"format\" value=\"csv\">Download CSV</button></p></form>",
        escape(title),
        escape(text)
    );
    if let Some(e) = error {
        let _ = write!(body, "<p role=\"alert\"><strong>{}</strong></p>", escape(e));
    }
    if let Some((found, base_uri)) = found {
        results(&mut body, found, text, base_uri);
    }
    page("Extract skills", "en", &body)
}

fn href(iri: &str, base_uri: &str) -> String {
    iri.strip_prefix(base_uri)
        .map_or_else(|| iri.to_owned(), |rest| format!("/esco/{rest}"))
}

fn results(body: &mut String, found: &Extraction, text: &str, base_uri: &str) {
    let _ = write!(
        body,
        "<p class=\"muted\">Language: {}; matching: {}.</p><h2>Occupation</h2>",
        escape(found.language.as_deref().unwrap_or("unknown")),
        found.method
    );
    if found.occupations.is_empty() {
        body.push_str("<p>None found.</p>");
    } else {
        body.push_str("<ol>");
        for o in &found.occupations {
            let _ = write!(
                body,
                "<li><a href=\"{}\">{}</a> <span class=\"muted\">{:.2}{}</span></li>",
                escape(&href(&o.uri, base_uri)),
                escape(&o.label),
                o.score,
                o.isco
                    .as_deref()
                    .map_or_else(String::new, |c| format!(", ISCO {}", escape(c)))
            );
        }
        body.push_str("</ol>");
    }
    let _ = write!(body, "<h2>Skills ({})</h2>", found.skills.len());
    if found.skills.is_empty() {
        body.push_str("<p>None over the threshold.</p>");
    } else {
        body.push_str(
            "<table><tr><th>#</th><th>skill</th><th>score</th><th>type</th><th>for the occupation</th><th>collections</th></tr>",
        );
        for (i, s) in found.skills.iter().enumerate() {
            let _ = write!(
                body,
                "<tr><td>{}</td><td><a href=\"{}\">{}</a></td><td>{:.2}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                i + 1,
                escape(&href(&s.uri, base_uri)),
                escape(&s.label),
                s.score,
                skill_type(s.skill_type),
                relation(s.relation),
                escape(&s.collections.join(", "))
            );
        }
        body.push_str("</table>");
    }
    body.push_str("<h2>The text, evidence marked</h2><pre style=\"white-space:pre-wrap\">");
    body.push_str(&marked(found, text));
    body.push_str("</pre>");
}

fn skill_type(t: Option<SkillType>) -> &'static str {
    match t {
        Some(SkillType::Knowledge) => "knowledge",
        Some(SkillType::Skill) => "skill",
        None => "",
    }
}

fn relation(r: Option<Relation>) -> &'static str {
    match r {
        Some(Relation::Essential) => "essential",
        Some(Relation::Optional) => "optional",
        None => "",
    }
}

/// The text with each run of characters some evidence covers in `<mark>`, its title naming the
/// skills.
fn marked(found: &Extraction, text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut cover: Vec<Vec<usize>> = vec![Vec::new(); chars.len()];
    for (i, s) in found.skills.iter().enumerate() {
        for e in &s.evidence {
            for slot in cover.iter_mut().take(e.end.min(chars.len())).skip(e.start) {
                slot.push(i);
            }
        }
    }
    let mut out = String::new();
    let mut at = 0;
    while at < chars.len() {
        let mut end = at + 1;
        while end < chars.len() && cover[end] == cover[at] {
            end += 1;
        }
        let run: String = chars[at..end].iter().collect();
        if cover[at].is_empty() {
            out.push_str(&escape(&run));
        } else {
            let names: Vec<&str> = cover[at]
                .iter()
                .map(|i| found.skills[*i].label.as_str())
                .collect();
            let _ = write!(
                out,
                "<mark title=\"{}\">{}</mark>",
                escape(&names.join("; ")),
                escape(&run)
            );
        }
        at = end;
    }
    out
}

/// The skills as CSV: one row per skill.
pub fn csv(found: &Extraction) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "uri",
        "label",
        "score",
        "skill_type",
        "reuse_level",
        "collections",
        "relation",
        "evidence",
    ])?;
    for s in &found.skills {
        let evidence: Vec<&str> = s.evidence.iter().map(|e| e.text.as_str()).collect();
        w.write_record([
            s.uri.as_str(),
            s.label.as_str(),
            &format!("{:.4}", s.score),
            skill_type(s.skill_type),
            s.reuse_level.as_deref().unwrap_or_default(),
            &s.collections.join(" "),
            relation(s.relation),
            &evidence.join(" | "),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
