//! Typed finders: the objects that belong to another one, so that no column name leaves the store.
//!
//! A kind of object is found "of a transcript" (or participant, version, theme) when it
//! implements the matching trait here; the column that links them is named once, in this file.

use idiograph_model::{
    AskedQuestion, Assignment, ExperientialStatement, ExploratoryNote, Extract, JournalEntry, LineMapping, ObjectId,
    Recording, ReplacementCount, ReviewDecision, SyncPoints, Theme, Transcript,
};

use crate::codec::Codec;
use crate::{StoreError, Tx};

/// Objects that belong to one transcript: its notes, extracts and de-identification records.
pub trait OfTranscript: Codec {}
/// Objects that belong to one participant (case).
pub trait OfParticipant: Codec {}
/// Objects anchored in, or decided on, one transcript version.
pub trait OfVersion: Codec {}
/// Objects that belong to one theme: its members' assignments and its extracts.
pub trait OfTheme: Codec {}

const TRANSCRIPT: &str = "transcript_id";
const PARTICIPANT: &str = "participant_id";
const VERSION: &str = "version_id";
const THEME: &str = "theme_id";
const STATEMENT: &str = "statement_id";
const MEMBER_THEME: &str = "member_theme_id";
const PARENT: &str = "parent_id";

/// Implements the finder traits and lists, for the test, each kind with the column it is found by.
macro_rules! belong {
    ($($finder:ident ($column:ident): $($t:ty),+;)+) => {
        $($(impl $finder for $t {})+)+

        #[cfg(test)]
        const LINKS: &[(fn() -> &'static crate::row::Table, &str)] = &[
            $($((<$t as Codec>::table, $column),)+)+
            (<Assignment as Codec>::table, STATEMENT),
            (<Assignment as Codec>::table, MEMBER_THEME),
            (<Theme as Codec>::table, PARENT),
        ];
    };
}

belong! {
    OfTranscript(TRANSCRIPT): ExploratoryNote, Extract, ReviewDecision, ReplacementCount, LineMapping, AskedQuestion, Recording, SyncPoints;
    OfParticipant(PARTICIPANT): Transcript, ExploratoryNote, ExperientialStatement, Theme, Assignment, Extract, JournalEntry, AskedQuestion;
    OfVersion(VERSION): Extract, ReviewDecision, SyncPoints;
    OfTheme(THEME): Assignment, Extract;
}

impl Tx {
    /// The objects of kind `T` of one transcript, in creation order.
    pub async fn of_transcript<T: OfTranscript>(&mut self, transcript: &ObjectId) -> Result<Vec<T>, StoreError> {
        self.where_eq(TRANSCRIPT, transcript).await
    }

    /// The objects of kind `T` of one participant, in creation order.
    pub async fn of_participant<T: OfParticipant>(&mut self, participant: &ObjectId) -> Result<Vec<T>, StoreError> {
        self.where_eq(PARTICIPANT, participant).await
    }

    /// The objects of kind `T` of one transcript version, in creation order.
    pub async fn of_version<T: OfVersion>(&mut self, version: &ObjectId) -> Result<Vec<T>, StoreError> {
        self.where_eq(VERSION, version).await
    }

    /// The objects of kind `T` of one theme (its members' assignments, its extracts), in creation order.
    pub async fn of_theme<T: OfTheme>(&mut self, theme: &ObjectId) -> Result<Vec<T>, StoreError> {
        self.where_eq(THEME, theme).await
    }

    /// The assignments of one statement to themes.
    pub async fn assignments_of_statement(&mut self, statement: &ObjectId) -> Result<Vec<Assignment>, StoreError> {
        self.where_eq(STATEMENT, statement).await
    }

    /// The assignments that make one theme a member of other themes.
    pub async fn memberships_of_theme(&mut self, theme: &ObjectId) -> Result<Vec<Assignment>, StoreError> {
        self.where_eq(MEMBER_THEME, theme).await
    }

    /// The themes nested directly under one theme, in order.
    pub async fn sub_themes(&mut self, theme: &ObjectId) -> Result<Vec<Theme>, StoreError> {
        self.where_eq(PARENT, theme).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_finder_names_a_column_of_its_table() {
        for (table, column) in super::LINKS {
            let table = table();
            assert!(table.columns.iter().any(|(c, _)| c == column), "{} has no column {column}", table.name);
        }
    }
}
