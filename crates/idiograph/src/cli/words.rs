//! Word options: an option that takes one of a few words is parsed by clap into the model's own
//! enum, so `--help` and the refusal of a wrong word list the words, and no command parses a
//! string after clap.

use std::ffi::OsStr;
use std::marker::PhantomData;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::ValueEnum;
use idiograph_app::{ItemStatus, ReportTable};
use idiograph_model::{GroupingStrategy, NoteKind, OriginalsPolicy, Role, SpeakerRole, Terminology, Verdict};

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

model_words!(Terminology, NoteKind, GroupingStrategy, SpeakerRole, Role, Verdict, OriginalsPolicy);

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
#[derive(Debug)]
pub struct Words<T>(PhantomData<T>);

// Derived `Clone` would ask `T: Clone` of the marker; the parser holds no `T`.
impl<T> Clone for Words<T> {
    fn clone(&self) -> Self {
        Words(PhantomData)
    }
}

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
    /// The theme figure as SVG.
    Svg,
    /// The theme figure as PNG.
    Png,
    /// The audit trail as HTML.
    #[value(alias = "audit-html")]
    Audit,
    /// The audit trail as CSV.
    AuditCsv,
    /// The COREQ checklist, pre-filled, as Markdown.
    Coreq,
    /// The whole project for other QDA software (REFI-QDA).
    Qdpx,
    /// The codebook for other QDA software (REFI-QDA).
    Qdc,
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
