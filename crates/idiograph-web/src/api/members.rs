//! The project's members and their roles, and deleting the project: its owner's business
//! (team server).

use axum::extract::Path;
use axum::Json;
use idiograph_model::Role;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{word, ApiJson};
use crate::auth::Bench;
use crate::error::ApiResult;

/// The members of this project with their roles (accounts without a role here are not shown:
/// on a server they may belong to other projects).
pub(crate) async fn list(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    let members: Vec<Value> = wb
        .users()
        .await?
        .into_iter()
        .filter_map(|(name, role)| role.map(|r| json!({ "name": name, "role": r.as_str() })))
        .collect();
    Ok(Json(json!({ "members": members })))
}

#[derive(Deserialize)]
pub(crate) struct RoleBody {
    role: String,
}

/// Gives an existing account a role here, making it a member if it was not one.
pub(crate) async fn set_role(
    Bench(wb): Bench,
    Path(name): Path<String>,
    ApiJson(b): ApiJson<RoleBody>,
) -> ApiResult<Json<Value>> {
    let role: Role = word(&b.role)?;
    wb.set_role(&name, role).await?;
    Ok(Json(json!({ "name": name, "role": role.as_str() })))
}

/// Ends an account's membership of this project.
pub(crate) async fn remove(Bench(wb): Bench, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    let role = wb.remove_member(&name).await?;
    Ok(Json(json!({ "removed": name, "role": role.as_str() })))
}

/// Signs a member out everywhere: every session of theirs ends, on this server's other
/// projects too (a session is server-wide); their membership stays.
pub(crate) async fn sign_out(Bench(wb): Bench, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    wb.sign_out_member(&name).await?;
    Ok(Json(json!({ "signed_out": name })))
}

#[derive(Deserialize)]
pub(crate) struct DeleteBody {
    /// The study's exact title, typed by the owner as a confirmation.
    title: String,
}

/// Deletes the project from its PostgreSQL server for good (a project file is refused with 422:
/// it is deleted as a file). Afterwards every member's session has ended and the server answers
/// for this project as for any address without one.
pub(crate) async fn delete_project(Bench(wb): Bench, ApiJson(b): ApiJson<DeleteBody>) -> ApiResult<Json<Value>> {
    let members = wb.delete_project(&b.title).await?;
    Ok(Json(json!({ "deleted": b.title.trim(), "members": members })))
}
