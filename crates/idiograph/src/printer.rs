//! The one way the command line writes to the terminal. A command prints its outcome once,
//! through [`Printer`]: as text for the researcher or, with `--json`, as JSON for scripts.
//! Standard output ([`emit`]) and standard error ([`warn`]) both pass through [`printable`], so a
//! control character stored in a title, a journal entry or an imported file (ESC starting a
//! terminal escape sequence, a carriage return overwriting the line) is shown as an escape,
//! never obeyed by the terminal.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write as _;

use serde::Serialize;
use serde_json::Value as Json;

/// Prints the outcome of a command in the form asked for (`--json` or text).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Printer {
    json: bool,
}

impl Printer {
    /// A printer of JSON when `json`, else of text.
    pub(crate) fn new(json: bool) -> Printer {
        Printer { json }
    }

    /// Whether the outcome is printed as JSON (and nothing else, such as a progress bar, may
    /// go to the terminal).
    pub(crate) fn is_json(self) -> bool {
        self.json
    }

    /// Prints `value` as JSON, or the text `text` makes (nothing when it is empty); the text is
    /// made only when it is printed.
    pub(crate) fn print(self, value: impl Serialize, text: impl FnOnce() -> String) {
        if self.json {
            emit(&serde_json::to_string_pretty(&value).unwrap_or_default());
        } else {
            let t = text();
            if !t.is_empty() {
                emit(t.trim_end());
            }
        }
    }

    /// Prints a list of views: a JSON array of them, or each one's `line` on its own line.
    pub(crate) fn views<T: Serialize>(self, items: &[T], line: impl Fn(&T) -> String) {
        self.print(items, || items.iter().map(line).collect::<Vec<_>>().join("\n"));
    }

    /// Prints a list: a JSON array of each item's `json`, or each item's `line` on its own line.
    pub(crate) fn list<T>(self, items: &[T], json: impl Fn(&T) -> Json, line: impl Fn(&T) -> String) {
        self.print(Json::Array(items.iter().map(json).collect()), || {
            items.iter().map(line).collect::<Vec<_>>().join("\n")
        });
    }
}

/// Whether `c` is a control character the terminal would act on: C0 (but tab and line feed,
/// which lay out multi-line text), DEL and C1.
fn is_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// `text` with every control character (see [`is_control`]) written as `\u{1b}`, the form Rust
/// and JavaScript read back; text without one is returned as it is.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_control(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Writes a line to standard output. A reader that went away (`| head`) ends the program quietly,
/// as other command-line tools do, instead of a panic from `println!`.
pub(crate) fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{}", printable(text)).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        warn(&format!("error: cannot write the output: {e}"));
        std::process::exit(1);
    }
}

/// Writes a line to standard error (errors and notes); a closed standard error is ignored.
pub(crate) fn warn(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", printable(text));
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn control_characters_are_escaped_and_layout_kept() {
        assert_eq!(printable("plain\ttext\nnext"), "plain\ttext\nnext");
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(printable("over\rwrite\u{7f}\u{9b}"), "over\\u{d}write\\u{7f}\\u{9b}");
        assert_eq!(printable("Zoë – “quoted”"), "Zoë – “quoted”");
    }
}
