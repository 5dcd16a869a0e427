//! How a caller names one object of the study for a look-up.

use idiograph_model::{ObjectKind, ShortId};

use crate::AppError;

/// One object of a known kind, named either by the [`ShortId`] a caller holds (say, of the object
/// a command just returned) or by text a user gave (`N12`, `n12` or `12`; a participant also by
/// pseudonym). Look-ups take either, so no caller writes an id out only to have it read back.
pub trait Reference {
    /// The short id named, as an id of `kind`; text that is not one is refused.
    fn short_id(&self, kind: ObjectKind) -> Result<ShortId, AppError>;

    /// The text the user gave, when the object was named by text (a pseudonym is only text).
    fn text(&self) -> Option<&str> {
        None
    }
}

impl Reference for ShortId {
    fn short_id(&self, kind: ObjectKind) -> Result<ShortId, AppError> {
        if self.kind() == kind {
            Ok(*self)
        } else {
            Err(AppError::Invalid(format!("{self} is not a {kind} id")))
        }
    }
}

impl Reference for &str {
    fn short_id(&self, kind: ObjectKind) -> Result<ShortId, AppError> {
        ShortId::parse(kind, self).map_err(|e| AppError::Invalid(e.to_string()))
    }

    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl Reference for &String {
    fn short_id(&self, kind: ObjectKind) -> Result<ShortId, AppError> {
        self.as_str().short_id(kind)
    }

    fn text(&self) -> Option<&str> {
        Some(self)
    }
}
