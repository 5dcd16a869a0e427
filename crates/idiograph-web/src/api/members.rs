//! The project's members and their roles, for its owner (team server).

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
