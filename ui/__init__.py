"""The Qt (PySide6) desktop front end. ``ui.app.run`` is the entry point.

Widgets talk only to ``personalbudget.services`` and the DTOs they return; after
a service call succeeds they announce it on the one ``AppSignals`` object.
"""
