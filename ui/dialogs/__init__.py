"""Dialogs: each asks for one thing and hands it to a service."""
