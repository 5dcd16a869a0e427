//! The leak check run on every export.

use std::fmt;

use idiograph_text::{Span, TextSize};

use crate::known::{IdentifierKind, KnownError, KnownIdentifier, KnownMatcher, MatchOptions};
use crate::REDACTED;

/// A known real name found in output text.
#[derive(Clone, PartialEq, Eq)]
pub struct Leak {
    /// Where, in the text as given (escaped or not).
    pub span: Span,
    /// Index of the identifier in the list.
    pub identifier: usize,
    /// What it names.
    pub kind: IdentifierKind,
    /// The form is an ordinary word at a sentence start (`Reading is…`): perhaps no leak.
    pub ambiguous: bool,
    found: String,
}

impl Leak {
    /// The text found (identifying: show it only to the researcher).
    pub fn found(&self) -> &str {
        &self.found
    }
}

impl fmt::Debug for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Leak")
            .field("span", &self.span)
            .field("identifier", &self.identifier)
            .field("kind", &self.kind)
            .field("ambiguous", &self.ambiguous)
            .field("found", &format_args!("{REDACTED}"))
            .finish()
    }
}

/// Finds every known real name, variant and (for persons) first name, surname and titled
/// surname in `text` — Markdown, HTML, CSV, XML or text taken from a Word file — whatever its
/// case, through HTML/XML character references (`&amp;`, `&#39;`, `&#x2019;`, `&rsquo;`, also
/// escaped twice), JSON `\u2019` escapes, soft hyphens and zero-width characters, and across
/// markup between the words of a name (`Anna</b> <b>Smith`). Spans are in `text` as given.
///
/// ```
/// use idiograph_pseudonym::*;
/// let known = [KnownIdentifier::new("Siobhan O'Brien", "Olivia", IdentifierKind::Person(PersonRole::Participant))];
/// let html = "<p>Quote from SIOBHAN O&#x2019;BRIEN&#39;s interview</p>";
/// let leaks = leak_check(html, &known)?;
/// assert_eq!(leaks.len(), 1);
/// assert_eq!(leaks[0].found(), "SIOBHAN O&#x2019;BRIEN");
/// # Ok::<(), KnownError>(())
/// ```
pub fn leak_check(text: &str, known: &[KnownIdentifier]) -> Result<Vec<Leak>, KnownError> {
    leak_check_with(text, known, &MatchOptions::default())
}

/// [`leak_check`] with chosen forms.
pub fn leak_check_with(text: &str, known: &[KnownIdentifier], options: &MatchOptions) -> Result<Vec<Leak>, KnownError> {
    let matcher = KnownMatcher::for_exports(known, options)?;
    let (decoded, starts, ends) = decode_with_map(text);
    let mut leaks = Vec::new();
    for m in matcher.find(&decoded) {
        let (s, e) = (m.span.start().to_usize(), m.span.end().to_usize());
        let (os, oe) = (starts[s], ends[e - 1]);
        let span = Span::from_bounds(TextSize::new(os as u32), TextSize::new(oe as u32));
        leaks.push(Leak {
            span,
            identifier: m.identifier,
            kind: known.get(m.identifier).map_or(IdentifierKind::Other, |k| k.kind),
            ambiguous: m.ambiguous,
            found: text[os..oe].to_owned(),
        });
    }
    Ok(leaks)
}

/// Decodes HTML/XML character references (named, decimal and hex, twice if escaped twice) and
/// JSON `\uXXXX` escapes, and drops soft hyphens and zero-width characters.
///
/// ```
/// assert_eq!(idiograph_pseudonym::decode_escapes("O&amp;#39;Brien &rsquo; Zo&euml;\\u2019s"), "O'Brien ’ Zoë’s");
/// ```
pub fn decode_escapes(text: &str) -> String {
    decode_with_map(text).0
}

/// The decoded text and, for each of its bytes, where the piece it came from starts and ends in
/// `text`.
fn decode_with_map(text: &str) -> (String, Vec<usize>, Vec<usize>) {
    let (once, s1, e1) = decode_pass(text);
    if !once.contains('&') {
        return (once, s1, e1);
    }
    let (twice, s2, e2) = decode_pass(&once);
    // Compose: a byte of the second pass came from a piece of the first pass's text.
    let starts = s2.iter().map(|&i| s1[i]).collect();
    let ends = e2.iter().map(|&i| e1[i - 1]).collect();
    (twice, starts, ends)
}

fn decode_pass(text: &str) -> (String, Vec<usize>, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut starts = Vec::with_capacity(text.len());
    let mut ends = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let (decoded, used) = match rest.as_bytes()[0] {
            b'&' => reference(rest).map_or((None, 1), |(c, n)| (Some(c), n)),
            b'\\' => json_escape(rest).map_or((None, 1), |(c, n)| (Some(c), n)),
            _ => (None, rest.chars().next().map_or(1, char::len_utf8)),
        };
        let c = decoded.unwrap_or_else(|| rest.chars().next().unwrap_or('\u{fffd}'));
        if !matches!(c, '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}') {
            out.push(c);
            for _ in 0..c.len_utf8() {
                starts.push(i);
                ends.push(i + used);
            }
        }
        i += used;
    }
    (out, starts, ends)
}

fn reference(s: &str) -> Option<(char, usize)> {
    let end = s[1..].find(';').filter(|&n| n <= 32)? + 1;
    let body = &s[1..end];
    let c = if let Some(num) = body.strip_prefix('#') {
        let n = if let Some(hex) = num.strip_prefix(['x', 'X']) {
            u32::from_str_radix(hex, 16).ok()?
        } else {
            num.parse().ok()?
        };
        char::from_u32(n)?
    } else {
        named(body)?
    };
    Some((c, end + 1))
}

fn json_escape(s: &str) -> Option<(char, usize)> {
    let hex = s.strip_prefix("\\u")?.get(..4)?;
    let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    Some((c, 6))
}

fn named(name: &str) -> Option<char> {
    Some(match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "rsquo" => '\u{2019}',
        "lsquo" => '\u{2018}',
        "rdquo" => '\u{201d}',
        "ldquo" => '\u{201c}',
        "ndash" => '\u{2013}',
        "mdash" => '\u{2014}',
        "hyphen" | "dash" => '\u{2010}',
        "shy" => '\u{ad}',
        "zwj" => '\u{200d}',
        "zwnj" => '\u{200c}',
        "szlig" => 'ß',
        "eth" => 'ð',
        "ETH" => 'Ð',
        "thorn" => 'þ',
        "THORN" => 'Þ',
        _ => return accented(name),
    })
}

/// `&eacute;`, `&Ouml;`, `&ccedil;`, `&aring;`, `&oslash;`, `&aelig;` and their kin.
fn accented(name: &str) -> Option<char> {
    let mut cs = name.chars();
    let base = cs.next()?;
    let accent = cs.as_str();
    let table: &[(&str, &str, &str)] = &[
        ("grave", "aeiouAEIOU", "àèìòùÀÈÌÒÙ"),
        ("acute", "aeiouyAEIOUY", "áéíóúýÁÉÍÓÚÝ"),
        ("circ", "aeiouAEIOU", "âêîôûÂÊÎÔÛ"),
        ("tilde", "anoANO", "ãñõÃÑÕ"),
        ("uml", "aeiouyAEIOUY", "äëïöüÿÄËÏÖÜŸ"),
        ("ring", "aA", "åÅ"),
        ("cedil", "cC", "çÇ"),
        ("slash", "oO", "øØ"),
        ("elig", "aoAO", "æœÆŒ"),
    ];
    let (_, bases, results) = table.iter().find(|(a, _, _)| *a == accent)?;
    let i = bases.chars().position(|b| b == base)?;
    results.chars().nth(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::known::{OrganisationKind, PersonRole};

    fn known() -> Vec<KnownIdentifier> {
        vec![
            KnownIdentifier::new("Dr Anna Smith", "Dr Rose Hill", IdentifierKind::Person(PersonRole::Trainer)),
            KnownIdentifier::new(
                "Smith & Jones Practice",
                "[Practice]",
                IdentifierKind::Organisation(OrganisationKind::Practice),
            ),
            KnownIdentifier::new("Zoë Kowalski", "Tom", IdentifierKind::Person(PersonRole::Patient)),
        ]
    }

    fn found(text: &str) -> Vec<String> {
        leak_check(text, &known()).unwrap().iter().map(|l| l.found().to_owned()).collect()
    }

    #[test]
    fn plain_case_and_markup() {
        assert_eq!(found("ANNA SMITH said"), ["ANNA SMITH"]);
        assert_eq!(found("<td>Anna</td><td>Smith</td>"), ["Anna</td><td>Smith"]);
        assert_eq!(found("<b>Anna</b> <i>Smith</i>"), ["Anna</b> <i>Smith"]);
        assert_eq!(found("title=\"dr smith\""), ["dr smith"]);
    }

    #[test]
    fn through_escapes() {
        assert_eq!(found("Smith &amp; Jones Practice"), ["Smith &amp; Jones Practice"]);
        assert_eq!(found("Smith &amp;amp; Jones Practice"), ["Smith &amp;amp; Jones Practice"]);
        assert_eq!(found("Anna&#x2019;s and Anna&#39;s and Anna&rsquo;s"), ["Anna", "Anna", "Anna"]);
        assert_eq!(found("Zo&euml; and Zo&#235; and Zo\\u00eb"), ["Zo&euml;", "Zo&#235;", "Zo\\u00eb"]);
        assert_eq!(found("An&shy;na"), ["An&shy;na"]);
        assert_eq!(found("Anna&nbsp;Smith"), ["Anna&nbsp;Smith"]);
    }

    #[test]
    fn no_leak_in_pseudonymised_text() {
        assert!(found("Dr Rose Hill met Tom at [Practice]. Annabel, smithy, &amp; Co.").is_empty());
    }

    #[test]
    fn broken_escapes_do_not_panic() {
        for t in ["&", "&#", "&#x;", "&#99999999;", "\\u", "\\u12", "&#xD800;", "é&é;", "&amp"] {
            let _ = found(t);
        }
    }
}
