//! Office (GHC) tasks of the Services Counselor, TOO and TIO roles, and the devlocal login.

pub mod common;
pub mod counselor;
pub mod login;
pub mod orders;
pub mod tio;
pub mod too;
