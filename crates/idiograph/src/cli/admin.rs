//! The grammar of `admin`: accounts and roles for a team server.

use clap::Subcommand;
use idiograph_model::Role;

use super::words::words;

/// Accounts and project roles. The password comes from $IDIOGRAPH_PASSWORD or a prompt.
#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an account and make it a member of this project (the first member owns it).
    CreateUser {
        /// The login name, also shown as the author of their work.
        name: String,
        /// owner (members, settings), analyst (all analysis) or auditor (reads; writes their own journal entries).
        #[arg(long, value_parser = words::<Role>())]
        role: Option<Role>,
    },
    /// List the accounts and their roles in this project.
    ListUsers,
    /// Give an existing account a role in this project (adds it as a member).
    SetRole {
        /// The user.
        name: String,
        /// owner, analyst or auditor.
        #[arg(value_parser = words::<Role>())]
        role: Role,
    },
    /// End an account's membership of this project (the account stays).
    RemoveMember {
        /// The user.
        name: String,
    },
    /// Log an account out everywhere (end all its sessions).
    RevokeSessions {
        /// The user.
        name: String,
    },
    /// Delete this project from the PostgreSQL server for good: the study with everything in
    /// it, its audit log and memberships; its members are signed out. Cannot be undone.
    DeleteProject {
        /// The study's exact title, to confirm.
        #[arg(long)]
        confirm: String,
    },
    /// List the projects on the PostgreSQL server (--database) with their ids and members, and
    /// the record of projects deleted from it (who deleted which, when). Needs no -p.
    Projects,
}
