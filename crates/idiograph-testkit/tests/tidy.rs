//! Tidy checks of the workspace as a whole: `ARCHITECTURE.md` states the crate graph that
//! `cargo metadata` finds, names every crate, and stays a map rather than an inventory.
//!
//! Each crate's section in `ARCHITECTURE.md` (a heading ``### `crates/NAME` ``) carries one line
//! ``Depends on: `a`, `b`.`` (or ``Depends on: nothing.``) listing its internal, non-dev
//! dependencies; adding an internal dependency therefore fails here until the map says so.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

/// The workspace root, two levels above this crate.
fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Internal crate → its internal dependencies of the given kind (`None` = normal and build).
fn cargo_graph(dev: bool) -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let names: BTreeSet<String> = packages.iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect();
    packages
        .iter()
        .map(|package| {
            let deps = package["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| (d["kind"].as_str() == Some("dev")) == dev)
                .filter_map(|d| d["name"].as_str())
                .filter(|name| names.contains(*name))
                .map(str::to_owned)
                .collect();
            (package["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

/// The graph `ARCHITECTURE.md` states: crate → the crates its "Depends on:" line names.
fn stated_graph(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("### `crates/") {
            let name = rest.trim_end_matches('`').to_owned();
            assert!(graph.insert(name.clone(), None).is_none(), "ARCHITECTURE.md has two sections for {name}");
            current = Some(name);
        } else if line.starts_with("## ") {
            current = None;
        } else if let (Some(name), Some(list)) = (&current, line.strip_prefix("Depends on: ")) {
            let deps: BTreeSet<String> = list.split('`').skip(1).step_by(2).map(str::to_owned).collect();
            let slot = graph.get_mut(name).unwrap();
            assert!(slot.is_none(), "the section of {name} has two 'Depends on:' lines");
            *slot = Some(deps);
        }
    }
    graph
        .into_iter()
        .map(|(name, deps)| {
            let deps =
                deps.unwrap_or_else(|| panic!("the section of {name} in ARCHITECTURE.md has no 'Depends on:' line"));
            (name, deps)
        })
        .collect()
}

fn architecture() -> String {
    std::fs::read_to_string(workspace_root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md at the workspace root")
}

#[test]
fn architecture_states_the_crate_graph_cargo_builds() {
    let actual = cargo_graph(false);
    let stated = stated_graph(&architecture());
    let actual_crates: BTreeSet<_> = actual.keys().collect();
    let stated_crates: BTreeSet<_> = stated.keys().collect();
    assert_eq!(stated_crates, actual_crates, "ARCHITECTURE.md must have one section per crate, named `crates/NAME`");
    for (name, deps) in &actual {
        assert_eq!(
            &stated[name], deps,
            "internal dependencies of {name}: ARCHITECTURE.md (left) against Cargo.toml (right)"
        );
    }
}

#[test]
fn the_testkit_is_a_dev_dependency_only_and_depends_on_nothing() {
    let normal = cargo_graph(false);
    for (name, deps) in &normal {
        assert!(!deps.contains("idiograph-testkit"), "{name} has idiograph-testkit as a normal dependency");
    }
    assert!(normal["idiograph-testkit"].is_empty(), "idiograph-testkit depends on another crate of the workspace");
    let dev = cargo_graph(true);
    for (name, deps) in &dev {
        let others: Vec<_> = deps.iter().filter(|d| *d != "idiograph-testkit").collect();
        assert!(others.is_empty(), "{name} has internal dev-dependencies beyond the testkit: {others:?}");
    }
}

#[test]
fn architecture_stays_a_map_not_an_inventory() {
    let words = architecture().split_whitespace().count();
    assert!(words <= 1_750, "ARCHITECTURE.md has {words} words; keep it about 1,500 (move detail into doc comments)");
}
