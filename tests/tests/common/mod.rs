//! What several end-to-end test files share (each file is its own crate and uses a part of it).
#![allow(dead_code)]

pub mod iam;
pub mod organization;
pub mod template;
pub mod trail;
