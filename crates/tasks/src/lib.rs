//! MilMove task sets (work in progress).
#![allow(missing_docs)]
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
pub mod office;
pub mod prime;
pub mod refetch;
pub mod store;
pub mod support;
pub mod workflows;
