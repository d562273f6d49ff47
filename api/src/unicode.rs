//! Unicode normalisation of text that is compared with the data (Unicode
//! Standard Annex #15, "Unicode Normalization Forms").
//!
//! The same word reaches the API in more than one encoding: "Förderung"
//! typed on Windows is `o` with the precomposed `ö` (U+00F6, NFC), pasted
//! from macOS or sent by some HTML forms it is `o` + U+0308 COMBINING
//! DIAERESIS (NFD); Japanese and Chinese input methods type full-width
//! letters and digits (`０５７１１`), and PDFs hand over ligatures (`ﬁ`). A
//! byte comparison sees different text every time. Text is therefore
//! normalised where it meets the data, once per kind of comparison:
//!
//! - words, by the search analyzer ([`crate::search::analyzer`]), for the
//!   indexed documents and every query alike (search `q`, the `q` filter of
//!   the lists, the words of a match profile), REST and GraphQL;
//! - keys (slugs, ids, official region keys, NUTS codes), by [`key`] in the
//!   resolvers every item path and every key filter goes through.
//!
//! Both use NFKC, the compatibility composition: besides composing `o` +
//! U+0308 to `ö` (which NFC does), it folds full-width forms and ligatures
//! to their plain letters, which the analyzer and keys want (a key is ASCII
//! and a search word is compared after case and accent folding anyway).
//! Rejected: NFKC on stored text (titles and snippets are shown as written,
//! and `m²` must not become `m2` on screen), and normalising in the query
//! string parser alone, which GraphQL arguments and imports never pass.
use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// `text` in Normalization Form KC (UAX #15): `Fo\u{308}rderung` becomes
/// `Förderung`, `Ｆｏｒｄｅｒｕｎｇ` `Forderung`, `ﬁ` `fi`. Text that is
/// already NFKC (all ASCII text, nearly all German text) is returned as is,
/// without copying.
pub fn nfkc(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfkc().collect())
    }
}

/// A key as clients may type it (slug, id, official region key, NUTS code),
/// in the form it is stored: NFKC ([`nfkc`]), so a full-width `０５７１１`
/// names the region `05711`. Every stored key is ASCII, so compatibility
/// folding cannot make two stored keys equal. Unknown keys are reported as
/// the client wrote them.
pub fn key(text: &str) -> Cow<'_, str> {
    nfkc(text)
}

/// A name as people type and sort it: NFKC, lower case, German umlauts
/// and `ß` spelled out (DIN 5007-2, the phone-book order: `Köln` as
/// `koeln`), runs of spaces and hyphens as one space. Region names are
/// compared in this form ([`crate::service::regions::RegionGraph::resolve_name`])
/// and the pages sort their lists by it (byte order put `Ärzte` after `Zoll`).
pub fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in nfkc(name).chars().flat_map(char::to_lowercase) {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            c if c.is_whitespace() || c == '-' => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composes_and_folds_compatibility_forms() {
        assert_eq!(nfkc("Fo\u{308}rderung"), "F\u{f6}rderung");
        assert_eq!(nfkc("\u{fb01}nanzierung"), "finanzierung");
        assert_eq!(nfkc("\u{ff26}\u{ff4f}\u{ff52}"), "For");
        assert_eq!(key("\u{ff10}\u{ff15}\u{ff17}\u{ff11}\u{ff11}"), "05711");
        assert!(matches!(nfkc("Förderung"), Cow::Borrowed(_)));
        assert!(matches!(nfkc("tbs-beratung"), Cow::Borrowed(_)));
    }

    #[test]
    fn folds_names_as_people_type_and_sort_them() {
        assert_eq!(fold("Köln"), "koeln");
        assert_eq!(fold("  Minden-Lübbecke "), "minden luebbecke");
        assert_eq!(fold("STRASSE"), fold("Straße"));
        assert!(fold("Ärzte") < fold("Zoll"));
    }
}
