//! `POST /api/v1/match`: offers ranked for a profile, with reasons.
use actix_web::{HttpRequest, HttpResponse, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{AppState, LangParam, json_response, tags};
use crate::error::{AppError, AppResult, FieldError, Problem};
use crate::service::matching::{self, MatchProfile, MatchResult};

/// Largest accepted profile, in bytes.
const MAX_BODY: usize = 16 * 1024;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(match_offers);
}

/// Reads a JSON body of at most `limit` bytes into `T`, naming the field of
/// any error (`topics[1]`, `employees` …).
///
/// Errors: 415 unless the body is `application/json`; 400 when it is not
/// well-formed JSON (a syntax error or a truncated document); 422 when it
/// is JSON whose fields do not fit `T` (RFC 9110 §15.5.21: the content type
/// and syntax are right, the instructions are not).
pub async fn json_body<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> AppResult<T> {
    crate::http::media::require(req, &[crate::http::media::JSON])?;
    let bytes = crate::guard::read_body(payload, limit).await?;
    // Well-formed first (RFC 8259's grammar: `1e400` is JSON, a value out
    // of range is the fields' problem), then the fields. JSON is UTF-8
    // (RFC 8259 §8.1), which skipping over strings does not check.
    if let Err(e) = std::str::from_utf8(&bytes) {
        return Err(AppError::BadRequest(format!(
            "the body is not UTF-8: invalid byte at offset {}",
            e.valid_up_to()
        )));
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).map_err(|e| {
        AppError::BadRequest(format!(
            "the body is not well-formed JSON: {}",
            crate::limits::shorten_quotes(&e.to_string())
        ))
    })?;
    // As every JSON body: a name twice in one object is malformed (400).
    // (The pass also stops at a number beyond f64, which is well-formed
    // JSON: the fields' problem, a 422 below.)
    if let Err(problem) = crate::service::import::unique_keys(&bytes)
        && problem.contains("appears twice")
    {
        return Err(AppError::BadRequest(problem));
    }
    // serde reads a struct from an array too, by position; the contract
    // says object.
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err(AppError::InvalidData(vec![FieldError::new(
            "body",
            "must be a JSON object",
        )]));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        // The document is well-formed (checked above), so what serde_json
        // calls a syntax error here is mostly the fields' problem: it also
        // reports a wrong type for an enum (`"role": null`) as "expected
        // value", and a number out of range (well-formed, RFC 8259 §6)
        // too: 422. Only an escape that skipping let pass (`"\ud800"`, a
        // lone surrogate), found when the string is decoded, is malformed.
        let inner = err.inner();
        let message = inner.to_string();
        let malformed = match inner.classify() {
            serde_json::error::Category::Data => false,
            serde_json::error::Category::Syntax => {
                message.contains("escape") || message.contains("surrogate")
            }
            serde_json::error::Category::Eof | serde_json::error::Category::Io => true,
        };
        if malformed {
            return AppError::BadRequest(format!(
                "the body is not well-formed JSON: {}",
                crate::limits::shorten_quotes(&err.inner().to_string())
            ));
        }
        let path = err.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        // serde_json's words for an enum of the wrong type ("expected
        // value at line 1 column 41") say nothing about the field.
        let reason = if inner.classify() == serde_json::error::Category::Syntax
            && !message.starts_with("number out of range")
        {
            "has the wrong type: expected one of the values the contract lists".to_owned()
        } else {
            crate::limits::shorten_quotes(&message)
        };
        AppError::InvalidData(vec![FieldError::new(
            crate::limits::field_name(&field),
            reason,
        )])
    })
}

/// Rank the offers that fit a profile ("Lotse").
///
/// Offers that cannot apply are left out: those not serving the profile's
/// region (or a region containing it), not for its role, closed on `date`
/// (default today), or not free when `budget` is `free_only`; with
/// `explain: true` the response lists them with the reasons. The others are
/// ranked by a score in 0..1 made of: region (0.25; local beats state-wide
/// beats nationwide), target group (0.25), share of the profile's topics
/// covered (0.25), share of the `need` words found in the offer (0.15), free
/// of charge (0.10). Every part comes with a reason.
#[utoipa::path(
    tag = tags::SEARCH,
    params(LangParam),
    request_body(content = MatchProfile, content_type = "application/json"),
    responses(
        (status = 200, description = "Matching offers, best first, with reasons.", body = MatchResult),
        (status = 400, description = "A bad query parameter, or a body that is not well-formed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The profile is larger than 16 KiB.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not `application/json`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The profile is invalid; `errors` names each field.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/match")]
pub async fn match_offers(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let ctx = super::item_ctx(&state, &req)?;
    let profile: MatchProfile = json_body(&req, payload, MAX_BODY).await?;
    let today = chrono::Utc::now().date_naive();
    let result = matching::match_offers(&state.reader, &profile, today, &ctx).await?;
    Ok(json_response(&ctx, &result))
}
