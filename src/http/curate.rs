//! Curation screens (`/curate`): server-rendered pages for curators. Sign in with a curator
//! token (kept in an HttpOnly, SameSite=Strict cookie), see what waits for you, judge one item
//! at a time. Every form works without JavaScript; a few lines of script add keys: 1–9 pick a
//! candidate, 0 no match, e/c/b/n the relation, a/d agree/disagree, Enter submits, j skips.

use std::fmt::Write;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::extractors::{is_admin_token, Curator, COOKIE};
use super::html::{escape, page};
use super::{blocking, ApiError, AppState, Code};
use crate::curation::queue::{self, Decision, Step};
use crate::curation::users::User;
use crate::curation::{project, State};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/curate", web::get().to(home))
        .route("/curate/login", web::post().to(login))
        .route("/curate/logout", web::post().to(logout))
        .route("/curate/{id}", web::get().to(queue_page))
        .route("/curate/{id}/{key}", web::get().to(item_page))
        .route("/curate/{id}/{key}", web::post().to(post_decision));
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

/// The curator the screens' cookie signs in, if any (a bad cookie counts as none).
fn signed_in(req: &HttpRequest, curator: Option<Curator>) -> Option<User> {
    req.cookie(COOKIE)?;
    curator.map(|c| c.user)
}

fn sign_in_form(message: &str) -> String {
    format!(
        "<h1>Curation</h1>{}<form method=\"post\" action=\"/curate/login\">\
<label>Curator token <input type=\"password\" name=\"token\" size=\"70\" autofocus required></label> \
<button>Sign in</button></form><p class=\"muted\">Tokens are made by an admin with <code>esco-ld user add NAME --role validator</code>.</p>",
        if message.is_empty() {
            String::new()
        } else {
            format!("<p><strong>{}</strong></p>", escape(message))
        }
    )
}

async fn home(
    req: HttpRequest,
    curator: Option<Curator>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(user) = signed_in(&req, curator) else {
        return Ok(html(page("Curation", "en", &sign_in_form(""))));
    };
    let st = state.clone();
    let body = blocking(move || -> Result<String, ApiError> {
        let mut b = format!(
            "<h1>Curation</h1><form method=\"post\" action=\"/curate/logout\">Signed in as <strong>{}</strong> ({}) <button>Sign out</button></form><h2>Projects</h2><table><tr><th>Project</th><th>Source concepts</th>",
            escape(&user.name),
            user.roles.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        );
        for s in State::ALL {
            let _ = write!(b, "<th>{}</th>", s.as_str());
        }
        b.push_str("<th>Published</th></tr>");
        for p in project::list(&st.store)? {
            let status = project::status(&st.store, &p)?;
            let _ = write!(
                b,
                "<tr><td><a href=\"/curate/{id}\">{title}</a></td><td>{n}</td>",
                id = escape(&p.id),
                title = escape(&p.title),
                n = status.sources
            );
            for s in State::ALL {
                let _ = write!(b, "<td>{}</td>", status.states.get(s.as_str()).unwrap_or(&0));
            }
            let _ = write!(b, "<td>{}</td></tr>", status.mappings);
        }
        b.push_str("</table>");
        Ok(b)
    })
    .await
    .map_err(ApiError::html)?;
    Ok(html(page("Curation", "en", &body)))
}

#[derive(Deserialize)]
struct LoginForm {
    token: String,
}

async fn login(
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, ApiError> {
    let token = form.token.trim();
    let known = state
        .users
        .authenticate(token)
        .map_err(|e| ApiError::from(e).html())?;
    let admin = is_admin_token(&state, token);
    if known.is_none() && !admin {
        return Ok(HttpResponse::Forbidden()
            .content_type("text/html; charset=utf-8")
            .body(page(
                "Curation",
                "en",
                &sign_in_form("Unknown or revoked token."),
            )));
    }
    let cookie = Cookie::build(COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    Ok(HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((header::LOCATION, "/curate"))
        .finish())
}

async fn logout() -> HttpResponse {
    let mut cookie = Cookie::build(COOKIE, "").path("/").finish();
    cookie.make_removal();
    HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((header::LOCATION, "/curate"))
        .finish()
}

async fn queue_page(
    req: HttpRequest,
    curator: Option<Curator>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Some(user) = signed_in(&req, curator) else {
        return Ok(see_other("/curate"));
    };
    let st = state.clone();
    let id = id.into_inner();
    let body = blocking(move || -> Result<String, ApiError> {
        let p = project::load(&st.store, &id)?;
        let status = project::status(&st.store, &p)?;
        let waiting = queue::waiting(&st.store, &p, &user, usize::MAX)?;
        let mut b = format!(
            "<nav class=\"crumbs\"><a href=\"/curate\">Curation</a> › {title}</nav><h1>{title}</h1><p>{n} source concepts; ",
            title = escape(&p.title),
            n = status.sources
        );
        let counts: Vec<String> = State::ALL
            .iter()
            .map(|s| format!("{} {}", status.states.get(s.as_str()).unwrap_or(&0), s.as_str()))
            .collect();
        let _ = write!(
            b,
            "{}. {} mappings published in <a href=\"/api/crosswalks/{cw}?format=sssom\">crosswalk {cw}</a> (revision {rev}).</p>",
            counts.join(", "),
            status.mappings,
            cw = escape(p.crosswalk.rsplit('/').next().unwrap_or_default()),
            rev = status.revision
        );
        let _ = write!(
            b,
            "<h2>Waiting for {} ({})</h2>",
            escape(&user.name),
            waiting.len()
        );
        if waiting.is_empty() {
            b.push_str("<p>Nothing waits for you in this project.</p>");
        } else {
            b.push_str("<table><tr><th>Code</th><th>Source concept</th><th>State</th></tr>");
            for (n, line) in waiting.iter().take(200).enumerate() {
                let _ = write!(
                    b,
                    "<tr><td>{code}</td><td><a href=\"/curate/{id}/{key}\"{ak}>{label}</a></td><td>{state}</td></tr>",
                    code = escape(&line.notation),
                    id = escape(&id),
                    key = escape(&line.key),
                    ak = if n == 0 { " accesskey=\"n\" autofocus" } else { "" },
                    label = escape(&line.label),
                    state = line.state.as_str()
                );
            }
            b.push_str("</table>");
        }
        Ok(b)
    })
    .await
    .map_err(ApiError::html)?;
    Ok(html(page("Curation", "en", &body)))
}

const KEYS: &str = "document.addEventListener('keydown',function(e){if(/TEXTAREA|INPUT/.test(e.target.tagName)&&e.target.type!=='radio')return;\
var k=e.key,f=document.getElementById('decision');if(!f)return;var pick=function(n,v){var r=f.querySelector('input[name='+n+'][value=\"'+v+'\"]');if(r){r.checked=true;r.focus();e.preventDefault()}};\
if(/^[1-9]$/.test(k))pick('choice',k);else if(k==='0')pick('choice','none');else if('ecbn'.indexOf(k)>=0)pick('relation',{e:'exact',c:'close',b:'broad',n:'narrow'}[k]);\
else if(k==='a')pick('agree','true');else if(k==='d')pick('agree','false');else if(k==='j'){var s=document.getElementById('skip');if(s)location.href=s.href}});";

fn relation_inputs(b: &mut String) {
    b.push_str("<p>Relation (source → ESCO): ");
    for (n, (value, key)) in [
        ("exact", 'e'),
        ("close", 'c'),
        ("broad", 'b'),
        ("narrow", 'n'),
    ]
    .iter()
    .enumerate()
    {
        let _ = write!(
            b,
            "<label><input type=\"radio\" name=\"relation\" value=\"{value}\"{checked}> {value} <kbd>{key}</kbd></label> ",
            checked = if n == 0 { " checked" } else { "" }
        );
    }
    b.push_str("</p>");
}

fn item_html(
    state: &AppState,
    user: &User,
    id: &str,
    key: &str,
    message: &str,
) -> Result<String, ApiError> {
    let p = project::load(&state.store, id)?;
    let labels = state.labels()?;
    let d = queue::detail(&state.store, &labels, &p, key)?;
    let lang = if p.language.is_empty() {
        "en"
    } else {
        &p.language
    };
    let label_of = |iri: &str| labels.preferred(iri, lang).unwrap_or(iri).to_owned();
    let item = &d.item;
    let mut b = format!(
        "<nav class=\"crumbs\"><a href=\"/curate\">Curation</a> › <a href=\"/curate/{id}\">{title}</a> › {code}</nav>",
        id = escape(id),
        title = escape(&p.title),
        code = escape(&d.notation)
    );
    if !message.is_empty() {
        let _ = write!(b, "<p><strong>{}</strong></p>", escape(message));
    }
    let _ = write!(
        b,
        "<h1>{label}</h1><p class=\"muted\">{code} · <a href=\"{src}\">{src}</a> · state <strong>{state}</strong></p><p>{desc}</p>",
        label = escape(&d.label),
        code = escape(&d.notation),
        src = escape(&item.source),
        state = item.state.as_str(),
        desc = escape(&d.description)
    );
    let next = Step::next(item.state);
    let step = next.as_str();
    let may =
        item.waits_for(user) || (next == Step::Withdraw && user.can(crate::curation::Role::Admin));
    if !item.decisions.is_empty() {
        b.push_str("<h2>History</h2><table><tr><th>#</th><th>Step</th><th>Verdict</th><th>Concept</th><th>Relation</th><th>Who</th><th>When</th><th>Comment</th></tr>");
        for dec in &item.decisions {
            let concept = dec.concept.as_deref().map_or(String::new(), |c| {
                format!("<a href=\"{}\">{}</a>", escape(c), escape(&label_of(c)))
            });
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{concept}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                dec.seq,
                escape(&dec.step),
                escape(&dec.verdict),
                escape(dec.relation.as_deref().unwrap_or("")),
                escape(&dec.user),
                escape(&dec.time),
                escape(&dec.comment)
            );
        }
        b.push_str("</table>");
    }
    let _ = write!(
        b,
        "<form id=\"decision\" method=\"post\" action=\"/curate/{}/{}\"><input type=\"hidden\" name=\"step\" value=\"{step}\">",
        escape(id),
        escape(key)
    );
    b.push_str("<h2>Candidates</h2><table><tr><th></th><th>#</th><th>ESCO concept</th><th>Score</th><th>Matched</th><th>Broader</th></tr>");
    for (c, plabel) in item.candidates.iter().zip(&d.candidate_labels) {
        let broader = broader_label(state, &c.concept);
        let description = description_of(state, &c.concept, lang);
        let _ = write!(
            b,
            "<tr><td>{radio}</td><td>{rank}</td><td><a href=\"{uri}\"><strong>{label}</strong></a><br><span class=\"muted\">{desc}</span></td><td>{score:.3}</td><td>{matched}</td><td>{broader}</td></tr>",
            radio = if step == "validate" || step == "decide" || step == "review" {
                format!(
                    "<input type=\"radio\" name=\"choice\" value=\"{rank}\" aria-label=\"candidate {rank}\"{checked}>",
                    rank = c.rank,
                    checked = if c.rank == 1 && step != "review" { " checked" } else { "" }
                )
            } else {
                String::new()
            },
            rank = c.rank,
            uri = escape(&c.concept),
            label = escape(plabel),
            desc = escape(&description),
            score = c.score,
            matched = escape(&c.matched),
            broader = escape(&broader.unwrap_or_default()),
        );
    }
    b.push_str("</table>");
    if may {
        match step {
            "validate" | "decide" => {
                b.push_str("<p><label><input type=\"radio\" name=\"choice\" value=\"none\"> no ESCO concept fits <kbd>0</kbd></label> · or another concept: <input name=\"concept\" size=\"50\" placeholder=\"http://data.europa.eu/esco/occupation/…\"></p>");
                relation_inputs(&mut b);
            }
            "review" => {
                b.push_str("<p><label><input type=\"radio\" name=\"agree\" value=\"true\" checked> agree <kbd>a</kbd></label> <label><input type=\"radio\" name=\"agree\" value=\"false\"> disagree <kbd>d</kbd></label></p><p class=\"muted\">Disagreeing, you may pick what you would choose above (candidate or another concept, with a relation) or no match: <label><input type=\"radio\" name=\"choice\" value=\"none\"> no ESCO concept fits <kbd>0</kbd></label></p>");
                relation_inputs(&mut b);
            }
            _ => {}
        }
        let _ = write!(
            b,
            "<p><label>Comment <input name=\"comment\" size=\"60\"></label></p><p><button accesskey=\"s\">{}</button></p>",
            match step {
                "validate" => "Validate",
                "review" => "Send review",
                "decide" => "Decide",
                _ => "Withdraw",
            }
        );
    } else {
        let _ = write!(
            b,
            "<p class=\"muted\">Nothing for {} to do here now.</p>",
            escape(&user.name)
        );
    }
    let _ = write!(
        b,
        "</form><p><a id=\"skip\" href=\"/curate/{}\">Back to the queue</a> <kbd>j</kbd></p><script>{KEYS}</script>",
        escape(id)
    );
    Ok(b)
}

fn broader_label(state: &AppState, concept: &str) -> Option<String> {
    let node = oxigraph::model::NamedNode::new(concept).ok()?;
    let q = state
        .store
        .quads_for_pattern(
            Some(node.as_ref().into()),
            Some(crate::vocab::skos::BROADER),
            None,
            None,
        )
        .next()?
        .ok()?;
    let oxigraph::model::Term::NamedNode(b) = q.object else {
        return None;
    };
    let labels = state.labels().ok()?;
    labels.preferred(b.as_str(), "en").map(str::to_owned)
}

fn description_of(state: &AppState, concept: &str, lang: &str) -> String {
    let Ok(node) = oxigraph::model::NamedNode::new(concept) else {
        return String::new();
    };
    let mut best: Option<(u8, String)> = None;
    for q in state.store.quads_for_pattern(
        Some(node.as_ref().into()),
        Some(crate::vocab::dcterms::DESCRIPTION),
        None,
        None,
    ) {
        if let Ok(oxigraph::model::Quad {
            object: oxigraph::model::Term::Literal(l),
            ..
        }) = q
        {
            let rank = match l.language() {
                Some(x) if x == lang => 0,
                Some("en") => 1,
                _ => 2,
            };
            if best.as_ref().is_none_or(|(r, _)| rank < *r) {
                best = Some((rank, l.value().to_owned()));
            }
        }
    }
    let text = best.map(|b| b.1).unwrap_or_default();
    if text.chars().count() > 240 {
        format!("{}…", text.chars().take(240).collect::<String>())
    } else {
        text
    }
}

async fn item_page(
    req: HttpRequest,
    curator: Option<Curator>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let Some(user) = signed_in(&req, curator) else {
        return Ok(see_other("/curate"));
    };
    let (id, key) = path.into_inner();
    let st = state.clone();
    let body = blocking(move || item_html(&st, &user, &id, &key, ""))
        .await
        .map_err(ApiError::html)?;
    Ok(html(page("Curation", "en", &body)))
}

#[derive(Deserialize)]
struct DecisionForm {
    step: String,
    #[serde(default)]
    choice: Option<String>,
    #[serde(default)]
    concept: Option<String>,
    #[serde(default)]
    relation: Option<String>,
    #[serde(default)]
    agree: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

impl DecisionForm {
    fn body(&self) -> Result<Decision, ApiError> {
        let bad = |m: &str| ApiError::new(Code::InvalidParameter, m).html();
        let concept = self
            .concept
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        let (candidate, no_match) = match (self.choice.as_deref(), &concept) {
            (_, Some(_)) => (None, false),
            (Some("none"), None) => (None, true),
            (Some(n), None) => (
                Some(n.parse::<u32>().map_err(|_| bad("choose a candidate"))?),
                false,
            ),
            (None, None) => (None, false),
        };
        Ok(Decision {
            concept,
            candidate,
            relation: self.relation.clone(),
            no_match,
            agree: match self.agree.as_deref() {
                Some("true") => Some(true),
                Some("false") => Some(false),
                _ => None,
            },
            comment: self.comment.clone(),
        })
    }
}

async fn post_decision(
    curator: Result<Curator, ApiError>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, ApiError> {
    let user = curator.map_err(ApiError::html)?.user;
    let step: Step = form.step.parse().map_err(|e| ApiError::from(e).html())?;
    let (id, key) = path.into_inner();
    let mut body = form.body()?;
    if step == Step::Review && body.agree == Some(true) {
        // Agreeing takes the validation as it is.
        body.candidate = None;
        body.concept = None;
        body.no_match = false;
    }
    let st = state.clone();
    let next = blocking(move || -> Result<String, ApiError> {
        let p = project::load(&st.store, &id)?;
        queue::decide(&st.store, &st.curation, &p, &key, &user, step, &body)?;
        st.version.touch();
        let waiting = queue::waiting(&st.store, &p, &user, 1)?;
        Ok(waiting.first().map_or_else(
            || format!("/curate/{id}"),
            |l| format!("/curate/{id}/{}", l.key),
        ))
    })
    .await
    .map_err(ApiError::html)?;
    Ok(see_other(&next))
}
