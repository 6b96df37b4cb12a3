"""The language setting (View > Language, saved per user) and Qt's own dialogs in Welsh."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QLocale, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QPushButton

from personalbudget import i18n
from ui import language_settings
from ui.language_settings import LANGUAGE_KEY, choose_language, restart_if_requested, startup_language
from ui.qt_translation import GettextQtTranslator, install_qt_translator


@pytest.fixture
def welsh(qapp) -> Iterator[None]:
    install_qt_translator(qapp)
    i18n.set_language("cy_GB")
    yield
    i18n.set_language("en_GB")


def _texts_without_shortcuts(texts: list[str]) -> list[str]:
    return [text.split("\t")[0] for text in texts if text]


def test_a_question_box_says_ie_and_na_in_welsh(welsh) -> None:
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "?",
        "?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Cancel,
    )
    texts = {box.button(b).text() for b in (QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No)}
    assert texts == {"&Ie", "&Na"}
    assert box.button(QMessageBox.StandardButton.Cancel).text() == "Canslo"


def test_a_text_box_menu_is_in_welsh(welsh) -> None:
    edit = QLineEdit("testun")
    menu = edit.createStandardContextMenu()
    texts = _texts_without_shortcuts([action.text() for action in menu.actions()])
    assert {"&Dadwneud", "&Torri", "&Copïo", "&Gludo", "Dileu", "Dewis y Cyfan"} <= set(texts), texts
    menu.deleteLater()


def test_qt_texts_stay_english_in_english(qapp) -> None:
    install_qt_translator(qapp)
    i18n.set_language("en_GB")
    box = QMessageBox(QMessageBox.Icon.Question, "?", "?", QMessageBox.StandardButton.Yes)
    assert box.button(QMessageBox.StandardButton.Yes).text() == "&Yes"
    # Texts we do not have are left to Qt (None), never blanked.
    assert GettextQtTranslator().translate("QShortcut", "Ctrl") is None


def test_the_translator_is_installed_once(qapp) -> None:
    assert install_qt_translator(qapp) is install_qt_translator(qapp)


def test_startup_language_env_then_saved_then_system(settings, monkeypatch) -> None:
    monkeypatch.delenv(i18n.LANGUAGE_ENV, raising=False)
    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale(QLocale.Language.Welsh)))
    assert startup_language(settings) == "cy_GB"
    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale(QLocale.Language.French)))
    assert startup_language(settings) == "en_GB"
    settings.setValue(LANGUAGE_KEY, "cy_GB")
    assert startup_language(settings) == "cy_GB"
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "en_GB")
    assert startup_language(settings) == "en_GB"


def _answer_next_box(button_text_part: str, seen: list[str]) -> None:
    def click() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        button = next(b for b in box.findChildren(QPushButton) if button_text_part in b.text())
        button.click()

    QTimer.singleShot(0, click)


def test_the_view_menu_offers_each_language_in_its_own_name(window) -> None:
    actions = window.language_menu.actions()
    assert [a.text() for a in actions] == ["English", "Cymraeg"]
    assert [a.isChecked() for a in actions] == [True, False]


def test_choosing_welsh_saves_it_and_says_so_in_both_languages(qtbot, window, settings, monkeypatch) -> None:
    seen: list[str] = []
    _answer_next_box("Later", seen)
    assert choose_language(window, settings, "cy_GB") is False
    assert settings.value(LANGUAGE_KEY) == "cy_GB"
    assert "Welsh (Cymraeg) the next time it starts" in seen[0]
    assert "Bydd PersonalBudget yn Gymraeg" in seen[0]
    assert i18n.current_locale() == "en_GB"  # applied on the next start, not half-way now

    started: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(
        language_settings.QProcess,
        "startDetached",
        staticmethod(lambda program, arguments: started.append((program, arguments)) or (True, 1)),
    )
    window.show()
    _answer_next_box("Restart", seen)
    assert choose_language(window, settings, "en_GB") is True
    assert "English the next time" in seen[1]
    assert not window.isVisible()
    assert restart_if_requested() is True
    assert len(started) == 1
    assert restart_if_requested() is False  # only once
