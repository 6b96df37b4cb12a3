"""Printable documents (reportlab): support plans now; statements and reviews build on the same parts."""
