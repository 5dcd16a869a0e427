//! The members page, the owner's (team server): the project's members with their roles,
//! changing a role, signing a member out everywhere, removing a member, giving an existing
//! account a role, and deleting the project. Every change goes through `/api/v1/members/…` or
//! `DELETE /api/v1/project`; `static/js/members.js` asks before removing or deleting.

use askama::Template;
use idiograph_model::Role;

use super::{render, Chrome};
use crate::auth::Bench;
use crate::error::PageResult;

/// One member as the page lists them.
pub(crate) struct MemberRow {
    name: String,
    role: &'static str,
    /// The viewer themself: changing their own role or signing themself out ends their access.
    me: bool,
}

/// The members page.
#[derive(Template)]
#[template(path = "members.html")]
pub(crate) struct MembersPage {
    chrome: Chrome,
    members: Vec<MemberRow>,
    roles: Vec<&'static str>,
    /// The study's title, which deleting the project asks to be typed.
    title: String,
    /// The project file, when a file holds the project: the page cannot delete it.
    file: Option<String>,
}

/// The members page; the route table keeps it for owners.
pub(crate) async fn members(Bench(wb): Bench) -> PageResult {
    let s = wb.snapshot().await?;
    let members = wb
        .users()
        .await?
        .into_iter()
        .filter_map(|(name, role)| {
            role.map(|r| MemberRow { me: wb.role().is_some() && name == wb.author(), role: r.as_str(), name })
        })
        .collect();
    let page = MembersPage {
        chrome: Chrome::new(&wb, &s.settings, "members", "Members"),
        members,
        roles: Role::ALL.iter().rev().map(|r| r.as_str()).collect(),
        title: s.settings.title.clone(),
        file: wb.project_file().map(|p| p.display().to_string()),
    };
    render(&page)
}
