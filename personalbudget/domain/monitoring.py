"""Step 6: how the money is going against the plan, where it is heading, and what needs a word.

Pure arithmetic over plain values, exact to the penny (Fractions until shown).

Spend against plan is measured for a budget year (1 April to 31 March), from when the support started:
  planned so far  = each weekly, four-weekly or monthly item's yearly cost x days so far / days in the year;
                    yearly and one-off items count in full from the start (they can be spent at any time);
  spent           = money out linked to the item, less refunds linked to it.
The forecast of the balance on the last day of the budget year is
  balance today + scheduled payments still to come - (spending in the last N weeks / days in those weeks)
  x days left.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from itertools import accumulate
from typing import NamedTuple

from personalbudget.domain.charging import weeks_due
from personalbudget.domain.management import PaymentSchedule, expected_payments
from personalbudget.domain.money import WEEKS_PER_YEAR, Frequency, round_half_up
from personalbudget.i18n import _, format_date, format_money, ngettext

# Spending is "over" when it is ahead of the plan so far by more than the larger of: four weeks of the
# item's cost (support is often paid four-weekly, so being one invoice ahead is normal), 5% of the plan
# so far, and £25 (so pennies of rounding never alarm anyone). "Under" is the same distance behind, or
# more than a fifth behind.
OVERSPEND_TOLERANCE = Fraction(5, 100)
OVERSPEND_MIN_PENCE = 2500
ALLOWANCE_WEEKS = 4
UNDERSPEND_SHARE = Fraction(20, 100)
MIN_FORECAST_DAYS = 14
MISSING_PAYMENT_GRACE_DAYS = 7
UNLINKED = "unlinked"


class Movement(NamedTuple):
    """One ledger line as the arithmetic needs it."""

    posted_on: date
    amount_pence: int  # + in, - out
    item_key: str  # "" when not linked to the plan


def is_spending(movement: Movement) -> bool:
    """Money out, or a refund against something in the plan; money in that is not linked is a payment in."""
    return movement.amount_pence < 0 or bool(movement.item_key)


@dataclass(frozen=True)
class PlannedLine:
    key: str
    label: str
    annual: Fraction
    frequency: Frequency
    paid_from_account: bool = True
    starts_on: date | None = None  # when the support started (nothing is planned before)
    pot: str = ""  # the management option that pays for it, when not this account (e.g. "Managed account")
    ends_on: date | None = None  # when the support ends, if before the end of the budget year


def budget_year(day: date) -> tuple[date, date]:
    """The UK financial year (1 April to 31 March) that ``day`` falls in."""
    start_year = day.year if (day.month, day.day) >= (4, 1) else day.year - 1
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def planned_by(line: PlannedLine, start: date, end: date, day: date) -> Fraction:
    """What the plan expects to have been spent on ``line`` from ``start`` to ``day`` (inclusive).

    Nothing is planned before the support started (``line.starts_on``), so a plan agreed in the
    middle of a budget year is measured from then.
    """
    begins = max(start, line.starts_on) if line.starts_on else start
    if day < begins or begins > end:
        return Fraction(0)
    if line.frequency in (Frequency.ONE_OFF, Frequency.YEAR):
        return line.annual
    year_days = (end - start).days + 1
    stops = min(end, line.ends_on) if line.ends_on else end
    if stops < begins:
        return Fraction(0)
    elapsed = min((min(day, stops) - begins).days + 1, year_days)
    return line.annual * elapsed / year_days


def part_year_words(line: PlannedLine, start: date, end: date) -> str:
    """The basis of a line's figure for the budget year in words, e.g. for support that starts in
    October: '£7,800.00 a year x 182 of 365 days (1 Oct 2026 to 31 Mar 2027) = £3,889.32'."""
    year_days = (end - start).days + 1
    begins = max(start, line.starts_on) if line.starts_on else start
    stops = min(end, line.ends_on) if line.ends_on else end
    total = round_half_up(planned_by(line, start, end, end))
    if line.frequency in (Frequency.ONE_OFF, Frequency.YEAR) or (begins == start and stops == end):
        return _("{amount} for the whole budget year").format(amount=format_money(total))
    days = max((stops - begins).days + 1, 0)
    return _("{annual} a year x {days} of {year_days} days ({start} to {end}) = {amount}").format(
        annual=format_money(round_half_up(line.annual)),
        days=days,
        year_days=year_days,
        start=format_date(begins),
        end=format_date(stops),
        amount=format_money(total),
    )


class Status(StrEnum):
    OVER = "over"
    ON_TRACK = "on_track"
    UNDER = "under"
    NOT_PLANNED = "not_planned"
    OTHER_POT = "other_pot"  # the plan pays for it from another management pot, not this account

    @property
    def label(self) -> str:
        return {
            Status.OVER: _("Over plan"),
            Status.ON_TRACK: _("On track"),
            Status.UNDER: _("Under plan"),
            Status.NOT_PLANNED: _("Not in the plan"),
            Status.OTHER_POT: _("Paid from another pot"),
        }[self]


@dataclass(frozen=True)
class LineResult:
    key: str
    label: str
    planned_year_pence: int
    planned_so_far_pence: int
    spent_pence: int
    status: Status
    allowance_pence: int = 0  # how far spending may run ahead of the plan so far and still be on track

    @property
    def difference_pence(self) -> int:
        """Planned so far - spent: negative when spending is ahead of the plan."""
        return self.planned_so_far_pence - self.spent_pence

    @property
    def difference_words(self) -> str:
        """The difference in words that never contradict the status: "over" only when over plan."""
        amount = format_money(abs(self.difference_pence))
        if self.status == Status.OVER:
            return _("{amount} over").format(amount=amount)
        if self.status == Status.UNDER:
            return _("{amount} under").format(amount=amount)
        if self.status == Status.NOT_PLANNED:
            return _("{amount} not planned").format(amount=amount) if self.spent_pence else ""
        if self.status == Status.OTHER_POT:
            return _("{amount} from this account").format(amount=format_money(self.spent_pence))
        if self.difference_pence < 0:
            return _("{amount} ahead, within the allowance").format(amount=amount)
        return _("{amount} left").format(amount=amount)


def allowance(lines: Iterable[PlannedLine], planned: Fraction) -> Fraction:
    """How far spending may run ahead of ``planned`` before it counts as over (see OVERSPEND_TOLERANCE)."""
    return _slack(_recurring(lines), Fraction(planned))


def _slack(recurring_annual: Fraction, planned: Fraction) -> Fraction:
    return max(
        recurring_annual * ALLOWANCE_WEEKS / WEEKS_PER_YEAR,
        planned * OVERSPEND_TOLERANCE,
        Fraction(OVERSPEND_MIN_PENCE),
    )


def _status(planned: Fraction, spent: int, slack: Fraction) -> Status:
    if planned == 0:
        return Status.NOT_PLANNED if spent else Status.ON_TRACK
    if spent > planned + slack:
        return Status.OVER
    if spent < planned - max(slack, planned * UNDERSPEND_SHARE):
        return Status.UNDER
    return Status.ON_TRACK


def judge(planned: Fraction | int, spent: int, recurring_annual: Fraction | int = 0) -> Status:
    """The one rule for over, under and on track, wherever spending is set against a plan.

    ``planned`` is what the plan expects by now, ``spent`` what has gone out (both in pence), and
    ``recurring_annual`` the yearly cost of the weekly, four-weekly or monthly support in that plan
    (it sets the four weeks of the allowance). The screen, the budget statement and the published
    tables all use it, so none of them calls "over" what another calls "on track".
    """
    if type(planned) is int and type(spent) is int and type(recurring_annual) is int:
        return _whole_status(planned, spent, recurring_annual)  # an export judges every person
    planned = Fraction(planned)
    return _status(planned, spent, _slack(Fraction(recurring_annual), planned))


def _whole_status(planned: int, spent: int, recurring_annual: int) -> Status:
    """``_status`` for whole pence, by cross-multiplying instead of making Fractions: the same answer
    (being beyond the largest of the allowances is being beyond each of them)."""
    if planned == 0:
        return Status.NOT_PLANNED if spent else Status.ON_TRACK

    def beyond(distance: int, *shares: Fraction) -> bool:
        return (
            distance > OVERSPEND_MIN_PENCE
            and distance * WEEKS_PER_YEAR > recurring_annual * ALLOWANCE_WEEKS
            and all(distance * share.denominator > planned * share.numerator for share in shares)
        )

    if beyond(spent - planned, OVERSPEND_TOLERANCE):
        return Status.OVER
    if beyond(planned - spent, OVERSPEND_TOLERANCE, UNDERSPEND_SHARE):
        return Status.UNDER
    return Status.ON_TRACK


def _recurring(lines: Iterable[PlannedLine]) -> Fraction:
    return sum(
        (line.annual for line in lines if line.frequency not in (Frequency.ONE_OFF, Frequency.YEAR)),
        Fraction(0),
    )


@dataclass(frozen=True)
class Forecast:
    as_of: date
    year_end: date
    balance_now_pence: int
    window_start: date
    window_days: int
    spent_in_window_pence: int
    daily_rate: Fraction  # pence a day
    days_left: int
    payments_to_come_pence: int
    payments_to_come: int
    end_balance_pence: int
    contributions_to_come_pence: int = 0  # the person's own payments in (a net direct payment)
    contribution_weeks_to_come: int = 0

    def explanation(self) -> list[str]:
        return [
            _("Balance on {date}: {amount}.").format(
                date=format_date(self.as_of), amount=format_money(self.balance_now_pence)
            ),
            ngettext(
                "Spending from {start} to {end} ({days} day): {spent}, about {rate} a day.",
                "Spending from {start} to {end} ({days} days): {spent}, about {rate} a day.",
                self.window_days,
            ).format(
                start=format_date(self.window_start),
                end=format_date(self.as_of),
                days=self.window_days,
                spent=format_money(self.spent_in_window_pence),
                rate=format_money(round_half_up(self.daily_rate)),
            ),
            ngettext(
                "At that rate, the {days} day to {end} uses {amount}.",
                "At that rate, the {days} days to {end} use {amount}.",
                self.days_left,
            ).format(
                days=self.days_left,
                end=format_date(self.year_end),
                amount=format_money(round_half_up(self.daily_rate * self.days_left)),
            ),
            _("Scheduled payments still to come: {n} worth {amount}.").format(
                n=self.payments_to_come, amount=format_money(self.payments_to_come_pence)
            ),
            *(
                [
                    ngettext(
                        "The person's contribution still to come: {n} week worth {amount}.",
                        "The person's contribution still to come: {n} weeks worth {amount}.",
                        self.contribution_weeks_to_come,
                    ).format(
                        n=self.contribution_weeks_to_come,
                        amount=format_money(self.contributions_to_come_pence),
                    )
                ]
                if self.contributions_to_come_pence
                else []
            ),
            _("Forecast balance on {end}: {amount}.").format(
                end=format_date(self.year_end), amount=format_money(self.end_balance_pence)
            ),
        ]


def forecast_balance(
    movements: Sequence[Movement],
    as_of: date,
    year_end: date,
    schedule: PaymentSchedule | None,
    recent_weeks: int,
    contribution: tuple[date, int] | None = None,
) -> Forecast | None:
    """The balance at ``year_end`` if spending carries on at its recent rate (None without enough history)."""
    known = [m for m in movements if m.posted_on <= as_of]
    if not known:
        return None
    first = min(m.posted_on for m in known)
    window_start = max(as_of - timedelta(days=recent_weeks * 7 - 1), first)
    window_days = (as_of - window_start).days + 1
    if window_days < MIN_FORECAST_DAYS:
        return None
    balance = sum(m.amount_pence for m in known)
    spent = -sum(m.amount_pence for m in known if m.posted_on >= window_start and is_spending(m))
    rate = Fraction(spent, window_days)
    days_left = max((year_end - as_of).days, 0)
    to_come = expected_payments(schedule, as_of + timedelta(days=1), year_end) if schedule else []
    coming = sum(amount for _day, amount in to_come)
    # The person's weekly contribution paid into the account (a net direct payment): each whole week
    # still to fall due by the end of the year (domain.charging.weeks_due).
    weeks = 0
    if contribution is not None:
        starts_on, _weekly = contribution
        weeks = weeks_due(starts_on, year_end) - weeks_due(starts_on, as_of)
    from_person = weeks * contribution[1] if contribution is not None else 0
    end = round_half_up(balance + coming + from_person - rate * days_left)
    return Forecast(
        as_of,
        year_end,
        balance,
        window_start,
        window_days,
        spent,
        rate,
        days_left,
        coming,
        len(to_come),
        end,
        from_person,
        weeks,
    )


class AlertKind(StrEnum):
    OVERDRAWN = "overdrawn"
    OVERSPEND = "overspend"
    RUNNING_OUT = "running_out"
    SURPLUS = "surplus"
    PAYMENTS_MISSING = "payments_missing"
    OTHER_POT = "other_pot"


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    message: str


class SeriesPoint(NamedTuple):
    day: date
    planned_pence: int  # planned spending, cumulative from the start of the period
    actual_pence: int | None  # actual spending, cumulative (None after today)


class MonthRow(NamedTuple):
    month: date  # the first of the month
    planned_to: date  # the month's last day in the period
    planned_pence: int  # planned spending, cumulative, to ``planned_to``
    actual_pence: int | None  # actual spending, cumulative, to ``actual_to`` (None for months to come)
    actual_to: date | None

    @property
    def actual_words(self) -> str:
        """Actual spending for the table: "by 1 Dec" when the month is still going on."""
        if self.actual_pence is None or self.actual_to is None:
            return ""
        if self.actual_to == self.planned_to:
            return format_money(self.actual_pence)
        return _("{amount} by {date}").format(
            amount=format_money(self.actual_pence), date=format_date(self.actual_to, fmt="d MMM")
        )


@dataclass(frozen=True)
class Monitoring:
    period_start: date
    period_end: date
    as_of: date
    lines: tuple[LineResult, ...]
    total: LineResult
    opening_balance_pence: int
    payments_in_pence: int
    expected_in_pence: int  # what the schedule should have paid in by ``as_of``
    balance_pence: int  # at ``as_of``
    surplus_limit_pence: int | None
    forecast: Forecast | None
    alerts: tuple[Alert, ...]
    series: tuple[SeriesPoint, ...]

    @property
    def no_alerts_words(self) -> str:
        """What to say when there are no alerts, in words that agree with the total's difference."""
        if self.total.status == Status.ON_TRACK and self.total.difference_pence < 0:
            return _(
                "No alerts: spending is {amount} ahead of the plan so far, within the allowance of {allowance}."
            ).format(
                amount=format_money(-self.total.difference_pence),
                allowance=format_money(self.total.allowance_pence),
            )
        return _("No alerts: spending is in line with the plan.")

    def rows(self) -> list[tuple[str, str, str, str, str, str]]:
        """Spend against the plan as the screen and the budget statement show it, the total last:
        item, this year, so far, spent, difference in words, status."""
        return [
            (
                line.label,
                format_money(line.planned_year_pence),
                format_money(line.planned_so_far_pence),
                format_money(line.spent_pence),
                line.difference_words,
                line.status.label,
            )
            for line in (*self.lines, self.total)
        ]

    @property
    def months(self) -> tuple[MonthRow, ...]:
        """The chart as a table: one row per month of the period, planned to the month's end and
        actual spending to the month's end (or to ``as_of`` in the month it falls in)."""
        rows: dict[tuple[int, int], MonthRow] = {}
        for point in self.series:  # in date order: ``as_of`` comes before the end of its month
            if point.day < self.period_start:
                continue  # the zero point the chart starts from
            month = (point.day.year, point.day.month)
            known = rows.get(month)
            actual: int | None
            actual_to: date | None
            if point.actual_pence is not None:
                actual, actual_to = point.actual_pence, point.day
            elif known is not None:
                actual, actual_to = known.actual_pence, known.actual_to
            else:
                actual, actual_to = None, None
            rows[month] = MonthRow(date(*month, 1), point.day, point.planned_pence, actual, actual_to)
        return tuple(rows[key] for key in sorted(rows))


def _month_ends(start: date, end: date) -> list[date]:
    days = []
    day = start
    while day <= end:
        last = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        days.append(min(last, end))
        day = last + timedelta(days=1)
    return days


def monitor(
    movements: Iterable[Movement],
    lines: Sequence[PlannedLine],
    *,
    period: tuple[date, date],
    today: date,
    schedule: PaymentSchedule | None,
    surplus_limit_weeks: int,
    recent_weeks: int,
    contribution: tuple[date, int] | None = None,
) -> Monitoring:
    """Spend against plan for a budget year, the forecast, the alerts and the chart series."""
    start, end = period
    as_of = min(max(today, start - timedelta(days=1)), end)
    everything = sorted(movements, key=lambda m: m.posted_on)
    opening = sum(m.amount_pence for m in everything if m.posted_on < start)
    in_period = [m for m in everything if start <= m.posted_on <= as_of]
    counted = [line for line in lines if line.paid_from_account]
    keys = {line.key for line in counted}
    spent: dict[str, int] = {}
    payments_in = 0
    for m in in_period:
        if not is_spending(m):
            payments_in += m.amount_pence
            continue
        key = m.item_key if m.item_key in keys else (m.item_key and f"other:{m.item_key}") or UNLINKED
        spent[key] = spent.get(key, 0) - m.amount_pence

    results = []
    for line in counted:
        planned = planned_by(line, start, end, as_of)
        used = spent.pop(line.key, 0)
        recurring = _recurring([line])
        results.append(
            LineResult(
                line.key,
                line.label,
                round_half_up(planned_by(line, start, end, end)),
                round_half_up(planned),
                used,
                judge(planned, used, recurring),
                round_half_up(_slack(recurring, planned)),
            )
        )
    # Items the plan pays for from another pot (a managed account, an ISF...) that this account paid for:
    # named with the pot, never mistaken for an earlier plan.
    for line in lines:
        if line.paid_from_account or f"other:{line.key}" not in spent:
            continue
        pot = line.pot or _("another pot")
        results.append(
            LineResult(
                line.key,
                _("{item} (the plan pays it from {pot})").format(item=line.label, pot=pot),
                0,
                0,
                spent.pop(f"other:{line.key}"),
                Status.OTHER_POT,
            )
        )
    other = sum(v for k, v in spent.items() if k.startswith("other:"))
    if other:
        results.append(LineResult("other", _("Items of an earlier plan"), 0, 0, other, Status.NOT_PLANNED))
    if spent.get(UNLINKED):
        results.append(
            LineResult(UNLINKED, _("Not linked to the plan"), 0, 0, spent[UNLINKED], Status.NOT_PLANNED)
        )
    planned_total = sum((planned_by(line, start, end, as_of) for line in counted), Fraction(0))
    spent_total = sum(r.spent_pence for r in results)
    recurring_total = _recurring(counted)
    total = LineResult(
        "total",
        _("Total"),
        round_half_up(sum((planned_by(line, start, end, end) for line in counted), Fraction(0))),
        round_half_up(planned_total),
        spent_total,
        judge(planned_total, spent_total, recurring_total),
        round_half_up(_slack(recurring_total, planned_total)),
    )
    balance = opening + sum(m.amount_pence for m in in_period)
    expected_in = sum(a for _d, a in expected_payments(schedule, start, as_of)) if schedule else 0
    limit = round_half_up(schedule.weekly * surplus_limit_weeks) if schedule else None
    forecast = (
        forecast_balance(everything, as_of, end, schedule, recent_weeks, contribution)
        if as_of >= start
        else None
    )

    alerts: list[Alert] = []
    for r in results:
        if r.status == Status.OVER and r.key not in (UNLINKED, "other"):
            alerts.append(
                Alert(
                    AlertKind.OVERSPEND,
                    _(
                        "Overspending on {item}: {spent} spent against {planned} planned so far ({over} over)."
                    ).format(
                        item=r.label,
                        spent=format_money(r.spent_pence),
                        planned=format_money(r.planned_so_far_pence),
                        over=format_money(-r.difference_pence),
                    ),
                )
            )
    for r in results:
        if r.status == Status.OTHER_POT:
            alerts.append(
                Alert(
                    AlertKind.OTHER_POT,
                    _(
                        "{spent} from this account went on {item}. Check the link, or agree with the person "
                        "that this account pays for it."
                    ).format(spent=format_money(r.spent_pence), item=r.label),
                )
            )
    if total.status == Status.OVER:
        alerts.insert(
            0,
            Alert(
                AlertKind.OVERSPEND,
                _(
                    "Overall spending is ahead of the plan: {spent} spent by {date} against {planned} planned so far."
                ).format(
                    spent=format_money(spent_total),
                    date=format_date(as_of),
                    planned=format_money(total.planned_so_far_pence),
                ),
            ),
        )
    if balance < 0:
        alerts.insert(
            0,
            Alert(
                AlertKind.OVERDRAWN,
                _("The account is overdrawn by {amount} on {date}.").format(
                    amount=format_money(-balance), date=format_date(as_of)
                ),
            ),
        )
    if forecast is not None and forecast.end_balance_pence < 0:
        alerts.append(
            Alert(
                AlertKind.RUNNING_OUT,
                _(
                    "At the recent rate of spending the money runs out before {end}: the forecast balance then is {amount}."
                ).format(end=format_date(end), amount=format_money(forecast.end_balance_pence)),
            )
        )
    if limit is not None and balance > limit:
        alerts.append(
            Alert(
                AlertKind.SURPLUS,
                ngettext(
                    "The balance of {balance} is more than {weeks} week of payments ({limit}) by {over}. "
                    "Talk with the person about why before any of it is reclaimed.",
                    "The balance of {balance} is more than {weeks} weeks of payments ({limit}) by {over}. "
                    "Talk with the person about why before any of it is reclaimed.",
                    surplus_limit_weeks,
                ).format(
                    balance=format_money(balance),
                    weeks=surplus_limit_weeks,
                    limit=format_money(limit),
                    over=format_money(balance - limit),
                ),
            )
        )
    if schedule is not None:
        due_by = as_of - timedelta(days=MISSING_PAYMENT_GRACE_DAYS)
        due = sum(a for _d, a in expected_payments(schedule, start, due_by)) if due_by >= start else 0
        if due and payments_in + schedule.amount_pence <= due:
            alerts.append(
                Alert(
                    AlertKind.PAYMENTS_MISSING,
                    _(
                        "Payments in are short: {expected} was due by {date} under the schedule but {received} "
                        "has arrived. Check with the council's direct payments team."
                    ).format(
                        expected=format_money(due),
                        date=format_date(due_by),
                        received=format_money(payments_in),
                    ),
                )
            )

    series = []
    spending_by_day: dict[date, int] = {}
    for m in in_period:
        if is_spending(m):
            spending_by_day[m.posted_on] = spending_by_day.get(m.posted_on, 0) - m.amount_pence
    running = 0
    days = sorted(spending_by_day)
    position = 0
    points = {start - timedelta(days=1), *_month_ends(start, end)}
    if start <= as_of:
        points.add(as_of)
    for point in sorted(points):
        while position < len(days) and days[position] <= min(point, as_of):
            running += spending_by_day[days[position]]
            position += 1
        planned = sum((planned_by(line, start, end, point) for line in counted), Fraction(0))
        series.append(
            SeriesPoint(point, round_half_up(planned), running if point <= as_of or point < start else None)
        )
    return Monitoring(
        start,
        end,
        as_of,
        tuple(results),
        total,
        opening,
        payments_in,
        expected_in,
        balance,
        limit,
        forecast,
        tuple(alerts),
        tuple(series),
    )


def running_balances(amounts: Iterable[int], opening: int = 0) -> list[int]:
    """The balance after each amount, in order."""
    return list(accumulate(amounts, initial=opening))[1:]
