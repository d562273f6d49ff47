//! Calendar feeds (RFC 5545): the deadlines of the offers and the
//! alliance's meetings as an iCalendar file that SMEs and works councils
//! subscribe to.
//!
//! An offer gives an all-day event for its application deadline and one
//! for the last day it is available; a meeting one for its day. Every
//! event has a stable `UID` (the record's id and what the day is, so a
//! calendar updates an event instead of adding a copy), `LAST-MODIFIED`
//! and `DTSTAMP` from the change log (the record's latest change), and
//! `TRANSP:TRANSPARENT` for deadlines (they do not block time). Written by
//! the `icalendar` crate (escaping, line folding), not by hand.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use icalendar::{Calendar, Component, Event, EventLike};
use uuid::Uuid;

use crate::dto::{Meeting, Offer};
use crate::vocab::Lang;

/// The calendar's `PRODID` (RFC 5545 §3.7.3).
const PRODID: &str = "-//Lotse//Wirtschaft und Arbeit 4.0//DE";

/// The domain part of every `UID` (RFC 5545 §3.8.4.7 recommends one), the
/// same on every instance so that the ids of the same records agree.
const UID_DOMAIN: &str = "lotse.nrw";

/// When each record was last changed, by id (from the change log).
pub type Modified = HashMap<Uuid, DateTime<Utc>>;

/// One all-day event.
#[derive(Debug)]
struct Entry {
    uid: String,
    day: NaiveDate,
    summary: String,
    description: String,
    url: Option<String>,
    location: Option<String>,
    categories: Vec<String>,
    modified: Option<DateTime<Utc>>,
    transparent: bool,
}

/// The events of `offers` (their deadlines and last days) and `meetings`,
/// in `lang`, as an iCalendar file.
pub fn render(offers: &[Offer], meetings: &[Meeting], modified: &Modified, lang: Lang) -> String {
    let with_meetings = !meetings.is_empty();
    let mut entries: Vec<Entry> = offers
        .iter()
        .flat_map(|offer| offer_entries(offer, modified.get(&offer.id).copied(), lang))
        .chain(
            meetings
                .iter()
                .map(|meeting| meeting_entry(meeting, modified.get(&meeting.id).copied(), lang)),
        )
        .collect();
    // By day, then id: the same data gives the same bytes.
    entries.sort_by(|a, b| (a.day, &a.uid).cmp(&(b.day, &b.uid)));
    let (name, description) = match lang {
        Lang::De => (
            format!(
                "Lotse – Fristen{}",
                if with_meetings { " und Sitzungen" } else { "" }
            ),
            format!(
                "Bewerbungsfristen und Laufzeitenden der Transfer- und Unterstützungsangebote{} des Bündnisses „Wirtschaft und Arbeit 4.0“ (NRW).",
                if with_meetings {
                    " und die Sitzungen"
                } else {
                    ""
                }
            ),
        ),
        Lang::En => (
            format!(
                "Lotse – deadlines{}",
                if with_meetings { " and meetings" } else { "" }
            ),
            format!(
                "Application deadlines and end dates of the transfer and support offers{} of the alliance \"Wirtschaft und Arbeit 4.0\" (NRW).",
                if with_meetings {
                    ", and the meetings"
                } else {
                    ""
                }
            ),
        ),
    };
    // `empty`: `Calendar::new` brings a `PRODID` of the crate's own.
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", PRODID))
        .append_property(("CALSCALE", "GREGORIAN"))
        .name(&name)
        .description(&description);
    for entry in entries {
        calendar.push(event(entry));
    }
    calendar.done().to_string()
}

fn event(entry: Entry) -> Event {
    let mut event = Event::new();
    // An all-day event ends (exclusively) the next day, RFC 5545
    // §3.6.1; `all_day` would write the same day twice, which some
    // clients read as lasting no time.
    event.uid(&entry.uid).starts(entry.day);
    if let Some(next) = entry.day.succ_opt() {
        event.ends(next);
    }
    event
        .summary(&text(&entry.summary))
        .description(&text(&entry.description));
    if let Some(modified) = entry.modified {
        event.timestamp(modified).last_modified(modified);
    }
    if let Some(url) = &entry.url {
        event.url(url);
    }
    if let Some(location) = &entry.location {
        event.location(&text(location));
    }
    if !entry.categories.is_empty() {
        event.categories(&entry.categories);
    }
    if entry.transparent {
        event.add_property("TRANSP", "TRANSPARENT");
    }
    event.done()
}

/// `value` as RFC 5545 TEXT (§3.3.11) allows it: line breaks as LF (the
/// crate writes them as `\n`), no other control characters (a stored
/// title may hold a CR).
fn text(value: &str) -> String {
    value
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect()
}

fn offer_entries(offer: &Offer, modified: Option<DateTime<Utc>>, lang: Lang) -> Vec<Entry> {
    let provider = &offer.provider.name;
    let description = match lang {
        Lang::De => format!("{}\n\nAnbieter: {provider}\n{}", offer.summary, offer.uri),
        Lang::En => format!("{}\n\nProvider: {provider}\n{}", offer.summary, offer.uri),
    };
    let days = [
        (
            offer.application_deadline,
            "application-deadline",
            ("Bewerbungsfrist", "Application deadline"),
        ),
        (
            offer.valid_until,
            "valid-until",
            ("Angebot endet", "Offer ends"),
        ),
    ];
    days.into_iter()
        .filter_map(|(day, what, (de, en))| {
            let label = match lang {
                Lang::De => de,
                Lang::En => en,
            };
            Some(Entry {
                uid: format!("{}.{what}@{UID_DOMAIN}", offer.id),
                day: day?,
                summary: format!("{label}: {}", offer.title),
                description: description.clone(),
                url: Some(offer.url.clone().unwrap_or_else(|| offer.uri.clone())),
                location: None,
                categories: offer.topics.iter().map(|t| t.label.clone()).collect(),
                modified,
                transparent: true,
            })
        })
        .collect()
}

fn meeting_entry(meeting: &Meeting, modified: Option<DateTime<Utc>>, lang: Lang) -> Entry {
    let description = match &meeting.host {
        Some(host) if lang == Lang::De => format!(
            "{}\n\nGastgeber: {}\n{}",
            meeting.summary, host.name, meeting.uri
        ),
        Some(host) => format!(
            "{}\n\nHost: {}\n{}",
            meeting.summary, host.name, meeting.uri
        ),
        None => format!("{}\n\n{}", meeting.summary, meeting.uri),
    };
    Entry {
        uid: format!("{}.meeting@{UID_DOMAIN}", meeting.id),
        day: meeting.date,
        summary: meeting.title.clone(),
        description,
        url: Some(meeting.uri.clone()),
        location: Some(meeting.place.clone()),
        categories: Vec::new(),
        modified,
        transparent: false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_has_no_control_characters_but_line_feeds() {
        assert_eq!(super::text("a\r\nb\rc\u{7}d\te\nf"), "a\nb\ncde\nf");
    }
}
