//! `/finder`: the offer finder for people. A form (region, role, company
//! size, topics, the need in words, free of charge only) whose profile is
//! the URL's query, so a result can be shared and works without
//! JavaScript; the offers are those of `POST /api/v1/match` for the same
//! profile, in the same order ([`crate::service::matching::match_offers`]).
//! With JavaScript (`/assets/lotse.js`) the results follow the form as it
//! changes, without a page load.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::Frame;
use super::words::{ROLES, cost_label, day, role_label};
use crate::error::{AppError, AppResult, FieldError};
use crate::service::matching::{self, Budget, MAX_EMPLOYEES, Match, MatchProfile};
use crate::state::AppState;
use crate::vocab::Lang;

/// Longest query string the finder reads (the form's fields within their
/// bounds, percent-encoded). The need's box takes [`NEED_MAX_CHARS`]: 500
/// characters of three UTF-8 bytes each are 4.5 KB percent-encoded.
const MAX_QUERY: usize = 8 * 1024;

/// Most characters the need's box takes (the API takes 2000; a URL that
/// holds them all would pass the query bound above).
pub const NEED_MAX_CHARS: usize = 500;

/// Offers a result page lists at most: the match API's largest `limit`.
/// `total` says when more apply.
const SHOWN: i32 = 100;

/// The form's values as given (strings, so that a bad value is shown back).
#[derive(Debug, Default)]
struct Form {
    region: String,
    role: String,
    employees: String,
    topics: Vec<String>,
    need: String,
    free: bool,
}

impl Form {
    fn parse(query: &str) -> Self {
        let mut form = Form::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let value = value.trim().to_owned();
            match &*name {
                "region" => form.region = value,
                "role" => form.role = value,
                "employees" => form.employees = value,
                "topic" if !value.is_empty() && !form.topics.contains(&value) => {
                    form.topics.push(value)
                }
                "need" => form.need = value,
                // A checkbox sends `1` (ours) or `on`; `free=0` is no.
                "free" => {
                    form.free = matches!(
                        value.to_ascii_lowercase().as_str(),
                        "1" | "on" | "true" | "yes"
                    )
                }
                _ => {}
            }
        }
        form
    }

    /// Nothing asked yet: show the form alone.
    fn is_empty(&self) -> bool {
        self.region.is_empty() && self.role.is_empty()
    }

    /// The profile `POST /api/v1/match` would get from this form, or every
    /// field at fault (not only the first), in the page's language.
    fn profile(
        &self,
        regions: &crate::service::regions::RegionGraph,
        en: bool,
    ) -> Result<MatchProfile, Vec<Fault>> {
        let mut faults = Vec::new();
        let mut fault = |field: &'static str, de: String, en_text: String| {
            faults.push(Fault {
                field,
                message: if en { en_text } else { de },
            })
        };
        if self.region.is_empty() {
            fault(
                "region",
                "Bitte geben Sie eine Region an.".into(),
                "Please name a region.".into(),
            );
        } else if regions.resolve_name(&self.region).is_none() {
            fault(
                "region",
                format!(
                    "„{}“ kennen wir nicht. Wählen Sie einen Kreis, eine kreisfreie Stadt oder einen Regierungsbezirk aus der Liste, oder geben Sie den Regionalschlüssel an (z. B. 05711).",
                    crate::limits::truncate(&self.region, 80)
                ),
                format!(
                    "We do not know \"{}\". Choose a district, city or Regierungsbezirk from the list, or give its official key (e.g. 05711).",
                    crate::limits::truncate(&self.region, 80)
                ),
            );
        }
        let role = ROLES
            .iter()
            .find(|(_, value)| *value == self.role)
            .map(|(r, _)| *r);
        if role.is_none() {
            fault(
                "role",
                "Bitte wählen Sie, wer Sie sind.".into(),
                "Please choose who you are.".into(),
            );
        }
        let employees = match self.employees.as_str() {
            "" => None,
            text => match text.parse::<i32>() {
                Ok(n) if (0..=MAX_EMPLOYEES).contains(&n) => Some(n),
                _ => {
                    fault(
                        "employees",
                        "Bitte geben Sie die Zahl der Beschäftigten als ganze Zahl zwischen 0 und 1.000.000 an.".into(),
                        "Please give the number of employees as a whole number from 0 to 1,000,000.".into(),
                    );
                    None
                }
            },
        };
        // The box's own bound, for a URL written by hand or shortened by
        // nothing: the same limit the form shows (`maxlength`).
        if self.need.chars().count() > NEED_MAX_CHARS {
            fault(
                "need",
                format!(
                    "Bitte kürzen Sie Ihre Beschreibung auf höchstens {NEED_MAX_CHARS} Zeichen."
                ),
                format!("Please shorten your description to at most {NEED_MAX_CHARS} characters."),
            );
        }
        match (role, faults.is_empty()) {
            (Some(role), true) => Ok(MatchProfile {
                region: self.region.clone(),
                role,
                employees,
                sector: None,
                topics: self.topics.clone(),
                need: (!self.need.is_empty()).then(|| self.need.clone()),
                budget: if self.free {
                    Budget::FreeOnly
                } else {
                    Budget::Any
                },
                date: None,
                explain: false,
                limit: Some(SHOWN),
            }),
            _ => Err(faults),
        }
    }
}

/// A field at fault, said for people.
struct Fault {
    /// The form field (its `id`, which the message is tied to).
    field: &'static str,
    message: String,
}

/// The match API's refusal of a field, said for people (the API's
/// messages are English and name values in backticks).
fn fault_of(error: &FieldError, en: bool) -> Fault {
    let field = match error.field.split(['[', '.']).next().unwrap_or_default() {
        "region" => "region",
        "role" => "role",
        "employees" => "employees",
        "topics" => "topics",
        _ => "need",
    };
    let message = match (field, en) {
        ("topics", false) => {
            "Eines der Themen ist nicht (mehr) bekannt; bitte wählen Sie neu.".into()
        }
        ("topics", true) => {
            "One of the topics is not (or no longer) known; please choose again.".into()
        }
        ("need", false) => "Bitte kürzen Sie Ihre Beschreibung.".into(),
        ("need", true) => "Please shorten your description.".into(),
        (_, false) => "Bitte prüfen Sie diese Angabe.".into(),
        (_, true) => error.message.replace('`', "\""),
    };
    Fault { field, message }
}

/// One choice of a select or a checkbox group.
struct Choice {
    value: String,
    label: String,
    chosen: bool,
}

/// One offer found, as the page shows it.
struct Found {
    slug: String,
    title: String,
    href: String,
    summary: String,
    provider: String,
    cost: &'static str,
    deadline: Option<String>,
    until: Option<String>,
    source: Option<String>,
    score: String,
    reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "finder.html")]
struct Finder {
    frame: Frame,
    form: Form,
    roles: Vec<Choice>,
    topics: Vec<Choice>,
    regions: Vec<Choice>,
    asked: bool,
    faults: Vec<Fault>,
    found: Vec<Found>,
    total: u32,
    /// More apply than are listed ([`SHOWN`]).
    more: bool,
    need_max: usize,
    /// The same profile as a link to the API (for the curious).
    api_query: String,
}

impl Finder {
    /// The fault of `field`, if it has one.
    fn fault(&self, field: &str) -> Option<&str> {
        self.faults
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.message.as_str())
    }
}

/// `GET /finder`: the form, and with a profile in the query the offers
/// that fit it, best first. 422 (the page, with every fault named at its
/// field) for a profile the match API refuses; 414 for a query over 8 KiB.
pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    if req.query_string().len() > MAX_QUERY {
        return Err(AppError::UriTooLong(MAX_QUERY));
    }
    let form = Form::parse(req.query_string());
    let lang = super::lang(&req);
    let en = lang == Lang::En;
    let ctx = state.ctx(&req, Some(lang));
    let reference = ctx.reference().await?;
    let mut faults = Vec::new();
    let mut found = Vec::new();
    let mut total = 0;
    let asked = !form.is_empty();
    if asked {
        match form.profile(&reference.regions, en) {
            Ok(profile) => {
                let today = chrono::Utc::now().date_naive();
                match matching::match_offers(&state.reader, &profile, today, &ctx).await {
                    Ok(result) => {
                        let role = role_label(profile.role, en);
                        total = result.total;
                        found = result.items.iter().map(|m| shown(m, en, role)).collect();
                    }
                    Err(AppError::InvalidData(errors)) => {
                        faults = errors.iter().map(|e| fault_of(e, en)).collect()
                    }
                    Err(err) => return Err(err),
                }
            }
            Err(errors) => faults = errors,
        }
    }
    let roles = ROLES
        .iter()
        .map(|(role, value)| Choice {
            value: (*value).to_owned(),
            label: role_label(*role, en).to_owned(),
            chosen: form.role == *value,
        })
        .collect();
    let mut topics: Vec<Choice> = reference
        .topics
        .all()
        .map(|t| Choice {
            chosen: form.topics.iter().any(|k| k == &t.slug),
            value: t.slug.clone(),
            label: lang.pick(&t.label_de, t.label_en.as_deref()).to_owned(),
        })
        .collect();
    topics.sort_by_cached_key(|c| crate::unicode::fold(&c.label));
    // The list offers names (what people type), each with its key; the
    // match API resolves a name as well as a key.
    let mut regions: Vec<Choice> = reference
        .regions
        .all()
        .map(|r| Choice {
            value: r.name.clone(),
            label: r.ars.clone().unwrap_or_default(),
            chosen: false,
        })
        .collect();
    regions.sort_by_cached_key(|c| crate::unicode::fold(&c.value));
    let status = match faults.is_empty() {
        true => StatusCode::OK,
        false => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let body = super::render(&Finder {
        frame: Frame::new(&req, lang),
        api_query: api_query(&form),
        form,
        roles,
        topics,
        regions,
        asked,
        faults,
        more: (found.len() as u64) < u64::from(total),
        found,
        total,
        need_max: NEED_MAX_CHARS,
    })?;
    let mut response = super::html(lang, body);
    *response.status_mut() = status;
    Ok(response)
}

/// The profile as the JSON body of `POST /api/v1/match`, for the page's
/// "the same from the API" line.
fn api_query(form: &Form) -> String {
    let mut profile = serde_json::json!({"region": form.region, "role": form.role});
    if !form.topics.is_empty() {
        profile["topics"] = form.topics.clone().into();
    }
    if !form.need.is_empty() {
        profile["need"] = form.need.clone().into();
    }
    if form.free {
        profile["budget"] = "free_only".into();
    }
    profile["limit"] = SHOWN.into();
    // Shown inside a shell's single quotes.
    profile.to_string().replace('\'', "'\\''")
}

/// A match as the page shows it; its reasons in plain German (the API's
/// English detail with `lang=en`).
fn shown(m: &Match, en: bool, role: &str) -> Found {
    let offer = &m.offer;
    let reasons = m
        .reasons
        .iter()
        .map(|r| match (en, r.code.as_str()) {
            // The API names the target group by its code (`works_council`).
            (true, "target_group_match") => format!("for: {role}"),
            (false, "target_group_match") => format!("richtet sich an: {role}"),
            (true, _) => r.detail.clone(),
            (false, code) => reason_de(code, &r.detail),
        })
        .collect();
    Found {
        slug: offer.slug.clone(),
        title: offer.title.clone(),
        href: format!(
            "/offers/{}?lang={}",
            offer.slug,
            if en { "en" } else { "de" }
        ),
        summary: offer.summary.clone(),
        provider: offer.provider.name.clone(),
        cost: cost_label(offer.cost, en),
        deadline: offer.application_deadline.map(|d| day(d, en)),
        until: offer.valid_until.map(|d| day(d, en)),
        source: offer.url.clone(),
        score: format!("{:.0} %", m.score * 100.0),
        reasons,
    }
}

/// A reason in plain German: the API's detail (English) carries names and
/// dates after a fixed phrase, which is replaced; an unknown code keeps
/// the detail.
fn reason_de(code: &str, detail: &str) -> String {
    let rest = |prefix: &str| detail.strip_prefix(prefix).map(str::to_owned);
    match code {
        "serves_region" => rest("serves all of ")
            .map(|r| format!("gilt für ganz {r}"))
            .or_else(|| {
                rest("serves ").map(|r| match r.strip_suffix(", part of the region") {
                    Some(part) => format!("gilt für {part}, einen Teil Ihrer Region"),
                    None => format!("gilt für {r}"),
                })
            })
            .unwrap_or_else(|| "passt zu Ihrer Region".to_owned()),
        "topic_match" => rest("covers ")
            .map(|r| format!("behandelt: {r}"))
            .unwrap_or_else(|| "passt zu Ihren Themen".to_owned()),
        "text_match" => rest("mentions ")
            .map(|r| format!("erwähnt: {r}"))
            .unwrap_or_else(|| "passt zu Ihrer Beschreibung".to_owned()),
        "free_of_charge" => "kostenfrei".to_owned(),
        "deadline_soon" => "Frist endet bald".to_owned(),
        _ => detail.to_owned(),
    }
}
