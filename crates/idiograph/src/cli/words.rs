//! Word options: an option that takes one of a few words is parsed by clap into the model's own
//! enum, so `--help` and the refusal of a wrong word list the words, and no command parses a
//! string after clap.

use std::ffi::OsStr;
use std::marker::PhantomData;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::ValueEnum;
use idiograph_app::{Figure, ItemStatus, ReportTable, ResultsFormat};
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

model_words!(Terminology, NoteKind, GroupingStrategy, SpeakerRole, Role, Verdict, OriginalsPolicy, FillerPolicy);

impl Word for Figure {
    fn all() -> &'static [Self] {
        &Figure::ALL
    }
    fn word(self) -> &'static str {
        self.name()
    }
    fn parse(text: &str) -> Result<Self, String> {
        Figure::parse(text).ok_or_else(|| {
            let names: Vec<&str> = Figure::ALL.iter().map(|f| f.name()).collect();
            format!("no figure '{}' (figures: {})", text.trim(), names.join(", "))
        })
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
        ResultsFormat::parse(text).ok_or_else(|| {
            let names: Vec<&str> = ResultsFormat::ALL.iter().map(|f| f.extension()).collect();
            format!("no results format '{}' (formats: {})", text.trim(), names.join(", "))
        })
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
        let wanted = text.trim();
        ReportTable::ALL.into_iter().find(|t| t.name().eq_ignore_ascii_case(wanted)).ok_or_else(|| {
            let names: Vec<&str> = ReportTable::ALL.iter().map(|t| t.name()).collect();
            format!("no table '{wanted}' (tables: {})", names.join(", "))
        })
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
    use crate::cli::{AdminCommand, Cli, Command, NoteCommand};

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
        let (kind, text) = refused(&["report", "--format", "pdf"]);
        assert_eq!(kind, ErrorKind::InvalidValue);
        assert!(text.contains("'pdf' for '--format <FORMAT>'") && text.contains("qdpx, qdc"), "{text}");
    }

    #[test]
    fn help_lists_the_words_of_a_model_enum() {
        let mut cli = Cli::command();
        let note = cli.find_subcommand_mut("note").and_then(|n| n.find_subcommand_mut("add"));
        let help = note.map(|c| c.render_help().to_string()).unwrap_or_default();
        assert!(help.contains("[possible values: descriptive, linguistic, conceptual, free]"), "{help}");
    }
}
