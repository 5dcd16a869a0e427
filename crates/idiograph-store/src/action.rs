//! The commands the audit log records, by name.
//!
//! Each command commits with one [`Action`]; its name is what the log stores (on disk and in
//! PostgreSQL), so the names below are part of the project format and never change. A log may
//! hold a name this build does not know (written by another version, or by hand): it is read
//! back as [`LoggedAction::Other`] and shown as it was written.

use std::fmt;

/// Declares [`Action`] with one stored name per variant, so that the list exists once.
macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)+) => {
        /// A command as the audit log records it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action { $($(#[$doc])* $variant,)+ }

        impl Action {
            /// Every action, in declaration order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)+];

            /// The name stored in the audit log, e.g. `add note`.
            pub fn as_str(self) -> &'static str {
                match self { $(Action::$variant => $name,)+ }
            }
        }
    };
}

actions! {
    /// A participant added.
    AddParticipant => "add participant",
    /// A participant's pseudonym or interview details changed.
    EditParticipant => "edit participant",
    /// A case's analysis marked finished.
    MarkCaseFinished => "mark case finished",
    /// A finished case opened again.
    ReopenCase => "reopen case",
    /// A participant deleted.
    DeleteParticipant => "delete participant",
    /// A participant withdrew consent and their data was erased (cannot be undone).
    WithdrawParticipant => "withdraw participant",
    /// Transcripts imported.
    Import => "import",
    /// A whole study imported from a REFI-QDA project.
    ImportProject => "import project",
    /// Themes imported from a REFI-QDA codebook.
    ImportCodebook => "import codebook",
    /// A REFI-QDA project merged into a study: its cases, sources, codes, codings and notes added.
    MergeProject => "merge project",
    /// A speaker's role in a transcript set.
    SetSpeakerRole => "set speaker role",
    /// A transcript renamed.
    RenameTranscript => "rename transcript",
    /// A transcript deleted.
    DeleteTranscript => "delete transcript",
    /// A speaker renamed (a new version of the transcript).
    RenameSpeaker => "rename speaker",
    /// Words of a transcript corrected (a new version of the transcript).
    CorrectTranscript => "correct transcript",
    /// An exploratory note added.
    AddNote => "add note",
    /// Several exploratory notes added at once.
    AddNotes => "add notes",
    /// An exploratory note edited.
    EditNote => "edit note",
    /// An exploratory note deleted.
    DeleteNote => "delete note",
    /// An experiential statement added.
    AddStatement => "add statement",
    /// A passage added to an experiential statement.
    AnchorStatement => "anchor statement",
    /// An experiential statement edited.
    EditStatement => "edit statement",
    /// An experiential statement deleted.
    DeleteStatement => "delete statement",
    /// A theme added.
    AddTheme => "add theme",
    /// A theme edited.
    EditTheme => "edit theme",
    /// A theme deleted.
    DeleteTheme => "delete theme",
    /// One theme merged into another.
    MergeThemes => "merge themes",
    /// Members of a theme moved into a new theme.
    SplitTheme => "split theme",
    /// A statement or theme assigned to a theme.
    Assign => "assign",
    /// A statement or theme taken out of a theme.
    Unassign => "unassign",
    /// A statement or theme moved from one theme to another.
    Move => "move",
    /// An extract chosen for a theme.
    AddExtract => "add extract",
    /// An extract removed.
    DeleteExtract => "delete extract",
    /// A reflexive journal entry added.
    AddJournalEntry => "add journal entry",
    /// A reflexive journal entry edited.
    EditJournalEntry => "edit journal entry",
    /// A reflexive journal entry deleted.
    DeleteJournalEntry => "delete journal entry",
    /// A question or prompt added to the interview guide.
    AddGuideQuestion => "add guide question",
    /// Questions and prompts imported into the interview guide from a document.
    ImportGuide => "import guide",
    /// A question or prompt of the interview guide reworded.
    EditGuideQuestion => "edit guide question",
    /// A question or prompt deleted from the interview guide.
    DeleteGuideQuestion => "delete guide question",
    /// The questions asked in a transcript confirmed.
    ConfirmQuestions => "confirm questions",
    /// A recording attached to a transcript (replacing the one it had).
    AttachRecording => "attach recording",
    /// A transcript's recording removed.
    RemoveRecording => "remove recording",
    /// The sync points of a transcript version set.
    SetSyncPoints => "set sync points",
    /// The study's settings changed.
    EditStudy => "edit study",
    /// The study's key store created.
    CreateKeyStore => "create key store",
    /// A known identifier added to the key store.
    AddKnownIdentifier => "add known identifier",
    /// A known identifier removed from the key store.
    RemoveKnownIdentifier => "remove known identifier",
    /// Candidate identifiers accepted or rejected.
    ReviewIdentifier => "review identifier",
    /// Transcripts pseudonymised.
    Pseudonymise => "pseudonymise",
    /// An export made without the leak check, the key store being locked.
    ExportUnchecked => "export unchecked",
    /// An export made although the leak check found known identifiers.
    ExportDespiteLeaks => "export despite leaks",
    /// A team member's account created.
    CreateUser => "create user",
    /// A member's role changed.
    SetRole => "set role",
    /// A member removed from the project.
    RemoveMember => "remove member",
    /// A member's sessions ended.
    RevokeSessions => "revoke sessions",
    /// A member signed out everywhere.
    SignOutMember => "sign out member",
    /// A member logged in.
    LogIn => "log in",
    /// A member logged out.
    LogOut => "log out",
    /// A command undone.
    Undo => "undo",
    /// An undone command re-applied.
    Redo => "redo",
}

impl Action {
    /// The action stored as `name`, if this build knows it.
    pub fn from_stored(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.as_str() == name)
    }

    /// Whether the command annotates or codes the data: its author is one of the study's data
    /// coders (COREQ item 24). Journal entries, undo and redo, imports, participants, settings,
    /// pseudonymisation and accounts (logins included) are not coding.
    pub fn is_coding(self) -> bool {
        use Action::*;
        matches!(
            self,
            AddNote
                | AddNotes
                | EditNote
                | DeleteNote
                | AddStatement
                | AnchorStatement
                | EditStatement
                | DeleteStatement
                | AddTheme
                | EditTheme
                | DeleteTheme
                | MergeThemes
                | SplitTheme
                | Assign
                | Unassign
                | Move
                | AddExtract
                | DeleteExtract
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The action of an event read back from the audit log: one this build knows, or the name as
/// stored (a log written by another version may name commands this one does not have).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoggedAction {
    /// A command of this build.
    Known(Action),
    /// A name this build does not know, kept as written.
    Other(String),
}

impl LoggedAction {
    /// Reads a stored name; never fails.
    pub fn from_stored(name: String) -> LoggedAction {
        match Action::from_stored(&name) {
            Some(a) => LoggedAction::Known(a),
            None => LoggedAction::Other(name),
        }
    }

    /// The name as stored.
    pub fn as_str(&self) -> &str {
        match self {
            LoggedAction::Known(a) => a.as_str(),
            LoggedAction::Other(name) => name,
        }
    }

    /// The command, if this build knows it.
    pub fn known(&self) -> Option<Action> {
        match self {
            LoggedAction::Known(a) => Some(*a),
            LoggedAction::Other(_) => None,
        }
    }
}

impl PartialEq<Action> for LoggedAction {
    fn eq(&self, other: &Action) -> bool {
        self.known() == Some(*other)
    }
}

impl fmt::Display for LoggedAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_stored_name() {
        for a in Action::ALL {
            assert_eq!(Action::from_stored(a.as_str()), Some(*a), "{a:?}");
            assert_eq!(LoggedAction::from_stored(a.as_str().to_owned()), *a);
        }
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len(), "stored names are distinct");
    }

    #[test]
    fn an_unknown_name_is_kept_as_written() {
        let read = LoggedAction::from_stored("recolour theme".to_owned());
        assert_eq!(read, LoggedAction::Other("recolour theme".to_owned()));
        assert_eq!((read.as_str(), read.known()), ("recolour theme", None));
        assert_eq!(read.to_string(), "recolour theme");
    }
}
