//! The research team: what each member of a project may do.

crate::word_enum!(
    /// A member's role in one project, from least to most rights (the order compares them).
    /// An independent auditor reads the whole analysis and comments in the reflexive journal;
    /// an analyst does all analysis; an owner also manages members and the study's settings.
    Role, "role", {
        /// Reads everything; writes only their own journal entries.
        Auditor => "auditor",
        /// Does all analysis.
        Analyst => "analyst",
        /// Also manages members and the study settings.
        Owner => "owner",
    }
);

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn roles_order_by_rights_and_read_as_words() {
        assert!(Role::Auditor < Role::Analyst && Role::Analyst < Role::Owner);
        assert_eq!("Owner".parse::<Role>(), Ok(Role::Owner));
        assert!("admin".parse::<Role>().unwrap_err().to_string().contains("auditor, analyst, owner"));
    }
}
