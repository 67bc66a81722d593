//! Per-operation artefacts built on first use (validators, generators).

use std::sync::{Arc, OnceLock};

use crate::fake::BodyGen;
use crate::validate::SchemaValidator;

type ValidatorCell = OnceLock<Result<Option<Arc<SchemaValidator>>, String>>;

/// Lazily built per-operation extras.
pub(crate) struct OpExtras {
    pub(crate) request_validator: ValidatorCell,
    pub(crate) response_validators: Vec<ValidatorCell>,
    pub(crate) param_validators: OnceLock<Result<Arc<[Arc<SchemaValidator>]>, String>>,
    pub(crate) request_gen: OnceLock<Option<Arc<BodyGen>>>,
    pub(crate) response_gens: Vec<OnceLock<Option<Arc<BodyGen>>>>,
}

impl OpExtras {
    /// Empty cells for an operation with `responses` declared statuses.
    pub(crate) fn new(responses: usize) -> Self {
        OpExtras {
            request_validator: OnceLock::new(),
            response_validators: (0..responses).map(|_| OnceLock::new()).collect(),
            param_validators: OnceLock::new(),
            request_gen: OnceLock::new(),
            response_gens: (0..responses).map(|_| OnceLock::new()).collect(),
        }
    }
}
