//! File names of studies in a folder: derived from the title the researcher typed, readable in
//! a file manager (spaces and accents kept), never overwriting a file that is already there.

use std::path::{Path, PathBuf};

/// The extension of a project file.
pub(crate) const EXTENSION: &str = "idg";

/// The longest stem we make, in characters: long titles stay readable and every file system
/// takes the name.
const MAX_STEM_CHARS: usize = 80;

/// A file stem from `title`: letters (any script), digits, spaces and common punctuation are
/// kept; characters that some file system forbids (`/ \ : * ? " < > |`), control characters
/// and leading dots become spaces, runs of spaces one.
pub(crate) fn stem_from_title(title: &str) -> String {
    let cleaned: String =
        title.chars().map(|c| if c.is_control() || "/\\:*?\"<>|".contains(c) { ' ' } else { c }).collect();
    let mut stem = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    stem = stem.trim_start_matches(['.', ' ']).to_owned();
    if stem.chars().count() > MAX_STEM_CHARS {
        stem = stem.chars().take(MAX_STEM_CHARS).collect::<String>().trim_end().to_owned();
    }
    // Windows keeps these names for devices, and a trailing dot or space is dropped there.
    let reserved = ["CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "LPT1", "LPT2", "LPT3"];
    stem = stem.trim_end_matches(['.', ' ']).to_owned();
    if stem.is_empty() || reserved.contains(&stem.to_uppercase().as_str()) {
        stem = format!("{stem} study").trim().to_owned();
    }
    stem
}

/// A path in `dir` for a new study named after `title` that no file holds yet: `Title.idg`, else
/// `Title (2).idg`, `Title (3).idg`…
pub(crate) fn free_path(dir: &Path, title: &str) -> PathBuf {
    let stem = stem_from_title(title);
    let mut n = 1;
    loop {
        let name = if n == 1 { format!("{stem}.{EXTENSION}") } else { format!("{stem} ({n}).{EXTENSION}") };
        let path = dir.join(name);
        // The journal files of a study that was just deleted count as taken too.
        if !path.exists() && !dir.join(format!("{}-wal", path.display())).exists() {
            return path;
        }
        n += 1;
    }
}

/// Whether `name` (a stem from a URL) can only name a study file directly inside the folder:
/// no path separators, no parent or hidden entries.
pub(crate) fn is_plain_stem(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0']) && name.trim() == name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_readable_file_names() {
        assert_eq!(stem_from_title("Living with CKD: a study"), "Living with CKD a study");
        assert_eq!(stem_from_title("  Médecins   généralistes  "), "Médecins généralistes");
        assert_eq!(stem_from_title("../../etc/passwd"), "etc passwd");
        assert_eq!(stem_from_title("con"), "con study");
        assert_eq!(stem_from_title("???"), "study");
        assert_eq!(stem_from_title(&"x".repeat(200)).chars().count(), MAX_STEM_CHARS);
    }

    #[test]
    fn an_existing_file_is_never_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = free_path(dir.path(), "Pilot");
        assert_eq!(first.file_name().unwrap(), "Pilot.idg");
        std::fs::write(&first, b"").unwrap();
        assert_eq!(free_path(dir.path(), "Pilot").file_name().unwrap(), "Pilot (2).idg");
    }

    #[test]
    fn only_plain_names_are_study_names() {
        assert!(is_plain_stem("Pilot (2)"));
        assert!(!is_plain_stem("../x"));
        assert!(!is_plain_stem(".hidden"));
        assert!(!is_plain_stem(""));
    }
}
