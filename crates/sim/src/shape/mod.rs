//! Response bodies built from state, one module per API family. Each builder fills the
//! fields its schema requires so responses validate against the spec.

pub mod ghc;
pub mod internal;
pub mod marshal;
pub mod orders;
pub mod prime;
pub mod queues;
pub mod service_item;
pub mod support;
