//! Prime API tasks (tag `prime`).

pub mod moves;
pub mod payments;
pub mod service_items;
pub mod shipments;
