//! Accounts, project memberships and login sessions for a team server.
//!
//! They are kept apart from the study: a file holds its own, a PostgreSQL server shares them
//! across its projects (schema `idiograph_accounts`). Changes go through a [`Tx`] and its
//! commit's audit event like every command, but record no row images, so undo never reverts
//! them, and [`Store::dump`] and [`Store::copy_into`] leave them out.

use idiograph_model::Role;
use sqlx::Row as _;

use crate::{Store, StoreError, Tx};

/// A person who can log in to a team server.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// Stable id.
    pub id: String,
    /// The login name, also the author of their commands in the audit log.
    pub name: String,
    /// The argon2id hash of their password (PHC string).
    pub password_hash: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A password hash is an offline-guessing target; keep it out of logs.
        f.debug_struct("Account").field("id", &self.id).field("name", &self.name).finish_non_exhaustive()
    }
}

/// One limited key's count of login attempts, as [`Store::count_login_attempt`] made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginCount {
    /// The key (a hash of a user name or a client address).
    pub key: String,
    /// Attempts in the key's current window, the one just counted included.
    pub attempts: u64,
    /// When the window began (seconds since 1970); identifies the window for taking one back.
    pub window_start: i64,
}

/// A login session as stored: whose it is and its times (seconds since 1970).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// The account's id.
    pub account_id: String,
    /// The account's name.
    pub name: String,
    /// When the session began.
    pub created_at: i64,
    /// When it was last used.
    pub last_seen: i64,
    /// Whether it was ended (logout, revocation).
    pub revoked: bool,
}

/// A session from a row whose first five columns are account id, name, created, last seen, revoked.
fn stored_session(r: &sqlx::any::AnyRow) -> Result<StoredSession, StoreError> {
    Ok(StoredSession {
        account_id: r.try_get(0)?,
        name: r.try_get(1)?,
        created_at: r.try_get(2)?,
        last_seen: r.try_get(3)?,
        revoked: r.try_get::<i64, _>(4)? != 0,
    })
}

pub(crate) fn role_of_word(word: &str) -> Result<Role, StoreError> {
    word.parse().map_err(|e| StoreError::Corrupt(format!("membership role: {e}")))
}

impl Tx {
    fn accounts_table(&self, table: &str) -> String {
        format!("{}{table}", self.accounts.prefix)
    }

    /// The account called `name`, if any.
    pub async fn account(&mut self, name: &str) -> Result<Option<Account>, StoreError> {
        let sql = format!(
            "SELECT id, name, password_hash, created_at FROM {} WHERE name = $1",
            self.accounts_table("account")
        );
        let row = sqlx::query(&sql).bind(name.to_owned()).fetch_optional(&mut *self.tx).await?;
        row.map(|r| {
            Ok(Account {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                password_hash: r.try_get(2)?,
                created_at: r.try_get(3)?,
            })
        })
        .transpose()
    }

    /// Adds an account; refuses a name that is taken.
    pub async fn insert_account(&mut self, account: &Account) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO {} (id, name, password_hash, created_at) VALUES ($1, $2, $3, $4)",
            self.accounts_table("account")
        );
        sqlx::query(&sql)
            .bind(account.id.clone())
            .bind(account.name.clone())
            .bind(account.password_hash.clone())
            .bind(account.created_at.clone())
            .execute(&mut *self.tx)
            .await
            .map_err(|e| StoreError::from_write(e, &format!("user {}", account.name)))?;
        Ok(())
    }

    /// Every account with its role in this project (`None`: not a member), by name.
    pub async fn accounts(&mut self) -> Result<Vec<(String, Option<Role>)>, StoreError> {
        let sql = format!(
            "SELECT a.name, m.role FROM {} a LEFT JOIN {} m ON m.account_id = a.id AND m.project = $1 ORDER BY a.name{}",
            self.accounts_table("account"),
            self.accounts_table("membership"),
            if self.accounts.prefix.is_empty() { "" } else { " COLLATE \"C\"" },
        );
        let rows = sqlx::query(&sql).bind(self.accounts.project.clone()).fetch_all(&mut *self.tx).await?;
        rows.iter()
            .map(|r| {
                let role: Option<String> = r.try_get(1)?;
                Ok((r.try_get(0)?, role.as_deref().map(role_of_word).transpose()?))
            })
            .collect()
    }

    /// The role of an account in this project, if it is a member.
    pub async fn role_of(&mut self, account_id: &str) -> Result<Option<Role>, StoreError> {
        let sql =
            format!("SELECT role FROM {} WHERE account_id = $1 AND project = $2", self.accounts_table("membership"));
        let role: Option<String> = sqlx::query_scalar(&sql)
            .bind(account_id.to_owned())
            .bind(self.accounts.project.clone())
            .fetch_optional(&mut *self.tx)
            .await?;
        role.as_deref().map(role_of_word).transpose()
    }

    /// Makes an account a member of this project with `role`, or ends its membership (`None`).
    pub async fn set_role(&mut self, account_id: &str, role: Option<Role>) -> Result<(), StoreError> {
        let table = self.accounts_table("membership");
        let project = self.accounts.project.clone();
        match role {
            Some(role) => {
                let sql = format!(
                    "INSERT INTO {table} (account_id, project, role) VALUES ($1, $2, $3)
                     ON CONFLICT (account_id, project) DO UPDATE SET role = excluded.role"
                );
                sqlx::query(&sql)
                    .bind(account_id.to_owned())
                    .bind(project)
                    .bind(role.as_str())
                    .execute(&mut *self.tx)
                    .await?;
            }
            None => {
                let sql = format!("DELETE FROM {table} WHERE account_id = $1 AND project = $2");
                sqlx::query(&sql).bind(account_id.to_owned()).bind(project).execute(&mut *self.tx).await?;
            }
        }
        Ok(())
    }

    /// Starts a session for an account, known by the hash of its token.
    pub async fn insert_session(&mut self, token_hash: &str, account_id: &str, now: i64) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO {} (token_hash, account_id, created_at, last_seen, revoked) VALUES ($1, $2, $3, $3, 0)",
            self.accounts_table("account_session")
        );
        sqlx::query(&sql)
            .bind(token_hash.to_owned())
            .bind(account_id.to_owned())
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// The session whose token hashes to `token_hash`, if there is one.
    pub async fn session(&mut self, token_hash: &str) -> Result<Option<StoredSession>, StoreError> {
        let sql = format!(
            "SELECT s.account_id, a.name, s.created_at, s.last_seen, s.revoked FROM {} s JOIN {} a ON a.id = s.account_id
             WHERE s.token_hash = $1",
            self.accounts_table("account_session"),
            self.accounts_table("account"),
        );
        let row = sqlx::query(&sql).bind(token_hash.to_owned()).fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(stored_session).transpose()
    }

    /// Ends one session (logout); returns whether it was open.
    pub async fn revoke_session(&mut self, token_hash: &str) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE {} SET revoked = 1 WHERE token_hash = $1 AND revoked = 0",
            self.accounts_table("account_session")
        );
        let done = sqlx::query(&sql).bind(token_hash.to_owned()).execute(&mut *self.tx).await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every open session of an account; returns how many.
    pub async fn revoke_sessions(&mut self, account_id: &str) -> Result<u64, StoreError> {
        let sql = format!(
            "UPDATE {} SET revoked = 1 WHERE account_id = $1 AND revoked = 0",
            self.accounts_table("account_session")
        );
        let done = sqlx::query(&sql).bind(account_id.to_owned()).execute(&mut *self.tx).await?;
        Ok(done.rows_affected())
    }
}

impl Store {
    /// The session whose token hashes to `token_hash`, with its account's role in this project
    /// (`None`: not a member). One statement outside any transaction, since every request to a
    /// team server asks.
    pub async fn session_with_role(
        &self,
        token_hash: &str,
    ) -> Result<Option<(StoredSession, Option<Role>)>, StoreError> {
        let scope = self.db.account_scope();
        let p = scope.prefix;
        let sql = format!(
            "SELECT s.account_id, a.name, s.created_at, s.last_seen, s.revoked, m.role
             FROM {p}account_session s JOIN {p}account a ON a.id = s.account_id
             LEFT JOIN {p}membership m ON m.account_id = s.account_id AND m.project = $2
             WHERE s.token_hash = $1"
        );
        let row =
            sqlx::query(&sql).bind(token_hash.to_owned()).bind(scope.project).fetch_optional(&self.db.pool).await?;
        let Some(r) = row else { return Ok(None) };
        let role: Option<String> = r.try_get(5)?;
        Ok(Some((stored_session(&r)?, role.as_deref().map(role_of_word).transpose()?)))
    }

    /// Records that a session was used at `now`. Bookkeeping for idle expiry, not a command: it
    /// takes no write lock and leaves no audit event.
    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE {}account_session SET last_seen = $1 WHERE token_hash = $2 AND last_seen < $1",
            self.db.account_scope().prefix
        );
        sqlx::query(&sql).bind(now).bind(token_hash.to_owned()).execute(&self.db.pool).await?;
        Ok(())
    }

    /// Counts a login attempt against each of `keys` (hashes of what is limited) before its
    /// password is checked, and returns each key's count in its window, this attempt included.
    /// A key's window starts at its first attempt and lasts `window` seconds. Each count is one
    /// statement that adds and reads at once under the row's lock, so parallel attempts are
    /// counted one after another on either backend and by every server process: a burst cannot
    /// all see a count below the limit. Bookkeeping like [`Store::touch_session`]: no write lock,
    /// no audit event (a guessing attack must not fill the study's history).
    pub async fn count_login_attempt(
        &self,
        keys: &[String],
        now: i64,
        window: i64,
    ) -> Result<Vec<LoginCount>, StoreError> {
        let table = format!("{}login_attempt", self.db.account_scope().prefix);
        let expired = now - window;
        // Keys nobody tried for a window are forgotten, so the table stays small.
        sqlx::query(&format!("DELETE FROM {table} WHERE window_start <= $1"))
            .bind(expired)
            .execute(&self.db.pool)
            .await?;
        let upsert = format!(
            "INSERT INTO {table} AS a (key, window_start, attempts) VALUES ($1, $2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
             attempts = CASE WHEN a.window_start <= $3 THEN 1 ELSE a.attempts + 1 END, \
             window_start = CASE WHEN a.window_start <= $3 THEN $2 ELSE a.window_start END \
             RETURNING attempts, window_start"
        );
        let mut counts = Vec::with_capacity(keys.len());
        for key in keys {
            let row = sqlx::query(&upsert).bind(key.clone()).bind(now).bind(expired).fetch_one(&self.db.pool).await?;
            let attempts: i64 = row.try_get(0)?;
            counts.push(LoginCount {
                key: key.clone(),
                attempts: u64::try_from(attempts).unwrap_or(0),
                window_start: row.try_get(1)?,
            });
        }
        Ok(counts)
    }

    /// Takes back attempts counted by [`Store::count_login_attempt`] that must not count against
    /// the limit: a login that succeeded, or one refused by the limit without a password check.
    pub async fn uncount_login_attempt(&self, counts: &[LoginCount]) -> Result<(), StoreError> {
        let table = format!("{}login_attempt", self.db.account_scope().prefix);
        let sql =
            format!("UPDATE {table} SET attempts = attempts - 1 WHERE key = $1 AND window_start = $2 AND attempts > 0");
        for c in counts {
            sqlx::query(&sql).bind(c.key.clone()).bind(c.window_start).execute(&self.db.pool).await?;
        }
        Ok(())
    }
}
