//! The MilMove task sets of the old Locust suite, ported to Rust and to the current MilMove
//! APIs, and the body shared by the `prime-load`, `office-load` and `milmove-load` binaries.
//!
//! - [`classes`]: the user classes (Prime, Support, Prime workflow, Services Counselor, TOO,
//!   TIO, customer) as [`catalog`] entries: every task with its weight, tags (`-T`/`-E`
//!   select them) and the request it sends. `--list` prints the catalog and the classes are
//!   built from it, so the two never disagree.
//! - [`prime`], [`support`], [`workflows`], [`office`], [`customer`]: the tasks. Request
//!   bodies are fake bodies from the MilMove specs ([`fake`], [`apis`]); a task overrides
//!   only what its flow decides (IDs, statuses, weights).
//! - [`store`]: bounded, concurrency-safe data stores shared by the users of a class, with
//!   claims so two users never update one object at once.
//! - [`call`] and [`refetch`]: sending requests (`If-Match`, CSRF, grouped names, expected
//!   failures) and recovering from stale copies (412/409) by refetching and retrying.
//! - [`flows`]: lifecycle flows, a move's whole life across the roles (customer, services
//!   counselor, TOO, Prime, TIO), handed from role to role through per-process queues, with
//!   queue-wait, step and flow rows in the reports.
//! - [`app`]: the command line and run of the three binaries; [`coverage`]: checking a run's
//!   JSON summary (every task ran, workflows completed, no unexpected failure).
//!
//! Retired endpoints: the Prime v1 `createMTOShipment` and `updateMTOShipment` answer
//! `410 Gone` in the current specs; the tasks use their successors in the Prime v3 API
//! (`POST /prime/v3/mto-shipments`, `PATCH /prime/v3/mto-shipments/{mtoShipmentID}`).
//!
//! # Example
//!
//! Listing what a binary would run, without a server:
//!
//! ```
//! use milmove_tasks::app::{list_text, parse_args, select, AppKind};
//!
//! let args = parse_args(AppKind::Prime, ["prime-load", "--support-user-weight", "0"]).unwrap();
//! let selected = select(AppKind::Prime, &args);
//! let names: Vec<&str> = selected.iter().map(|s| s.spec.name).collect();
//! assert_eq!(names, ["PrimeUser", "PrimeWorkflowUser"]);
//!
//! let text = list_text(&selected);
//! assert!(text.contains("createMTOShipment"));
//! assert!(text.contains("POST /prime/v3/mto-shipments"));
//! ```
//!
//! Sharing one data store between users (what tasks do with the objects they create):
//!
//! ```
//! use milmove_tasks::store::{etag, DataStores, Kind};
//! use rand::SeedableRng;
//! use serde_json::json;
//!
//! let stores = DataStores::with_capacity(50);
//! let shipments = stores.of(Kind::Shipment);
//! shipments.put(json!({"id": "s1", "status": "SUBMITTED", "eTag": "MjAyNA=="}));
//!
//! let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
//! let claim = shipments
//!     .claim_where(&mut rng, |s| s["status"] == "SUBMITTED")
//!     .unwrap();
//! // ... send the update with If-Match: etag(claim.object()) ...
//! claim.release(json!({"id": "s1", "status": "APPROVED", "eTag": "MjAyNQ=="}));
//! assert_eq!(etag(&shipments.get("s1").unwrap()), "MjAyNQ==");
//! ```
#![warn(missing_docs)]

pub mod apis;
pub mod app;
pub mod call;
pub mod catalog;
pub mod classes;
pub mod context;
pub mod coverage;
pub mod customer;
pub mod error;
pub mod fake;
pub mod flows;
pub mod office;
pub mod prime;
pub mod refetch;
pub mod store;
pub mod support;
pub mod workflows;
