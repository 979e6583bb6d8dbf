//! Checking answers against a service form (being written).
