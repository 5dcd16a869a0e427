//! Emails, URLs and telephone numbers.

use super::{candidate, context_before, lazy_regex, Candidate, CandidateKind};

lazy_regex!(
    email_re,
    r"(?i)\b[a-z0-9](?:[a-z0-9._%+'-]*[a-z0-9_%+-])?@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,24}\b"
);

/// Email addresses (`anna.smith@nhs.net`).
///
/// ```
/// let found = idiograph_pseudonym::detect::emails("Write to Anna.Smith+ipa@nhs.net, or not@all");
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].text, "Anna.Smith+ipa@nhs.net");
/// ```
pub fn emails(text: &str) -> Vec<Candidate> {
    email_re()
        .find_iter(text)
        .filter_map(|m| candidate(text, m.start(), m.end(), CandidateKind::Email, 0.99, None))
        .collect()
}

lazy_regex!(url_re, r#"(?i)\b(?:https?://|www\.)[^\s<>"'`\[\]{}|\\^]+"#);
lazy_regex!(
    bare_domain_re,
    r"(?i)\b[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.(?:co\.uk|org\.uk|ac\.uk|nhs\.uk|gov\.uk|nhs\.net|com|org|net|uk|io|info|edu|eu)\b(?:/[^\s<>\x22'`]*)?"
);

/// URLs: `http(s)://…` and `www.…` (confidence 0.95), and bare domains with a common ending such
/// as `riversidesurgery.co.uk` (0.8). Trailing punctuation stays outside.
pub fn urls(text: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    for m in url_re().find_iter(text) {
        let end = m.start() + trim_url_end(m.as_str());
        out.extend(candidate(text, m.start(), end, CandidateKind::Url, 0.95, None));
    }
    for m in bare_domain_re().find_iter(text) {
        // Part of an email address or of a URL found above.
        if text[..m.start()].ends_with(['@', '.', '/']) || text[m.end()..].starts_with('@') {
            continue;
        }
        if out.iter().any(|c: &Candidate| c.span.start().to_usize() <= m.start() && m.start() < c.span.end().to_usize())
        {
            continue;
        }
        let end = m.start() + trim_url_end(m.as_str());
        out.extend(candidate(text, m.start(), end, CandidateKind::Url, 0.8, None));
    }
    out
}

fn trim_url_end(url: &str) -> usize {
    let mut end = url.len();
    loop {
        let s = &url[..end];
        let Some(c) = s.chars().next_back() else { return end };
        let drop = match c {
            '.' | ',' | ';' | ':' | '!' | '?' | '\u{2019}' | '\u{201d}' => true,
            ')' => s.matches('(').count() < s.matches(')').count(),
            _ => false,
        };
        if !drop {
            return end;
        }
        end -= c.len_utf8();
    }
}

lazy_regex!(phone_re, r"(?:\+\d{1,3}|\(0\d{1,4}\)|0\d)[\d \t()\-\u{2010}\u{2011}\u{2013}]*\d");

/// Telephone numbers: UK mobiles (`07700 900123`, `+44 7700 900123`, `+44 (0)7700…`), UK
/// landlines and non-geographic numbers (`01632 960123`, `(020) 7946 0958`, `0113-496-0000`,
/// `0300 123 4567`), and international numbers written with a `+` and 8–15 digits. Spaces,
/// dashes and brackets are allowed between digit groups. A date or an NHS number does not
/// qualify (no leading 0 or +, or the wrong number of digits).
pub fn phones(text: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    for m in phone_re().find_iter(text) {
        let (start, s) = (m.start(), m.as_str());
        if text[..start].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '+' || c == '/' || c == '.') {
            continue;
        }
        if let Some((len, confidence)) = best_phone_prefix(s) {
            let end = start + len;
            if text[end..].chars().next().is_some_and(|c| c.is_alphanumeric()) {
                continue;
            }
            let ctx = context_before(text, start, 40);
            let boost = ["tel", "phone", "mobile", "call", "ring", "number", "landline", "text me"]
                .iter()
                .any(|w| ctx.contains(w));
            let confidence = if boost { (confidence + 0.04).min(0.99) } else { confidence };
            out.extend(candidate(text, start, end, CandidateKind::Phone, confidence, None));
        }
    }
    out
}

/// The longest prefix of `s` (ending after a digit group) that is a valid number, and its
/// confidence.
fn best_phone_prefix(s: &str) -> Option<(usize, f32)> {
    let international = s.starts_with('+');
    let mut digits = String::new();
    let mut best = None;
    let mut groups = 0;
    let mut in_group = false;
    let mut dashes_or_brackets = 0;
    for (i, c) in s.char_indices() {
        if c.is_ascii_digit() {
            digits.push(c);
            in_group = true;
            let next_is_digit = s[i + 1..].starts_with(|n: char| n.is_ascii_digit());
            if !next_is_digit {
                groups += 1;
                if let Some(conf) = classify(&digits, international, s[..i + 1].contains("(0)")) {
                    best = Some((i + 1, conf));
                }
            }
        } else {
            if in_group && c != ' ' {
                dashes_or_brackets += 1;
            }
            in_group = false;
            if c == '\t' && groups > 0 {
                break;
            }
        }
        if digits.len() > 15 {
            break;
        }
    }
    let _ = dashes_or_brackets;
    best
}

fn classify(digits: &str, international: bool, has_trunk_zero: bool) -> Option<f32> {
    let national: String = if international {
        if let Some(rest) = digits.strip_prefix("44") {
            let rest = if has_trunk_zero { rest.strip_prefix('0').unwrap_or(rest) } else { rest };
            format!("0{rest}")
        } else {
            // Other countries: a country code and 7 or more further digits.
            return (8..=15).contains(&digits.len()).then_some(0.85);
        }
    } else {
        digits.to_owned()
    };
    let b = national.as_bytes();
    if b.len() < 10 || b[0] != b'0' {
        return None;
    }
    match (b[1], b.len()) {
        (b'7', 11) => Some(0.95),
        (b'1' | b'2', 11) => Some(0.9),
        (b'1', 10) => Some(0.8),
        (b'3' | b'8', 11) => Some(0.85),
        (b'8', 10) => Some(0.75),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(found: Vec<Candidate>) -> Vec<String> {
        found.into_iter().map(|c| c.text).collect()
    }

    #[test]
    fn emails_found_and_not() {
        assert_eq!(texts(emails("(a.b-c@x-y.nhs.uk). Not: a@b, @x.com, x@.com")), ["a.b-c@x-y.nhs.uk"]);
        assert_eq!(texts(emails("o'brien.s@nhs.net")), ["o'brien.s@nhs.net"]);
    }

    #[test]
    fn urls_found_and_trimmed() {
        assert_eq!(
            texts(urls("See https://example.org/a_(b)?x=1. Or www.riverside.co.uk, (riversidesurgery.co.uk/team).")),
            ["https://example.org/a_(b)?x=1", "www.riverside.co.uk", "riversidesurgery.co.uk/team"]
        );
        assert!(urls("a.smith@nhs.net, e.g. this, 3.5 mg, i.e.").is_empty());
    }

    #[test]
    fn uk_and_international_phones() {
        let text = "07700 900123; 07700-900-123; +44 7700 900123; +44 (0)7700 900123; (01632) 960123; \
                    020 7946 0958; 0113 496 0000; 0300 123 4567; +1 202 555 0182; +353 1 234 5678";
        assert_eq!(
            texts(phones(text)),
            [
                "07700 900123",
                "07700-900-123",
                "+44 7700 900123",
                "+44 (0)7700 900123",
                "(01632) 960123",
                "020 7946 0958",
                "0113 496 0000",
                "0300 123 4567",
                "+1 202 555 0182",
                "+353 1 234 5678"
            ]
        );
    }

    #[test]
    fn not_phones() {
        let text = "12/03/1985, 01-03-1985, 943 476 5919, 0.5 mg, 07700 9001, in 2019 and 2020, 100 000 people, ST1";
        assert!(phones(text).is_empty(), "{:?}", texts(phones(text)));
    }

    #[test]
    fn trailing_numbers_are_not_swallowed() {
        assert_eq!(texts(phones("call 07700 900123 12 times")), ["07700 900123"]);
    }
}
