//! Accounts of a team server: users, their roles in this project, logins and sessions.
//!
//! Passwords are kept only as argon2id hashes; a session is a random token given to the browser,
//! of which the store keeps only the SHA-256. Every change here is a command with an audit event
//! (content-free: names and roles), never undoable, because accounts are not part of the study.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use idiograph_model::Role;
use idiograph_store::{Account, Action, ServerProject};

use crate::error::invalid;
use crate::{new_id, now, sha256_hex, AppError, Workbench};

/// How long a session lasts: it ends after `idle_secs` without a request, and `max_secs` after
/// login whatever happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Seconds of inactivity after which a session ends.
    pub idle_secs: i64,
    /// Seconds after login at which a session ends in any case.
    pub max_secs: i64,
}

impl Default for SessionPolicy {
    /// Twelve hours idle (a working day), seven days at most.
    fn default() -> SessionPolicy {
        SessionPolicy { idle_secs: 12 * 3600, max_secs: 7 * 24 * 3600 }
    }
}

/// Who a valid session belongs to, and their role in this project (`None`: not a member).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// The account's name.
    pub name: String,
    /// Their role here, if they are a member.
    pub role: Option<Role>,
}

/// A new session: the secret token for the browser's cookie and who it belongs to.
pub struct Login {
    /// The session's secret (hex); only its hash is stored.
    pub token: String,
    /// The member who logged in.
    pub member: SignedIn,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login").field("token", &"[redacted]").field("member", &self.member).finish()
    }
}

/// Passwords checked and not accepted, allowed per user name, and per client address, within
/// [`LOGIN_WINDOW_SECS`].
const FAILURES_PER_NAME: u64 = 5;
/// Higher than per name: clients behind one NAT share an address.
const FAILURES_PER_ADDRESS: u64 = 20;
/// The rate limit's window; also how long a refused caller is told to wait.
pub const LOGIN_WINDOW_SECS: i64 = 60;

/// What came of a login attempt under the rate limit ([`Workbench::log_in_from`]).
#[derive(Debug)]
pub enum LoginAttempt {
    /// The name and password were right: a new session.
    Welcome(Login),
    /// Unknown name, wrong password or not a member (the caller cannot tell which).
    Refused,
    /// Too many failures for this name or from this address in the last
    /// [`LOGIN_WINDOW_SECS`]; the password was not even checked.
    TooMany,
}

/// Seconds since 1970, the unit of session times.
fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn random_bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Conflict(format!("no randomness from the system: {e}")))?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    if name.is_empty() || name.chars().count() > 64 || !name.chars().all(allowed) {
        return Err(invalid!(
            "user name '{name}' must be 1–64 letters, digits or . _ - @ (it is shown as the author of their work)"
        ));
    }
    Ok(name.to_owned())
}

fn check_password(password: &str) -> Result<(), AppError> {
    let n = password.chars().count();
    if n < 10 {
        return Err(invalid!("a password needs at least 10 characters (this one has {n})"));
    }
    if n > 1000 {
        return Err(invalid!("a password can have at most 1000 characters"));
    }
    Ok(())
}

/// Hashes a password with argon2id (its recommended parameters) and a random salt. Slow on
/// purpose, so callers run it off the async threads.
fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(|e| AppError::Conflict(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Conflict(format!("cannot hash the password: {e}")))
}

fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to check unknown names against, so a wrong name costs as much time as a wrong password
/// and the answer's timing does not tell which names exist.
fn stand_in_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("not anyone's password").unwrap_or_default())
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| AppError::Conflict(format!("password check failed: {e}")))
}

async fn account(tx: &mut idiograph_store::Tx, name: &str) -> Result<Account, AppError> {
    tx.account(name.trim()).await?.ok_or_else(|| AppError::NotFound(format!("no user '{}'", name.trim())))
}

impl Workbench {
    /// The projects on the PostgreSQL server at `url` where the account `name` has a role, with
    /// that role, by title: what a server of many projects shows them after login.
    pub async fn projects_of_account(url: &str, name: &str) -> Result<Vec<(ServerProject, Role)>, AppError> {
        Ok(idiograph_store::account_projects(url, name.trim()).await?)
    }

    /// Makes a new project on the PostgreSQL server at `url` for the signed-in account `owner`,
    /// who becomes its owner; returns it, used by them, with its id. Only an account that owns a
    /// project on the server may: the server's administrator makes the first one (`init`,
    /// `admin create-user`), and an owner is trusted with a study of their own.
    pub async fn create_on_server_as_owner(
        url: &str,
        title: &str,
        terminology: idiograph_model::Terminology,
        owner: &str,
    ) -> Result<(Workbench, String), AppError> {
        let owns = Workbench::projects_of_account(url, owner).await?.iter().any(|(_, role)| *role == Role::Owner);
        if !owns {
            return Err(AppError::Forbidden(format!(
                "{} owns no project on this server; only owners make new projects (ask an owner or the \
                 server's administrator)",
                owner.trim()
            )));
        }
        let (wb, id) = Workbench::create_on_server(url, title, terminology, owner).await?;
        wb.set_role(owner, Role::Owner).await?;
        Ok((wb.as_member(owner.trim(), Role::Owner), id))
    }

    /// The same project used by a signed-in member of a team server: commands are recorded as
    /// theirs, and rules that depend on the person (journal entries are their author's) apply.
    pub fn as_member(&self, name: &str, role: Role) -> Workbench {
        Workbench { author: name.to_owned(), role: Some(role), ..self.clone() }
    }

    /// The member's role on a team server; `None` in local single-user mode.
    pub fn role(&self) -> Option<Role> {
        self.role
    }

    /// Creates an account with a password and makes it a member of this project. Without a
    /// role, the first member becomes the owner and later ones analysts. Returns the role given.
    pub async fn create_user(&self, name: &str, password: &str, role: Option<Role>) -> Result<Role, AppError> {
        let name = check_name(name)?;
        check_password(password)?;
        let password = password.to_owned();
        let password_hash = blocking(move || hash_password(&password)).await??;
        let mut tx = self.begin().await?;
        if tx.account(&name).await?.is_some() {
            return Err(AppError::Conflict(format!(
                "a user called '{name}' already exists; give them a role here with `admin set-role {name} ROLE`"
            )));
        }
        let role = match role {
            Some(r) => r,
            None if tx.accounts().await?.iter().any(|(_, r)| *r == Some(Role::Owner)) => Role::Analyst,
            None => Role::Owner,
        };
        let account =
            Account { id: new_id().as_str().to_owned(), name: name.clone(), password_hash, created_at: now() };
        tx.insert_account(&account).await?;
        tx.set_role(&account.id, Some(role)).await?;
        tx.commit(Action::CreateUser, &format!("create user {name} as {role}")).await?;
        Ok(role)
    }

    /// Every account with its role in this project (`None`: not a member), by name.
    pub async fn users(&self) -> Result<Vec<(String, Option<Role>)>, AppError> {
        Ok(self.store.read().await?.accounts().await?)
    }

    /// Gives an existing account a role in this project (making it a member if it was not).
    /// Refuses to leave the project without an owner.
    pub async fn set_role(&self, name: &str, role: Role) -> Result<(), AppError> {
        let mut tx = self.begin().await?;
        let name = name.trim();
        let a = tx.account(name).await?.ok_or_else(|| {
            AppError::NotFound(format!(
                "there is no account called '{name}': accounts are made by the server's administrator, \
                 with `idiograph admin create-user {name}`; then give it a role here"
            ))
        })?;
        let previous = tx.role_of(&a.id).await?;
        if previous == Some(role) {
            return Ok(());
        }
        if previous == Some(Role::Owner) {
            last_owner_check(&mut tx, &a.name).await?;
        }
        tx.set_role(&a.id, Some(role)).await?;
        tx.commit(Action::SetRole, &format!("{} is now {role}", a.name)).await?;
        Ok(())
    }

    /// Ends an account's membership of this project (the account stays; on a server it may
    /// belong to other projects). Refuses to remove the last owner.
    pub async fn remove_member(&self, name: &str) -> Result<Role, AppError> {
        let mut tx = self.begin().await?;
        let a = account(&mut tx, name).await?;
        let role =
            tx.role_of(&a.id).await?.ok_or_else(|| AppError::NotFound(format!("'{}' is not a member", a.name)))?;
        if role == Role::Owner {
            last_owner_check(&mut tx, &a.name).await?;
        }
        tx.set_role(&a.id, None).await?;
        tx.commit(Action::RemoveMember, &format!("remove member {} ({role})", a.name)).await?;
        Ok(role)
    }

    /// Ends every session of an account (a lost laptop, a leaving colleague); returns how many.
    pub async fn revoke_sessions(&self, name: &str) -> Result<u64, AppError> {
        let mut tx = self.begin().await?;
        let a = account(&mut tx, name).await?;
        let n = tx.revoke_sessions(&a.id).await?;
        tx.commit(Action::RevokeSessions, &format!("end {n} sessions of {}", a.name)).await?;
        Ok(n)
    }

    /// Signs a member of this project out everywhere (ends all their sessions: a session is
    /// valid across a server's projects), for an owner who cannot reach the server's command
    /// line. Unlike [`Workbench::revoke_sessions`], it refuses an account that is not a member
    /// here and records no count, so nothing is learnt of their use of other projects.
    pub async fn sign_out_member(&self, name: &str) -> Result<(), AppError> {
        let mut tx = self.begin().await?;
        let a = account(&mut tx, name).await?;
        if tx.role_of(&a.id).await?.is_none() {
            return Err(AppError::NotFound(format!("'{}' is not a member", a.name)));
        }
        tx.revoke_sessions(&a.id).await?;
        tx.commit(Action::SignOutMember, &format!("sign {} out everywhere", a.name)).await?;
        Ok(())
    }

    /// Checks a name and password and, for a member of this project, starts a new session.
    /// `None` when the name is unknown, the password wrong or the account not a member: the
    /// caller cannot tell which, and each takes the time of one password check.
    pub async fn log_in(&self, name: &str, password: &str) -> Result<Option<Login>, AppError> {
        let found = {
            let mut tx = self.store.read().await?;
            match tx.account(name.trim()).await? {
                Some(a) => {
                    let role = tx.role_of(&a.id).await?;
                    Some((a, role))
                }
                None => None,
            }
        };
        let hash = found.as_ref().map_or_else(|| stand_in_hash().to_owned(), |(a, _)| a.password_hash.clone());
        let password = password.to_owned();
        let matches = blocking(move || password_matches(&password, &hash)).await?;
        let Some((a, Some(role))) = found.filter(|_| matches) else { return Ok(None) };
        // A fresh token on every login: a session id planted before login never becomes one.
        let token = hex(&random_bytes::<32>()?);
        let mut tx = self.store.begin(&a.name, &now()).await?;
        tx.insert_session(&sha256_hex(token.as_bytes()), &a.id, unix_now()).await?;
        tx.commit(Action::LogIn, &format!("{} logged in", a.name)).await?;
        Ok(Some(Login { token, member: SignedIn { name: a.name, role: Some(role) } }))
    }

    /// [`Workbench::log_in`] under the rate limit: at most five passwords checked and not
    /// accepted per user name, and twenty per client `address`, a minute. Each attempt is counted
    /// in the database before its password is checked (a burst of parallel guesses is counted
    /// one by one, by every server process on the database) and taken back if it succeeds or is
    /// not checked; counts are stored under hashes (no names or addresses at rest). While a
    /// limit is reached even the right password is turned away, so a guesser learns nothing.
    pub async fn log_in_from(&self, name: &str, password: &str, address: &str) -> Result<LoginAttempt, AppError> {
        let keys = [
            sha256_hex(format!("name:{}", name.trim()).as_bytes()),
            sha256_hex(format!("address:{address}").as_bytes()),
        ];
        let counts = self.store.count_login_attempt(&keys, unix_now(), LOGIN_WINDOW_SECS).await?;
        if counts[0].attempts > FAILURES_PER_NAME || counts[1].attempts > FAILURES_PER_ADDRESS {
            self.store.uncount_login_attempt(&counts).await?;
            return Ok(LoginAttempt::TooMany);
        }
        match self.log_in(name, password).await {
            Ok(Some(login)) => {
                self.store.uncount_login_attempt(&counts).await?;
                Ok(LoginAttempt::Welcome(login))
            }
            Ok(None) => Ok(LoginAttempt::Refused),
            // A check that could not finish decided nothing.
            Err(e) => {
                self.store.uncount_login_attempt(&counts).await?;
                Err(e)
            }
        }
    }

    /// Who the session with this token belongs to, if it is open and has not expired under
    /// `policy`; records its use for the idle limit.
    pub async fn session(&self, token: &str, policy: SessionPolicy) -> Result<Option<SignedIn>, AppError> {
        let hash = sha256_hex(token.as_bytes());
        let Some((s, role)) = self.store.session_with_role(&hash).await? else { return Ok(None) };
        let t = unix_now();
        if s.revoked || t - s.last_seen >= policy.idle_secs || t - s.created_at >= policy.max_secs {
            return Ok(None);
        }
        // Once a minute is precise enough for an idle limit of hours, and spares a write per request.
        if t - s.last_seen >= 60 {
            self.store.touch_session(&hash, t).await?;
        }
        Ok(Some(SignedIn { name: s.name, role }))
    }

    /// Ends the session with this token (logout); a token that is not open changes nothing.
    pub async fn log_out(&self, token: &str) -> Result<(), AppError> {
        let hash = sha256_hex(token.as_bytes());
        let mut tx = self.store.begin(&self.author, &now()).await?;
        let Some(s) = tx.session(&hash).await? else { return Ok(()) };
        if tx.revoke_session(&hash).await? {
            tx.commit(Action::LogOut, &format!("{} logged out", s.name)).await?;
        }
        Ok(())
    }
}

async fn last_owner_check(tx: &mut idiograph_store::Tx, name: &str) -> Result<(), AppError> {
    let owners = tx.accounts().await?.iter().filter(|(_, r)| *r == Some(Role::Owner)).count();
    if owners <= 1 {
        return Err(AppError::Conflict(format!("{name} is the project's only owner; make someone else owner first")));
    }
    Ok(())
}
