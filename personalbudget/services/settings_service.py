"""Local rules kept in the caseload database (shared by everyone who uses it)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlmodel import Session, col, select

from personalbudget.domain.roles import Permission
from personalbudget.errors import FieldError, ValidationError
from personalbudget.i18n import N_, _
from personalbudget.services.context import ServiceContext, memo
from personalbudget.storage.models import Setting


@dataclass(frozen=True)
class MoneySettings:
    """Local direct-payment rules (settings, not law)."""

    surplus_limit_weeks: int = 8  # balance above this many weeks of payments is a surplus to talk about
    recent_weeks: int = 12  # the forecast uses the rate of spending over this many recent weeks
    reminder_days: int = 30  # remind this many days before insurance or a DBS check runs out
    dbs_recheck_years: int = 3  # local rule for renewing a PA's DBS check
    max_transaction_pounds: int = 100_000  # a statement amount beyond this is refused as impossible


_PREFIX = "money."
_LIMITS: dict[str, tuple[int, int, str]] = {
    "surplus_limit_weeks": (1, 52, N_("The surplus limit must be between 1 and 52 weeks of payments.")),
    "recent_weeks": (2, 52, N_("The forecast period must be between 2 and 52 weeks.")),
    "reminder_days": (1, 365, N_("Reminders must come between 1 and 365 days before the date.")),
    "dbs_recheck_years": (1, 10, N_("DBS checks are renewed every 1 to 10 years.")),
    "max_transaction_pounds": (
        100,
        10_000_000,
        N_("The most one transaction can be must be between £100 and £10,000,000."),
    ),
}


@dataclass(frozen=True)
class SecuritySettings:
    """How long the app may sit unused before it locks, and how many automatic backups are kept."""

    lock_minutes: int = 10
    backups_kept: int = 10


_SECURITY_PREFIX = "security."
_SECURITY_LIMITS: dict[str, tuple[int, int, str]] = {
    "lock_minutes": (1, 240, N_("The app must lock after 1 to 240 minutes without use.")),
    "backups_kept": (1, 100, N_("Keep between 1 and 100 automatic backups.")),
}


@dataclass(frozen=True)
class ReviewSettings:
    """When reviews fall due (Care Act guidance; direct payments reg. 7)."""

    first_review_weeks: int = 8  # light-touch review this many weeks after the plan is agreed
    review_interval_months: int = 12  # then at least this often after each completed review
    direct_payment_first_months: int = 6  # a direct payment is also reviewed within this many months


_REVIEW_PREFIX = "review."
_REVIEW_LIMITS: dict[str, tuple[int, int, str]] = {
    "first_review_weeks": (6, 8, N_("The first review must come 6 to 8 weeks after the plan is agreed.")),
    "review_interval_months": (1, 12, N_("Reviews must come at least every 12 months.")),
    "direct_payment_first_months": (1, 6, N_("A direct payment must be reviewed within its first 6 months.")),
}


@dataclass(frozen=True)
class DisclosureSettings:
    """Disclosure control for the anonymised aggregate export (docs/security.md, rules 2-3); only stricter than the defaults."""

    threshold: int = 8  # counts of 1 to threshold - 1 are suppressed
    base: int = 5  # other counts are rounded to a multiple of this (halves up)
    min_contributors: int = 8  # totals and medians need at least this many people
    dominance_percent: int = 90  # the two largest contributions may not exceed this share of a total


_DISCLOSURE_PREFIX = "export."
_DISCLOSURE_LIMITS: dict[str, tuple[int, int, str]] = {
    "threshold": (
        8,
        100,
        N_("Counts are suppressed below a threshold of 8 to 100 people (never less than 8)."),
    ),
    "base": (5, 100, N_("Counts are rounded to a multiple of 5 to 100 (never less than 5).")),
    "min_contributors": (8, 100, N_("Totals and medians need 8 to 100 people.")),
    "dominance_percent": (50, 90, N_("The dominance limit must be between 50% and 90%.")),
}


class SettingsService:
    def __init__(self, context: ServiceContext):
        self._ctx = context

    def money(self) -> MoneySettings:
        return MoneySettings(**self._read(_PREFIX, MoneySettings(), _LIMITS))

    def security(self) -> SecuritySettings:
        return SecuritySettings(**self._read(_SECURITY_PREFIX, SecuritySettings(), _SECURITY_LIMITS))

    def review(self) -> ReviewSettings:
        return ReviewSettings(**self._read(_REVIEW_PREFIX, ReviewSettings(), _REVIEW_LIMITS))

    def save_review(self, settings: ReviewSettings) -> ReviewSettings:
        self._ctx.require(Permission.EDIT_PEOPLE)
        self._write(_REVIEW_PREFIX, settings, _REVIEW_LIMITS)
        return settings

    def save_security(self, settings: SecuritySettings) -> SecuritySettings:
        self._ctx.require(Permission.EDIT_PEOPLE)
        self._write(_SECURITY_PREFIX, settings, _SECURITY_LIMITS)
        return settings

    def _read(self, prefix: str, defaults: object, limits: dict[str, tuple[int, int, str]]) -> dict[str, int]:
        values: dict[str, int] = {}
        with self._ctx.db.session() as session:
            stored_values = self._stored(session, prefix)
            for item in fields(defaults):  # type: ignore[arg-type]
                text = stored_values.get(prefix + item.name)
                value = getattr(defaults, item.name)
                if text is not None:
                    try:
                        stored = int(text)
                        low, high, _message = limits[item.name]
                        value = stored if low <= stored <= high else value
                    except ValueError:
                        pass  # a damaged value falls back to the default
                values[item.name] = value
        return values

    def _stored(self, session: Session, prefix: str) -> dict[str, str]:
        """The settings whose keys start with ``prefix``, in one statement, once per session (the
        services of a person opened read the same ones; a setting saved in the session is read
        again, as the session's memo is emptied by any change it writes)."""
        key = ("settings", prefix)
        found = memo(session)
        if key not in found or session.new or session.dirty or session.deleted:  # (not yet written)
            rows = session.exec(select(Setting).where(col(Setting.key).startswith(prefix, autoescape=True)))
            found[key] = {row.key: row.value for row in rows}
        stored: dict[str, str] = found[key]
        return stored

    def _write(self, prefix: str, settings: object, limits: dict[str, tuple[int, int, str]]) -> None:
        errors = []
        for item in fields(settings):  # type: ignore[arg-type]
            value = getattr(settings, item.name)
            low, high, message = limits[item.name]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                errors.append(FieldError(item.name, _(message)))
        if errors:
            raise ValidationError(errors)
        with self._ctx.db.session() as session:
            for item in fields(settings):  # type: ignore[arg-type]
                key = prefix + item.name
                row = session.get(Setting, key) or Setting(key=key, value="")
                row.value = str(getattr(settings, item.name))
                session.add(row)

    def disclosure(self) -> DisclosureSettings:
        return DisclosureSettings(**self._read(_DISCLOSURE_PREFIX, DisclosureSettings(), _DISCLOSURE_LIMITS))

    def save_disclosure(self, settings: DisclosureSettings) -> DisclosureSettings:
        self._ctx.require(Permission.EXPORT_AGGREGATES)
        self._write(_DISCLOSURE_PREFIX, settings, _DISCLOSURE_LIMITS)
        return settings

    def save_money(self, settings: MoneySettings) -> MoneySettings:
        self._ctx.require(Permission.MANAGE_MONEY)
        self._write(_PREFIX, settings, _LIMITS)
        return settings
