//! Lifecycle flows: a move's whole life across the roles, as MilMove's 2024 load tests run it
//! (`locustfiles/queue.py`, `utils/flows/`), plus the TIO's review of the payment requests.
//!
//! A flow ([`spec::FlowSpec`]) is a list of steps, each run by a user of one [`role::Role`]:
//! a customer starts it and runs its first step, then hands it to the next step's role through
//! that role's queue in the process ([`hub::FlowHub`]); a user of that role takes it, runs its
//! step, and hands it on, until the last step. Users whose queue is empty run their class's own
//! tasks ([`turn`]). The flows are declared in [`catalog`], their steps in [`steps`].
//!
//! Everything is recorded as pseudo rows (kept out of the aggregated request figures): the
//! time each flow waited in each role's queue (`QUEUE queue TOO`), each step, each flow (its
//! steps' time added up) and each flow end to end (queue waits included); flows left waiting
//! or cut in a step when the test stops are recorded too, so none is lost.
//!
//! ```
//! use milmove_tasks::flows::catalog;
//! use milmove_tasks::flows::hub::{step_row, FlowHub, HubConfig};
//! use milmove_tasks::flows::role::Role;
//!
//! // The default mix starts every flow of the catalog.
//! let weights = catalog::parse_mix(catalog::DEFAULT_MIX).unwrap();
//! let metas: Vec<_> = catalog::all().iter().zip(weights).map(|(f, w)| f.meta(w)).collect();
//! let hub = FlowHub::new(metas, HubConfig::default());
//! assert_eq!(
//!     hub.roles_in_use(),
//!     [Role::Customer, Role::ServicesCounselor, Role::Too, Role::Tio, Role::Prime]
//! );
//! let payments = &hub.flows()[3];
//! assert_eq!(payments.name, "hhg-payments");
//! let last = payments.steps.last().unwrap();
//! assert_eq!(
//!     step_row(payments.name, 6, 7, last.role, last.name),
//!     "flow hhg-payments 7/7 TIO review-payment-requests"
//! );
//! // Room for new flows is bounded per process.
//! assert!(hub.admit());
//! assert_eq!(hub.in_flight(), 1);
//! ```

pub mod app;
pub mod case;
pub mod catalog;
pub mod check;
pub mod class;
pub mod hub;
mod meta;
pub mod role;
mod rows;
pub mod runnable;
pub mod spec;
pub mod steps;
pub mod turn;
