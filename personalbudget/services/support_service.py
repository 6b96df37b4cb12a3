"""Step 5: the provider and PA directory, arrangements for each item of the agreed plan, and the
employer checklist for people who employ personal assistants.

Support is arranged when every costed item of the agreed plan has someone
delivering it (saving the last arrangement records the milestone), or when
the practitioner confirms that support can start with the gaps listed and a
reason. Confirming at step 5 moves the cycle on to step 6.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.management import ManagementOption, pot_fits, pot_shortfalls
from personalbudget.domain.money import Frequency, round_half_up
from personalbudget.domain.person_view import HelpArranged, PlainSummary, support_summary, weekly_of_annual
from personalbudget.domain.roles import Permission
from personalbudget.domain.support import (
    ArrangementForm,
    DirectoryEntry,
    EmployerForm,
    PaFacts,
    ProviderForm,
    ProviderKind,
    RateOverPlan,
    Reminder,
    check_arrangement,
    check_employer,
    check_not_a_duplicate,
    check_provider,
    employer_reminders,
    insurance_problem,
    rate_over_plan,
)
from personalbudget.errors import FieldError, LifecycleError, NotFoundError, ValidationError
from personalbudget.i18n import N_, _, ngettext
from personalbudget.services.context import ServiceContext
from personalbudget.services.edit_check import Resolution, check_unchanged
from personalbudget.services.lifecycle_service import latest_cycle, move_cycle, open_cycle_of
from personalbudget.services.management_service import plan_lines_by_pot
from personalbudget.services.money_queries import (
    ManagementInForce,
    PlanItemInfo,
    management_in_force,
    plan_in_force,
)
from personalbudget.services.settings_service import SettingsService
from personalbudget.storage.models import PlanCycle, PlanSupportItem
from personalbudget.storage.money_models import EmployerChecklist, PaEmployment, Provider, SupportArrangement

MAX_NOTE = 2000


@dataclass(frozen=True)
class ProviderView:
    id: int
    name: str
    kind: ProviderKind
    contact: str
    phone: str
    email: str
    registration_number: str
    notes: str
    active: bool

    @property
    def kind_label(self) -> str:
        return self.kind.label


# What a change to an arrangement checks against someone else's.
ARRANGEMENT_FIELDS = {
    "starts_on": N_("Starts"),
    "ends_on": N_("Ends"),
    "unit_rate_pence": N_("Rate"),
    "funding_option": N_("Paid from"),
    "note": N_("Note"),
}


@dataclass(frozen=True)
class ArrangementView:
    id: int
    plan_item_id: int
    provider_id: int
    provider_name: str
    provider_kind: ProviderKind
    starts_on: date
    ends_on: date | None
    unit_rate_pence: int
    funding_option: str
    note: str
    current: bool  # not ended before today
    row_version: int = 0  # the version read (optimistic concurrency); give it back when changing it


@dataclass(frozen=True)
class ItemArrangements:
    item: PlanItemInfo
    arrangements: tuple[ArrangementView, ...]

    @property
    def arranged(self) -> bool:
        return any(a.current for a in self.arrangements)

    @property
    def over_plan(self) -> tuple[RateOverPlan, ...]:
        """Current arrangements whose rate is above the plan's unit cost."""
        item = self.item
        found = (
            rate_over_plan(
                a.provider_name, item.unit_cost_pence, a.unit_rate_pence, item.quantity, item.frequency
            )
            for a in self.arrangements
            if a.current
        )
        return tuple(f for f in found if f is not None)


@dataclass(frozen=True)
class SupportView:
    person_id: int
    plan_version: int | None
    items: tuple[ItemArrangements, ...]
    can_arrange: bool
    can_confirm: bool  # the cycle is at step 5
    support_arranged_at: datetime | None
    funding_options: tuple[ManagementOption, ...]
    earlier_arrangements: int  # arrangements of the previous agreed plan that could be carried over
    # What stops support being in place besides gaps (a PA arranged without employer's liability
    # insurance), or None.
    employer_problem: str | None = None
    # Each way of managing the budget whose plan lines cost more than it holds, in words.
    pot_shortfalls: tuple[str, ...] = ()

    @property
    def gaps(self) -> tuple[ItemArrangements, ...]:
        return tuple(i for i in self.items if not i.arranged)

    @property
    def in_place(self) -> bool:
        """Every item has someone arranged, and nothing else stops support from starting."""
        return bool(self.items) and not self.gaps and self.employer_problem is None

    @property
    def rate_warnings(self) -> tuple[str, ...]:
        """Each arranged rate above the plan's unit cost, in words (how much a unit and a year)."""
        return tuple(o.describe(i.item.label) for i in self.items for o in i.over_plan)


@dataclass(frozen=True)
class PaView:
    provider_id: int
    name: str
    dbs_checked_on: date | None
    contract_signed_on: date | None
    holiday_days: str


@dataclass(frozen=True)
class EmployerView:
    person_id: int
    employs_pas: bool
    insurer: str
    insurance_expires_on: date | None
    payroll: str
    pas: tuple[PaView, ...]
    reminders: tuple[Reminder, ...]


def _provider_view(row: Provider) -> ProviderView:
    return ProviderView(
        row.id,  # type: ignore[arg-type]
        row.name,
        ProviderKind(row.kind),
        row.contact,
        row.phone,
        row.email,
        row.registration_number,
        row.notes,
        row.active,
    )


class SupportService:
    def __init__(self, context: ServiceContext, settings: SettingsService):
        self._ctx = context
        self._settings = settings

    # -- the directory --------------------------------------------------------------------------
    def providers(self, include_inactive: bool = False) -> list[ProviderView]:
        self._ctx.require(Permission.VIEW_MONEY)
        with self._ctx.db.session() as session:
            query = select(Provider)
            if not include_inactive:
                query = query.where(col(Provider.active))
            rows = session.exec(query.order_by(func.lower(Provider.name), col(Provider.id))).all()
            return [_provider_view(r) for r in rows]

    def get_provider(self, provider_id: int) -> ProviderView:
        self._ctx.require(Permission.VIEW_MONEY)
        with self._ctx.db.session() as session:
            return _provider_view(self._provider(session, provider_id))

    def save_provider(self, form: ProviderForm, provider_id: int | None = None) -> ProviderView:
        self._ctx.require(Permission.MANAGE_MONEY)
        clean = check_provider(form)
        now = self._ctx.clock.now()
        with self._ctx.db.session() as session:
            existing = [
                DirectoryEntry(r.id, r.name, r.kind, r.active)  # type: ignore[arg-type]
                for r in session.exec(select(Provider).order_by(col(Provider.id))).all()
            ]
            check_not_a_duplicate(clean, existing, provider_id)
            if provider_id is None:
                row = Provider(name=clean.name, kind=clean.kind, created_at=now, updated_at=now)
            else:
                row = self._provider(session, provider_id)
            for name in ("name", "kind", "contact", "phone", "email", "registration_number", "notes"):
                setattr(row, name, getattr(clean, name))
            row.updated_at = now
            session.add(row)
            session.flush()
            return _provider_view(row)

    def set_provider_active(self, provider_id: int, active: bool) -> ProviderView:
        self._ctx.require(Permission.MANAGE_MONEY)
        with self._ctx.db.session() as session:
            row = self._provider(session, provider_id)
            row.active = active
            row.updated_at = self._ctx.clock.now()
            session.add(row)
            return _provider_view(row)

    # -- arrangements ----------------------------------------------------------------------------
    def get_support(self, person_id: int) -> SupportView:
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            return self._view(session, person_id)

    def person_summary(self, person_id: int) -> PlainSummary:
        """What the person is told at step 5 (co-production mode, issue 19): who gives each kind
        of help in the agreed plan, from when, and what is not arranged yet."""
        return support_summary_of(self.get_support(person_id), self._ctx.clock.today())

    def help_arranged(self, person_id: int) -> tuple[int | None, list[HelpArranged]]:
        """The agreed plan's version and who gives each of its items (for the easy read plan)."""
        view = self.get_support(person_id)
        return view.plan_version, help_arranged_of(view, self._ctx.clock.today())

    def save_arrangement(self, person_id: int, form: ArrangementForm) -> SupportView:
        """Record who delivers a plan item. When no item is left without someone, support is arranged."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        return self.save_arrangements(person_id, [form])

    def save_arrangements(self, person_id: int, forms: list[ArrangementForm]) -> SupportView:
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        with self._ctx.db.session() as session:
            cycle, items = self._arranging(session, person_id)
            management = management_in_force(session, person_id)
            options = {s.option.value for s in management.shares} if management else set()
            now = self._ctx.clock.now()
            by_id = {i.item_id: i for i in items}
            for form in forms:
                if form.plan_item_id not in by_id:
                    raise ValidationError(
                        FieldError("plan_item_id", _("Choose an item of the agreed plan to arrange."))
                    )
                if not form.funding_option and len(options) == 1:
                    form = replace(form, funding_option=next(iter(options)))
                rate = check_arrangement(form, options)
                self._provider(session, form.provider_id)  # type: ignore[arg-type]
                session.add(
                    SupportArrangement(
                        cycle_id=cycle.id,  # type: ignore[arg-type]
                        plan_item_id=form.plan_item_id,
                        provider_id=form.provider_id,  # type: ignore[arg-type]
                        starts_on=form.starts_on,  # type: ignore[arg-type]
                        ends_on=form.ends_on,
                        unit_rate_pence=rate,
                        funding_option=form.funding_option,
                        note=form.note.strip(),
                        created_at=now,
                        created_by=self._ctx.actor,
                    )
                )
            session.flush()
            view = self._view(session, person_id, cycle=cycle, management=management)
            return self._mark_in_place(session, cycle, view)

    def end_arrangement(
        self,
        person_id: int,
        arrangement_id: int,
        ends_on: date,
        *,
        base: ArrangementView | None = None,
        resolution: Resolution | None = None,
    ) -> SupportView:
        """End an arrangement. ``base`` (the arrangement as read) refuses the change, with who, when
        and what, if someone else changed it since (``services/edit_check``)."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        with self._ctx.db.session() as session:
            cycle, _items = self._arranging(session, person_id)
            row = session.get(SupportArrangement, arrangement_id)
            if row is None or row.cycle_id != cycle.id:
                raise NotFoundError(_("There is no such arrangement for this person."))
            if base is not None:
                mine = {key: getattr(row, key) for key in ARRANGEMENT_FIELDS} | {"ends_on": ends_on}
                check_unchanged(
                    session,
                    row,
                    base.row_version,
                    record=_("the arrangement with {provider}").format(provider=base.provider_name),
                    labels=ARRANGEMENT_FIELDS,
                    base={key: getattr(base, key) for key in ARRANGEMENT_FIELDS},
                    theirs={key: getattr(row, key) for key in ARRANGEMENT_FIELDS},
                    mine=mine,
                    current=lambda: self._view(session, person_id),
                    actor=self._ctx.actor,
                    resolution=resolution,
                )
            if ends_on < row.starts_on:
                raise ValidationError(FieldError("ends_on", _("The end date is before the start date.")))
            row.ends_on = ends_on
            session.add(row)
            session.flush()
            return self._view(session, person_id)

    def carry_over_arrangements(self, person_id: int) -> SupportView:
        """Copy the arrangements of the previous agreed plan to the items of the new plan that match them."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        with self._ctx.db.session() as session:
            cycle, items = self._arranging(session, person_id)
            today = self._ctx.clock.today()
            forms = []
            for item, previous in self._earlier(session, person_id, cycle, items, today):
                forms.append(
                    ArrangementForm(
                        plan_item_id=item.item_id,
                        provider_id=previous.provider_id,
                        starts_on=previous.starts_on,
                        unit_rate=f"{previous.unit_rate_pence / 100:.2f}",
                        funding_option=previous.funding_option,
                        note=previous.note,
                    )
                )
            if not forms:
                return self._view(session, person_id)
            return self.save_arrangements(person_id, forms)

    def confirm_support_arranged(self, person_id: int, note: str = "") -> SupportView:
        """Support is in place: move to step 6. Items still without anyone need a reason, listed in the record."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        note = note.strip()
        if len(note) > MAX_NOTE:
            raise ValidationError(FieldError("note", _("The note is too long.")))
        with self._ctx.db.session() as session:
            cycle = open_cycle_of(session, person_id)
            if cycle.current_step != Step.ORGANISE_SUPPORT:
                raise LifecycleError(
                    _(
                        "Support is confirmed at step 5 (organise support); this person is at step {n} ({title})."
                    ).format(n=cycle.current_step, title=Step(cycle.current_step).title)
                )
            view = self._view(session, person_id)
            if not view.items:
                raise ValidationError(
                    FieldError("items", _("The agreed plan has no costed items to arrange."))
                )
            gaps = [g.item.label for g in view.gaps]
            if gaps and not note:
                raise ValidationError(
                    FieldError(
                        "note",
                        _(
                            "These items of the plan have no one arranged to deliver them yet: {gaps}. Arrange them, "
                            "or say why support can start without them."
                        ).format(gaps="; ".join(gaps)),
                    )
                )
            now = self._ctx.clock.now()
            if cycle.support_arranged_at is None:
                cycle.support_arranged_at = now
            record = ngettext(
                "Support arranged for the {n} item of the plan.",
                "Support arranged for all {n} items of the plan.",
                len(view.items),
            ).format(n=len(view.items))
            if gaps:
                record = ngettext(
                    "Support confirmed with {n} item not yet arranged ({gaps}): {note}",
                    "Support confirmed with {n} items not yet arranged ({gaps}): {note}",
                    len(gaps),
                ).format(n=len(gaps), gaps="; ".join(gaps), note=note)
            elif note:
                record = f"{record} {note}"
            if view.employer_problem:
                # Kept in the record: it was confirmed knowing this.
                record = _("{record} Not yet in place when confirmed: {problem}").format(
                    record=record, problem=view.employer_problem
                )
            move_cycle(
                session, cycle, Step.LIVE_LIFE, kind="advance", note=record, now=now, actor=self._ctx.actor
            )
            return replace(view, can_confirm=False, support_arranged_at=cycle.support_arranged_at)

    # -- the employer checklist ---------------------------------------------------------------------
    def get_employer(self, person_id: int) -> EmployerView:
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            return self._employer_view(session, person_id)

    def save_employer(self, person_id: int, form: EmployerForm) -> EmployerView:
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        clean = check_employer(form, self._ctx.clock.today())
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            row = session.exec(
                select(EmployerChecklist).where(EmployerChecklist.person_id == person_id)
            ).first()
            now = self._ctx.clock.now()
            row = row or EmployerChecklist(person_id=person_id, updated_at=now, updated_by=self._ctx.actor)
            row.insurer, row.insurance_expires_on, row.payroll = (
                clean.insurer,
                clean.insurance_expires_on,
                clean.payroll,
            )
            row.updated_at, row.updated_by = now, self._ctx.actor
            session.add(row)
            for entry in clean.pas:
                provider = self._provider(session, entry.provider_id)
                if provider.kind != ProviderKind.PERSONAL_ASSISTANT:
                    raise ValidationError(
                        FieldError("pas", _("{name} is not a personal assistant.").format(name=provider.name))
                    )
                pa = session.exec(
                    select(PaEmployment).where(
                        PaEmployment.person_id == person_id, PaEmployment.provider_id == entry.provider_id
                    )
                ).first() or PaEmployment(person_id=person_id, provider_id=entry.provider_id)
                pa.dbs_checked_on = entry.dbs_checked_on
                pa.contract_signed_on = entry.contract_signed_on
                pa.holiday_days = entry.holiday_days
                session.add(pa)
            session.flush()
            # Recording the insurance can be the last thing support was waiting for.
            cycle = latest_cycle(session, person_id)
            if cycle.status == "open" and cycle.current_step >= Step.ORGANISE_SUPPORT:
                self._mark_in_place(session, cycle, self._view(session, person_id, cycle=cycle))
            return self._employer_view(session, person_id)

    def reminders(self, person_id: int) -> list[Reminder]:
        return list(self.get_employer(person_id).reminders)

    # -- helpers ---------------------------------------------------------------------------------------
    def _mark_in_place(self, session: Session, cycle: PlanCycle, view: SupportView) -> SupportView:
        """Record the milestone the first time support is in place (no gaps, the employer's insurance)."""
        if view.in_place and cycle.support_arranged_at is None:
            cycle.support_arranged_at = self._ctx.clock.now()
            session.add(cycle)
            session.flush()
            view = replace(view, support_arranged_at=cycle.support_arranged_at)
        return view

    def _pot_shortfalls(
        self, session: Session, cycle: PlanCycle, management: ManagementInForce | None
    ) -> tuple[str, ...]:
        if management is None:
            return ()
        paid_from, not_yet = plan_lines_by_pot(session, cycle, self._ctx.clock.today())
        shares = [(s.option, s.annual_pence) for s in management.shares]
        return tuple(pot_shortfalls(pot_fits(shares, paid_from, not_yet)))

    def _employer_problem(self, session: Session, person_id: int, pa_arranged: bool) -> str | None:
        if not pa_arranged:
            return None
        row = session.exec(select(EmployerChecklist).where(EmployerChecklist.person_id == person_id)).first()
        return insurance_problem(
            row.insurer if row else "", row.insurance_expires_on if row else None, self._ctx.clock.today()
        )

    def _provider(self, session: Session, provider_id: int) -> Provider:
        row = session.get(Provider, provider_id)
        if row is None:
            raise NotFoundError(
                _("There is no provider with id {id} in the directory.").format(id=provider_id)
            )
        return row

    def _arranging(self, session: Session, person_id: int) -> tuple[PlanCycle, list[PlanItemInfo]]:
        cycle = open_cycle_of(session, person_id)
        if cycle.current_step < Step.ORGANISE_SUPPORT:
            raise LifecycleError(
                _(
                    "Support is arranged from step 5, once the plan is agreed and how the budget is managed is "
                    "recorded; this person is at step {n} ({title})."
                ).format(n=cycle.current_step, title=Step(cycle.current_step).title)
            )
        found = plan_in_force(session, person_id)
        if found is None or found[0].cycle_id != cycle.id:
            raise LifecycleError(_("This cycle has no agreed plan to arrange support for."))
        return cycle, found[1]

    def _earlier(
        self, session: Session, person_id: int, cycle: PlanCycle, items: list[PlanItemInfo], today: date
    ) -> list[tuple[PlanItemInfo, SupportArrangement]]:
        """Current arrangements from earlier cycles that match an unarranged item of this plan."""
        arranged = set(
            session.exec(
                select(SupportArrangement.plan_item_id).where(SupportArrangement.cycle_id == cycle.id)
            ).all()
        )
        rows = session.exec(
            select(SupportArrangement, PlanSupportItem)
            .join(PlanSupportItem, col(PlanSupportItem.id) == SupportArrangement.plan_item_id)
            .join(PlanCycle, col(PlanCycle.id) == SupportArrangement.cycle_id)
            .where(PlanCycle.person_id == person_id, SupportArrangement.cycle_id != cycle.id)
            .order_by(col(PlanCycle.number).desc(), col(SupportArrangement.id))
        ).all()
        out = []
        used: set[int] = set()
        for item in items:
            if item.item_id in arranged:
                continue
            for arrangement, old_item in rows:
                current = arrangement.ends_on is None or arrangement.ends_on >= today
                if (
                    current
                    and arrangement.id not in used
                    and (old_item.category, old_item.description) == (item.category, item.description)
                ):
                    out.append((item, arrangement))
                    used.add(arrangement.id)  # type: ignore[arg-type]
        return out

    def _view(
        self,
        session: Session,
        person_id: int,
        *,
        cycle: PlanCycle | None = None,
        management: ManagementInForce | None = None,
    ) -> SupportView:
        cycle = cycle or latest_cycle(session, person_id)
        found = plan_in_force(session, person_id)
        management = management or management_in_force(session, person_id)
        options = tuple(s.option for s in management.shares) if management else ()
        today = self._ctx.clock.today()
        if found is None or found[0].cycle_id != cycle.id:
            return SupportView(person_id, None, (), False, False, cycle.support_arranged_at, options, 0)
        plan, items = found
        rows = session.exec(
            select(SupportArrangement, Provider)
            .join(Provider, col(Provider.id) == SupportArrangement.provider_id)
            .where(SupportArrangement.cycle_id == cycle.id)
            .order_by(col(SupportArrangement.starts_on), col(SupportArrangement.id))
        ).all()
        by_item: dict[int, list[ArrangementView]] = {}
        for arrangement, provider in rows:
            by_item.setdefault(arrangement.plan_item_id, []).append(
                ArrangementView(
                    arrangement.id,  # type: ignore[arg-type]
                    arrangement.plan_item_id,
                    provider.id,  # type: ignore[arg-type]
                    provider.name,
                    ProviderKind(provider.kind),
                    arrangement.starts_on,
                    arrangement.ends_on,
                    arrangement.unit_rate_pence,
                    arrangement.funding_option,
                    arrangement.note,
                    arrangement.ends_on is None or arrangement.ends_on >= today,
                    arrangement.row_version,
                )
            )
        is_open = cycle.status == "open"
        pa_arranged = any(
            a.current and a.provider_kind == ProviderKind.PERSONAL_ASSISTANT
            for arrangements in by_item.values()
            for a in arrangements
        )
        can_arrange = is_open and cycle.current_step >= Step.ORGANISE_SUPPORT
        earlier = 0
        if can_arrange and cycle.number > 1:
            earlier = len(self._earlier(session, person_id, cycle, items, today))
        return SupportView(
            person_id=person_id,
            plan_version=plan.version,
            items=tuple(ItemArrangements(i, tuple(by_item.get(i.item_id, ()))) for i in items),
            can_arrange=can_arrange,
            can_confirm=is_open and cycle.current_step == Step.ORGANISE_SUPPORT,
            support_arranged_at=cycle.support_arranged_at,
            funding_options=options,
            earlier_arrangements=earlier,
            employer_problem=self._employer_problem(session, person_id, pa_arranged),
            pot_shortfalls=self._pot_shortfalls(session, cycle, management),
        )

    def _employer_view(self, session: Session, person_id: int) -> EmployerView:
        row = session.exec(select(EmployerChecklist).where(EmployerChecklist.person_id == person_id)).first()
        # The PAs: everyone of kind PA arranged for this person in any cycle, and anyone already on the checklist.
        arranged = session.exec(
            select(Provider)
            .join(SupportArrangement, col(SupportArrangement.provider_id) == Provider.id)
            .join(PlanCycle, col(PlanCycle.id) == SupportArrangement.cycle_id)
            .where(PlanCycle.person_id == person_id, Provider.kind == ProviderKind.PERSONAL_ASSISTANT.value)
        ).all()
        recorded = session.exec(
            select(PaEmployment, Provider)
            .join(Provider, col(Provider.id) == PaEmployment.provider_id)
            .where(PaEmployment.person_id == person_id)
        ).all()
        facts = {p.id: PaView(p.id, p.name, None, None, "") for p in arranged}  # type: ignore[arg-type]
        for employment, provider in recorded:
            facts[provider.id] = PaView(
                provider.id,  # type: ignore[arg-type]
                provider.name,
                employment.dbs_checked_on,
                employment.contract_signed_on,
                employment.holiday_days,
            )
        pas = tuple(sorted(facts.values(), key=lambda p: p.name.lower()))
        insurer = row.insurer if row else ""
        expires = row.insurance_expires_on if row else None
        payroll = row.payroll if row else ""
        reminders: tuple[Reminder, ...] = ()
        if pas:
            settings = self._settings.money()
            reminders = tuple(
                employer_reminders(
                    insurer,
                    expires,
                    payroll,
                    [PaFacts(p.name, p.dbs_checked_on, p.contract_signed_on, p.holiday_days) for p in pas],
                    today=self._ctx.clock.today(),
                    remind_days=settings.reminder_days,
                    dbs_recheck_years=settings.dbs_recheck_years,
                )
            )
        return EmployerView(person_id, bool(pas), insurer, expires, payroll, pas, reminders)


def help_arranged_of(view: SupportView, today: date) -> list[HelpArranged]:
    """Each item of the agreed plan with its current providers, and the day they start when it is
    still to come (what ``domain.person_view.support_summary`` and the easy read plan say)."""
    lines = []
    for entry in view.items:
        item = entry.item
        current = [a for a in entry.arrangements if a.current]
        starts = min((a.starts_on for a in current), default=None)
        one_off = item.frequency == Frequency.ONE_OFF
        lines.append(
            HelpArranged(
                category=item.category,
                description=item.description,
                weekly_pence=weekly_of_annual(item.annual),
                who=", ".join(dict.fromkeys(a.provider_name for a in current)),
                starts_on=starts if starts is not None and starts > today else None,
                one_off_pence=round_half_up(item.annual) if one_off else None,
            )
        )
    return lines


def support_summary_of(view: SupportView, today: date) -> PlainSummary:
    """``domain.person_view.support_summary`` of a person's arrangements."""
    return support_summary(view.plan_version is not None, help_arranged_of(view, today))
