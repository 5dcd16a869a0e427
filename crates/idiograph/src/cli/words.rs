//! Word options: an option that takes one of a few words is parsed by clap into the model's own
//! enum, so `--help` and the refusal of a wrong word list the words, and no command parses a
//! string after clap.

use std::ffi::OsStr;
use std::marker::PhantomData;
use std::sync::LazyLock;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::ValueEnum;
use idiograph_app::{
    candidate_kind, identifier_kind, CandidateKind, Figure, GuideFormat, IdentifierKind, ItemStatus, ReportTable,
    ResultsFormat, SearchKind, CANDIDATE_KINDS,
};
use idiograph_model::{
    FillerPolicy, GroupingStrategy, NoteKind, OriginalsPolicy, Role, SpeakerRole, Terminology, Verdict,
};

/// An enum whose values the command line names by fixed words.
pub trait Word: Copy + Send + Sync + 'static {
    /// Every value, in the order `--help` lists them.
    fn all() -> &'static [Self];
    /// The word naming `self`.
    fn word(self) -> &'static str;
    /// The value a word names (ignoring letter case), or why it names none.
    fn parse(text: &str) -> Result<Self, String>;
}

/// The model's word enums keep their own words and their own refusal ("unknown note kind 'x'
/// (expected one of: …)"), which clap prefixes with the option it was given for.
macro_rules! model_words {
    ($($t:ty),+ $(,)?) => {$(
        impl Word for $t {
            fn all() -> &'static [Self] {
                <$t>::ALL
            }
            fn word(self) -> &'static str {
                self.as_str()
            }
            fn parse(text: &str) -> Result<Self, String> {
                text.parse::<$t>().map_err(|e| e.to_string())
            }
        }
    )+};
}

model_words!(
    Terminology,
    NoteKind,
    GroupingStrategy,
    SpeakerRole,
    Role,
    Verdict,
    OriginalsPolicy,
    FillerPolicy,
    SearchKind
);

impl Word for Figure {
    fn all() -> &'static [Self] {
        &Figure::ALL
    }
    fn word(self) -> &'static str {
        self.name()
    }
    fn parse(text: &str) -> Result<Self, String> {
        found_or_listed(Figure::parse(text), &Figure::ALL, Figure::name, text, "figure", "figures")
    }
}

impl Word for GuideFormat {
    fn all() -> &'static [Self] {
        &GuideFormat::ALL
    }
    fn word(self) -> &'static str {
        self.extension()
    }
    fn parse(text: &str) -> Result<Self, String> {
        let found = GuideFormat::parse(text);
        found_or_listed(found, &GuideFormat::ALL, GuideFormat::extension, text, "answers format", "formats")
    }
}

impl Word for ResultsFormat {
    fn all() -> &'static [Self] {
        &ResultsFormat::ALL
    }
    fn word(self) -> &'static str {
        self.extension()
    }
    fn parse(text: &str) -> Result<Self, String> {
        let found = ResultsFormat::parse(text);
        found_or_listed(found, &ResultsFormat::ALL, ResultsFormat::extension, text, "results format", "formats")
    }
}

impl Word for ReportTable {
    fn all() -> &'static [Self] {
        &ReportTable::ALL
    }
    fn word(self) -> &'static str {
        self.name()
    }
    fn parse(text: &str) -> Result<Self, String> {
        let found = ReportTable::ALL.into_iter().find(|t| t.name().eq_ignore_ascii_case(text.trim()));
        found_or_listed(found, &ReportTable::ALL, ReportTable::name, text, "table", "tables")
    }
}

/// What a type's own parser `found` in `text`, or a refusal naming the word and every one there
/// is ("no figure 'x' (figures: …)"): the one message of the export word options.
fn found_or_listed<T: Copy>(
    found: Option<T>,
    all: &[T],
    name: fn(T) -> &'static str,
    text: &str,
    what: &str,
    plural: &str,
) -> Result<T, String> {
    found.ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|&t| name(t)).collect();
        format!("no {what} '{}' ({plural}: {})", text.trim(), names.join(", "))
    })
}

/// Every kind of known identifier, in the order `--help` lists them.
static IDENTIFIER_KINDS: LazyLock<Vec<IdentifierKind>> =
    LazyLock::new(|| IdentifierKind::names().filter_map(IdentifierKind::from_name).collect());

/// The de-identification kinds keep the application's words and refusal ("unknown candidate
/// kind 'x' (kinds: …)"); the words of earlier versions are read too, though `--help` lists
/// only today's.
macro_rules! deid_words {
    ($($t:ty: $all:expr, $read:path);+ $(;)?) => {$(
        impl Word for $t {
            fn all() -> &'static [Self] {
                $all
            }
            fn word(self) -> &'static str {
                self.name()
            }
            fn parse(text: &str) -> Result<Self, String> {
                $read(&text.trim().to_ascii_lowercase()).map_err(|e| e.to_string())
            }
        }
    )+};
}

deid_words!(
    CandidateKind: &CANDIDATE_KINDS, candidate_kind;
    IdentifierKind: &IDENTIFIER_KINDS, identifier_kind;
);

/// What `deid scan --kind` keeps: the items of one candidate kind or one kind of known
/// identifier, by the word the queue shows (`person`, `place`… name both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanKind(&'static str);

impl ScanKind {
    /// Whether an item the queue shows with kind `kind` is kept.
    pub fn admits(self, kind: &str) -> bool {
        self.0 == kind
    }
}

/// The candidate kinds, then the kinds of known identifier that are not also candidate kinds.
static SCAN_KINDS: LazyLock<Vec<ScanKind>> = LazyLock::new(|| {
    let mut words: Vec<&'static str> = CANDIDATE_KINDS.iter().map(|k| k.name()).collect();
    for word in IdentifierKind::names() {
        if !words.contains(&word) {
            words.push(word);
        }
    }
    words.into_iter().map(ScanKind).collect()
});

impl Word for ScanKind {
    fn all() -> &'static [Self] {
        &SCAN_KINDS
    }
    fn word(self) -> &'static str {
        self.0
    }
    fn parse(text: &str) -> Result<Self, String> {
        match (<CandidateKind as Word>::parse(text), <IdentifierKind as Word>::parse(text)) {
            (Ok(k), _) => Ok(ScanKind(k.name())),
            (_, Ok(k)) => Ok(ScanKind(k.name())),
            (Err(_), Err(_)) => {
                let kinds: Vec<&str> = SCAN_KINDS.iter().map(|k| k.0).collect();
                Err(format!("unknown kind '{}' (kinds: {})", text.trim(), kinds.join(", ")))
            }
        }
    }
}

/// The clap value parser of a [`Word`] option: `value_parser = words::<NoteKind>()`.
#[derive(Debug, Clone)]
pub struct Words<T>(PhantomData<T>);

/// The value parser of the word enum `T`.
pub fn words<T: Word>() -> Words<T> {
    Words(PhantomData)
}

impl<T: Word> TypedValueParser for Words<T> {
    type Value = T;

    fn parse_ref(&self, cmd: &clap::Command, arg: Option<&clap::Arg>, value: &OsStr) -> Result<T, clap::Error> {
        // clap's parser for a function names the option and the value before the reason.
        (|text: &str| T::parse(text)).parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(T::all().iter().map(|v| PossibleValue::new(v.word()))))
    }
}

/// What `report --format` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// The report as Markdown.
    #[value(alias = "markdown")]
    Md,
    /// The report as one self-contained HTML file.
    Html,
    /// The write-up pack as a Word document.
    Docx,
    /// All tables as an Excel workbook.
    Xlsx,
    /// One table (--table) as CSV.
    Csv,
    /// The theme map figure as SVG (`figure` draws the others).
    Svg,
    /// The theme map figure as PNG at 300 dpi.
    Png,
    /// The audit trail as HTML.
    #[value(alias = "audit-html")]
    Audit,
    /// The audit trail as CSV.
    AuditCsv,
    /// The COREQ checklist, pre-filled, as Markdown.
    Coreq,
    /// The SRQR checklist, pre-filled, as Markdown.
    Srqr,
    /// The whole project for other QDA software (REFI-QDA).
    Qdpx,
    /// The codebook for other QDA software (REFI-QDA).
    Qdc,
}

/// What `figure --format` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FigureFormat {
    /// Scalable vector graphics.
    Svg,
    /// A PNG image at 300 dpi.
    Png,
}

/// What `transcript export --format` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnnotatedFormat {
    /// A Word document.
    Docx,
    /// One self-contained HTML file.
    Html,
}

/// Which items of the review queue `deid scan --status` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanStatus {
    /// Every item.
    All,
    /// Occurrences of known identifiers.
    Known,
    /// Candidates nobody decided on yet.
    Pending,
    /// Accepted candidates.
    Accepted,
    /// Rejected candidates.
    Rejected,
}

impl ScanStatus {
    /// Whether an item with this status is shown.
    pub fn admits(self, status: ItemStatus) -> bool {
        match self {
            ScanStatus::All => true,
            ScanStatus::Known => status == ItemStatus::Known,
            ScanStatus::Pending => status == ItemStatus::Pending,
            ScanStatus::Accepted => status == ItemStatus::Accepted,
            ScanStatus::Rejected => status == ItemStatus::Rejected,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::error::ErrorKind;
    use clap::{CommandFactory, Parser};
    use idiograph_app::ReportTable;
    use idiograph_model::{NoteKind, Role};

    use super::ReportFormat;
    use crate::cli::{AdminCommand, Cli, Command, DeidCommand, KnownCommand, NoteCommand};

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Cli::try_parse_from(std::iter::once("idiograph").chain(args.iter().copied())).map(|cli| cli.command)
    }

    #[test]
    fn the_grammar_holds_together() {
        Cli::command().debug_assert();
    }

    #[test]
    fn words_are_read_in_any_letter_case_into_the_model_enums() {
        let note = parse(&["note", "add", "--transcript", "T1", "--lines", "3", "--kind", " Conceptual", "x"]);
        assert!(matches!(note, Ok(Command::Note(NoteCommand::Add { kind: NoteKind::Conceptual, .. }))), "{note:?}");
        let default = parse(&["note", "add", "--transcript", "T1", "--lines", "3", "x"]);
        assert!(matches!(default, Ok(Command::Note(NoteCommand::Add { kind: NoteKind::Free, .. }))), "{default:?}");
        let role = parse(&["admin", "set-role", "ana", "OWNER"]);
        assert!(matches!(role, Ok(Command::Admin(AdminCommand::SetRole { role: Role::Owner, .. }))), "{role:?}");
        let report = parse(&["report", "--format", "Markdown", "--table", "gets"]);
        assert!(
            matches!(report, Ok(Command::Report { format: ReportFormat::Md, table: Some(ReportTable::Gets), .. })),
            "{report:?}"
        );
    }

    #[test]
    fn a_wrong_word_is_refused_naming_the_option_the_word_and_the_words() {
        let refused = |args: &[&str]| match parse(args) {
            Err(e) => (e.kind(), e.render().to_string()),
            Ok(c) => panic!("{args:?} was accepted as {c:?}"),
        };
        let (kind, text) = refused(&["note", "add", "--transcript", "T1", "--lines", "3", "--kind", "poetic", "x"]);
        assert_eq!(kind, ErrorKind::ValueValidation);
        assert!(text.contains("'poetic' for '--kind <KIND>'"), "{text}");
        assert!(text.contains("unknown note kind 'poetic' (expected one of: descriptive, linguistic"), "{text}");
        let (_, text) = refused(&["report", "--format", "csv", "--table", "codes"]);
        assert!(text.contains("no table 'codes' (tables: GETs, PETs, Statements"), "{text}");
        let (_, text) = refused(&["figure", "pie", "--format", "svg"]);
        assert!(text.contains("no figure 'pie' (figures: theme-map, heatmap, flow)"), "{text}");
        let (_, text) = refused(&["results", "--format", "pdf"]);
        assert!(text.contains("no results format 'pdf' (formats: docx, md, tex)"), "{text}");
        let (kind, text) = refused(&["report", "--format", "pdf"]);
        assert_eq!(kind, ErrorKind::InvalidValue);
        assert!(text.contains("'pdf' for '--format <FORMAT>'") && text.contains("qdpx, qdc"), "{text}");
    }

    #[test]
    fn the_search_and_deid_kinds_are_words_of_the_application() {
        let search = |kind: &str| match parse(&["search", "weight", "--kind", kind]) {
            Ok(Command::Search(a)) => a.kind.map(|k| k.as_str()),
            other => panic!("search --kind {kind}: {other:?}"),
        };
        assert_eq!(search("Notes"), Some("note"), "a kind of text, singular or plural");
        assert_eq!(search("conceptual"), Some("conceptual"), "a note kind");
        let scan = parse(&["deid", "scan", "--kind", "Patient"]);
        assert!(
            matches!(&scan, Ok(Command::Deid(DeidCommand::Scan { kind: Some(k), .. })) if k.admits("patient")),
            "{scan:?}"
        );
        let apply = parse(&["deid", "apply", "--kinds", "email,nhs-number"]);
        let Ok(Command::Deid(DeidCommand::Apply { kinds, .. })) = apply else { panic!("{apply:?}") };
        assert_eq!(kinds.iter().map(|k| k.name()).collect::<Vec<_>>(), ["email", "nhs-number"]);
        let known = parse(&["deid", "known", "add", "Dr Pengelly", "--kind", "group leader"]);
        assert!(
            matches!(&known, Ok(Command::Deid(DeidCommand::Known(KnownCommand::Add { kind, .. }))) if kind.name() == "group-leader"),
            "{known:?}"
        );
        for (args, reason) in [
            (&["search", "weight", "--kind", "poetic"][..], "unknown note kind 'poetic'"),
            (&["deid", "scan", "--kind", "celebrity"][..], "unknown kind 'celebrity' (kinds: email, url,"),
            (&["deid", "bulk", "accept", "--kind", "patient"][..], "unknown candidate kind 'patient' (kinds: email"),
            (&["deid", "known", "add", "X Y", "--kind", "celebrity"][..], "unknown identifier kind 'celebrity'"),
        ] {
            match parse(args) {
                Err(e) => assert!(e.render().to_string().contains(reason), "{args:?}: {}", e.render()),
                Ok(c) => panic!("{args:?} was accepted as {c:?}"),
            }
        }
    }

    #[test]
    fn help_lists_the_words_of_a_model_enum() {
        let mut cli = Cli::command();
        let note = cli.find_subcommand_mut("note").and_then(|n| n.find_subcommand_mut("add"));
        let help = note.map(|c| c.render_help().to_string()).unwrap_or_default();
        assert!(help.contains("[possible values: descriptive, linguistic, conceptual, free]"), "{help}");
    }
}
