//! `/finder`: the offer finder for people. A form (region, role, company
//! size, topics, the need in words, free of charge only) whose profile is
//! the URL's query, so a result can be shared and works without
//! JavaScript; the offers are those of `POST /api/v1/match` for the same
//! profile, in the same order ([`crate::service::matching::match_offers`]).
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::Frame;
use crate::error::{AppError, AppResult, FieldError};
use crate::service::matching::{self, Budget, Match, MatchProfile, Role};
use crate::state::AppState;
use crate::vocab::Lang;

/// Longest query string the finder reads (the form's fields within their
/// bounds, percent-encoded).
const MAX_QUERY: usize = 8 * 1024;

/// The form's values as given (strings, so that a bad value is shown back).
#[derive(Debug, Default)]
struct Form {
    region: String,
    role: String,
    employees: String,
    topics: Vec<String>,
    need: String,
    free: bool,
    lang: Option<String>,
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
                "topic" if !value.is_empty() => form.topics.push(value),
                "need" => form.need = value,
                "free" => form.free = !value.is_empty(),
                "lang" => form.lang = Some(value),
                _ => {}
            }
        }
        form
    }

    /// Nothing asked yet: show the form alone.
    fn is_empty(&self) -> bool {
        self.region.is_empty() && self.role.is_empty()
    }

    /// The profile `POST /api/v1/match` would get from this form, or the
    /// fields at fault.
    fn profile(&self) -> Result<MatchProfile, Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.region.is_empty() {
            errors.push(FieldError::new("region", "is required"));
        }
        let role = match self.role.as_str() {
            "" => {
                errors.push(FieldError::new("role", "is required"));
                None
            }
            text => {
                let role = ROLES
                    .iter()
                    .find(|(_, value)| *value == text)
                    .map(|(r, _)| *r);
                if role.is_none() {
                    errors.push(FieldError::new("role", "is not a known role"));
                }
                role
            }
        };
        let employees = match self.employees.as_str() {
            "" => None,
            text => match text.parse::<i32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(FieldError::new("employees", "must be a whole number"));
                    None
                }
            },
        };
        match (role, errors.is_empty()) {
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
                limit: None,
            }),
            _ => Err(errors),
        }
    }
}

/// One choice of a select or a checkbox group.
struct Choice {
    value: String,
    label: String,
    chosen: bool,
}

/// One offer found, as the page shows it.
struct Found {
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
    errors: Vec<FieldError>,
    found: Vec<Found>,
}

/// `GET /finder`: the form, and with a profile in the query the offers
/// that fit it, best first. 422 (the page, with the faults named) for a
/// profile the match API refuses.
pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    if req.query_string().len() > MAX_QUERY {
        return Err(AppError::UriTooLong(MAX_QUERY));
    }
    let form = Form::parse(req.query_string());
    let lang = match form.lang.as_deref() {
        Some("en") => Lang::En,
        Some("de") => Lang::De,
        _ => crate::state::accept_language(&req),
    };
    let ctx = state.ctx(&req, Some(lang));
    let reference = ctx.reference().await?;
    let en = lang == Lang::En;
    let mut errors = Vec::new();
    let mut found = Vec::new();
    let asked = !form.is_empty();
    if asked {
        match form.profile() {
            Ok(profile) => {
                let today = chrono::Utc::now().date_naive();
                match matching::match_offers(&state.reader, &profile, today, &ctx).await {
                    Ok(result) => {
                        let role = role_label(profile.role, en);
                        found = result.items.iter().map(|m| shown(m, en, role)).collect()
                    }
                    Err(AppError::InvalidData(faults)) => errors = faults,
                    Err(err) => return Err(err),
                }
            }
            Err(faults) => errors = faults,
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
            label: match (en, &t.label_en) {
                (true, Some(label)) => label.clone(),
                _ => t.label_de.clone(),
            },
        })
        .collect();
    topics.sort_by(|a, b| a.label.cmp(&b.label));
    // The datalist offers names; a key typed instead (05711) works too.
    let mut regions: Vec<Choice> = reference
        .regions
        .all()
        .map(|r| Choice {
            value: r.slug.clone(),
            label: match &r.ars {
                Some(ars) => format!("{} ({ars})", r.name),
                None => r.name.clone(),
            },
            chosen: false,
        })
        .collect();
    regions.sort_by(|a, b| a.label.cmp(&b.label));
    let status = match errors.is_empty() {
        true => StatusCode::OK,
        false => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let (license, _, attribution) = crate::rest::licence(&req);
    let frame = Frame {
        lang: lang.as_str(),
        path: "/finder",
        license,
        attribution,
    };
    let body = super::render(&Finder {
        frame,
        form,
        roles,
        topics,
        regions,
        asked,
        errors,
        found,
    })?;
    let mut response = super::html(lang, body);
    *response.status_mut() = status;
    Ok(response)
}

/// The roles of a profile as the match API names them.
const ROLES: [(Role, &str); 4] = [
    (Role::WorksCouncil, "works_council"),
    (Role::Sme, "sme"),
    (Role::Employee, "employee"),
    (Role::Founder, "founder"),
];

fn role_label(role: Role, en: bool) -> &'static str {
    match (role, en) {
        (Role::Sme, false) => "Kleines oder mittleres Unternehmen (KMU)",
        (Role::Sme, true) => "Small or medium-sized enterprise (SME)",
        (Role::WorksCouncil, false) => "Betriebsrat oder Personalvertretung",
        (Role::WorksCouncil, true) => "Works council or staff representation",
        (Role::Employee, false) => "Beschäftigte",
        (Role::Employee, true) => "Employee",
        (Role::Founder, false) => "Gründerin, Gründer oder Start-up",
        (Role::Founder, true) => "Founder or start-up",
    }
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
        title: offer.title.clone(),
        href: format!("/api/v1/offers/{}", offer.slug),
        summary: offer.summary.clone(),
        provider: offer.provider.name.clone(),
        cost: cost_label(offer.cost, en),
        deadline: offer
            .application_deadline
            .map(|d| d.format("%d.%m.%Y").to_string()),
        until: offer.valid_until.map(|d| d.format("%d.%m.%Y").to_string()),
        source: offer.url.clone(),
        score: format!("{:.0} %", m.score * 100.0),
        reasons,
    }
}

/// A cost class in words.
pub(super) fn cost_label(cost: crate::vocab::Cost, en: bool) -> &'static str {
    use crate::vocab::Cost;
    match (cost, en) {
        (Cost::Free, false) => "kostenfrei",
        (Cost::Free, true) => "free of charge",
        (Cost::Subsidised, false) => "gefördert (Eigenanteil)",
        (Cost::Subsidised, true) => "subsidised (a share is paid)",
        (Cost::Paid, false) => "kostenpflichtig",
        (Cost::Paid, true) => "paid",
        (Cost::Unknown, false) => "Kosten nicht angegeben",
        (Cost::Unknown, true) => "cost not stated",
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
            .map(|r| format!("behandelt {r}"))
            .unwrap_or_else(|| "passt zu Ihren Themen".to_owned()),
        "text_match" => rest("mentions ")
            .map(|r| format!("erwähnt {r}"))
            .unwrap_or_else(|| "passt zu Ihrer Beschreibung".to_owned()),
        "free_of_charge" => "kostenfrei".to_owned(),
        "deadline_soon" => "Frist endet bald".to_owned(),
        _ => detail.to_owned(),
    }
}
