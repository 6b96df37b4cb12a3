"""Qt's own dialogs in our language: a QTranslator that answers from our gettext catalogue.

PySide6 ships Qt translations for many languages but not Welsh. Qt asks every installed translator
for each of its texts (a message box's "&Yes", a text box's "Cu&t"); this one looks the text up in
PersonalBudget's catalogue, where ``ui.qt_strings`` puts the ones we show, and says "no translation"
(None) for anything it does not have, so Qt's English or another translator is used.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTranslator

from personalbudget.i18n import _


class GettextQtTranslator(QTranslator):
    """Qt's texts through ``personalbudget.i18n._`` (whatever language is installed there)."""

    def translate(
        self, context: str, sourceText: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        # None (a null QString) means "not translated here"; an empty string would blank the text.
        if not sourceText:
            return None
        translated = _(sourceText)
        return translated if translated != sourceText else None

    def isEmpty(self) -> bool:
        return False


def install_qt_translator(app: QCoreApplication) -> GettextQtTranslator:
    """Install the translator, once per application. It follows ``set_language`` by itself; after a
    change, widgets Qt has already built keep their texts until they are made again."""
    existing = app.findChild(GettextQtTranslator)
    if isinstance(existing, GettextQtTranslator):
        return existing
    translator = GettextQtTranslator(app)
    app.installTranslator(translator)
    return translator
