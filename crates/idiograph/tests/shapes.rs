//! One shape per object at every edge: for each object of a study, the command line's `--json`
//! and `/api/v1` give the same keys with the same types, and both follow the schema the served
//! OpenAPI document gives for it (generated from the view types), on both backends.

mod support;

use std::collections::BTreeSet;

use idiograph_testkit::{on_both_backends, Backend};
use serde_json::Value;
use support::*;

const INTERVIEW: &str = "Interviewer: How did the group feel at first?\n\
Rachel: Uncomfortable, honestly. I did not know what to say and I waited for the others.\n\
Interviewer: And later?\n\
Rachel: Later it felt like the one place where feelings about patients were allowed.\n";

/// A GET on a running workbench, as JSON.
fn api(host: &str, path: &str) -> Value {
    // HTTP/1.0: the whole body up to the end of the connection, never in chunks.
    let reply = raw_request(host, &format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n"));
    assert!(reply.starts_with("HTTP/1.0 200") || reply.starts_with("HTTP/1.1 200"), "GET {path}:\n{reply}");
    let body = reply.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    // A key given twice (a flattened field clashing with another) would be lost in parsing.
    for key in ["\"lines\":", "\"turns\":", "\"version\":", "\"id\":"] {
        let top: Vec<&str> = body
            .match_indices(key)
            .map(|(i, _)| &body[..i])
            .filter(|b| b.matches('{').count() - b.matches('}').count() == 1)
            .collect();
        assert!(top.len() <= 1, "GET {path} gives {key} twice at the top level");
    }
    serde_json::from_str(body).unwrap_or_else(|e| panic!("GET {path} is not JSON ({e}):\n{body}"))
}

/// The JSON type of a value as a schema names it.
fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks `v` against `schema` (OpenAPI 3.0, references into `doc`): every property the schema
/// lists is present and no other, with its type; `path` names the place for messages.
fn conforms(doc: &Value, schema: &Value, v: &Value, path: &str) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        let target = doc.pointer(r.trim_start_matches('#')).ok_or_else(|| format!("{path}: no schema {r}"))?;
        return conforms(doc, target, v, path);
    }
    if let Some(all) = schema["allOf"].as_array() {
        return all.iter().try_for_each(|s| conforms(doc, s, v, path));
    }
    // An optional object (`Option<Recording>`) is one of its schema or null.
    if let Some(any) = schema["anyOf"].as_array() {
        let tried: Vec<Result<(), String>> = any.iter().map(|s| conforms(doc, s, v, path)).collect();
        if tried.iter().any(Result::is_ok) {
            return Ok(());
        }
        return tried.into_iter().next().unwrap_or(Ok(()));
    }
    if v.is_null() {
        return if schema["nullable"] == true {
            Ok(())
        } else {
            Err(format!("{path}: null where the schema has no null"))
        };
    }
    if let Some(choices) = schema["enum"].as_array() {
        if !choices.contains(v) {
            return Err(format!("{path}: {v} is not one of {choices:?}"));
        }
    }
    let expected = schema["type"].as_str().unwrap_or("");
    let actual = type_of(v);
    if !expected.is_empty() && expected != actual && !(expected == "number" && actual == "integer") {
        return Err(format!("{path}: {actual} where the schema says {expected}"));
    }
    match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| conforms(doc, &schema["items"], item, &format!("{path}[{i}]"))),
        Value::Object(map) => match schema["properties"].as_object() {
            Some(props) => {
                let given: BTreeSet<&String> = map.keys().collect();
                let listed: BTreeSet<&String> = props.keys().collect();
                if given != listed {
                    return Err(format!("{path}: keys {given:?}, the schema lists {listed:?}"));
                }
                props.iter().try_for_each(|(k, s)| conforms(doc, s, &map[k], &format!("{path}.{k}")))
            }
            None => map
                .iter()
                .try_for_each(|(k, item)| conforms(doc, &schema["additionalProperties"], item, &format!("{path}.{k}"))),
        },
        _ => Ok(()),
    }
}

/// The shape of a value: its keys and the types under them, recursively (the first item
/// stands for a list). Two values of one object must have the same shape, nulls aside.
fn same_shape(a: &Value, b: &Value, path: &str) -> Result<(), String> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => Ok(()),
        (Value::Object(x), Value::Object(y)) => {
            let (kx, ky): (BTreeSet<&String>, BTreeSet<&String>) = (x.keys().collect(), y.keys().collect());
            if kx != ky {
                return Err(format!("{path}: the command line gives {kx:?}, the API {ky:?}"));
            }
            x.iter().try_for_each(|(k, v)| same_shape(v, &y[k], &format!("{path}.{k}")))
        }
        (Value::Array(x), Value::Array(y)) => match (x.first(), y.first()) {
            (Some(p), Some(q)) => same_shape(p, q, &format!("{path}[0]")),
            _ => Ok(()),
        },
        _ if type_of(a) == type_of(b) => Ok(()),
        _ => Err(format!("{path}: {} on the command line, {} in the API", type_of(a), type_of(b))),
    }
}

fn one_shape_per_object_on_the_command_line_the_api_and_openapi(backend: Backend) {
    let p = Project::on(&backend);
    p.ok(&["participant", "add", "Rachel", "--attr", "site=north"]);
    let file = p.write("rachel.txt", INTERVIEW);
    p.ok(&["import", file.to_str().unwrap(), "--participant", "Rachel"]);
    p.ok(&["transcript", "role", "T1", "Interviewer", "interviewer"]);
    let note = p.json(&["note", "add", "--transcript", "T1", "--lines", "2", "waiting for the others"]);
    let statement = p.json(&[
        "statement",
        "add",
        "--transcript",
        "T1",
        "--lines",
        "2",
        "--from-note",
        "N1",
        "Holding back at first",
    ]);
    p.ok(&["theme", "add", "--case", "Rachel", "Finding a voice"]);
    p.ok(&["theme", "add", "--group", "A safe place for feelings"]);
    let assignment = p.json(&[
        "theme",
        "assign",
        "TH1",
        "--statement",
        "S1",
        "--strategy",
        "abstraction",
        "--rationale",
        "same arc",
    ]);
    p.ok(&["theme", "assign", "TH2", "--theme", "TH1"]);
    let extract = p.json(&["extract", "add", "--theme", "TH2", "--transcript", "T1", "--lines", "4"]);
    let journal = p.json(&["journal", "add", "--about", "P1", "I expected more resistance"]);
    p.ok(&["guide", "add", "How did the group feel at first?"]);
    let guide = p.json(&["guide", "add", "--under", "Q1", "And later?"]);
    p.ok(&["guide", "confirm", "T1"]);
    let audio = p.write("rachel.wav", idiograph_testkit::wav(b"a recording of the interview"));
    let recording = p.json(&["recording", "attach", "T1", audio.to_str().unwrap()]);

    let mut server = p.spawn(&["serve", "--port", "0"]);
    let host = served_host(&mut server);
    let doc = api(&host, "/api/v1/openapi.json");
    let schema = |name: &str| serde_json::json!({ "$ref": format!("#/components/schemas/{name}") });

    // (object, command line, API path, the key the API lists it under, its schema). A list is
    // an array on the command line and an object holding it in the API.
    let objects: Vec<(&str, Value, &str, Option<&str>, &str)> = vec![
        ("study", p.json(&["study", "show"]), "/api/v1/study", None, "Study"),
        ("participants", p.json(&["participant", "list"]), "/api/v1/participants", Some("participants"), "Participant"),
        ("transcripts", p.json(&["transcript", "list"]), "/api/v1/transcripts", Some("transcripts"), "Transcript"),
        ("transcript", p.json(&["transcript", "show", "T1"]), "/api/v1/transcripts/T1", None, "TranscriptText"),
        (
            "notes",
            p.json(&["note", "list", "--transcript", "T1"]),
            "/api/v1/notes?transcript=T1",
            Some("notes"),
            "Note",
        ),
        ("statements", p.json(&["statement", "list"]), "/api/v1/statements", Some("statements"), "Statement"),
        ("themes", p.json(&["theme", "list"]), "/api/v1/themes", None, "ThemeTree"),
        ("extracts", p.json(&["extract", "list"]), "/api/v1/extracts", Some("extracts"), "Extract"),
        ("journal", p.json(&["journal", "list"]), "/api/v1/journal", Some("journal"), "JournalEntry"),
        ("recurrence", p.json(&["recurrence"]), "/api/v1/recurrence", None, "Recurrence"),
        ("history", p.json(&["history"]), "/api/v1/history", Some("events"), "AuditEvent"),
        ("search", p.json(&["search", "feelings"]), "/api/v1/search?q=feelings", None, "SearchResults"),
        ("guide", p.json(&["guide", "list"]), "/api/v1/guide", None, "Guide"),
        ("guide match", p.json(&["guide", "match", "T1"]), "/api/v1/guide/match/T1", None, "GuideMatch"),
        ("guide answers", p.json(&["guide", "answers"]), "/api/v1/guide/answers", None, "GuideAnswers"),
        ("recordings", p.json(&["recording", "list"]), "/api/v1/recordings", Some("recordings"), "Recording"),
        ("line times", p.json(&["recording", "times", "T1"]), "/api/v1/transcripts/T1/sync-points", None, "LineTimes"),
    ];
    let mut failures = Vec::new();
    for (what, cli, path, key, name) in &objects {
        let served = api(&host, path);
        let (cli_schema, api_schema, listed) = match key {
            // The notes of a transcript come with who wrote notes there, for the page's filter.
            Some("notes") => (
                serde_json::json!({ "type": "array", "items": schema(name) }),
                schema("NoteList"),
                served["notes"].clone(),
            ),
            Some(k) => (
                serde_json::json!({ "type": "array", "items": schema(name) }),
                serde_json::json!({ "type": "object", "properties": { *k: { "type": "array", "items": schema(name) } } }),
                served[*k].clone(),
            ),
            None => (schema(name), schema(name), served.clone()),
        };
        let checks = [
            conforms(&doc, &cli_schema, cli, &format!("{what} (command line)")),
            conforms(&doc, &api_schema, &served, &format!("{what} (API)")),
            same_shape(cli, &listed, what),
        ];
        failures.extend(checks.into_iter().filter_map(Result::err));
        assert!(cli.to_string().len() > 20, "{what}: the command line printed almost nothing: {cli}");
    }
    // What a command that makes one object prints is that object's view.
    for (what, printed, name) in [
        ("note add", &note, "Note"),
        ("statement add", &statement, "Statement"),
        ("theme assign", &assignment, "Assignment"),
        ("extract add", &extract, "Extract"),
        ("journal add", &journal, "JournalEntry"),
        ("guide add", &guide, "Guide"),
        ("recording attach", &recording, "Recording"),
    ] {
        failures.extend(conforms(&doc, &schema(name), printed, what).err());
    }
    server.kill().ok();
    server.wait().ok();
    assert!(failures.is_empty(), "shapes disagree:\n{}", failures.join("\n"));
}

on_both_backends!(fn one_shape_per_object_on_the_command_line_the_api_and_openapi);

#[test]
fn the_schema_check_catches_a_missing_key_an_extra_key_and_a_wrong_type() {
    let doc = serde_json::json!({"components": {"schemas": {"X": {
        "type": "object",
        "properties": {"id": {"type": "string"}, "n": {"type": "integer", "nullable": true}},
    }}}});
    let x = serde_json::json!({"$ref": "#/components/schemas/X"});
    assert!(conforms(&doc, &x, &serde_json::json!({"id": "P1", "n": null}), "x").is_ok());
    assert!(conforms(&doc, &x, &serde_json::json!({"id": "P1"}), "x").is_err());
    assert!(conforms(&doc, &x, &serde_json::json!({"id": "P1", "n": 1, "more": 2}), "x").is_err());
    assert!(conforms(&doc, &x, &serde_json::json!({"id": 1, "n": 1}), "x").is_err());
    let maybe = serde_json::json!({"anyOf": [{"$ref": "#/components/schemas/X"}, {"enum": [null], "nullable": true}]});
    assert!(conforms(&doc, &maybe, &serde_json::Value::Null, "x").is_ok());
    assert!(conforms(&doc, &maybe, &serde_json::json!({"id": "P1", "n": null}), "x").is_ok());
    assert!(conforms(&doc, &maybe, &serde_json::json!({"id": 1, "n": null}), "x").is_err());
    assert!(same_shape(&serde_json::json!({"a": [{"b": 1}]}), &serde_json::json!({"a": [{"b": "1"}]}), "y").is_err());
    assert!(same_shape(&serde_json::json!({"a": 1}), &serde_json::json!({"a": 1, "c": 2}), "y").is_err());
}
