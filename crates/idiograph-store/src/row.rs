//! Generic rows: the unit that commands change, the audit log records and undo restores.
//!
//! Every table has a TEXT `id` primary key and columns of two types, so a row image is a plain
//! list of values that serialises to JSON and binds the same way on SQLite and PostgreSQL.

use serde_json::Value as Json;

/// The type of a column, used to bind typed NULLs (PostgreSQL needs them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Int,
    Text,
}

/// A table that holds domain rows.
#[derive(Debug, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    /// Column names and types; the first is always `id`.
    pub columns: &'static [(&'static str, ColType)],
    /// Which column names the participant a row belongs to, for withdrawal.
    pub participant_column: Option<&'static str>,
}

/// The value a migration gave the existing rows of a column it added (SQL `DEFAULT`, else NULL).
#[derive(Debug, PartialEq, Eq)]
pub enum Fill {
    Null,
    Int(i64),
    Text(&'static str),
}

impl Fill {
    fn value(&self) -> Value {
        match self {
            Fill::Null => Value::Null,
            Fill::Int(i) => Value::Int(*i),
            Fill::Text(s) => Value::text(*s),
        }
    }
}

/// One stored value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
}

impl Value {
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(s.into())
    }

    pub fn opt_text(s: Option<impl Into<String>>) -> Value {
        s.map_or(Value::Null, |s| Value::Text(s.into()))
    }

    pub fn opt_int(i: Option<u64>) -> Value {
        i.map_or(Value::Null, |i| Value::Int(i.min(i64::MAX as u64) as i64))
    }

    pub fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Int(i) => Json::from(*i),
            Value::Text(s) => Json::from(s.as_str()),
        }
    }

    pub fn from_json(json: &Json) -> Option<Value> {
        match json {
            Json::Null => Some(Value::Null),
            Json::Number(n) => n.as_i64().map(Value::Int),
            Json::String(s) => Some(Value::Text(s.clone())),
            _ => None,
        }
    }
}

/// A row image of one table: values in the order of `table.columns`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub table: &'static Table,
    pub values: Vec<Value>,
}

impl Row {
    pub fn id(&self) -> &str {
        match &self.values[0] {
            Value::Text(s) => s,
            _ => "",
        }
    }

    pub fn get(&self, column: &str) -> &Value {
        let i = self.table.columns.iter().position(|(c, _)| *c == column).expect("known column");
        &self.values[i]
    }

    pub fn text(&self, column: &str) -> String {
        match self.get(column) {
            Value::Text(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Null => String::new(),
        }
    }

    pub fn opt_text(&self, column: &str) -> Option<String> {
        match self.get(column) {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }

    pub fn int(&self, column: &str) -> i64 {
        match self.get(column) {
            Value::Int(i) => *i,
            _ => 0,
        }
    }

    pub fn opt_int(&self, column: &str) -> Option<i64> {
        match self.get(column) {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn participant(&self) -> Option<String> {
        self.table.participant_column.and_then(|c| self.opt_text(c))
    }

    pub fn to_json(&self) -> String {
        Json::Array(self.values.iter().map(Value::to_json).collect()).to_string()
    }

    /// Reads a row image from the audit log. An image recorded before a migration added columns
    /// to its table lacks them (`ALTER TABLE … ADD COLUMN` appends), and is read with the values
    /// that migration gave the rows it found (`tables::ADDED_COLUMNS`), so undo and redo of a
    /// command recorded before a migration compare and restore exactly what the table holds.
    pub fn from_json(table: &'static Table, text: &str) -> Option<Row> {
        let Json::Array(items) = serde_json::from_str(text).ok()? else { return None };
        let missing = table.columns.len().checked_sub(items.len())?;
        let added: Vec<&Fill> =
            crate::tables::ADDED_COLUMNS.iter().filter(|(t, _, _)| *t == table.name).map(|(_, _, f)| f).collect();
        let fills = added.get(added.len().checked_sub(missing)?..)?;
        let mut values = items.iter().map(Value::from_json).collect::<Option<Vec<_>>>()?;
        values.extend(fills.iter().map(|fill| fill.value()));
        Some(Row { table, values })
    }
}
