//! The German text analyzer: words are split at anything but letters and
//! digits, except an apostrophe inside a word, which is dropped ("it's OWL"
//! gives `its`, `owl`, so it does not match "IT-Sicherheit"'s `it`); tokens
//! are lower-cased, German stop words ("und", "für" …) dropped, umlauts
//! transliterated
//! (ä→ae, ö→oe, ü→ue, ß→ss, so "Förderung" and "Foerderung" meet), other
//! accents folded to ASCII, then reduced by the German Snowball stemmer
//! ("Betriebsräte" and "Betriebsräten" share a stem).
//!
//! Transliterating before stemming, rather than folding ä→a as ASCII folding
//! alone would, is what makes the spellings of users without umlaut keys
//! ("Foerderung") find the same documents.
use std::mem;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, Stemmer, StopWordFilter,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Name under which the analyzer is registered with the index. It is part of
/// the index schema, so an index on disk built with an older analysis is
/// rebuilt: change the name whenever the analysis changes.
pub const GERMAN: &str = "lotse_de_2";

/// Builds the analyzer (used for documents and queries alike).
pub fn german() -> TextAnalyzer {
    analyzer(WordTokenizer::default())
}

/// Splits text into words of letters and digits, like tantivy's
/// `SimpleTokenizer`, except that an apostrophe between two letters or digits
/// stays inside the word and is dropped from its text ("it's" gives `its`).
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
            if c.is_alphanumeric() {
                self.token.text.push(c);
                end = offset + c.len_utf8();
                self.chars.next();
            } else if matches!(c, '\'' | '’') {
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

fn analyzer<T: Tokenizer>(words: T) -> TextAnalyzer {
    TextAnalyzer::builder(words)
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
    use super::terms;

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
    fn inflections_share_a_stem() {
        assert_eq!(terms("Betriebsräte"), terms("Betriebsräten"));
        assert_eq!(terms("Unternehmen"), terms("Unternehmens"));
        assert_eq!(terms("Digitalisierung"), terms("digitalisierung"));
    }
}
