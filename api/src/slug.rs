//! Slugs and stable ids.
//!
//! A slug is the human key of a record (`arbeit-2020`, `its-owl`): lowercase
//! ASCII, German umlauts transliterated (ä→ae, ö→oe, ü→ue, ß→ss), apostrophes
//! and dots dropped (so "it's OWL" → `its-owl`, "Industrie 4.0" → `industrie-40`),
//! every other run of non-alphanumerics collapsed to one `-`.
//!
//! Ids are UUIDv5 of `"{collection}/{slug}"` under a fixed namespace, so the
//! same seed creates the same ids on every installation: a portal that stored
//! an id from one Lotse instance finds the same record on another. Once created,
//! an id never changes, even if a later import renames the slug.

use uuid::Uuid;

/// Namespace of all Lotse record ids (UUIDv5).
pub const ID_NAMESPACE: Uuid = Uuid::from_u128(0x6c6f_7473_652d_4e52_5741_2d34_2e30_0001);

/// Turns a name into a slug; see the module docs for the rules.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for ch in text.chars().flat_map(char::to_lowercase) {
        let mapped: Option<&str> = match ch {
            'ä' => Some("ae"),
            'ö' => Some("oe"),
            'ü' => Some("ue"),
            'ß' => Some("ss"),
            _ => None,
        };
        if let Some(ascii) = mapped {
            push_part(&mut slug, &mut pending_dash, ascii);
        } else if ch.is_ascii_alphanumeric() {
            let mut buf = [0u8; 4];
            push_part(&mut slug, &mut pending_dash, ch.encode_utf8(&mut buf));
        } else if matches!(ch, '\'' | '’' | '.') {
            // Dropped without a separator: "it's" → "its", "4.0" → "40".
        } else {
            pending_dash = true;
        }
    }
    slug
}

fn push_part(slug: &mut String, pending_dash: &mut bool, part: &str) {
    if *pending_dash && !slug.is_empty() {
        slug.push('-');
    }
    *pending_dash = false;
    slug.push_str(part);
}

/// True when `slug` is already in canonical form (`^[a-z0-9]+(-[a-z0-9]+)*$`)
/// with at least one letter and not a UUID: an item path takes an id, a
/// slug or (regions) an official key, so a slug must not look like the
/// others (`05711`, or another record's id).
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 120
        && slug.bytes().any(|b| b.is_ascii_lowercase())
        && Uuid::parse_str(slug).is_err()
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The stable id of the record `slug` in `collection` (e.g. `offers`).
pub fn stable_id(collection: &str, slug: &str) -> Uuid {
    Uuid::new_v5(&ID_NAMESPACE, format!("{collection}/{slug}").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transliterates_umlauts_and_drops_apostrophes_and_dots() {
        assert_eq!(slugify("it's OWL"), "its-owl");
        assert_eq!(slugify("it’s OWL"), "its-owl");
        assert_eq!(slugify("Arbeit 2020"), "arbeit-2020");
        assert_eq!(slugify("Industrie 4.0"), "industrie-40");
        assert_eq!(slugify("Kreis Gütersloh"), "kreis-guetersloh");
        assert_eq!(slugify("Südwestfalen"), "suedwestfalen");
        assert_eq!(slugify("Größe & Maß"), "groesse-mass");
        assert_eq!(slugify("  Köln -- Bonn  "), "koeln-bonn");
        assert_eq!(slugify("ÄÖÜ"), "aeoeue");
    }

    #[test]
    fn slugified_text_is_a_valid_slug() {
        for text in ["it's OWL", "Märkischer Kreis", "NRW.BANK", "a--b", "x"] {
            assert!(is_valid_slug(&slugify(text)), "{text}");
        }
        assert!(!is_valid_slug("Bad Slug"));
        assert!(!is_valid_slug("-lead"));
        assert!(!is_valid_slug("trail-"));
        assert!(!is_valid_slug("dou--ble"));
        assert!(!is_valid_slug(""));
    }

    #[test]
    fn stable_ids_depend_on_collection_and_slug_only() {
        assert_eq!(stable_id("offers", "a"), stable_id("offers", "a"));
        assert_ne!(stable_id("offers", "a"), stable_id("partners", "a"));
        assert_eq!(stable_id("offers", "a").get_version_num(), 5);
    }
}
