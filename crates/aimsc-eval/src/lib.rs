//! Resolve, type-check, validate facts, evaluate and explain.
//!
//! This crate is plain Rust with no database: [`check::build_model`] turns parsed files into
//! a checked [`model::Model`], [`validate::validate`] turns a fact tree into typed
//! [`validate::Facts`], and [`evaluate::evaluate_check`] computes one control's or rule's
//! [`outcome::CheckResult`] with its explanation tree. `aimsc-db` wraps each step in a
//! salsa query.

pub mod check;
pub mod crosswalk;
pub mod dates;
pub mod evaluate;
pub mod evidence;
pub mod join;
pub mod model;
pub mod order;
pub mod outcome;
pub mod partial;
pub mod reads;
pub mod typed;
pub mod validate;
pub mod view;
