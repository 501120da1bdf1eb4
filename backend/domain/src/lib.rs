//! skillcert-domain: the Henan regulation (豫职评〔2023〕230号) as pure code.
//!
//! No IO, no async, no web or database types: every module here is a function of its inputs, so
//! the server, the tests and any third party can run the same rules and get the same answers.
//!
//! - [`enums`]: the vocabulary (kinds, modules, methods, steps, states, materials, levels, roles)
//! - [`catalogue`]: the process of each (kind, module) as data (SPEC §2–§3)
//! - [`state`]: the step state machine and the derived batch status (SPEC §3)
//! - [`rules`]: one function per rule code, the checklist and the deadlines (SPEC §4)
//! - [`warnings`]: warning codes and the per-candidate tests behind them (SPEC §5)
//! - [`calendar`]: China time and the working-day calendar (SPEC §4)
//! - [`certificate`]: certificate content, its canonical encoding, Ed25519 signature, serials
//! - [`codecs`]: ID numbers, credit codes, occupation codes, regions, certificate numbers
//! - [`draw`]: the reproducible random inspection draw (SPEC §7)
//! - [`alerts`]: which deadlines of a batch are approaching or passed on a date (the clock job)
//! - [`supervision`]: which batches a draw may pick (SPEC §3 `supervision`, `data_audit`; §7)

pub mod alerts;
pub mod arrangement;
pub mod calendar;
pub mod catalogue;
pub mod certificate;
pub mod codecs;
pub mod draw;
pub mod enums;
pub mod rules;
pub mod state;
pub mod supervision;
pub mod warnings;

pub use enums::{
    InspectionMode, InspectionRating, InstitutionKind, Level, MaterialKind, Method, Module, Role,
    Step, StepState,
};
