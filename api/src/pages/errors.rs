//! Error pages for people: a browser that asks for a page and gets an
//! error (an unknown path, a bad filter on the dashboard, an offer that
//! does not exist, a database away) sees a page in its language with the
//! way back, not a problem document. Every other client keeps the RFC 9457
//! problem (`application/problem+json`), and so does every browser request
//! under `/api/` and to `/graphql`, where developers read the JSON.
use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use askama::Template;

use super::Frame;
use crate::error::PROBLEM_JSON;

/// Most bytes of a problem document read back (they are a few hundred).
const MAX_PROBLEM_BYTES: usize = 64 * 1024;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    frame: Frame,
    status: u16,
    heading: &'static str,
    advice: &'static str,
    /// The problem's own words (English), for the curious and for reports.
    detail: String,
    errors: Vec<String>,
    code: String,
}

/// Middleware: answers a browser's failed page request with an HTML error
/// page of the same status and headers (`Retry-After`, `Allow`,
/// `RateLimit` …).
///
/// It runs inside `Compress` (the problem is read uncoded) and around the
/// rate limiter, the read deadline, the handlers, the response cache and
/// the conditional-request layer; only the request guard's refusals (a head
/// over its bounds, answered before anything else) stay problems. An error
/// an inner layer returns instead of a response (the deadline's 503) is
/// turned into its page when it is rendered, by a response mapper.
pub async fn html_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Any method: a browser that posts a form to a page and gets a 405
    // reads a page too.
    let for_people = !req.path().starts_with("/api/")
        && req.path() != "/graphql"
        && super::wants_html(req.request());
    if !for_people {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    // Before the call: the request is the router's alone while it runs.
    let lang = super::lang(req.request());
    let frame = Frame::new(req.request(), lang);
    match next.call(req).await {
        Ok(response) => {
            let response = response.map_into_boxed_body();
            if !is_problem(response.headers()) {
                return Ok(response);
            }
            let (request, response) = response.into_parts();
            let (head, body) = response.into_parts();
            let bytes = actix_web::body::to_bytes_limited(body, MAX_PROBLEM_BYTES)
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            Ok(ServiceResponse::new(
                request,
                page_of(head, &bytes, frame, lang),
            ))
        }
        Err(mut err) => {
            err.add_response_mapper(move |response| {
                if !is_problem(response.headers()) {
                    return response;
                }
                let (head, body) = response.into_parts();
                match body.try_into_bytes() {
                    Ok(bytes) => page_of(head, &bytes, frame.clone(), lang),
                    Err(body) => head.set_body(body),
                }
            });
            Err(err)
        }
    }
}

/// Whether `headers` are those of an uncoded problem document.
fn is_problem(headers: &header::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()))
        && !headers.contains_key(header::CONTENT_ENCODING)
}

/// The error page of the problem `bytes`, with the status and headers of
/// `head` (the problem's response).
fn page_of(
    mut head: HttpResponse<()>,
    bytes: &[u8],
    frame: Frame,
    lang: crate::vocab::Lang,
) -> HttpResponse {
    let problem: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
    let (heading, advice) = words(head.status(), lang == crate::vocab::Lang::En);
    let text = |key: &str| problem[key].as_str().unwrap_or_default().to_owned();
    let page = ErrorPage {
        frame,
        status: head.status().as_u16(),
        heading,
        advice,
        detail: text("detail"),
        errors: problem["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                format!(
                    "{}: {}",
                    e["field"].as_str().unwrap_or_default(),
                    e["message"].as_str().unwrap_or_default()
                )
            })
            .collect(),
        code: text("code"),
    };
    let Ok(body) = super::render(&page) else {
        // The problem as it was, rather than a second failure.
        return head.set_body(bytes.to_vec()).map_into_boxed_body();
    };
    let page = super::html(lang, body);
    let headers = head.headers_mut();
    headers.remove(header::CONTENT_LENGTH);
    for (name, value) in page.headers() {
        headers.insert(name.clone(), value.clone());
    }
    // Errors are not kept by caches beyond the moment (a fixed link works
    // at once).
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    head.set_body(page.into_body()).map_into_boxed_body()
}

/// The page's heading and advice for `status`.
fn words(status: StatusCode, en: bool) -> (&'static str, &'static str) {
    match (status.as_u16(), en) {
        (404, false) => (
            "Seite nicht gefunden",
            "Diese Adresse gibt es hier nicht (mehr). Vielleicht hilft der Angebotsfinder oder die Startseite weiter.",
        ),
        (404, true) => (
            "Page not found",
            "There is no page at this address (any more). The offer finder or the home page may help.",
        ),
        (400 | 422, false) => (
            "Die Anfrage enthält eine ungültige Angabe",
            "Bitte prüfen Sie die Angaben in der Adresse, oder beginnen Sie neu.",
        ),
        (400 | 422, true) => (
            "The request holds an invalid value",
            "Please check the values in the address, or start again.",
        ),
        (405, false) => (
            "Methode nicht erlaubt",
            "Diese Seite lässt sich nur aufrufen.",
        ),
        (405, true) => ("Method not allowed", "This page can only be read."),
        (406, false) => (
            "Format nicht verfügbar",
            "Diese Seite gibt es nicht im verlangten Format.",
        ),
        (406, true) => (
            "Format not available",
            "This page is not available in the format asked for.",
        ),
        (414, false) => (
            "Die Adresse ist zu lang",
            "Bitte kürzen Sie Ihre Angaben, etwa die Beschreibung im Angebotsfinder.",
        ),
        (414, true) => (
            "The address is too long",
            "Please shorten your entries, such as the description in the offer finder.",
        ),
        (429, false) => (
            "Zu viele Anfragen",
            "Bitte warten Sie einen Moment und versuchen Sie es dann erneut.",
        ),
        (429, true) => ("Too many requests", "Please wait a moment, then try again."),
        (503, false) => (
            "Vorübergehend nicht verfügbar",
            "Die Daten sind gerade nicht erreichbar. Bitte versuchen Sie es in ein paar Sekunden erneut.",
        ),
        (503, true) => (
            "Temporarily unavailable",
            "The data cannot be reached just now. Please try again in a few seconds.",
        ),
        (500..=599, false) => (
            "Ein Fehler auf unserer Seite",
            "Das hätte nicht passieren dürfen. Bitte versuchen Sie es später erneut.",
        ),
        (500..=599, true) => (
            "An error on our side",
            "This should not have happened. Please try again later.",
        ),
        (_, false) => (
            "Die Seite kann nicht angezeigt werden",
            "Bitte beginnen Sie auf der Startseite neu.",
        ),
        (_, true) => (
            "The page cannot be shown",
            "Please start again from the home page.",
        ),
    }
}
