//! The roles that work on a move, one queue each.

use std::fmt;

/// Who runs a step of a flow: a user of the class of that role takes the flow from the role's
/// queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// A customer (service member), in the milmove app: starts flows.
    Customer,
    /// A Services Counselor, in the office app.
    ServicesCounselor,
    /// A Transportation Ordering Officer, in the office app.
    Too,
    /// A Transportation Invoicing Officer, in the office app.
    Tio,
    /// The Prime contractor, on the Prime API.
    Prime,
    /// The Support API (test harness standing in for other systems).
    Support,
}

impl Role {
    /// Every role, in the order of a move's life.
    pub const ALL: [Role; 6] = [
        Role::Customer,
        Role::ServicesCounselor,
        Role::Too,
        Role::Tio,
        Role::Prime,
        Role::Support,
    ];

    /// The role's index in [`Role::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// How reports name the role (`services counselor`, `TOO`, …).
    pub fn label(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::ServicesCounselor => "services counselor",
            Role::Too => "TOO",
            Role::Tio => "TIO",
            Role::Prime => "Prime",
            Role::Support => "Support",
        }
    }

    /// The user class whose users play the role.
    pub fn class_name(self) -> &'static str {
        match self {
            Role::Customer => "CustomerUser",
            Role::ServicesCounselor => "ServicesCounselorUser",
            Role::Too => "TOOUser",
            Role::Tio => "TIOUser",
            Role::Prime => "PrimeUser",
            Role::Support => "SupportUser",
        }
    }

    /// The role played by the users of class `name`, if any.
    pub fn of_class(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.class_name() == name)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_map_to_their_classes() {
        for role in Role::ALL {
            assert_eq!(Role::of_class(role.class_name()), Some(role));
            assert_eq!(Role::ALL[role.index()], role);
        }
        assert_eq!(Role::of_class("PrimeWorkflowUser"), None);
        assert_eq!(Role::Too.to_string(), "TOO");
    }
}
