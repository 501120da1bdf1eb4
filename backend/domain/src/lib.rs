//! skillcert-domain: the Henan regulation (豫职评〔2023〕230号) as pure code.
//!
//! No IO, no async, no web or database types: every module here is a function of its inputs, so
//! the server, the tests and any third party can run the same rules and get the same answers.

pub mod enums;

pub use enums::{InstitutionKind, Level, MaterialKind, Method, Module, Role, Step, StepState};
