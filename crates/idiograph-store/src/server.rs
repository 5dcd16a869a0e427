//! What a PostgreSQL server holds beyond any one project: the list of its projects and the
//! record of those deleted from it, for whoever administers the server.

use sqlx::{Connection as _, Row as _};

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
    for id in schemas.into_iter().filter(|s| is_schema_name(s)) {
        if !exists(&mut conn, &format!("{id}.study")).await? {
            continue;
        }
        // The name was checked by `is_schema_name`: only letters, digits and underscores.
        let title: Option<String> =
            match sqlx::query_scalar(&format!("SELECT title FROM {id}.study")).fetch_optional(&mut conn).await {
                Ok(title) => title,
                // Deleted since the list was read: undefined table or schema.
                Err(sqlx::Error::Database(e)) if matches!(e.code().as_deref(), Some("42P01" | "3F000")) => continue,
                Err(e) => return Err(e.into()),
            };
        let members: i64 = if accounts {
            sqlx::query_scalar("SELECT COUNT(*) FROM idiograph_accounts.membership WHERE project = $1")
                .bind(id.clone())
                .fetch_one(&mut conn)
                .await?
        } else {
            0
        };
        let Some(title) = title else { continue };
        listed.projects.push(ServerProject { id, title, members: u64::try_from(members).unwrap_or(0) });
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

/// Whether the table `name` (schema-qualified) exists.
async fn exists(conn: &mut sqlx::AnyConnection, name: &str) -> Result<bool, StoreError> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT to_regclass($1)::text").bind(name.to_owned()).fetch_one(&mut *conn).await?;
    Ok(found.is_some())
}
