"""Qt item models over the services' results (caseload, ledger)."""
