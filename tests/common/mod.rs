//! Helpers shared by the integration tests (one submodule per area).
#![allow(dead_code)]

pub mod discord;
pub mod faq;
