//! The German text analyzer: words are split at anything but letters and
//! digits, except an apostrophe inside a word, which is dropped ("it's OWL"
//! gives `its`, `owl`, so it does not match "IT-Sicherheit"'s `it`), a soft
//! hyphen inside a word, which is dropped too, and combining marks, which
//! belong to the letter before them; each word is brought to Unicode
//! Normalization Form KC (UAX #15, see [`crate::unicode`]: `o` + U+0308
//! becomes `ö`, full-width letters and ligatures plain letters); tokens
//! are lower-cased, German stop words ("und", "für" …) dropped, umlauts
//! transliterated
//! (ä→ae, ö→oe, ü→ue, ß→ss, so "Förderung" and "Foerderung" meet), other
//! accents folded to ASCII, then reduced by the German Snowball stemmer
//! ("Betriebsräte" and "Betriebsräten" share a stem).
//!
//! Transliterating before stemming, rather than folding ä→a as ASCII folding
//! alone would, is what makes the spellings of users without umlaut keys
//! ("Foerderung") find the same documents.
//!
//! Normalising each word (a token filter) rather than the whole text before
//! tokenizing keeps the tokens' offsets pointing into the text as stored,
//! which highlighting relies on; the stored text itself is not changed.
use std::mem;

use unicode_normalization::char::is_combining_mark;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, Stemmer, StopWordFilter,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Name under which the analyzer is registered with the index. It is part of
/// the index schema, so an index on disk built with an older analysis is
/// rebuilt: change the name whenever the analysis changes.
pub const GERMAN: &str = "lotse_de_3";

/// Builds the analyzer (used for documents and queries alike).
pub fn german() -> TextAnalyzer {
    analyzer(WordTokenizer::default())
}

/// Splits text into words of letters and digits, like tantivy's
/// `SimpleTokenizer`, except that an apostrophe or a soft hyphen (U+00AD,
/// HTML's `&shy;`) between two letters or digits stays inside the word and
/// is dropped from its text ("it's" gives `its`, "Digitali\u{ad}sierung"
/// `Digitalisierung`), and that combining marks (General Category M) stay
/// in the word: decomposed text (NFD, `o` + U+0308) is one word, composed by
/// [`Nfkc`] afterwards, not two (`Fo`, `rderung`).
/// Rejected: tantivy's `RegexTokenizer`, whose clones each warm up their own
/// regex cache: search took 10.8 ms instead of 1.2 ms per query and start-up
/// 11 s more with 20,000 offers (bench/RESULTS.md).
#[derive(Clone, Default)]
pub struct WordTokenizer {
    token: Token,
}

/// The token stream of [`WordTokenizer`].
pub struct WordStream<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    token: &'a mut Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            chars: text.char_indices().peekable(),
            token: &mut self.token,
        }
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        self.token.position = self.token.position.wrapping_add(1);
        let Some((start, first)) = self.chars.find(|(_, c)| c.is_alphanumeric()) else {
            return false;
        };
        self.token.text.push(first);
        let mut end = start + first.len_utf8();
        while let Some(&(offset, c)) = self.chars.peek() {
            if c.is_alphanumeric() || is_combining_mark(c) {
                self.token.text.push(c);
                end = offset + c.len_utf8();
                self.chars.next();
            } else if matches!(c, '\'' | '’' | SOFT_HYPHEN) {
                let mut after = self.chars.clone();
                after.next();
                if !after.peek().is_some_and(|(_, n)| n.is_alphanumeric()) {
                    break;
                }
                self.chars.next();
            } else {
                break;
            }
        }
        self.token.offset_from = start;
        self.token.offset_to = end;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// U+00AD SOFT HYPHEN: a possible line break inside a word, invisible
/// unless the line breaks there (CMS texts carry it as `&shy;`).
const SOFT_HYPHEN: char = '\u{ad}';

fn analyzer<T: Tokenizer>(words: T) -> TextAnalyzer {
    TextAnalyzer::builder(words)
        // First: the length limit and every later filter see the word as
        // composed (NFD spends 2 bytes more per umlaut).
        .filter(Nfkc)
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        // Before transliteration: the list spells "für", "über" with umlauts.
        .filter(
            StopWordFilter::new(Language::German)
                .unwrap_or_else(|| StopWordFilter::remove(Vec::<String>::new())),
        )
        .filter(UmlautTransliteration)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::German))
        .build()
}

/// The analyzed terms of `text`, in order.
pub fn terms(text: &str) -> Vec<String> {
    positioned_terms(text).into_iter().map(|(_, t)| t).collect()
}

/// The analyzed terms of `text`, in order, each with the word it came
/// from as written (`("digitalisier", "Digitalisierung")`), for reasons
/// people read.
pub fn words(text: &str) -> Vec<(String, String)> {
    let mut analyzer = german();
    let mut stream = analyzer.token_stream(text);
    let mut words = Vec::new();
    while stream.advance() {
        let token = stream.token();
        let word = text
            .get(token.offset_from..token.offset_to)
            .unwrap_or(&token.text);
        words.push((token.text.clone(), word.to_owned()));
    }
    words
}

/// The analyzed terms of `text` with their word positions (a dropped stop
/// word leaves a gap, as in the index).
pub fn positioned_terms(text: &str) -> Vec<(usize, String)> {
    let mut analyzer = german();
    let mut stream = analyzer.token_stream(text);
    let mut terms = Vec::new();
    while stream.advance() {
        let token = stream.token();
        terms.push((token.position, token.text.clone()));
    }
    terms
}

/// Token filter: each token's text in Normalization Form KC (UAX #15; see
/// [`crate::unicode::nfkc`]). The offsets stay those of the word in the
/// original text.
#[derive(Clone, Copy, Debug)]
pub struct Nfkc;

impl TokenFilter for Nfkc {
    type Tokenizer<T: Tokenizer> = NfkcFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> NfkcFilter<T> {
        NfkcFilter { tokenizer }
    }
}

/// [`Nfkc`] applied to a tokenizer.
#[derive(Clone, Debug)]
pub struct NfkcFilter<T> {
    tokenizer: T,
}

impl<T: Tokenizer> Tokenizer for NfkcFilter<T> {
    type TokenStream<'a> = NfkcStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        NfkcStream {
            tail: self.tokenizer.token_stream(text),
        }
    }
}

/// The token stream of [`NfkcFilter`].
pub struct NfkcStream<T> {
    tail: T,
}

impl<T: TokenStream> TokenStream for NfkcStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let std::borrow::Cow::Owned(normalised) = crate::unicode::nfkc(&token.text) {
            token.text = normalised;
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Token filter: ä→ae, ö→oe, ü→ue, ß→ss (expects lower-cased tokens).
#[derive(Clone, Copy, Debug)]
pub struct UmlautTransliteration;

impl TokenFilter for UmlautTransliteration {
    type Tokenizer<T: Tokenizer> = UmlautFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> UmlautFilter<T> {
        UmlautFilter {
            tokenizer,
            buffer: String::new(),
        }
    }
}

/// [`UmlautTransliteration`] applied to a tokenizer.
#[derive(Clone, Debug)]
pub struct UmlautFilter<T> {
    tokenizer: T,
    buffer: String,
}

impl<T: Tokenizer> Tokenizer for UmlautFilter<T> {
    type TokenStream<'a> = UmlautStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        self.buffer.clear();
        UmlautStream {
            tail: self.tokenizer.token_stream(text),
            buffer: &mut self.buffer,
        }
    }
}

/// The token stream of [`UmlautFilter`].
pub struct UmlautStream<'a, T> {
    buffer: &'a mut String,
    tail: T,
}

impl<T: TokenStream> TokenStream for UmlautStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let text = &self.tail.token().text;
        if !text.is_ascii() && text.contains(['ä', 'ö', 'ü', 'ß']) {
            self.buffer.clear();
            for ch in text.chars() {
                match ch {
                    'ä' => self.buffer.push_str("ae"),
                    'ö' => self.buffer.push_str("oe"),
                    'ü' => self.buffer.push_str("ue"),
                    'ß' => self.buffer.push_str("ss"),
                    other => self.buffer.push(other),
                }
            }
            mem::swap(&mut self.tail.token_mut().text, self.buffer);
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::{terms, words};

    #[test]
    fn words_keep_the_text_as_written() {
        let found = words("Die Digitalisierung im Betrieb, IT-Sicherheit");
        let written: Vec<&str> = found.iter().map(|(_, w)| w.as_str()).collect();
        assert_eq!(written, ["Digitalisierung", "Betrieb", "IT", "Sicherheit"]);
        let stems: Vec<String> = found.into_iter().map(|(t, _)| t).collect();
        assert_eq!(
            stems,
            terms("Die Digitalisierung im Betrieb, IT-Sicherheit")
        );
    }

    #[test]
    fn umlaut_spellings_and_case_meet() {
        assert_eq!(terms("Förderung"), terms("foerderung"));
        assert_eq!(terms("FÖRDERUNG"), terms("Foerderung"));
        assert_eq!(terms("Straße"), terms("strasse"));
    }

    #[test]
    fn stop_words_are_dropped() {
        assert_eq!(
            terms("Beratung und Förderung für KMU"),
            terms("Beratung Förderung KMU")
        );
    }

    #[test]
    fn an_apostrophe_stays_inside_its_word() {
        assert_eq!(terms("it's OWL"), ["its", "owl"]);
        assert_eq!(terms("it’s OWL"), terms("its owl"));
        assert_eq!(terms("IT-Sicherheit"), terms("it sicherheit"));
        assert_eq!(terms("IT-Sicherheit")[0], "it");
        assert_eq!(terms("Industrie 4.0"), ["industri", "4", "0"]);
        // Not inside a word: quotes and a trailing apostrophe split as before.
        assert_eq!(terms("'Arbeit' Hans' Weg"), terms("Arbeit Hans Weg"));
    }

    #[test]
    fn unicode_forms_of_a_word_meet() {
        // NFD (o + combining diaeresis), as macOS and some forms send it.
        assert_eq!(terms("Fo\u{308}rderung"), terms("Förderung"));
        assert_eq!(terms("BETRIEBSRA\u{308}TE"), terms("Betriebsräte"));
        // NFKC: full-width letters, a ligature, a soft hyphen.
        assert_eq!(
            terms("\u{ff24}\u{ff49}\u{ff47}\u{ff49}\u{ff54}\u{ff41}\u{ff4c}"),
            terms("Digital")
        );
        assert_eq!(terms("\u{fb01}nanzierung"), terms("Finanzierung"));
        assert_eq!(terms("Digitali\u{ad}sierung"), terms("Digitalisierung"));
        // A combining mark without a letter before it starts no word.
        assert_eq!(terms("\u{308} KMU"), terms("KMU"));
    }

    #[test]
    fn offsets_point_into_the_text_as_written() {
        use tantivy::tokenizer::TokenStream as _;
        let text = "Fo\u{308}rderung \u{fb01}nal";
        let mut analyzer = super::german();
        let mut stream = analyzer.token_stream(text);
        let mut words = Vec::new();
        while stream.advance() {
            let t = stream.token();
            words.push(&text[t.offset_from..t.offset_to]);
        }
        assert_eq!(words, ["Fo\u{308}rderung", "\u{fb01}nal"]);
    }

    #[test]
    fn inflections_share_a_stem() {
        assert_eq!(terms("Betriebsräte"), terms("Betriebsräten"));
        assert_eq!(terms("Unternehmen"), terms("Unternehmens"));
        assert_eq!(terms("Digitalisierung"), terms("digitalisierung"));
    }
}
