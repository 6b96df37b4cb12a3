"""Anonymised aggregates for strategic commissioning (docs/security.md, rules 1-7). Disclosure control lives in
``disclosure``; the published tables, contributions and the hub build on it."""
