"""Anonymised aggregates for strategic commissioning (PRIVACY.md). Disclosure control lives in
``disclosure``; the published tables, contributions and the hub build on it."""
