//! One function per command: open the project, call the application, print the outcome.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use idiograph_app::{
    build_demo, ExportFormat, MemberRef, ParticipantChanges, ServerProjects, SessionPolicy, Snapshot, ThemeChanges,
    Workbench, DEMO_TITLE,
};
use idiograph_model::{
    FillerPolicy, GroupingStrategy, InterviewMeta, Member, NoteKind, RecurrenceRule, Role, SpeakerRole, Term,
    Terminology, Theme,
};
use idiograph_web::{PublicOrigin, TeamSettings};
use serde_json::{json, Value as Json};

use crate::cli::*;
use crate::printer::{emit, warn};
use crate::selection::target;

/// The default file `idiograph demo` writes.
const DEMO_FILE: &str = "idiograph-demo.idg";

fn author(cli: &Cli) -> String {
    cli.author
        .clone()
        .or_else(|| std::env::var("IDIOGRAPH_AUTHOR").ok())
        .or_else(|| std::env::var("USER").ok())
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| "researcher".to_owned())
}

async fn open(cli: &Cli) -> Result<Workbench> {
    let path = cli
        .project
        .as_ref()
        .ok_or_else(|| anyhow!("no project given: use -p PROJECT.idg (or set IDIOGRAPH_PROJECT)"))?;
    let wb = match &cli.database {
        Some(url) => Workbench::open_on_server(url, &path.to_string_lossy(), &author(cli)).await?,
        None => Workbench::open(path, &author(cli)).await?,
    };
    let wb = with_test_kill(wb);
    if let Some(key_file) = &cli.key_file {
        let passphrase = crate::deid::passphrase(key_file)?;
        if let Err(e) = wb.unlock_key_store(key_file, &passphrase).await {
            wb.close().await;
            return Err(e.into());
        }
    }
    Ok(wb)
}

/// Crash tests: with `IDIOGRAPH_TEST_KILL_AT=STEP` the process kills itself (SIGKILL, as
/// `kill -9` would) when a withdrawal reaches that step (see `idiograph_app::ErasureHook`).
fn with_test_kill(wb: Workbench) -> Workbench {
    match std::env::var("IDIOGRAPH_TEST_KILL_AT") {
        Ok(at) if !at.is_empty() => wb.with_erasure_hook(std::sync::Arc::new(move |step: &str| {
            if step == at {
                let me = std::process::id().to_string();
                let _ = std::process::Command::new("kill").args(["-KILL", &me]).status();
                std::process::abort();
            }
        })),
        _ => wb,
    }
}

pub(crate) fn print(json: bool, value: Json, text: impl FnOnce() -> String) {
    if json {
        emit(&serde_json::to_string_pretty(&value).unwrap_or_default());
    } else {
        let t = text();
        if !t.is_empty() {
            emit(t.trim_end());
        }
    }
}

pub(crate) fn parse_word<T: std::str::FromStr>(value: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    value.parse::<T>().map_err(|e| anyhow!("{e}"))
}

fn attributes(details: &ParticipantDetails) -> Result<Vec<(String, String)>> {
    details
        .attrs
        .iter()
        .map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .ok_or_else(|| anyhow!("--attr '{a}' must be KEY=VALUE"))
        })
        .collect()
}

fn interview(details: &ParticipantDetails, base: InterviewMeta) -> InterviewMeta {
    InterviewMeta {
        date: details.date.clone().or(base.date),
        mode: details.mode.clone().or(base.mode),
        duration_minutes: details.duration.or(base.duration_minutes),
        interviewer: details.interviewer.clone().or(base.interviewer),
    }
}

fn member(m: &MemberArgs) -> MemberRef {
    match (&m.statement, &m.member_theme) {
        (Some(s), _) => MemberRef::Statement(s.clone()),
        (_, Some(t)) => MemberRef::Theme(t.clone()),
        _ => MemberRef::Statement(String::new()),
    }
}

/// Runs one command; the exit code says whether everything asked for was done.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    let json = cli.json;
    match &cli.command {
        Command::Init { path, title, terminology } => {
            let t: Terminology = parse_word(terminology)?;
            let (wb, project) = match (&cli.database, path) {
                (Some(url), _) => Workbench::create_on_server(url, title, t, &author(&cli)).await?,
                (None, Some(path)) => {
                    (Workbench::create(path, title, t, &author(&cli)).await?, path.display().to_string())
                }
                (None, None) => bail!("give the project file to create"),
            };
            wb.close().await;
            print(json, json!({"project": project, "title": title, "terminology": t.as_str()}), || {
                format!(
                    "Created {project} ({t} wording). Next: idiograph -p {} participant add PSEUDONYM",
                    shell_word(&project)
                )
            });
        }
        Command::Migrate { file, to, from, server_project, output } => match (file, to, from, server_project, output) {
            (Some(file), Some(url), None, _, _) => {
                let wb = Workbench::open(file, &author(&cli)).await?;
                let id = wb.copy_to_server(url).await;
                wb.close().await;
                let id = id?;
                print(json, json!({"project": id}), || {
                    format!("Copied {} to the server as project {id}", file.display())
                });
            }
            (None, None, Some(url), Some(id), Some(output)) => {
                let wb = Workbench::open_on_server(url, id, &author(&cli)).await?;
                let copied = wb.copy_to_file(output).await;
                wb.close().await;
                copied?;
                print(json, json!({"project": output}), || {
                    format!("Copied project {id} from the server to {}", output.display())
                });
            }
            _ => bail!(
                "use: idiograph migrate FILE.idg --to URL, or idiograph migrate --from URL --project-id ID -o FILE.idg"
            ),
        },
        Command::Admin(AdminCommand::Projects) => {
            let Some(url) = &cli.database else {
                bail!("`admin projects` lists the projects of a server: give --database URL")
            };
            let listed = Workbench::projects_on_server(url).await?;
            print(json, projects_json(&listed), || projects_text(&listed));
        }
        // These make a project file; a silently ignored --database would leave the researcher
        // looking for the study on the server.
        Command::Demo { .. } | Command::FromQdpx { .. } if cli.database.is_some() => bail!(
            "`{}` makes a project file, not a project on the server: leave out --database, then copy the \
             file there with `idiograph migrate FILE.idg --to URL`",
            if matches!(cli.command, Command::Demo { .. }) { "demo" } else { "from-qdpx" }
        ),
        Command::Demo { out, no_serve, server } => return demo(&cli, out.clone(), *no_serve, server).await,
        Command::Serve { project_file, dir, server, team, secure_cookies, session_idle_hours, public_url } => {
            let public_origin =
                public_url.as_deref().map(PublicOrigin::parse).transpose().map_err(|e| anyhow!("--public-url: {e}"))?;
            let team = team.then(|| TeamSettings {
                secure_cookies: *secure_cookies,
                sessions: SessionPolicy { idle_secs: i64::from(*session_idle_hours) * 3600, ..Default::default() },
                public_origin,
            });
            let Some(path) = project_file.as_ref().or(cli.project.as_ref()).filter(|_| dir.is_none()) else {
                return match (team, &cli.database) {
                    (Some(_), Some(_)) if dir.is_some() => {
                        bail!("--dir serves a folder of studies on this computer, not a team server's projects")
                    }
                    (Some(team), Some(url)) => serve_team(&cli, url, server, team).await,
                    (None, Some(_)) => bail!(
                        "a project on the server is served to one researcher with -p ID (list them with \
                         `admin projects`); every project at once needs --team"
                    ),
                    (Some(_), None) => bail!(
                        "a team server serves one project (-p FILE) or every project of a database (--database URL)"
                    ),
                    (None, None) => serve_folder(&cli, dir.clone(), server).await,
                };
            };
            let wb = match &cli.database {
                Some(url) => Workbench::open_on_server(url, &path.to_string_lossy(), &author(&cli)).await?,
                None => Workbench::open(path, &author(&cli)).await?,
            };
            if team.is_some() && !wb.users().await?.iter().any(|(_, role)| role.is_some()) {
                warn(&format!(
                    "note: this project has no members yet; add one with `idiograph -p {} admin create-user NAME`",
                    shell_word(&path.to_string_lossy())
                ));
            }
            return serve(wb, server, team).await;
        }
        Command::FromQdpx { file, output } => {
            let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let (wb, report) = Workbench::import_qdpx(output, &bytes, &file_name(file), &author(&cli)).await?;
            wb.close().await;
            print(
                json,
                json!({"project": output, "imported": report.imported, "not_imported": report.diagnostics,
                       "not_imported_counts": report.not_imported}),
                || {
                    let counts: Vec<String> = report.imported.iter().map(|(k, n)| format!("{n} {k}")).collect();
                    let mut out =
                        format!("Created {} from {}: {}", output.display(), file.display(), counts.join(", "));
                    for d in &report.diagnostics {
                        out.push_str(&format!("\n  note: {d}"));
                    }
                    out
                },
            );
        }
        Command::Backup { dest } => {
            let wb = open(&cli).await?;
            wb.backup(dest).await?;
            print(json, json!({"backup": dest}), || format!("Wrote a consistent copy to {}", dest.display()));
        }
        _ => {
            let wb = open(&cli).await?;
            let code = project_command(&cli, &wb).await;
            wb.close().await;
            return code;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Serves the workbench on 127.0.0.1 until the process is stopped (with accounts when `team`).
async fn serve(wb: Workbench, server: &ServerArgs, team: Option<TeamSettings>) -> Result<ExitCode> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], server.port));
    let open = server.open;
    let public = team.as_ref().and_then(|t| t.public_origin.clone());
    let served = idiograph_web::serve_with(wb, addr, team, move |bound| {
        let url = format!("http://{bound}/");
        match public {
            Some(p) => {
                emit(&format!("Idiograph workbench at {url}, reached as {p} through the proxy (Ctrl+C stops it)"))
            }
            None => emit(&format!("Idiograph workbench at {url}  (only this computer can reach it; Ctrl+C stops it)")),
        }
        if open {
            open_browser(&url);
        }
    })
    .await;
    served.with_context(|| format!("cannot serve on {addr} (is the port in use? try --port 0)"))?;
    Ok(ExitCode::SUCCESS)
}

/// Serves every project of the database at `url` to its members until the process is stopped.
async fn serve_team(cli: &Cli, url: &str, server: &ServerArgs, team: TeamSettings) -> Result<ExitCode> {
    let projects = Workbench::projects_on_server(url).await?.projects;
    if projects.is_empty() {
        warn(&format!(
            "note: this server has no projects yet; make one with `idiograph --database {} init --title TITLE` \
             and its owner with `admin create-user NAME`",
            shell_word(url)
        ));
    }
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], server.port));
    let open = server.open;
    let public = team.public_origin.clone();
    let served = idiograph_web::serve_team(url.to_owned(), &author(cli), addr, team, move |bound| {
        let url = format!("http://{bound}/");
        match public {
            Some(p) => emit(&format!(
                "Idiograph team server at {url}, reached as {p} through the proxy: {} projects (Ctrl+C stops it)",
                projects.len()
            )),
            None => emit(&format!(
                "Idiograph team server at {url}  (only this computer can reach it): {} projects (Ctrl+C stops it)",
                projects.len()
            )),
        }
        if open {
            open_browser(&url);
        }
    })
    .await;
    served.with_context(|| format!("cannot serve on {addr} (is the port in use? try --port 0)"))?;
    Ok(ExitCode::SUCCESS)
}

/// Serves the home page of a folder of studies (`dir`, or the default folder) until stopped.
async fn serve_folder(cli: &Cli, dir: Option<PathBuf>, server: &ServerArgs) -> Result<ExitCode> {
    let dir = match dir {
        Some(d) => d,
        None => default_folder().ok_or_else(|| anyhow!("no home folder is known: give --dir FOLDER"))?,
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot make the folder of studies {}", dir.display()))?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], server.port));
    let open = server.open;
    let shown = dir.display().to_string();
    let served = idiograph_web::serve_folder(dir, &author(cli), addr, move |bound| {
        let url = format!("http://{bound}/");
        emit(&format!("Your studies, in {shown}: {url}  (only this computer can reach it; Ctrl+C stops it)"));
        if open {
            open_browser(&url);
        }
    })
    .await;
    served.with_context(|| format!("cannot serve on {addr} (is the port in use? try --port 0)"))?;
    Ok(ExitCode::SUCCESS)
}

/// `Idiograph` in the user's Documents folder if there is one, else in their home folder.
fn default_folder() -> Option<PathBuf> {
    let home = std::env::home_dir()?;
    let documents = home.join("Documents");
    Some(if documents.is_dir() { documents } else { home }.join("Idiograph"))
}

/// Asks the desktop to open `url`; a failure only means the user opens it by hand.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).spawn()
    } else if cfg!(windows) {
        std::process::Command::new("cmd").args(["/C", "start", "", url]).spawn()
    } else {
        std::process::Command::new("xdg-open").arg(url).spawn()
    };
    if opener.is_err() {
        warn(&format!("note: could not open a browser; open {url} yourself"));
    }
}

/// `word` as the shell reads it back in a suggested command: as it is when it holds only
/// characters no shell treats specially, else in single quotes.
fn shell_word(word: &str) -> String {
    if !word.is_empty() && word.chars().all(|c| c.is_alphanumeric() || "._-/+=:@,".contains(c)) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

async fn demo(cli: &Cli, out: Option<PathBuf>, no_serve: bool, server: &ServerArgs) -> Result<ExitCode> {
    let path = out.unwrap_or_else(|| PathBuf::from(DEMO_FILE));
    let (wb, created) = if path.exists() {
        (Workbench::open(&path, &author(cli)).await?, false)
    } else {
        (
            build_demo(&path, &author(cli))
                .await
                .with_context(|| format!("building the demo study at {}", path.display()))?,
            true,
        )
    };
    let snapshot = wb.snapshot().await?;
    print(cli.json, json!({"project": path, "created": created, "title": snapshot.settings.title}), || {
        let mut s = format!(
            "{} the demo study “{DEMO_TITLE}” at {}.\nIllustrative transcripts written for the demo; the quotations are from the poster by Money, Tan & Alexander.\n\n",
            if created { "Created" } else { "Opened" },
            path.display()
        );
        s.push_str(&recurrence_text(&snapshot));
        s.push_str(&format!(
            "\nTry:\n  idiograph -p {0} transcript show T1\n  idiograph -p {0} theme list\n  idiograph -p {0} report --format html -o report.html\n",
            shell_word(&path.to_string_lossy())
        ));
        s
    });
    if no_serve {
        wb.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    serve(wb, server, None).await
}

async fn project_command(cli: &Cli, wb: &Workbench) -> Result<ExitCode> {
    let json = cli.json;
    match &cli.command {
        Command::Study(StudyCommand::Show) => {
            let s = wb.snapshot().await?.settings;
            print(
                json,
                json!({"title": s.title, "research_question": s.research_question, "terminology": s.terminology.as_str(),
                       "recurrence_rule": s.recurrence_rule.encode(), "chars_per_line": s.layout.chars_per_line(),
                       "lines_per_page": s.layout.lines_per_page(), "fillers": s.fillers.as_str()}),
                || {
                    format!(
                        "{}\nResearch question: {}\nTerminology: {} ({}, {}, {})\nRecurrence rule: {}\nLayout: {} characters per line, {} lines per page\nFillers in printed quotes: {}",
                        s.title,
                        s.research_question.as_deref().unwrap_or("—"),
                        s.terminology,
                        s.terminology.label(Term::Statements),
                        s.terminology.label(Term::Pets),
                        s.terminology.label(Term::Gets),
                        s.recurrence_rule.encode(),
                        s.layout.chars_per_line(),
                        s.layout.lines_per_page(),
                        s.fillers
                    )
                },
            );
        }
        Command::Study(StudyCommand::Set { title, question, terminology, recurrence, fillers }) => {
            let t = terminology.as_deref().map(parse_word::<Terminology>).transpose()?;
            let r = recurrence.as_deref().map(RecurrenceRule::parse).transpose().map_err(|e| anyhow!(e))?;
            let f = fillers.as_deref().map(parse_word::<FillerPolicy>).transpose()?;
            let s = wb.update_study(title.as_deref(), question.as_deref(), t, r, f, None).await?;
            print(
                json,
                json!({"title": s.title, "terminology": s.terminology.as_str(), "recurrence_rule": s.recurrence_rule.encode(), "fillers": s.fillers.as_str()}),
                || "Study settings updated.".to_owned(),
            );
        }
        Command::Participant(ParticipantCommand::Add { pseudonym, details }) => {
            let p = wb
                .add_participant(pseudonym, &attributes(details)?, interview(details, InterviewMeta::default()))
                .await?;
            print(json, json!({"id": format!("P{}", p.short), "pseudonym": p.pseudonym}), || {
                format!("Added participant P{} {}", p.short, p.pseudonym)
            });
        }
        Command::Participant(ParticipantCommand::List) => {
            let s = wb.snapshot().await?;
            let rows: Vec<Json> = s
                .participants
                .iter()
                .map(|p| json!({"id": format!("P{}", p.short), "pseudonym": p.pseudonym, "attributes": p.attributes,
                                "interview": p.interview.summary(), "finished_at": p.finished_at,
                                "transcripts": s.transcripts.iter().filter(|t| t.participant_id == p.id).map(|t| format!("T{}", t.short)).collect::<Vec<_>>()}))
                .collect();
            print(json, Json::Array(rows), || {
                s.participants
                    .iter()
                    .map(|p| {
                        let attrs: Vec<String> = p.attributes.iter().map(|(k, v)| format!("{k}={v}")).collect();
                        format!(
                            "P{:<3} {:<16} {}  {}{}",
                            p.short,
                            p.pseudonym,
                            attrs.join(", "),
                            p.interview.summary().unwrap_or_default(),
                            if p.finished_at.is_some() { "  [finished]" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Participant(ParticipantCommand::Edit { participant, rename, details }) => {
            let (_, current) = current_participant(wb, participant).await?;
            let changes = ParticipantChanges {
                pseudonym: rename.clone(),
                attributes: attributes(details)?,
                interview: Some(interview(details, current)),
            };
            let p = wb.update_participant(participant, changes).await?;
            print(json, json!({"id": format!("P{}", p.short), "pseudonym": p.pseudonym}), || {
                format!("Updated participant P{} {}", p.short, p.pseudonym)
            });
        }
        Command::Participant(ParticipantCommand::Finish { participant, reopen }) => {
            let p = wb.set_case_finished(participant, !reopen).await?;
            print(json, json!({"id": format!("P{}", p.short), "finished_at": p.finished_at}), || {
                match &p.finished_at {
                    Some(at) => format!("Case P{} {} marked finished ({at})", p.short, p.pseudonym),
                    None => format!("Case P{} {} is open again", p.short, p.pseudonym),
                }
            });
        }
        Command::Participant(ParticipantCommand::Delete { participant }) => {
            let p = wb.delete_participant(participant).await?;
            print(json, json!({"deleted": format!("P{}", p.short)}), || {
                format!("Deleted participant P{} {}", p.short, p.pseudonym)
            });
        }
        Command::Participant(ParticipantCommand::Withdraw { participant, confirm }) => {
            if !confirm {
                bail!("withdrawing {participant} erases their transcripts and everything derived from them, and cannot be undone; add --confirm");
            }
            let done = wb.withdraw_participant(participant).await?;
            let (p, mentions) = (&done.participant, &done.mentions);
            print(
                json,
                json!({"withdrawn": format!("P{}", p.short), "mentions": mentions, "key_store_pending": done.key_store_pending}),
                || {
                    let mut out = format!(
                        "Participant P{} withdrawn: their transcripts, notes, statements, themes and extracts are erased, also from the undo history and the search index.",
                        p.short
                    );
                    if done.key_store_pending {
                        out.push_str(
                            "\nThe study's key store still holds their original transcripts: they are erased the next time it is unlocked (give --key-file, or unlock it on the Pseudonymisation page).",
                        );
                    }
                    if !mentions.is_empty() {
                        out.push_str(&format!(
                            "\nYour own text still mentions the pseudonym in: {}. Review these.",
                            mentions.join(", ")
                        ));
                    }
                    out
                },
            );
        }
        Command::Import { files, participant, participant_per_file } => {
            return import(wb, json, files, participant.as_deref(), *participant_per_file).await;
        }
        Command::Transcript(TranscriptCommand::List) => {
            let s = wb.snapshot().await?;
            let rows: Vec<Json> = s
                .transcripts
                .iter()
                .map(|t| {
                    let v = &s.versions[&t.current_version];
                    json!({"id": format!("T{}", t.short), "title": t.title, "participant": s.participant(&t.participant_id).map(|p| p.pseudonym.clone()),
                           "version": v.number, "lines": v.layout.line_count(), "pages": v.layout.page_count(), "turns": v.turns.len(), "sha256": v.provenance.sha256})
                })
                .collect();
            print(json, Json::Array(rows), || {
                s.transcripts
                    .iter()
                    .map(|t| {
                        let v = &s.versions[&t.current_version];
                        format!(
                            "T{:<3} {:<28} {:<14} v{}  {} lines, {} pages, {} turns",
                            t.short,
                            t.title,
                            s.participant(&t.participant_id).map_or("?", |p| p.pseudonym.as_str()),
                            v.number,
                            v.layout.line_count(),
                            v.layout.page_count(),
                            v.turns.len()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Transcript(TranscriptCommand::Show { id }) => {
            let (t, v) = wb.transcript(id).await?;
            let layout = &v.layout;
            let mut lines = Vec::new();
            for g in 1..=layout.line_count() {
                let span = layout.line_span(g).unwrap_or_else(|| idiograph_text::Span::full(""));
                let pos = layout.position(span.start());
                lines.push((g, pos.page, pos.line, layout.line_text(&v.text, g).unwrap_or_default()));
            }
            let rows: Vec<Json> = lines
                .iter()
                .map(|(g, p, l, text)| json!({"line": g, "page": p, "line_on_page": l, "text": text}))
                .collect();
            print(
                json,
                json!({"id": format!("T{}", t.short), "title": t.title, "version": v.number, "lines": rows}),
                || {
                    let mut out = format!(
                        "T{} {} — version {}, {} lines, {} pages\n",
                        t.short,
                        t.title,
                        v.number,
                        layout.line_count(),
                        layout.page_count()
                    );
                    for (g, p, l, text) in &lines {
                        if *l == 1 {
                            out.push_str(&format!("──── page {p} ────\n"));
                        }
                        out.push_str(&format!("{g:>5} {p:>3}:{l:<3}│ {text}\n"));
                    }
                    out
                },
            );
        }
        Command::Transcript(TranscriptCommand::Rename { id, title }) => {
            let t = wb.rename_transcript(id, title).await?;
            print(json, json!({"id": format!("T{}", t.short), "title": t.title}), || {
                format!("T{} is now “{}”", t.short, t.title)
            });
        }
        Command::Transcript(TranscriptCommand::Delete { id }) => {
            let t = wb.delete_transcript(id).await?;
            print(json, json!({"deleted": format!("T{}", t.short)}), || {
                format!("Deleted transcript T{} and what was anchored only in it", t.short)
            });
        }
        Command::Transcript(TranscriptCommand::Speakers { id }) => {
            let (t, v) = wb.transcript(id).await?;
            let count = |label: &str| v.turns.iter().filter(|turn| turn.label.as_deref() == Some(label)).count();
            let rows: Vec<Json> =
                t.speakers.iter().map(|(l, r)| json!({"label": l, "role": r.as_str(), "turns": count(l)})).collect();
            print(json, Json::Array(rows), || {
                t.speakers
                    .iter()
                    .map(|(l, r)| format!("{l:<30} {r:<12} {} turns", count(l)))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Transcript(TranscriptCommand::RenameSpeaker { id, label, new_label }) => {
            let v = wb.rename_speaker(id, label, new_label).await?;
            print(json, json!({"transcript": id, "version": v.number}), || {
                format!("Renamed '{label}' to '{new_label}' in {id} (now version {}); notes, statements and extracts moved with the text", v.number)
            });
        }
        Command::Transcript(TranscriptCommand::Role { id, label, role }) => {
            let r: SpeakerRole = parse_word(role)?;
            let t = wb.set_speaker_role(id, label, r).await?;
            print(
                json,
                json!({"id": format!("T{}", t.short), "speakers": t.speakers.iter().map(|(k, v)| (k.clone(), v.as_str())).collect::<std::collections::BTreeMap<_, _>>()}),
                || format!("T{}: '{label}' is now {r}", t.short),
            );
        }
        Command::Note(NoteCommand::Add { transcript, at, kind, text }) => {
            let kind: NoteKind = parse_word(kind)?;
            let tg = target(wb, transcript, at).await?;
            let n = wb.add_note(&tg, kind, text).await?;
            print(
                json,
                json!({"id": format!("N{}", n.short), "kind": kind.as_str(), "start": n.anchor.span().start().to_u32(), "end": n.anchor.span().end().to_u32()}),
                || format!("Added {kind} note N{} on {transcript}", n.short),
            );
        }
        Command::Note(NoteCommand::List { transcript }) => {
            let notes = wb.notes(transcript.as_deref()).await?;
            let rows: Vec<Json> = notes
                .iter()
                .map(|n| json!({"id": format!("N{}", n.short), "kind": n.kind.as_str(), "text": n.text, "quote": n.anchor.quote().exact(),
                                "start": n.anchor.span().start().to_u32(), "end": n.anchor.span().end().to_u32()}))
                .collect();
            print(json, Json::Array(rows), || {
                notes
                    .iter()
                    .map(|n| format!("N{:<4} {:<12} {}", n.short, n.kind, n.text))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Note(NoteCommand::Edit { id, kind, text }) => {
            let kind = kind.as_deref().map(parse_word::<NoteKind>).transpose()?;
            let n = wb.edit_note(id, kind, text.as_deref(), None).await?;
            print(json, json!({"id": format!("N{}", n.short)}), || format!("Updated note N{}", n.short));
        }
        Command::Note(NoteCommand::Delete { id }) => {
            let n = wb.delete_note(id, None).await?;
            print(json, json!({"deleted": format!("N{}", n.short)}), || format!("Deleted note N{}", n.short));
        }
        Command::Statement(StatementCommand::Add { transcript, at, from_notes, text }) => {
            let tg = target(wb, transcript, at).await?;
            let s = wb.add_statement(&tg, text, from_notes).await?;
            let label = terminology(wb).await?.label(Term::Statement).to_lowercase();
            print(json, json!({"id": format!("S{}", s.short)}), || format!("Added {label} S{}", s.short));
        }
        Command::Statement(StatementCommand::Anchor { id, transcript, at }) => {
            let tg = target(wb, transcript, at).await?;
            let s = wb.add_statement_anchor(id, &tg).await?;
            print(json, json!({"id": format!("S{}", s.short), "anchors": s.anchors.len()}), || {
                format!("S{} is now grounded in {} passages", s.short, s.anchors.len())
            });
        }
        Command::Statement(StatementCommand::List { participant }) => {
            let s = wb.snapshot().await?;
            let only = match participant {
                Some(p) => Some(current_participant(wb, p).await?.0),
                None => None,
            };
            let list: Vec<_> =
                s.statements.iter().filter(|st| only.as_ref().is_none_or(|p| p == &st.participant_id)).collect();
            let rows: Vec<Json> = list
                .iter()
                .map(|st| json!({"id": format!("S{}", st.short), "participant": s.participant(&st.participant_id).map(|p| p.pseudonym.clone()), "text": st.text,
                                 "lines": st.anchors.iter().map(|a| s.lines(a)).collect::<Vec<_>>(),
                                 "quotes": st.anchors.iter().map(|a| a.quote().exact()).collect::<Vec<_>>()}))
                .collect();
            print(json, Json::Array(rows), || {
                list.iter()
                    .map(|st| {
                        let who = s.participant(&st.participant_id).map_or("?", |p| p.pseudonym.as_str());
                        let at: Vec<String> = st.anchors.iter().map(|a| s.lines(a)).collect();
                        format!("S{:<4} {:<10} {}  ({})", st.short, who, st.text, at.join("; "))
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Statement(StatementCommand::Edit { id, text }) => {
            let s = wb.edit_statement(id, text, None).await?;
            print(json, json!({"id": format!("S{}", s.short)}), || format!("Updated S{}", s.short));
        }
        Command::Statement(StatementCommand::Delete { id }) => {
            let s = wb.delete_statement(id, None).await?;
            print(json, json!({"deleted": format!("S{}", s.short)}), || format!("Deleted S{}", s.short));
        }
        Command::Theme(ThemeCommand::Add { case, group: _, parent, description, title }) => {
            let t = wb.add_theme(case.as_deref(), parent.as_deref(), title, description.as_deref()).await?;
            let terms = terminology(wb).await?;
            let kind = if t.is_group() { terms.short_label(Term::Get) } else { terms.short_label(Term::Pet) };
            print(
                json,
                json!({"id": format!("TH{}", t.short), "scope": if t.is_group() { "group" } else { "case" }}),
                || format!("Added {kind} TH{} “{}”", t.short, t.title),
            );
        }
        Command::Theme(ThemeCommand::List) => {
            let s = wb.snapshot().await?;
            print(json, themes_json(&s), || themes_text(&s));
        }
        Command::Theme(ThemeCommand::Assign { theme, member: m, strategy, rationale }) => {
            let strategy = strategy.as_deref().map(parse_word::<GroupingStrategy>).transpose()?;
            let a = wb.assign(theme, &member(m), strategy, rationale.as_deref(), None).await?;
            let what = match &a.member {
                Member::Statement(_) => m.statement.clone().unwrap_or_default(),
                Member::Theme(_) => m.member_theme.clone().unwrap_or_default(),
            };
            print(json, json!({"theme": theme, "member": what, "strategy": strategy.map(|s| s.as_str())}), || {
                format!("Assigned {what} to {theme}")
            });
        }
        Command::Theme(ThemeCommand::Unassign { theme, member: m }) => {
            wb.unassign(theme, &member(m), None).await?;
            print(json, json!({"theme": theme}), || format!("Removed from {theme}"));
        }
        Command::Theme(ThemeCommand::Edit { id, title, description, parent, top, note }) => {
            let parent = if *top { Some(None) } else { parent.clone().map(Some) };
            let t = wb
                .update_theme(
                    id,
                    ThemeChanges { title: title.clone(), description: description.clone(), parent, note: note.clone() },
                    None,
                )
                .await?;
            print(json, json!({"id": format!("TH{}", t.short)}), || format!("Updated TH{} “{}”", t.short, t.title));
        }
        Command::Theme(ThemeCommand::Merge { from, into }) => {
            let t = wb.merge_themes(from, into, Default::default()).await?;
            print(json, json!({"into": format!("TH{}", t.short)}), || format!("Merged {from} into TH{}", t.short));
        }
        Command::Theme(ThemeCommand::Split { id, title, statements, themes }) => {
            let members: Vec<MemberRef> = statements
                .iter()
                .map(|s| MemberRef::Statement(s.clone()))
                .chain(themes.iter().map(|t| MemberRef::Theme(t.clone())))
                .collect();
            let t = wb.split_theme(id, title, &members, None).await?;
            print(json, json!({"id": format!("TH{}", t.short)}), || {
                format!("Split {id}: new theme TH{} “{}”", t.short, t.title)
            });
        }
        Command::Theme(ThemeCommand::Delete { id }) => {
            let t = wb.delete_theme(id, None).await?;
            print(json, json!({"deleted": format!("TH{}", t.short)}), || format!("Deleted TH{}", t.short));
        }
        Command::Extract(ExtractCommand::Add { theme, transcript, at }) => {
            let tg = target(wb, transcript, at).await?;
            let x = wb.add_extract(theme, &tg).await?;
            let s = wb.snapshot().await?;
            let citation = s.cite(&x.participant_id, &x.anchor);
            print(json, json!({"id": format!("X{}", x.short), "citation": citation}), || {
                format!("Added extract X{} {citation}", x.short)
            });
        }
        Command::Extract(ExtractCommand::List) => {
            let s = wb.snapshot().await?;
            let rows: Vec<Json> = s
                .extracts
                .iter()
                .map(|x| json!({"id": format!("X{}", x.short), "theme": s.theme(&x.theme_id).map(|t| format!("TH{}", t.short)),
                                "quote": x.anchor.quote().exact(), "citation": s.cite(&x.participant_id, &x.anchor)}))
                .collect();
            print(json, Json::Array(rows), || {
                s.extracts
                    .iter()
                    .map(|x| {
                        let th = s.theme(&x.theme_id).map_or(String::new(), |t| format!("TH{} {}", t.short, t.title));
                        format!(
                            "X{:<3} [{th}] “{}” {}",
                            x.short,
                            x.anchor.quote().exact(),
                            s.cite(&x.participant_id, &x.anchor)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Extract(ExtractCommand::Delete { id }) => {
            let x = wb.delete_extract(id, None).await?;
            print(json, json!({"deleted": format!("X{}", x.short)}), || format!("Deleted extract X{}", x.short));
        }
        Command::Journal(JournalCommand::Add { text, about }) => {
            let j = wb.add_journal(text, about.as_deref()).await?;
            print(json, json!({"id": format!("J{}", j.short)}), || format!("Added journal entry J{}", j.short));
        }
        Command::Journal(JournalCommand::List) => {
            let s = wb.snapshot().await?;
            let rows: Vec<Json> = s
                .journal
                .iter()
                .map(|j| json!({"id": format!("J{}", j.short), "at": j.created_at, "author": j.author, "text": j.text}))
                .collect();
            print(json, Json::Array(rows), || {
                s.journal
                    .iter()
                    .map(|j| format!("J{} {} {}\n  {}", j.short, j.created_at, j.author, j.text))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Journal(JournalCommand::Edit { id, text }) => {
            let j = wb.edit_journal(id, text, None).await?;
            print(json, json!({"id": format!("J{}", j.short)}), || format!("Updated journal entry J{}", j.short));
        }
        Command::Journal(JournalCommand::Delete { id }) => {
            let j = wb.delete_journal(id, None).await?;
            print(json, json!({"deleted": format!("J{}", j.short)}), || format!("Deleted journal entry J{}", j.short));
        }
        Command::Search(args) => search(wb, json, args).await?,
        Command::Matrix { themes, by_attr } => {
            let m = wb.matrix(themes, by_attr.as_deref()).await?;
            print(json, m.to_json(), || matrix_text(&m));
        }
        Command::Frequencies { participant, role, top } => {
            let role = role.as_deref().map(parse_word::<SpeakerRole>).transpose()?;
            let f = wb.word_frequencies(participant.as_deref(), role, *top).await?;
            let value = Json::Array(
                f.iter()
                    .map(|w| {
                        json!({"participant_id": w.participant_id, "participant": w.participant,
                        "words": w.words.iter().map(|(word, n)| json!({"word": word, "count": n})).collect::<Vec<_>>()})
                    })
                    .collect(),
            );
            print(json, value, || {
                f.iter()
                    .map(|w| {
                        let words: Vec<String> = w.words.iter().map(|(word, n)| format!("{word} {n}")).collect();
                        format!("{} {}: {}", w.participant_id, w.participant, words.join(", "))
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Recurrence => {
            let s = wb.snapshot().await?;
            print(json, recurrence_json(&s), || recurrence_text(&s));
        }
        Command::Report { format, table, output, allow_leaks } => match format.as_str() {
            "qdpx" => deliver(json, &wb.export_qdpx(*allow_leaks).await?, output.as_deref(), "qdpx")?,
            "qdc" => deliver(json, &wb.export_qdc(*allow_leaks).await?, output.as_deref(), "qdc")?,
            _ => {
                let f = ExportFormat::parse(format, table.as_deref())?;
                deliver(json, &wb.export(f, *allow_leaks).await?, output.as_deref(), f.extension())?;
            }
        },
        Command::Figure { kind, format, output, allow_leaks } => {
            let f = ExportFormat::figure(kind, format)?;
            deliver(json, &wb.export(f, *allow_leaks).await?, output.as_deref(), f.extension())?;
        }
        Command::Deid(command) => crate::deid::run(wb, json, command).await?,
        Command::Transcript(TranscriptCommand::Export { id, format, blank, output, allow_leaks }) => {
            let docx = match format.as_str() {
                "docx" => true,
                "html" => false,
                other => bail!("transcript export format '{other}' is not one of: docx, html"),
            };
            let body = wb.annotated_transcript(id, docx, *blank, *allow_leaks).await?;
            deliver(json, &body, output.as_deref(), if docx { "docx" } else { "html" })?;
        }
        Command::History { limit } => {
            let events = wb.history(*limit).await?;
            let rows: Vec<Json> = events
                .iter()
                .map(|e| json!({"seq": e.seq, "at": e.at, "author": e.author, "action": e.action, "summary": e.summary, "undone": e.undone}))
                .collect();
            print(json, Json::Array(rows), || {
                events
                    .iter()
                    .map(|e| {
                        format!(
                            "#{:<5} {} {:<12} {}{}",
                            e.seq,
                            e.at,
                            e.author,
                            e.summary,
                            if e.undone { "  (undone)" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Undo | Command::Redo => {
            let undo = matches!(cli.command, Command::Undo);
            let outcome = if undo { wb.undo().await? } else { wb.redo().await? };
            let verb = if undo { "undo" } else { "redo" };
            match outcome {
                Some(o) => print(json, json!({verb: o.target.seq, "summary": o.target.summary}), || {
                    format!("{}: {}", if undo { "Undid" } else { "Redid" }, o.target.summary)
                }),
                None => {
                    print(json, json!({verb: Json::Null}), || format!("Nothing to {verb}."));
                }
            }
        }
        Command::Admin(command) => admin(json, wb, command).await?,
        Command::Init { .. }
        | Command::Demo { .. }
        | Command::Serve { .. }
        | Command::Backup { .. }
        | Command::Migrate { .. }
        | Command::FromQdpx { .. } => {
            unreachable!("handled before opening")
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Account and membership commands; the password comes from $IDIOGRAPH_PASSWORD or a prompt.
async fn admin(json: bool, wb: &Workbench, command: &AdminCommand) -> Result<()> {
    match command {
        AdminCommand::CreateUser { name, role } => {
            let role = role.as_deref().map(parse_word::<Role>).transpose()?;
            let password = match std::env::var("IDIOGRAPH_PASSWORD") {
                Ok(p) => p,
                Err(_) => rpassword::prompt_password(format!("Password for {name}: "))
                    .context("no password: set IDIOGRAPH_PASSWORD or run in a terminal")?,
            };
            let role = wb.create_user(name, &password, role).await?;
            print(json, json!({"name": name, "role": role.as_str()}), || format!("Created user {name} ({role})"));
        }
        AdminCommand::ListUsers => {
            let users = wb.users().await?;
            let list: Vec<Json> = users.iter().map(|(n, r)| json!({"name": n, "role": r.map(Role::as_str)})).collect();
            print(json, json!({"users": list}), || {
                users
                    .iter()
                    .map(|(n, r)| format!("{n}\t{}", r.map_or("(not a member)", Role::as_str)))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        AdminCommand::SetRole { name, role } => {
            let role: Role = parse_word(role)?;
            wb.set_role(name, role).await?;
            print(json, json!({"name": name, "role": role.as_str()}), || format!("{name} is now {role}"));
        }
        AdminCommand::RemoveMember { name } => {
            let role = wb.remove_member(name).await?;
            print(json, json!({"removed": name, "role": role.as_str()}), || {
                format!("Removed {name} ({role}) from the project")
            });
        }
        AdminCommand::RevokeSessions { name } => {
            let n = wb.revoke_sessions(name).await?;
            print(json, json!({"name": name, "revoked": n}), || format!("Ended {n} sessions of {name}"));
        }
        AdminCommand::DeleteProject { confirm } => {
            let members = wb.delete_project(confirm).await?;
            print(json, json!({"deleted": confirm.trim(), "members": members}), || {
                format!(
                    "Deleted the project “{}” from the server for good; its {members} members were signed out",
                    confirm.trim()
                )
            });
        }
        AdminCommand::Projects => unreachable!("handled before opening"),
    }
    Ok(())
}

fn projects_json(listed: &ServerProjects) -> Json {
    json!({
        "projects": listed.projects.iter().map(|p| json!({"id": p.id, "title": p.title, "members": p.members})).collect::<Vec<_>>(),
        "deleted": listed.deleted.iter().map(|d| json!({
            "id": d.id, "title": d.title, "deleted_by": d.deleted_by, "deleted_at": d.deleted_at, "members": d.members,
        })).collect::<Vec<_>>(),
    })
}

fn projects_text(listed: &ServerProjects) -> String {
    let mut lines: Vec<String> =
        listed.projects.iter().map(|p| format!("{}\t{}\t{} members", p.id, p.title, p.members)).collect();
    if listed.projects.is_empty() {
        lines.push("No projects on this server.".into());
    }
    if !listed.deleted.is_empty() {
        lines.push(String::new());
        lines.push("Deleted:".into());
        lines.extend(listed.deleted.iter().map(|d| {
            format!("{}\t{}\tdeleted by {} at {} ({} members)", d.id, d.title, d.deleted_by, d.deleted_at, d.members)
        }));
    }
    lines.join("\n")
}

/// Expands folders into the supported files they hold (sorted), keeping files as given.
fn expand(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let supported = idiograph_formats::supported_extensions();
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        if p.is_dir() {
            match std::fs::read_dir(p) {
                Ok(entries) => {
                    let mut found: Vec<PathBuf> = entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|f| f.is_file())
                        .filter(|f| {
                            f.extension()
                                .and_then(|x| x.to_str())
                                .is_some_and(|x| supported.contains(&x.to_lowercase().as_str()))
                        })
                        .collect();
                    found.sort();
                    if found.is_empty() {
                        problems.push(format!(
                            "{}: no transcript files ({}) in this folder",
                            p.display(),
                            supported.join(", ")
                        ));
                    }
                    files.extend(found);
                }
                Err(e) => problems.push(format!("{}: {e}", p.display())),
            }
        } else {
            files.push(p.clone());
        }
    }
    (files, problems)
}

/// Imports files and folders for one participant, or one participant per file, with a progress
/// bar on a terminal.
async fn import(
    wb: &Workbench,
    json: bool,
    paths: &[PathBuf],
    participant: Option<&str>,
    per_file: bool,
) -> Result<ExitCode> {
    use std::io::IsTerminal;
    let (files, mut refused) = expand(paths);
    let bar = if !json && std::io::stderr().is_terminal() && files.len() > 1 {
        let bar = indicatif::ProgressBar::new(files.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };
    // Group the files by participant: all for one, or one participant per file.
    let mut groups: Vec<idiograph_app::ImportGroup> = Vec::new();
    for f in &files {
        let bytes = match std::fs::read(f) {
            Ok(b) => b,
            Err(e) => {
                refused.push(format!("{}: {e}", f.display()));
                continue;
            }
        };
        let who = match participant {
            Some(p) => p.to_owned(),
            None => f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
        };
        match groups.iter_mut().find(|(p, _)| *p == who) {
            Some((_, list)) => list.push((file_name(f), bytes)),
            None => groups.push((who, vec![(file_name(f), bytes)])),
        }
    }
    let progress: Option<idiograph_app::ImportProgress> = bar.clone().map(|b| {
        let f: idiograph_app::ImportProgress = std::sync::Arc::new(move |name: &str| {
            b.set_message(name.to_owned());
            b.inc(1);
        });
        f
    });
    let outcome = wb.import_batches(groups, per_file, &Default::default(), progress).await?;
    refused.extend(outcome.refused.iter().map(|r| r.reason.clone()));
    let imported: Vec<(String, idiograph_app::ImportedFile)> =
        outcome.imported.into_iter().map(|f| (f.participant.clone(), f)).collect();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let rows: Vec<Json> = imported
        .iter()
        .map(|(who, f)| json!({"file": f.file_name, "participant": who, "transcript": format!("T{}", f.transcript.short), "turns": f.turns, "lines": f.lines, "diagnostics": f.diagnostics}))
        .collect();
    print(json, json!({"imported": rows, "refused": refused}), || {
        imported
            .iter()
            .map(|(who, f)| {
                format!("T{}  {}  {who}  ({} turns, {} lines)", f.transcript.short, f.file_name, f.turns, f.lines)
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    for r in &refused {
        warn(&format!("error: {r}"));
    }
    Ok(if refused.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// Writes an export to `output`, or text to standard output; binary formats need a file.
pub(crate) fn deliver(json: bool, body: &[u8], output: Option<&Path>, extension: &str) -> Result<()> {
    match output {
        Some(path) => {
            write_new(path, body)?;
            print(json, json!({"output": path, "bytes": body.len()}), || {
                format!("Wrote {} ({} bytes)", path.display(), body.len())
            });
        }
        None => match std::str::from_utf8(body) {
            Ok(text) if !json => emit(text.trim_end()),
            _ => bail!("a .{extension} export is a file: give -o FILE"),
        },
    }
    Ok(())
}

/// Writes a file that must not exist yet, so a report never overwrites the researcher's edits.
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(bytes).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

async fn terminology(wb: &Workbench) -> Result<Terminology> {
    Ok(wb.snapshot().await?.settings.terminology)
}

async fn current_participant(wb: &Workbench, reference: &str) -> Result<(idiograph_model::ObjectId, InterviewMeta)> {
    let s = wb.snapshot().await?;
    let r = reference.trim();
    s.participants
        .iter()
        .find(|p| p.pseudonym.eq_ignore_ascii_case(r) || format!("P{}", p.short).eq_ignore_ascii_case(r))
        .map(|p| (p.id.clone(), p.interview.clone()))
        .ok_or_else(|| anyhow!("no participant '{r}' in this study"))
}

fn theme_line(s: &Snapshot, t: &Theme, depth: usize, out: &mut String) {
    let terms = s.settings.terminology;
    let kind = if t.is_group() { terms.short_label(Term::Get) } else { terms.short_label(Term::Pet) };
    out.push_str(&format!("{}TH{} {} [{kind}]\n", "  ".repeat(depth + 1), t.short, t.title));
    for st in s.statements_of(&t.id) {
        let at: Vec<String> = st.anchors.iter().map(|a| s.lines(a)).collect();
        out.push_str(&format!("{}S{} {} ({})\n", "  ".repeat(depth + 2), st.short, st.text, at.join("; ")));
    }
    for pet in s.pets_of(&t.id) {
        let who = pet.participant_id().and_then(|p| s.participant(p)).map_or("?", |p| p.pseudonym.as_str());
        out.push_str(&format!("{}← TH{} {} ({who})\n", "  ".repeat(depth + 2), pet.short, pet.title));
    }
    for c in s.children(Some(&t.id)) {
        theme_line(s, c, depth + 1, out);
    }
}

fn themes_text(s: &Snapshot) -> String {
    let terms = s.settings.terminology;
    let mut out = String::new();
    for p in &s.participants {
        out.push_str(&format!("{} — {}\n", p.pseudonym, terms.label(Term::Pets)));
        for t in s.children(None).into_iter().filter(|t| t.participant_id() == Some(&p.id)) {
            theme_line(s, t, 0, &mut out);
        }
    }
    out.push_str(&format!("{}\n", terms.label(Term::Gets)));
    for t in s.children(None).into_iter().filter(|t| t.is_group()) {
        theme_line(s, t, 0, &mut out);
    }
    out
}

fn themes_json(s: &Snapshot) -> Json {
    fn node(s: &Snapshot, t: &Theme) -> Json {
        json!({
            "id": format!("TH{}", t.short),
            "title": t.title,
            "note": t.note,
            "scope": if t.is_group() { "group".to_owned() } else { t.participant_id().and_then(|p| s.participant(p)).map(|p| p.pseudonym.clone()).unwrap_or_default() },
            "statements": s.statements_of(&t.id).iter().map(|st| format!("S{}", st.short)).collect::<Vec<_>>(),
            "pets": s.pets_of(&t.id).iter().map(|p| format!("TH{}", p.short)).collect::<Vec<_>>(),
            "children": s.children(Some(&t.id)).into_iter().map(|c| node(s, c)).collect::<Vec<_>>(),
        })
    }
    Json::Array(s.children(None).into_iter().map(|t| node(s, t)).collect())
}

fn recurrence_json(s: &Snapshot) -> Json {
    let r = s.recurrence();
    json!({
        "participants": s.participants.iter().map(|p| p.pseudonym.clone()).collect::<Vec<_>>(),
        "rule": s.settings.recurrence_rule.describe(s.participants.len()),
        "required": r.required,
        "rows": r.rows.iter().map(|row| json!({
            "theme": s.theme(&row.theme_id).map(|t| format!("TH{}", t.short)),
            "title": s.theme(&row.theme_id).map(|t| t.title.clone()),
            "depth": row.depth,
            "cells": row.cells.iter().map(|c| json!({"present": c.present(), "pets": c.pets.len(), "statements": c.statements, "extracts": c.extracts})).collect::<Vec<_>>(),
            "contributors": row.contributors,
            "meets_rule": row.meets_rule,
        })).collect::<Vec<_>>(),
    })
}

fn recurrence_text(s: &Snapshot) -> String {
    let r = s.recurrence();
    let terms = s.settings.terminology;
    let width = r
        .rows
        .iter()
        .filter_map(|row| s.theme(&row.theme_id))
        .map(|t| t.title.chars().count() + 2)
        .max()
        .unwrap_or(10)
        .max(10);
    let mut out = format!("{:<width$}", terms.label(Term::Gets));
    for p in &s.participants {
        out.push_str(&format!(" {:^10}", p.pseudonym.chars().take(10).collect::<String>()));
    }
    out.push_str("  total  rule\n");
    for row in &r.rows {
        let title = s.theme(&row.theme_id).map_or(String::new(), |t| format!("{}{}", "  ".repeat(row.depth), t.title));
        out.push_str(&format!("{title:<width$}"));
        for c in &row.cells {
            let cell = if c.present() { format!("✓ {}s {}x", c.statements, c.extracts) } else { "—".to_owned() };
            out.push_str(&format!(" {cell:^10}"));
        }
        out.push_str(&format!(
            "  {:>2}/{:<2}  {}\n",
            row.contributors,
            s.participants.len(),
            if row.meets_rule { "✓" } else { "✗ below rule" }
        ));
    }
    out.push_str(&format!(
        "Rule: a group theme recurs when {}. s = statements, x = extracts.\n",
        s.settings.recurrence_rule.describe(s.participants.len())
    ));
    out
}

/// `search`: hits as keyword-in-context lines, or (`--retrieve`) a theme's passages.
async fn search(wb: &Workbench, json: bool, a: &SearchArgs) -> Result<()> {
    if a.retrieve {
        let theme = a.theme.as_deref().unwrap_or_default();
        let list = wb.theme_passages(theme, a.context, a.participant.as_deref()).await?;
        let value = json!({"theme": theme, "total": list.len(),
            "passages": list.iter().map(idiograph_app::passage_json).collect::<Vec<_>>()});
        print(json, value, || {
            let mut out = format!("{} passages coded to {theme}\n", list.len());
            for p in &list {
                out.push_str(&format!(
                    "\n{} {} via {}{}\n",
                    p.citation,
                    p.theme,
                    p.via,
                    if p.statement.is_empty() { String::new() } else { format!(": {}", p.statement) }
                ));
                for l in &p.before {
                    out.push_str(&format!("    {l}\n"));
                }
                for l in p.text.lines() {
                    out.push_str(&format!("  > {l}\n"));
                }
                for l in &p.after {
                    out.push_str(&format!("    {l}\n"));
                }
            }
            out
        });
        return Ok(());
    }
    let mut req = idiograph_app::SearchRequest::new(a.query.as_deref().unwrap_or_default());
    req.participant = a.participant.clone();
    req.attribute = a
        .attr
        .as_deref()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .ok_or_else(|| anyhow!("--attr '{kv}' must be KEY=VALUE"))
        })
        .transpose()?;
    req.role = a.role.as_deref().map(parse_word::<SpeakerRole>).transpose()?;
    req.theme = a.theme.clone();
    req.kind = a.kind.clone();
    req.regex = a.regex;
    req.stem = !a.no_stem;
    req.limit = a.limit;
    req.offset = a.offset;
    let r = wb.search(&req).await?;
    print(json, serde_json::to_value(&r)?, || {
        let mut out = String::new();
        for h in &r.hits {
            let place = if h.citation.is_empty() { h.object.clone() } else { format!("{} {}", h.citation, h.object) };
            // Every word of the query in the hit is bracketed.
            let marked: String =
                h.pieces.iter().map(|p| if p.hit { format!("[{}]", p.text) } else { p.text.clone() }).collect();
            out.push_str(&format!("{:>60}{marked}{:<60}  {place}\n", h.before, h.after));
        }
        if r.hits.len() < r.total {
            out.push_str(&format!("… showing {} of {} hits (--limit, --offset)\n", r.hits.len(), r.total));
        }
        let counts: Vec<String> =
            r.per_participant.iter().filter(|c| c.hits > 0).map(|c| format!("{} {}", c.participant, c.hits)).collect();
        out.push_str(&format!("{} in {}", plural(r.total, "hit"), plural(r.passages, "passage")));
        if !counts.is_empty() {
            out.push_str(&format!(": {}", counts.join(", ")));
        }
        out
    });
    Ok(())
}

/// "1 hit", "12 hits".
fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// The matrix as a text table.
fn matrix_text(m: &idiograph_app::Matrix) -> String {
    let mut out = format!("{:<40}", "");
    for l in &m.labels {
        out.push_str(&format!(" {:>10}", l.chars().take(10).collect::<String>()));
    }
    out.push('\n');
    for r in &m.rows {
        let title: String = format!("{} {}", r.theme, r.title).chars().take(40).collect();
        out.push_str(&format!("{title:<40}"));
        for c in &r.cells {
            out.push_str(&format!(" {:>10}", c.len()));
        }
        out.push('\n');
    }
    out
}
