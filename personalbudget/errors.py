"""Typed errors raised by the core.

Every error carries a message a person can act on: what is wrong and what to
do about it. The UI and the CLI show ``str(error)`` as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from personalbudget.i18n import _, ngettext


class PersonalBudgetError(Exception):
    """Base class for every error the core raises on purpose."""


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of a form."""

    field: str
    message: str


class ValidationError(PersonalBudgetError):
    """Input that cannot be saved; names each field and what to fix."""

    def __init__(self, errors: list[FieldError] | FieldError):
        self.errors = [errors] if isinstance(errors, FieldError) else list(errors)
        super().__init__("; ".join(e.message for e in self.errors))

    def for_field(self, field: str) -> list[str]:
        return [e.message for e in self.errors if e.field == field]


class NotFoundError(PersonalBudgetError):
    """A record asked for by id does not exist."""


class LifecycleError(PersonalBudgetError):
    """A move between the seven steps that the rules do not allow."""


class PermissionDeniedError(PersonalBudgetError):
    """The signed-in user's role does not allow this."""


class StorageError(PersonalBudgetError):
    """The database cannot be used as it is."""


class NotOurDatabaseError(StorageError):
    """The file is a database (or something else) that PersonalBudget did not make."""


class CorruptDatabaseError(StorageError):
    """The file is a PersonalBudget database but is damaged."""


class DatabaseTooNewError(StorageError):
    """The database was written by a newer version of PersonalBudget."""


class DefinitionError(PersonalBudgetError):
    """A definition file shipped or replaced by the council (e.g. a RAS) has mistakes."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems)
        count = ngettext("{source} has {n} problem:", "{source} has {n} problems:", len(problems))
        super().__init__(count.format(source=source, n=len(problems)) + f"\n{listed}")


@dataclass(frozen=True)
class FieldChange:
    """One field of a record that someone else changed while it was being edited here: the value
    both started from, theirs (saved now) and mine (being saved), each as shown to a person."""

    field: str
    label: str
    base: str
    theirs: str
    mine: str


class ConcurrentEditError(PersonalBudgetError):
    """A save refused because someone else saved the same record since it was read (optimistic
    concurrency): nothing was written. Says who, when and what, field by field; ``current`` is the
    record as it is now (the same kind of result the save returns), to reload it or to save over it."""

    def __init__(
        self,
        *,
        record: str,
        changed_by: str,
        changed_at: str,
        fields: tuple[FieldChange, ...],
        current: object = None,
        table: str = "",
        row_id: str = "",
        current_version: int = 0,
    ):
        self.record = record
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.fields = fields
        self.current = current
        self.table = table
        self.row_id = row_id
        self.current_version = current_version
        what = ", ".join(f.label for f in fields) or _("nothing you can see here")
        super().__init__(
            _(
                "{who} changed {record} ({when}) while you were editing it: {what}. Nothing of yours "
                "was saved: keep their version, or save yours over it."
            ).format(who=changed_by, record=record, when=changed_at, what=what)
        )


class HeldOfflineError(PersonalBudgetError):
    """A change to a person held offline on someone's laptop (issue 22): read-only here until the
    laptop syncs it back or a manager revokes the hold. Nothing was saved."""

    def __init__(self, *, holder: str, laptop: str, since: str):
        self.holder = holder
        self.laptop = laptop
        self.since = since
        super().__init__(
            _(
                "This person's records are held offline by {holder} on {laptop} since {since}, so they are "
                "read-only here until that laptop syncs them back (or a manager revokes the hold). Nothing "
                "was saved."
            ).format(holder=holder, laptop=laptop, since=since)
        )
