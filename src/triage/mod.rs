//! Triage: who should hear about a mention, how serious it is, and what
//! it is about.

pub mod subjects;
