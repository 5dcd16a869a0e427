//! Escaping and text-shaping helpers shared by the report renderers.

/// Whether a character may appear in an XML 1.0 document at all.
///
/// HTML tolerates more, but the SVG figure must parse as XML, so both use the stricter rule;
/// stray control characters come from pasted transcripts and carry no meaning worth keeping.
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// Escapes text for HTML content, HTML attributes and XML (SVG) alike.
pub(super) fn markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().filter(|&c| allowed_in_xml(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Splits text into paragraphs at blank lines, dropping empty ones.
pub(super) fn paragraphs(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            if let Some(s) = start.take() {
                out.push(text[s..end].trim());
            }
        } else {
            start.get_or_insert(offset);
            end = offset + line.len();
        }
        offset += line.len();
    }
    if let Some(s) = start {
        out.push(text[s..end].trim());
    }
    out
}

/// Escapes text for one line of Markdown (a table cell, heading or quote).
///
/// Line breaks are collapsed because a newline would end a table row or a quote. Pipes are
/// escaped so a cell cannot split, and `<`, `>` and entity-like `&` become entities so user
/// text can never become raw HTML in a Markdown viewer. Emphasis characters are left alone:
/// they only change the look, and escaping them would clutter the plain-text reading that
/// researchers also do. A `]` followed by `(`, `[` or `:` gets a backslash before what follows,
/// so no user text makes a link, an image or a link reference definition: `[x](javascript:…)`
/// and `![](https://remote/pixel.png)` stay the words they are, while `[Patient]` still reads
/// as written.
pub(super) fn md_inline(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ").replace(|c: char| !allowed_in_xml(c), "");
    let mut out = String::with_capacity(collapsed.len());
    let mut chars = collapsed.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            ']' if chars.peek().is_some_and(|n| matches!(n, '(' | '[' | ':')) => out.push_str("]\\"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' if chars.peek().is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#') => {
                out.push_str("&amp;");
            }
            _ => out.push(c),
        }
    }
    out
}

/// Escapes a whole Markdown paragraph: [`md_inline`] plus a backslash before anything at its
/// start that Markdown would read as a heading, list, quote, rule or code fence.
pub(super) fn md_paragraph(text: &str) -> String {
    let inline = md_inline(text);
    let digits = inline.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && inline[digits..].starts_with(['.', ')']) {
        // An ordered-list marker: escape the punctuation after the number.
        return format!("{}\\{}", &inline[..digits], &inline[digits..]);
    }
    if inline.starts_with(['#', '-', '+', '*', '=', '`', '~', '_']) {
        format!("\\{inline}")
    } else {
        inline
    }
}

/// Escapes text for a Markdown heading, also guarding a trailing `#` that CommonMark would
/// otherwise strip as a closing sequence.
pub(super) fn md_heading(text: &str) -> String {
    let inline = md_inline(text);
    match inline.strip_suffix('#') {
        Some(rest) => format!("{rest}\\#"),
        None => inline,
    }
}

/// Greedy word wrap to at most `width` characters per line, splitting words longer than a line.
///
/// Always returns at least one line so an empty title still gets a box of sensible height.
pub(super) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut line_len = 0;
    for word in text.split_whitespace() {
        let chars: Vec<char> = word.chars().collect();
        for chunk in chars.chunks(width) {
            let chunk_len = chunk.len();
            if line_len > 0 && line_len + 1 + chunk_len > width {
                lines.push(std::mem::take(&mut line));
                line_len = 0;
            }
            if line_len > 0 {
                line.push(' ');
                line_len += 1;
            }
            line.extend(chunk);
            line_len += chunk_len;
        }
    }
    if line_len > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Escapes text for LaTeX: the ten special characters become their literal forms, brackets
/// are braced so they never open an optional argument, control characters are dropped and
/// whitespace (line breaks included, which could end a paragraph) collapses to single spaces.
pub(super) fn latex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        for c in word.chars().filter(|&c| allowed_in_xml(c)) {
            match c {
                '\\' => out.push_str("\\textbackslash{}"),
                '~' => out.push_str("\\textasciitilde{}"),
                '^' => out.push_str("\\textasciicircum{}"),
                '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                    out.push('\\');
                    out.push(c);
                }
                '[' => out.push_str("{[}"),
                ']' => out.push_str("{]}"),
                _ => out.push(c),
            }
        }
    }
    out
}
