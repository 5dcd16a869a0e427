//! Dates.

use super::{candidate, context_before, lazy_regex, Candidate, CandidateKind};

const MONTH: &str = r"(?:[Jj]an(?:uary)?|[Ff]eb(?:ruary)?|[Mm]ar(?:ch)?|[Aa]pr(?:il)?|[Mm]ay|[Jj]une?|[Jj]uly?|[Aa]ug(?:ust)?|[Ss]ep(?:t(?:ember)?)?|[Oo]ct(?:ober)?|[Nn]ov(?:ember)?|[Dd]ec(?:ember)?)";

lazy_regex!(numeric_re, r"\b(\d{1,2})([/.\-])(\d{1,2})([/.\-])(\d{4}|\d{2})\b");
lazy_regex!(iso_re, r"\b(\d{4})([\-/.])(\d{1,2})([\-/.])(\d{1,2})\b");
lazy_regex!(
    day_month_re,
    &format!(
        r"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:[ \t\u{{a0}}]+of)?[ \t\u{{a0}}]+({MONTH})\.?(?:,?[ \t\u{{a0}}]+(\d{{4}}|'\d{{2}}))?\b"
    )
);
lazy_regex!(
    month_day_re,
    &format!(r"\b({MONTH})\.?[ \t\u{{a0}}]+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?[ \t\u{{a0}}]+(\d{{4}}))?\b")
);
lazy_regex!(month_year_re, &format!(r"\b({MONTH})\.?,?[ \t\u{{a0}}]+(\d{{4}})\b"));

/// Dates: numeric (`12/03/1985`, `12.03.85`, `12-3-1985`), ISO (`1985-03-12`), and written
/// (`12 March 1985`, `12th of March`, `March 12th, 1985`, `March 1985`). Day and month are
/// checked (either order for numeric dates). Confidence 0.5–0.9 by form; 0.99 after "date of
/// birth", "DOB", "born" or "birthday" nearby.
///
/// ```
/// let found = idiograph_pseudonym::detect::dates("DOB 12/03/1985; seen on March 3rd, 2021.");
/// let texts: Vec<&str> = found.iter().map(|c| c.text.as_str()).collect();
/// assert_eq!(texts, ["12/03/1985", "March 3rd, 2021"]);
/// assert!(found[0].confidence > 0.95);
/// ```
pub fn dates(text: &str) -> Vec<Candidate> {
    let mut found: Vec<(usize, usize, f32)> = Vec::new();
    for c in numeric_re().captures_iter(text) {
        let (whole, sep) = (c.get(0).expect("match"), &c[2]);
        if sep != &c[4] || adjoins_number(text, whole.start(), whole.end()) {
            continue;
        }
        let (a, b): (u32, u32) = (c[1].parse().unwrap_or(0), c[3].parse().unwrap_or(0));
        let valid = (valid_day(a) && (1..=12).contains(&b)) || (valid_day(b) && (1..=12).contains(&a));
        if !valid {
            continue;
        }
        let confidence = match (c[5].len(), sep) {
            (4, _) => 0.9,
            (_, "/") => 0.75,
            (_, ".") => 0.6,
            _ => 0.5,
        };
        found.push((whole.start(), whole.end(), confidence));
    }
    for c in iso_re().captures_iter(text) {
        let whole = c.get(0).expect("match");
        if c[2] != c[4] || adjoins_number(text, whole.start(), whole.end()) {
            continue;
        }
        let (y, m, d): (u32, u32, u32) =
            (c[1].parse().unwrap_or(0), c[3].parse().unwrap_or(0), c[5].parse().unwrap_or(0));
        if (1800..=2200).contains(&y) && (1..=12).contains(&m) && valid_day(d) {
            found.push((whole.start(), whole.end(), 0.9));
        }
    }
    for c in day_month_re().captures_iter(text) {
        let whole = c.get(0).expect("match");
        let day: u32 = c[1].parse().unwrap_or(0);
        let month = &c[2];
        if !valid_day(day) {
            continue;
        }
        let confidence = match (c.get(3).is_some(), month.starts_with(char::is_uppercase)) {
            (true, _) => 0.9,
            (false, true) if month.len() > 3 => 0.65,
            (false, true) => 0.5,
            (false, false) => continue,
        };
        found.push((whole.start(), whole.end(), confidence));
    }
    for c in month_day_re().captures_iter(text) {
        let whole = c.get(0).expect("match");
        let day: u32 = c[2].parse().unwrap_or(0);
        let month = &c[1];
        if !valid_day(day) || !month.starts_with(char::is_uppercase) {
            continue;
        }
        let confidence = if c.get(3).is_some() { 0.9 } else { 0.55 };
        // "May 3 of us": only trust a bare "May 3" with an ordinal or a year.
        if c.get(3).is_none() && month == "May" && !whole.as_str().ends_with(['h', 'd', 't']) {
            continue;
        }
        found.push((whole.start(), whole.end(), confidence));
    }
    for c in month_year_re().captures_iter(text) {
        let whole = c.get(0).expect("match");
        let year: u32 = c[2].parse().unwrap_or(0);
        if c[1].starts_with(char::is_uppercase) && (1900..=2100).contains(&year) {
            found.push((whole.start(), whole.end(), 0.5));
        }
    }
    found
        .into_iter()
        .filter_map(|(s, e, conf)| {
            let ctx = context_before(text, s, 40);
            let birth =
                ["date of birth", "dob", "d.o.b", "born", "birthday", "birth date"].iter().any(|w| ctx.contains(w));
            let conf = if birth { 0.99 } else { conf };
            candidate(text, s, e, CandidateKind::Date, conf, None)
        })
        .collect()
}

fn valid_day(d: u32) -> bool {
    (1..=31).contains(&d)
}

/// Whether a numeric match continues into more numbers (`1.2.3.4`, `12/03/1985/2`).
fn adjoins_number(text: &str, start: usize, end: usize) -> bool {
    let before = &text[..start];
    let after = &text[end..];
    let sep_digit = |s: &str| {
        let mut cs = s.chars();
        matches!((cs.next(), cs.next()), (Some('.' | '/' | '-' | ':'), Some(d)) if d.is_ascii_digit())
    };
    let rev: String = before.chars().rev().take(2).collect();
    sep_digit(after) || sep_digit(&rev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        super::super::resolve_overlaps(dates(text)).into_iter().map(|c| c.text).collect()
    }

    #[test]
    fn numeric_and_iso() {
        assert_eq!(
            texts("12/03/1985 12.03.85 3-12-2020 1985-03-12"),
            ["12/03/1985", "12.03.85", "3-12-2020", "1985-03-12"]
        );
        assert_eq!(texts("03/25/1990"), ["03/25/1990"], "US order still a date");
    }

    #[test]
    fn written() {
        assert_eq!(texts("on 12 March 1985"), ["12 March 1985"]);
        assert_eq!(texts("the 12th of March"), ["12th of March"]);
        assert_eq!(texts("March 12th, 1985"), ["March 12th, 1985"]);
        assert_eq!(texts("in Sept 2019"), ["Sept 2019"]);
    }

    #[test]
    fn not_dates() {
        for s in
            ["at 10.30", "1.2.3.4", "32/01/2000", "12/13/14/15", "3 may go", "May 3 of us", "ST3 in 2019", "v1.2.10"]
        {
            assert!(dates(s).is_empty(), "{s}: {:?}", texts(s));
        }
    }

    #[test]
    fn birth_context_raises_confidence() {
        let plain = dates("seen 12 March 1985");
        let dob = dates("date of birth: 12 March 1985");
        assert!(dob[0].confidence > plain[0].confidence);
    }
}
