"""Reusable widgets: money and date fields, column fitting, the wheel guard, layout helpers."""
