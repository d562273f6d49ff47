//! The pages for people: `/` for browsers ([`home`]), the offer finder
//! ([`finder`]) and the dashboard with the NRW map ([`dashboard`]), rendered on the server from askama templates
//! (`api/templates/`), so they work without JavaScript; their one
//! stylesheet is served from `/assets/` and compiled into the binary (no
//! CDN, no build step). They read through the same service layer as the
//! REST and GraphQL handlers: what a page shows, the API answers.
//!
//! Every page carries a strict `Content-Security-Policy` ([`PAGE_POLICY`]):
//! only the server's own scripts and styles, no inline code.
pub mod dashboard;
pub mod errors;
pub mod finder;
pub mod home;
pub mod map;
pub mod offer;
pub mod words;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::{AppError, AppResult};
use crate::vocab::Lang;

/// The policy of the pages: nothing but this server's own stylesheets,
/// scripts, images and fetches; forms post only here; no framing.
pub const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// Registers `/finder`, `/dashboard`, `/offers/{key}`, `/assets/{name}`
/// and `/favicon.ico` (`/` is the REST root's, which answers browsers with
/// [`home`]).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/finder", web::get().to(finder::page))
        .route("/dashboard", web::get().to(dashboard::page))
        .route("/offers/{key}", web::get().to(offer::page))
        .route("/assets/{name}", web::get().to(asset))
        .route("/favicon.ico", web::get().to(favicon));
}

/// Whether the request's `Accept` ranks `text/html` above JSON (RFC 9110
/// §12.5.1): a browser's does (`text/html,…,*/*;q=0.8`); a client that
/// sends none, `*/*` or `application/json` gets JSON.
pub fn wants_html(req: &HttpRequest) -> bool {
    crate::http::media::negotiate(req, &[crate::http::media::JSON, "text/html"])
        == Some("text/html")
}

/// An HTML answer in `lang`, with the page policy.
fn html(lang: Lang, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_LANGUAGE, lang.as_str()))
        .insert_header((
            header::VARY,
            HeaderValue::from_static("Accept, Accept-Language"),
        ))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_POLICY),
        ))
        .body(body)
}

/// Renders a template (a failure is the server's: 500, logged).
fn render(template: &impl askama::Template) -> AppResult<String> {
    template
        .render()
        .map_err(|err| AppError::Unexpected(anyhow::anyhow!("rendering a page: {err}")))
}

/// `/assets/{name}`: the pages' stylesheet, their one script and the icon
/// (`ETag` from a digest of the bytes, in `http::conditional`); 404 for any
/// other name.
async fn asset(name: web::Path<String>) -> AppResult<HttpResponse> {
    let (body, content_type): (&'static [u8], &str) = match name.as_str() {
        "lotse.css" => (
            include_bytes!("../../assets/lotse.css"),
            "text/css; charset=utf-8",
        ),
        "lotse.js" => (
            include_bytes!("../../assets/lotse.js"),
            "text/javascript; charset=utf-8",
        ),
        "lotse.svg" => (include_bytes!("../../assets/lotse.svg"), SVG),
        _ => return Err(AppError::NoRoute),
    };
    Ok(HttpResponse::Ok().content_type(content_type).body(body))
}

const SVG: &str = "image/svg+xml";

/// `/favicon.ico`: the icon, for browsers and feed readers that ask for it
/// by this name whatever the page links (an SVG: every current browser
/// reads it).
async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(SVG)
        .body(&include_bytes!("../../assets/lotse.svg")[..])
}

/// The page's language: `lang=de` or `lang=en` in the query (any case, a
/// region subtag ignored),
/// else the `Accept-Language` header (RFC 9110 §12.5.4), else German. A
/// value the pages do not speak is passed over, not refused: a person
/// following a link should see a page.
pub fn lang(req: &HttpRequest) -> Lang {
    let asked = form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(name, _)| name == "lang")
        .filter_map(
            // A language tag's primary subtag decides (`en-GB` is English,
            // BCP 47 §2.2.1): the pages have no regional variants.
            |(_, value)| match value
                .trim()
                .split(['-', '_'])
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
                .as_str()
            {
                "de" => Some(Lang::De),
                "en" => Some(Lang::En),
                _ => None,
            },
        )
        .last();
    asked.unwrap_or_else(|| crate::state::accept_language(req))
}

/// The navigation and footer every page shares.
#[derive(Clone)]
pub struct Frame {
    /// `de` or `en`.
    pub lang: &'static str,
    /// Where the language switch leads: this page, with its query (the
    /// finder's profile, the dashboard's filters), in the other language.
    pub switch: String,
    /// This instance's public base URL (`--base-url`), for examples.
    pub base: String,
    /// The data's licence and attribution.
    pub license: String,
    /// Whom to credit.
    pub attribution: String,
}

impl Frame {
    /// The frame of the page `req` asked for, in `lang`.
    pub fn new(req: &HttpRequest, lang: Lang) -> Self {
        let other = match lang {
            Lang::De => "en",
            Lang::En => "de",
        };
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
            if name != "lang" {
                query.append_pair(&name, &value);
            }
        }
        query.append_pair("lang", other);
        let (license, _, attribution) = crate::rest::licence(req);
        let base = req
            .app_data::<web::Data<crate::state::AppState>>()
            .map(|s| s.base_url.to_string())
            .unwrap_or_default();
        Frame {
            lang: lang.as_str(),
            base,
            switch: format!("{}?{}", req.path(), query.finish()),
            license,
            attribution,
        }
    }

    /// Whether the page is in English.
    pub fn en(&self) -> bool {
        self.lang == "en"
    }
}
