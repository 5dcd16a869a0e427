//! NHS numbers and UK postcodes.

use super::{candidate, context_before, lazy_regex, Candidate, CandidateKind};

lazy_regex!(country_code_re, r"\+\d{1,3}[ \-]?(?:\(0\)[ \-]?)?$");
lazy_regex!(nhs_re, r"\b(?:\d{3} \d{3} \d{4}|\d{3}-\d{3}-\d{4}|\d{10})\b");

/// Whether ten digits pass the NHS (and Scottish CHI) modulus-11 check: the first nine weighted
/// 10 down to 2, the remainder of their sum by 11 taken from 11 (11 becomes 0, 10 is never
/// valid) must equal the tenth.
///
/// ```
/// use idiograph_pseudonym::detect::nhs_check_digit_ok;
/// assert!(nhs_check_digit_ok("9434765919"));
/// assert!(!nhs_check_digit_ok("9434765918"));
/// ```
pub fn nhs_check_digit_ok(digits: &str) -> bool {
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 10 || digits.chars().filter(|c| c.is_ascii_digit()).count() != 10 {
        return false;
    }
    let sum: u32 = d[..9].iter().zip((2..=10).rev()).map(|(x, w)| x * w).sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return false,
        c => c,
    };
    check == d[9]
}

/// NHS numbers: ten digits, plain or grouped 3-3-4 with spaces or dashes, that pass the
/// modulus-11 check (so do Scottish CHI numbers). Numbers of one repeated digit are skipped.
/// Confidence 0.9 grouped, 0.75 plain, 0.99 after "NHS", "CHI" or "hospital number".
pub fn nhs_numbers(text: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    for m in nhs_re().find_iter(text) {
        let s = m.as_str();
        if !nhs_check_digit_ok(s) {
            continue;
        }
        let digits: Vec<char> = s.chars().filter(char::is_ascii_digit).collect();
        if digits.iter().all(|&c| c == digits[0]) {
            continue;
        }
        // Part of a longer grouped number such as "020 7946 0958 123" or a decimal.
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        if before.is_some_and(|c| matches!(c, '+' | '.' | ',' | '/' | '-'))
            || after.is_some_and(|c| matches!(c, '/' | '-'))
            || (after == Some('.') && text[m.end() + 1..].starts_with(|c: char| c.is_ascii_digit()))
        {
            continue;
        }
        if country_code_re().is_match(&context_before(text, m.start(), 10)) {
            continue;
        }
        let ctx = context_before(text, m.start(), 48);
        let confidence = if ["nhs", "chi", "hospital number", "patient number"].iter().any(|w| ctx.contains(w)) {
            0.99
        } else if s.len() > 10 {
            0.9
        } else {
            0.75
        };
        out.extend(candidate(text, m.start(), m.end(), CandidateKind::NhsNumber, confidence, None));
    }
    out
}

// The Royal Mail formats: A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA, AA9A 9AA, and GIR 0AA,
// with the letters each position allows.
lazy_regex!(
    postcode_re,
    r"(?i)\b(?:GIR ?0AA|(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])[ \u{a0}]?[0-9][ABD-HJLNP-UW-Z]{2})\b"
);

/// UK postcodes in every valid format, with or without the space (`LS1 4DY`, `SW1A 1AA`,
/// `W1A 0AX`, `M1 1AE`, `GIR 0AA`). Upper case: 0.95 with the space, 0.8 without; other case:
/// 0.6 with the space, not at all without (too many ordinary words fit).
pub fn postcodes(text: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    for m in postcode_re().find_iter(text) {
        let s = m.as_str();
        let spaced = s.contains([' ', '\u{a0}']);
        let upper = !s.chars().any(char::is_lowercase);
        let confidence = match (upper, spaced) {
            (true, true) => 0.95,
            (true, false) => 0.8,
            (false, true) => 0.6,
            (false, false) => continue,
        };
        out.extend(candidate(text, m.start(), m.end(), CandidateKind::Postcode, confidence, None));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(found: Vec<Candidate>) -> Vec<String> {
        found.into_iter().map(|c| c.text).collect()
    }

    #[test]
    fn nhs_numbers_pass_mod_11() {
        let text = "NHS no. 943 476 5919, also 9434765919 and 401-023-2137; CHI 0101011234?";
        let found = texts(nhs_numbers(text));
        assert_eq!(found, ["943 476 5919", "9434765919", "401-023-2137"]);
    }

    #[test]
    fn ten_digit_numbers_failing_mod_11_are_not_flagged() {
        // Each of these differs from a valid number in its check digit, or has check 10.
        for s in ["943 476 5918", "9434765910", "1234567890", "0000000000", "1111111111", "943 4765919x"] {
            assert!(nhs_numbers(s).is_empty(), "{s}");
        }
        assert!(nhs_numbers("12345678901").is_empty(), "eleven digits");
        assert!(nhs_numbers("+44 943 476 5919").is_empty(), "part of a phone number");
        assert!(nhs_numbers("3.9434765919").is_empty(), "a decimal");
    }

    #[test]
    fn every_postcode_format() {
        let text = "M1 1AE, B33 8TH, CR2 6XH, DN55 1PT, W1A 0AX, EC1A 1BB, GIR 0AA, LS14DY, sw1a 1aa";
        assert_eq!(
            texts(postcodes(text)),
            ["M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A 0AX", "EC1A 1BB", "GIR 0AA", "LS14DY", "sw1a 1aa"]
        );
    }

    #[test]
    fn not_postcodes() {
        // Q, V, X cannot start a postcode; C, I, K, M, O, V cannot end it; no inward part.
        let text = "QA1 1AA, V1 1AA, LS1 1AC, LS1 1IA, ST1 trainee, ST3 in 2019, a11aa, the GP, 10 am";
        assert!(postcodes(text).is_empty(), "{:?}", texts(postcodes(text)));
    }
}
