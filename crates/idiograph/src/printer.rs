//! The one way the command line writes text to the terminal: standard output ([`emit`]) and
//! standard error ([`warn`]) both pass through [`printable`], so a control character stored in a
//! title, a journal entry or an imported file (ESC starting a terminal escape sequence, a
//! carriage return overwriting the line) is shown as an escape, never obeyed by the terminal.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write as _;

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
