"""Storage: SQLModel tables, the one place engines are made, and migrations."""
