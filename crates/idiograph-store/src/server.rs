//! What a PostgreSQL server holds beyond any one project: the list of its projects and the
//! record of those deleted from it, for whoever administers the server.

use idiograph_model::Role;
use sqlx::{Connection as _, Row as _};

use crate::accounts::role_of_word;
use crate::db::{install_drivers, is_schema_name, server_options};
use crate::StoreError;

/// A project on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerProject {
    /// Its id (the schema name), as `--database URL -p ID` takes it.
    pub id: String,
    /// The study's title.
    pub title: String,
    /// How many accounts have a role in it.
    pub members: u64,
}

/// A project deleted from the server (`admin delete-project`), as the server recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedProject {
    /// The id it had.
    pub id: String,
    /// The study's title when it was deleted.
    pub title: String,
    /// Who deleted it.
    pub deleted_by: String,
    /// When (RFC 3339).
    pub deleted_at: String,
    /// How many members it had.
    pub members: u64,
}

/// The projects on a server and those deleted from it, each sorted by id and by time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerProjects {
    /// The projects there are.
    pub projects: Vec<ServerProject>,
    /// The projects deleted, oldest first.
    pub deleted: Vec<DeletedProject>,
}

/// Lists the projects on the PostgreSQL server at `url` and the ones deleted from it. A schema
/// named like a project that holds none (e.g. one being created) is left out.
pub async fn server_projects(url: &str) -> Result<ServerProjects, StoreError> {
    install_drivers();
    let mut conn = sqlx::AnyConnection::connect_with(&server_options(url)?).await?;
    let schemas: Vec<String> =
        sqlx::query_scalar("SELECT schema_name::text FROM information_schema.schemata ORDER BY schema_name")
            .fetch_all(&mut conn)
            .await?;
    let accounts = exists(&mut conn, "idiograph_accounts.membership").await?;
    let mut listed = ServerProjects::default();
    for id in schemas {
        listed.projects.extend(project(&mut conn, id, accounts).await?);
    }
    if exists(&mut conn, "idiograph_accounts.deleted_project").await? {
        let rows = sqlx::query(
            "SELECT project, title, deleted_by, deleted_at, members FROM idiograph_accounts.deleted_project
             ORDER BY deleted_at, project",
        )
        .fetch_all(&mut conn)
        .await?;
        for r in rows {
            listed.deleted.push(DeletedProject {
                id: r.try_get(0)?,
                title: r.try_get(1)?,
                deleted_by: r.try_get(2)?,
                deleted_at: r.try_get(3)?,
                members: u64::try_from(r.try_get::<i64, _>(4)?).unwrap_or(0),
            });
        }
    }
    conn.close().await?;
    Ok(listed)
}

/// The projects on the PostgreSQL server at `url` where the account called `name` has a role,
/// with that role, by title: what the home page of a server of many projects lists for them.
/// A membership of a project deleted since is left out.
pub async fn account_projects(url: &str, name: &str) -> Result<Vec<(ServerProject, Role)>, StoreError> {
    install_drivers();
    let mut conn = sqlx::AnyConnection::connect_with(&server_options(url)?).await?;
    if !exists(&mut conn, "idiograph_accounts.membership").await? {
        conn.close().await?;
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT m.project, m.role FROM idiograph_accounts.membership m
         JOIN idiograph_accounts.account a ON a.id = m.account_id WHERE a.name = $1 ORDER BY m.project",
    )
    .bind(name.to_owned())
    .fetch_all(&mut conn)
    .await?;
    let mut listed = Vec::with_capacity(rows.len());
    for r in rows {
        let role = role_of_word(&r.try_get::<String, _>(1)?)?;
        if let Some(p) = project(&mut conn, r.try_get(0)?, true).await? {
            listed.push((p, role));
        }
    }
    conn.close().await?;
    listed.sort_by(|(a, _), (b, _)| a.title.to_lowercase().cmp(&b.title.to_lowercase()).then(a.id.cmp(&b.id)));
    Ok(listed)
}

/// The project in the schema `id` with its title and member count (`accounts`: whether the
/// server has the membership table yet); `None` when the schema holds no project, or no longer.
async fn project(
    conn: &mut sqlx::AnyConnection,
    id: String,
    accounts: bool,
) -> Result<Option<ServerProject>, StoreError> {
    if !is_schema_name(&id) || !exists(&mut *conn, &format!("{id}.study")).await? {
        return Ok(None);
    }
    // The name was checked by `is_schema_name`: only letters, digits and underscores.
    let title: Option<String> =
        match sqlx::query_scalar(&format!("SELECT title FROM {id}.study")).fetch_optional(&mut *conn).await {
            Ok(title) => title,
            // Deleted since the list was read: undefined table or schema.
            Err(sqlx::Error::Database(e)) if matches!(e.code().as_deref(), Some("42P01" | "3F000")) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
    let members: i64 = if accounts {
        sqlx::query_scalar("SELECT COUNT(*) FROM idiograph_accounts.membership WHERE project = $1")
            .bind(id.clone())
            .fetch_one(&mut *conn)
            .await?
    } else {
        0
    };
    Ok(title.map(|title| ServerProject { id, title, members: u64::try_from(members).unwrap_or(0) }))
}

/// Whether the table `name` (schema-qualified) exists.
async fn exists(conn: &mut sqlx::AnyConnection, name: &str) -> Result<bool, StoreError> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT to_regclass($1)::text").bind(name.to_owned()).fetch_one(&mut *conn).await?;
    Ok(found.is_some())
}
