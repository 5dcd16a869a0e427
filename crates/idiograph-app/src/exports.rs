//! Every export of a study as bytes: write-up (Word), workbook (Excel), CSV tables, the figures
//! (theme map, recurrence heatmap, PET → GET flow; SVG and 300 dpi PNG), the audit trail, the
//! COREQ checklist, the results section scaffold (APA 7 Word, Markdown, LaTeX), the answers to
//! the interview guide and the annotated transcript.

use std::collections::BTreeSet;

use idiograph_formats::{
    render_annotated_docx, render_annotated_html, render_audit_csv, render_audit_html, render_coreq, render_csv,
    render_docx, render_figure_png, render_figure_svg, render_guide_markdown, render_guide_xlsx, render_html,
    render_markdown, render_results, render_srqr, render_xlsx, Figure, GuideFormat, ReportAnnotatedTranscript,
    ReportAuditEvent, ReportCoreq, ReportMarginItem, ReportNoteRow, ReportStatementRow, ReportTable, ReportTables,
    ReportTranscriptLine, ResultsFormat,
};
use idiograph_model::{Anchor, Member, Role};
use idiograph_store::Action;

use crate::report::{labels, results_scaffold, study_report};
use crate::{now, AppError, Snapshot, Workbench};

/// A study export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// The report as Markdown.
    Markdown,
    /// The report as one self-contained HTML file.
    Html,
    /// The write-up pack as a Word document.
    Docx,
    /// All tables as an Excel workbook.
    Xlsx,
    /// One table as CSV.
    Csv(ReportTable),
    /// A figure as SVG.
    Svg(Figure),
    /// A figure as PNG at 300 dpi.
    Png(Figure),
    /// The audit trail as HTML.
    AuditHtml,
    /// The audit trail as CSV.
    AuditCsv,
    /// The COREQ checklist, pre-filled, as Markdown.
    Coreq,
    /// The SRQR checklist, pre-filled, as Markdown.
    Srqr,
    /// The results section scaffold: GETs, sub-themes, prevalence, notes and extracts.
    Results(ResultsFormat),
}

impl ExportFormat {
    /// Reads a format name as the command line and the web use it: `md`, `html`, `docx`, `xlsx`,
    /// `csv` (with `table` naming one of GETs, PETs, Statements, Recurrence, Extracts, Notes),
    /// `svg`, `png` (the theme map; [`ExportFormat::figure`] names the others), `audit` (HTML),
    /// `audit-csv`, `coreq`, `srqr`.
    pub fn parse(name: &str, table: Option<&str>) -> Result<ExportFormat, AppError> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "md" | "markdown" => ExportFormat::Markdown,
            "html" => ExportFormat::Html,
            "docx" => ExportFormat::Docx,
            "xlsx" => ExportFormat::Xlsx,
            "csv" => {
                let wanted = table.unwrap_or("statements");
                let t = ReportTable::ALL.into_iter().find(|t| t.name().eq_ignore_ascii_case(wanted)).ok_or_else(|| {
                    let names: Vec<&str> = ReportTable::ALL.iter().map(|t| t.name()).collect();
                    AppError::Invalid(format!("no table '{wanted}' (tables: {})", names.join(", ")))
                })?;
                ExportFormat::Csv(t)
            }
            "svg" => ExportFormat::Svg(Figure::ThemeMap),
            "png" => ExportFormat::Png(Figure::ThemeMap),
            "audit" | "audit-html" => ExportFormat::AuditHtml,
            "audit-csv" => ExportFormat::AuditCsv,
            "coreq" => ExportFormat::Coreq,
            "srqr" => ExportFormat::Srqr,
            other => {
                return Err(AppError::Invalid(format!(
                    "report format '{other}' is not one of: md, html, docx, xlsx, csv, svg, png, audit, audit-csv, coreq, srqr, qdpx, qdc"
                )))
            }
        })
    }

    /// A figure by name (`theme-map`, `heatmap`, `flow`) in a format (`svg`, `png`), as the
    /// command line's `figure` and `/api/v1/figures/{name}.{format}` ask for it.
    pub fn figure(name: &str, format: &str) -> Result<ExportFormat, AppError> {
        let names = || Figure::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ");
        let figure = Figure::parse(name)
            .ok_or_else(|| AppError::Invalid(format!("figure '{name}' is not one of: {}", names())))?;
        match format.to_ascii_lowercase().as_str() {
            "svg" => Ok(ExportFormat::Svg(figure)),
            "png" => Ok(ExportFormat::Png(figure)),
            other => Err(AppError::Invalid(format!("figure format '{other}' is not one of: svg, png"))),
        }
    }

    /// The results scaffold in a format named `docx`, `md` or `tex`, as the command line's
    /// `results` and `/api/v1/results/{format}` ask for it.
    pub fn results(format: &str) -> Result<ExportFormat, AppError> {
        ResultsFormat::parse(format).map(ExportFormat::Results).ok_or_else(|| {
            let names: Vec<&str> = ResultsFormat::ALL.iter().map(|f| f.extension()).collect();
            AppError::Invalid(format!("results format '{format}' is not one of: {}", names.join(", ")))
        })
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Markdown => "md",
            ExportFormat::Html | ExportFormat::AuditHtml => "html",
            ExportFormat::Docx => "docx",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv(_) | ExportFormat::AuditCsv => "csv",
            ExportFormat::Svg(_) => "svg",
            ExportFormat::Png(_) => "png",
            ExportFormat::Coreq | ExportFormat::Srqr => "md",
            ExportFormat::Results(f) => f.extension(),
        }
    }
}

fn citation_lines(s: &Snapshot, anchors: &[Anchor]) -> String {
    anchors.iter().map(|a| s.lines(a)).collect::<Vec<_>>().join("; ")
}

fn transcript_label(s: &Snapshot, anchor: &Anchor) -> String {
    s.versions
        .get(anchor.version_id())
        .and_then(|v| s.transcripts.iter().find(|t| t.id == v.transcript_id))
        .map(|t| t.short_id().to_string())
        .unwrap_or_default()
}

impl Workbench {
    /// The study exported in `format`, after the leak check: when the study has a key store, an export naming a
    /// known real name, or made while the store is locked, is refused unless `allow_leaks` (which
    /// the audit log records).
    pub async fn export(&self, format: ExportFormat, allow_leaks: bool) -> Result<Vec<u8>, AppError> {
        let failed = |e: idiograph_formats::ReportError| AppError::Invalid(format!("cannot write the report: {e}"));
        let (s, trail) = self.snapshot_with_trail().await?;
        let report = study_report(&s, &trail, &now()[..10]);
        let what = format.extension();
        let bytes = match format {
            ExportFormat::Markdown => render_markdown(&report).into_bytes(),
            ExportFormat::Html => render_html(&report).into_bytes(),
            ExportFormat::Svg(figure) => render_figure_svg(&report, figure).into_bytes(),
            ExportFormat::Png(figure) => render_figure_png(&report, figure).map_err(failed)?,
            ExportFormat::Docx => render_docx(&report).map_err(failed)?,
            ExportFormat::Xlsx => render_xlsx(&report, &self.tables(&s).await?).map_err(failed)?,
            ExportFormat::Csv(t) => render_csv(&report, &self.tables(&s).await?, t).into_bytes(),
            ExportFormat::AuditHtml => render_audit_html(&self.audit_events().await?, &report.trail).into_bytes(),
            ExportFormat::AuditCsv => render_audit_csv(&self.audit_events().await?).into_bytes(),
            ExportFormat::Coreq => render_coreq(&self.coreq(&s).await?).into_bytes(),
            ExportFormat::Srqr => render_srqr(&self.coreq(&s).await?).into_bytes(),
            ExportFormat::Results(f) => render_results(&results_scaffold(&s), f).map_err(failed)?,
        };
        // The figure's words are pixels in a PNG: check the SVG it is drawn from.
        let drawn_from = match format {
            ExportFormat::Png(figure) => Some(render_figure_svg(&report, figure)),
            _ => None,
        };
        self.leak_gate(what, drawn_from.as_ref().map_or(&bytes[..], |svg| svg.as_bytes()), allow_leaks).await?;
        Ok(bytes)
    }

    /// Every participant's answers to each question of the interview guide, side by side, as an
    /// Excel workbook or Markdown, after the leak check (as [`Workbench::export`]). It needs
    /// neither the study report nor its trail, so it reads only the guide and the transcripts.
    pub async fn export_guide_answers(&self, format: GuideFormat, allow_leaks: bool) -> Result<Vec<u8>, AppError> {
        let guide = self.guide_report().await?;
        let bytes = match format {
            GuideFormat::Markdown => render_guide_markdown(&guide).into_bytes(),
            GuideFormat::Xlsx => render_guide_xlsx(&guide)
                .map_err(|e| AppError::Invalid(format!("cannot write the answers workbook: {e}")))?,
        };
        self.leak_gate(format.extension(), &bytes, allow_leaks).await?;
        Ok(bytes)
    }

    /// The report as Markdown, to show inside the workbench (a view, not an export: nothing
    /// leaves the machine, so no leak check).
    pub async fn report_markdown(&self) -> Result<String, AppError> {
        let (s, trail) = self.snapshot_with_trail().await?;
        Ok(render_markdown(&study_report(&s, &trail, &now()[..10])))
    }

    /// The classic three-column annotated transcript (statements | lines | notes) as Word or
    /// print-ready HTML; `blank` leaves the margins empty for annotating on paper.
    /// Like every export, it passes the leak check (`allow_leaks` overrides it, on the record).
    pub async fn annotated_transcript(
        &self,
        transcript: &str,
        docx: bool,
        blank: bool,
        allow_leaks: bool,
    ) -> Result<Vec<u8>, AppError> {
        let (t, v) = self.transcript(transcript).await?;
        let s = self.snapshot().await?;
        let notes = self.notes(Some(transcript)).await?;
        let pseudonym = s.participant(&t.participant_id).map(|p| p.pseudonym.clone()).unwrap_or_default();
        let layout = &v.layout;
        let starts: BTreeSet<u32> = v.turns.iter().map(|turn| layout.position(turn.span.start()).global).collect();
        let lines = (1..=layout.line_count())
            .map(|g| {
                let span = layout.line_span(g).unwrap_or_else(|| idiograph_text::Span::full(""));
                let pos = layout.position(span.start());
                let speaker = starts
                    .contains(&g)
                    .then(|| v.turn_at(span.start().to_usize()).and_then(|turn| turn.label.clone()))
                    .flatten();
                ReportTranscriptLine {
                    page: pos.page,
                    line: pos.line,
                    global: g,
                    text: layout.line_text(&v.text, g).unwrap_or_default().to_owned(),
                    speaker,
                }
            })
            .collect();
        let margin = |a: &Anchor, id: String, text: String, kind: Option<String>| {
            let r = layout.span_lines(a.span());
            ReportMarginItem { first_line: r.start.global, last_line: r.end.global, text, id, kind }
        };
        let statements = s
            .statements
            .iter()
            .flat_map(|st| st.anchors.iter().filter(|a| a.version_id() == &v.id).map(move |a| (st, a)))
            .map(|(st, a)| margin(a, st.short_id().to_string(), st.text.clone(), None))
            .collect();
        let notes = notes
            .iter()
            .filter(|n| n.anchor.version_id() == &v.id)
            .map(|n| margin(&n.anchor, n.short_id().to_string(), n.text.clone(), Some(n.kind.to_string())))
            .collect();
        let model = ReportAnnotatedTranscript {
            title: format!("{} {}", t.short_id(), t.title),
            pseudonym,
            labels: labels(s.settings.terminology),
            subtitle: Some(format!(
                "version {}, {} lines, {} pages",
                v.number,
                layout.line_count(),
                layout.page_count()
            )),
            lines,
            statements,
            notes,
        };
        let bytes = if docx {
            render_annotated_docx(&model, blank)
                .map_err(|e| AppError::Invalid(format!("cannot write the transcript: {e}")))?
        } else {
            render_annotated_html(&model, blank).into_bytes()
        };
        self.leak_gate(
            if docx { "annotated transcript (docx)" } else { "annotated transcript (html)" },
            &bytes,
            allow_leaks,
        )
        .await?;
        Ok(bytes)
    }

    async fn tables(&self, s: &Snapshot) -> Result<ReportTables, AppError> {
        let who = |p| s.participant(p).map(|p| p.pseudonym.clone()).unwrap_or_default();
        let statements = s
            .statements
            .iter()
            .map(|st| {
                let pet = s
                    .assignments
                    .iter()
                    .find(|a| a.member == Member::Statement(st.id.clone()))
                    .and_then(|a| s.theme(&a.theme_id))
                    .map(|t| t.title.clone())
                    .unwrap_or_default();
                ReportStatementRow {
                    id: st.short_id().to_string(),
                    participant: who(&st.participant_id),
                    transcript: st.anchors.first().map(|a| transcript_label(s, a)).unwrap_or_default(),
                    pet,
                    text: st.text.clone(),
                    citation: citation_lines(s, &st.anchors),
                    anchor: st.anchors.iter().map(|a| a.quote().exact().to_owned()).collect::<Vec<_>>().join(" … "),
                }
            })
            .collect();
        let notes = self
            .notes(None)
            .await?
            .iter()
            .map(|n| ReportNoteRow {
                id: n.short_id().to_string(),
                participant: who(&n.participant_id),
                transcript: s
                    .transcripts
                    .iter()
                    .find(|t| t.id == n.transcript_id)
                    .map(|t| t.short_id().to_string())
                    .unwrap_or_default(),
                kind: n.kind.to_string(),
                text: n.text.clone(),
                citation: s.lines(&n.anchor),
                anchor: n.anchor.quote().exact().to_owned(),
            })
            .collect();
        Ok(ReportTables { statements, notes })
    }

    async fn audit_events(&self) -> Result<Vec<ReportAuditEvent>, AppError> {
        Ok(self
            .history(i64::MAX)
            .await?
            .into_iter()
            .rev()
            .map(|e| ReportAuditEvent {
                seq: e.seq as u64,
                at: e.at,
                author: e.author,
                action: e.action.to_string(),
                summary: e.summary,
                undone: e.undone,
            })
            .collect())
    }

    /// What the study knows that answers COREQ and SRQR items.
    async fn coreq(&self, s: &Snapshot) -> Result<ReportCoreq, AppError> {
        let history = self.history(i64::MAX).await?;
        let auditors: BTreeSet<String> =
            self.users().await?.into_iter().filter(|(_, r)| *r == Some(Role::Auditor)).map(|(n, _)| n).collect();
        let analysts: BTreeSet<&str> = history
            .iter()
            .filter(|e| e.action.known().is_some_and(Action::is_coding) && !auditors.contains(&e.author))
            .map(|e| e.author.as_str())
            .collect();
        let gets = s.children(None).into_iter().filter(|t| t.is_group()).count();
        let nested = s.themes.iter().filter(|t| t.is_group() && t.parent.is_some()).count();
        let recurrence = s.recurrence();
        // One entry per interview: the checklists count how many were held in each mode.
        let modes: Vec<String> = s.participants.iter().filter_map(|p| p.interview.mode.clone()).collect();
        let mut attributes: Vec<String> = s.participants.iter().flat_map(|p| p.attributes.keys().cloned()).collect();
        attributes.sort();
        attributes.dedup();
        Ok(ReportCoreq {
            title: s.settings.title.clone(),
            research_question: s.settings.research_question.clone(),
            interviewers: s.participants.iter().filter_map(|p| p.interview.interviewer.clone()).collect(),
            participants: Some(s.participants.len()),
            transcripts: Some(s.transcripts.len()),
            interview_modes: modes,
            interview_minutes: s.participants.iter().filter_map(|p| p.interview.duration_minutes).collect(),
            sample_attributes: attributes,
            analysts: Some(analysts.len()),
            theme_tree: (gets > 0).then_some((gets, nested)),
            statements: Some(s.statements.len()),
            // Every extract is cited with its participant's pseudonym by construction.
            quotes_identified: Some(true),
            themes_below_rule: Some(recurrence.rows.iter().filter(|r| !r.meets_rule).count()),
            journal_entries: Some(s.journal.len()),
            software: idiograph_formats::SOFTWARE.to_owned(),
            pets: Some(s.themes.iter().filter(|t| !t.is_group()).count()),
            extracts: Some(s.extracts.len()),
            audit_events: Some(history.len()),
            rule: s.settings.recurrence_rule.describe(s.participants.len()),
            pseudonymised: s.settings.key_id.is_some(),
            guide: self
                .guide()
                .await
                .map(|g| (g.questions.len(), g.questions.iter().map(|q| q.prompts.len()).sum()))?,
        })
    }
}
