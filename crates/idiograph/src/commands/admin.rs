//! `admin`: accounts and project roles for a team server, and the projects of a server. The
//! password comes from $IDIOGRAPH_PASSWORD or a prompt.

use anyhow::{bail, Context, Result};
use idiograph_app::{ServerProjects, Workbench};
use idiograph_model::Role;
use serde_json::json;

use crate::cli::{AdminCommand, Cli};
use crate::printer::Printer;

/// `admin projects`: the projects of the server (--database), which needs no project.
pub(crate) async fn projects(cli: &Cli, out: Printer) -> Result<()> {
    let Some(url) = &cli.database else {
        bail!("`admin projects` lists the projects of a server: give --database URL")
    };
    let listed = Workbench::projects_on_server(url).await?;
    out.print(projects_json(&listed), || projects_text(&listed));
    Ok(())
}

/// The account and membership commands of one project.
pub(crate) async fn run(wb: &Workbench, out: Printer, command: &AdminCommand) -> Result<()> {
    match command {
        AdminCommand::CreateUser { name, role } => {
            let password = match std::env::var("IDIOGRAPH_PASSWORD") {
                Ok(p) => p,
                Err(_) => rpassword::prompt_password(format!("Password for {name}: "))
                    .context("no password: set IDIOGRAPH_PASSWORD or run in a terminal")?,
            };
            let role = wb.create_user(name, &password, *role).await?;
            out.print(json!({"name": name, "role": role.as_str()}), || format!("Created user {name} ({role})"));
        }
        AdminCommand::ListUsers => {
            let users = wb.users().await?;
            let list: Vec<_> = users.iter().map(|(n, r)| json!({"name": n, "role": r.map(Role::as_str)})).collect();
            out.print(json!({"users": list}), || {
                users
                    .iter()
                    .map(|(n, r)| format!("{n}\t{}", r.map_or("(not a member)", Role::as_str)))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        AdminCommand::SetRole { name, role } => {
            wb.set_role(name, *role).await?;
            out.print(json!({"name": name, "role": role.as_str()}), || format!("{name} is now {role}"));
        }
        AdminCommand::RemoveMember { name } => {
            let role = wb.remove_member(name).await?;
            out.print(json!({"removed": name, "role": role.as_str()}), || {
                format!("Removed {name} ({role}) from the project")
            });
        }
        AdminCommand::RevokeSessions { name } => {
            let n = wb.revoke_sessions(name).await?;
            out.print(json!({"name": name, "revoked": n}), || format!("Ended {n} sessions of {name}"));
        }
        AdminCommand::DeleteProject { confirm } => {
            let members = wb.delete_project(confirm).await?;
            out.print(json!({"deleted": confirm.trim(), "members": members}), || {
                format!(
                    "Deleted the project “{}” from the server for good; its {members} members were signed out",
                    confirm.trim()
                )
            });
        }
        AdminCommand::Projects => bail!("`admin projects` lists the projects of a server and opens none"),
    }
    Ok(())
}

/// The projects of a server, then those deleted from it, one per line.
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

/// The projects of a server and the record of those deleted from it.
fn projects_json(listed: &ServerProjects) -> serde_json::Value {
    json!({
        "projects": listed.projects.iter().map(|p| json!({"id": p.id, "title": p.title, "members": p.members})).collect::<Vec<_>>(),
        "deleted": listed.deleted.iter().map(|d| json!({
            "id": d.id, "title": d.title, "deleted_by": d.deleted_by, "deleted_at": d.deleted_at, "members": d.members,
        })).collect::<Vec<_>>(),
    })
}
