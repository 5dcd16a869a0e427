//! Small helpers shared by pages and the API. The views of the study's objects themselves are
//! defined once in `idiograph_app::views`, for the command line, the API and the pages alike.

use serde::Serialize;
use serde_json::Value;

/// A view as a JSON value, for replies that wrap or extend it (a 409's current version).
pub(crate) fn value(view: impl Serialize) -> Value {
    // The views hold only strings, numbers, lists and string-keyed maps: serialising cannot fail.
    serde_json::to_value(view).unwrap_or(Value::Null)
}
