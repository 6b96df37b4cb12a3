"""Readers for the statement files that are not a plain CSV table: OFX 1 and 2, QIF, and
Santander's text download. Each returns a ``ParsedStatement`` (see ``statement_parsing``) or
raises ``StatementError`` with one clear line saying what is wrong and what to do."""
