"""Who may see whom: accounts linked to people, practitioners' allocations, break-glass openings.

Roles say what kind of thing an account may do; these tables say to whom.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel


def _fk(target: str, *, index: bool = True) -> Column:
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=False, index=index)


class AccountPerson(SQLModel, table=True):
    """A person or carer account (or a broker's) linked to a person it is for."""

    __tablename__ = "account_person"
    __table_args__ = (UniqueConstraint("user_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_fk("app_user.id"))
    person_id: int = Field(sa_column=_fk("person.id"))
    linked_at: datetime
    linked_by: str


class Allocation(SQLModel, table=True):
    """A practitioner allocated a person, from when to when, by whom and why (kept when reallocated)."""

    __tablename__ = "allocation"
    __table_args__ = (Index("ix_allocation_person_current", "person_id", "ended_at"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=_fk("person.id", index=False))
    worker: str = Field(index=True)  # the practitioner's user name
    started_at: datetime
    started_by: str
    reason: str = ""
    ended_at: datetime | None = None
    ended_by: str = ""


class BreakGlass(SQLModel, table=True):
    """Someone opened a person outside their own people, with the reason they gave."""

    __tablename__ = "break_glass"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=_fk("person.id"))
    username: str = Field(index=True)
    opened_at: datetime
    reason: str
    allocated_worker: str = ""  # who was allocated then, so they are told
    seen_at: datetime | None = None  # when the allocated worker saw it in My work
