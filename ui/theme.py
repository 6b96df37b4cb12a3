"""Colours and the small stylesheet shared by the windows.

Colours are chosen for at least 4.5:1 contrast on white, and never carry
meaning alone: every status also has a word or a mark.
"""

from __future__ import annotations

OVERDUE = "#b3261e"
WARNING_TEXT = "#7a4b00"
DONE = "#2e7d32"
CURRENT = "#1a5fb4"
NOT_STARTED = "#6b7280"
MUTED_TEXT = "#4b5563"
PANEL_BACKGROUND = "#f5f7fa"
PANEL_BORDER = "#d8dde4"
SELECTED_STEP_BACKGROUND = "#e8f0fb"

STYLESHEET = f"""
QFrame#personHeader {{
    background: {PANEL_BACKGROUND};
    border: 1px solid {PANEL_BORDER};
    border-radius: 8px;
}}
QFrame#cyclePanel {{
    border: 1px solid {PANEL_BORDER};
    border-radius: 8px;
}}
QLabel#personDetails, QLabel#personRepresentatives, QLabel#placeholderNote, QLabel#stepPurpose {{
    color: {MUTED_TEXT};
}}
QLabel#stepPurpose {{
    font-style: italic;
}}
QLabel#emptyWorkspaceLabel {{
    color: {MUTED_TEXT};
    font-size: 11pt;
}}
QPushButton#advanceButton {{
    font-weight: bold;
}}
QTableView#caseloadTable {{
    selection-background-color: {CURRENT};
    selection-color: white;
}}
"""
