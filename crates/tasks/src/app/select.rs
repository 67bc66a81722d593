//! Which user classes an app runs, with their weights and data-store groups, and `--list`.

use std::fmt::Write as _;

use super::args::AppArgs;
use crate::catalog::ClassSpec;
use crate::classes;
use crate::flows::catalog as flow_catalog;
use crate::flows::role::Role;

/// The three binaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppKind {
    /// `prime-load`: Prime, Support and Prime workflow users.
    Prime,
    /// `office-load`: Services Counselor, TOO and TIO users.
    Office,
    /// `milmove-load`: customer users.
    Milmove,
}

impl AppKind {
    /// The binary's name.
    pub fn bin_name(self) -> &'static str {
        match self {
            AppKind::Prime => "prime-load",
            AppKind::Office => "office-load",
            AppKind::Milmove => "milmove-load",
        }
    }
}

/// Classes sharing one set of data stores (as the old suite's class-level stores): the
/// Prime/Support group, the office group and the customer group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreGroup {
    /// Prime, Support and Prime workflow users.
    Prime,
    /// Services Counselor, TOO and TIO users.
    Office,
    /// Customer users.
    Customer,
}

/// A class chosen for a run.
pub struct Selected {
    /// The class.
    pub spec: ClassSpec,
    /// Its weight (from the flags).
    pub weight: u32,
    /// Whose data stores it shares.
    pub group: StoreGroup,
    /// In a lifecycle run, the role its users play in the flows (`None`: the class runs on its
    /// own, as outside lifecycle runs).
    pub role: Option<Role>,
}

/// The classes of `kind` (all of them with `--all`), leaving out weight-0 classes.
pub fn select(kind: AppKind, args: &AppArgs) -> Vec<Selected> {
    candidates(kind, args)
        .into_iter()
        .filter(|s| s.weight > 0)
        .collect()
}

/// The classes of `kind` (all of them with `--all`) with their flag weights, weight-0 classes
/// included (the web UI's class picker offers them).
pub fn candidates(kind: AppKind, args: &AppArgs) -> Vec<Selected> {
    let prime = [
        (
            classes::prime_user(),
            args.prime_user_weight,
            StoreGroup::Prime,
        ),
        (
            classes::support_user(),
            args.support_user_weight,
            StoreGroup::Prime,
        ),
        (
            classes::prime_workflow_user(),
            args.prime_workflow_user_weight,
            StoreGroup::Prime,
        ),
    ];
    let office = [
        (
            classes::services_counselor_user(),
            args.services_counselor_user_weight,
            StoreGroup::Office,
        ),
        (
            classes::too_user(),
            args.too_user_weight,
            StoreGroup::Office,
        ),
        (
            classes::tio_user(),
            args.tio_user_weight,
            StoreGroup::Office,
        ),
    ];
    let customer = [(
        classes::customer_user(),
        args.customer_user_weight,
        StoreGroup::Customer,
    )];
    let lifecycle = args.lifecycle_mode();
    let mut chosen = Vec::new();
    if lifecycle && !args.all {
        // The classes of the roles the flows need.
        let roles = flow_catalog::parse_mix(&args.flows)
            .map(|w| flow_catalog::roles_of(&w))
            .unwrap_or_else(|_| Role::ALL.to_vec());
        chosen.extend(
            prime
                .into_iter()
                .chain(office)
                .chain(customer)
                .filter(|(spec, _, _)| {
                    Role::of_class(spec.name).is_some_and(|r| roles.contains(&r))
                }),
        );
    } else {
        if args.all || kind == AppKind::Prime {
            chosen.extend(prime);
        }
        if args.all || kind == AppKind::Office {
            chosen.extend(office);
        }
        if args.all || kind == AppKind::Milmove {
            chosen.extend(customer);
        }
    }
    chosen
        .into_iter()
        .map(|(spec, weight, group)| Selected {
            role: Role::of_class(spec.name).filter(|_| lifecycle),
            spec,
            weight,
            group,
        })
        .collect()
}

/// The `--list` text: each class with its weight and tags, then its tasks (set, weight, tags,
/// and the request that shows the task ran).
pub fn list_text(selected: &[Selected]) -> String {
    let mut out = String::new();
    for s in selected {
        let spec = &s.spec;
        let _ = writeln!(
            out,
            "{} (weight {}, {} host{}, tags: {})",
            spec.name,
            s.weight,
            spec.domain,
            if spec.mutual_tls { ", mutual TLS" } else { "" },
            spec.tags.join(", ")
        );
        if let Some(role) = s.role {
            let turn = if role == Role::Customer {
                "starts a lifecycle flow on half its turns (when there is room), checks its last move on the others".to_string()
            } else {
                format!("takes the next lifecycle flow from the {role} queue and runs its step")
            };
            let _ = writeln!(
                out,
                "  lifecycle ({role}, tag {}): {turn}; with nothing to do it runs these tasks:",
                crate::flows::class::LIFECYCLE_TAG
            );
            if role == Role::Customer {
                let _ = writeln!(
                    out,
                    "    {:<40} {:<28} tags: {:<60} GET {}",
                    "check_my_move",
                    "weight 1",
                    spec.tags.join(", "),
                    crate::flows::steps::customer::SHOW_MOVE
                );
                continue;
            }
        }
        for (set, task) in spec.all_tasks() {
            let place = match set {
                Some(set) if set.sequential => format!("{} step", set.name),
                Some(set) => format!("{} (weight {})", set.name, set.weight),
                None => format!("weight {}", task.weight),
            };
            let mut tags = task.tags.clone();
            if let Some(set) = set {
                tags.extend(set.tags.iter().copied());
            }
            let _ = writeln!(
                out,
                "    {:<40} {:<28} tags: {:<60} {} {}",
                task.name,
                place,
                tags.join(", "),
                task.request.0,
                task.request.1
            );
        }
    }
    out
}
