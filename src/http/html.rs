//! Server-rendered HTML: one page layout, escaping, and the pages' parts. No assets from
//! elsewhere, and every page works without JavaScript: the search box is a plain form, and a
//! few lines of script only add autocomplete suggestions from `/api/suggest`.

use std::fmt::Write;

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#1b1b1b}\
header{border-bottom:1px solid #ccc;margin-bottom:1rem}header a{margin-right:1rem}\
nav.crumbs{color:#555;font-size:.95rem}table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left;vertical-align:top}\
code{background:#f4f4f4;padding:0 .2rem}textarea{width:100%;font-family:monospace}.muted{color:#666}footer{margin-top:2rem;font-size:.85rem;color:#666}\
ul.cols{columns:2}";

/// Fills the search box's suggestions from `/api/suggest` as the user types.
const SUGGEST: &str = "(function(){var i=document.querySelector('header input[name=text]'),d=document.getElementById('esco-suggest'),t;\
if(!i||!d||!window.fetch)return;i.addEventListener('input',function(){clearTimeout(t);var v=i.value.trim();if(v.length<2)return;\
t=setTimeout(function(){fetch('/api/suggest?limit=8&text='+encodeURIComponent(v)).then(function(r){return r.ok?r.json():{results:[]}})\
.then(function(j){d.textContent='';j.results.forEach(function(h){var o=document.createElement('option');o.value=h.matched;d.appendChild(o)})})\
.catch(function(){})},120)})})();";

/// A whole page.
pub fn page(title: &str, lang: &str, body: &str) -> String {
    let mut s = String::with_capacity(body.len() + 1024);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{title} – esco-ld</title><style>{STYLE}</style></head><body>\
<header><a href=\"/\"><strong>esco-ld</strong></a><a href=\"/esco/concept-scheme/occupations\">Occupations</a>\
<a href=\"/esco/concept-scheme/skills\">Skills</a><a href=\"/esco/concept-scheme/isco\">ISCO</a><a href=\"/sparql\">SPARQL</a><a href=\"/extract\">Extract skills</a>\
<form method=\"get\" action=\"/search\" role=\"search\" style=\"display:inline\"><input type=\"search\" name=\"text\" list=\"esco-suggest\" placeholder=\"Search labels\" aria-label=\"Search labels\" autocomplete=\"off\">\
<datalist id=\"esco-suggest\"></datalist> <button>Search</button></form></header>\
<main>{body}</main><footer>{attribution}</footer><script>{SUGGEST}</script></body></html>\n",
        title = escape(title),
        lang = escape(lang),
        attribution = escape(crate::ATTRIBUTION),
    );
    s
}

/// The SPARQL query page: a form (GET, so results can be bookmarked) and the example queries.
pub fn query_page() -> String {
    let mut body = String::from(
        "<h1>SPARQL endpoint</h1><p>Send queries to <code>/sparql</code> by GET or POST (SPARQL 1.1 Protocol). \
The default graph is the union of all graphs. Results: JSON, XML, CSV, TSV; graphs: Turtle, N-Triples, RDF/XML, JSON-LD.</p>\
<form method=\"get\" action=\"/sparql\"><textarea name=\"query\" rows=\"12\">PREFIX skos: &lt;http://www.w3.org/2004/02/skos/core#&gt;\n\
SELECT ?concept ?label WHERE { ?concept skos:prefLabel ?label FILTER(LANG(?label) = 'en') } LIMIT 10</textarea>\
<p><label>Results as <select name=\"format\"><option value=\"tsv\">TSV</option><option value=\"json\">JSON</option>\
<option value=\"csv\">CSV</option><option value=\"xml\">XML</option><option value=\"ttl\">Turtle (CONSTRUCT)</option></select></label> \
<button type=\"submit\">Run</button></p></form><h2>Examples</h2>",
    );
    for (name, text) in crate::queries::EXAMPLES {
        let _ = write!(
            body,
            "<h3>{}</h3><form method=\"get\" action=\"/sparql\"><textarea name=\"query\" rows=\"8\">{}</textarea><input type=\"hidden\" name=\"format\" value=\"tsv\"><button type=\"submit\">Run</button></form>",
            escape(name),
            escape(text)
        );
    }
    page("SPARQL", "en", &body)
}
