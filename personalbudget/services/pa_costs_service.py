"""Step 2: what a personal assistant really costs, from the dated rates file in resources/pa_costs/."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from personalbudget.domain.money import parse_pounds, parse_quantity
from personalbudget.domain.pa_costs import PaCosting, PaRates, cost_pa, load_pa_rates, rates_file_for
from personalbudget.domain.roles import Permission
from personalbudget.errors import FieldError, ValidationError
from personalbudget.i18n import _
from personalbudget.services.context import ServiceContext


class PaCostService:
    def __init__(self, context: ServiceContext, folder: Path | None = None):
        self._ctx = context
        self._folder = folder

    def rates_for(self, day: date) -> PaRates:
        """The rates file for the tax year ``day`` falls in (else the newest), checked."""
        return load_pa_rates(rates_file_for(day, self._folder))

    def cost(self, hourly_rate: str, hours_per_week: str, age: str, starts_on: date | None) -> PaCosting:
        """Cost a PA as typed: the hourly rate, hours a week, the PA's age and when the plan starts."""
        self._ctx.require(Permission.EDIT_PLAN)
        errors: list[FieldError] = []
        rate = hours = years = None
        try:
            rate = parse_pounds(hourly_rate)
        except ValueError as problem:
            errors.append(FieldError("hourly_rate", _("Hourly rate: {problem}").format(problem=problem)))
        try:
            hours = parse_quantity(hours_per_week)
        except ValueError as problem:
            errors.append(FieldError("hours", _("Hours a week: {problem}").format(problem=problem)))
        try:
            years = int(age.strip())
        except ValueError:
            errors.append(FieldError("age", _("Enter the PA's age in whole years, e.g. 34.")))
        if starts_on is None:
            errors.append(FieldError("starts_on", _("Enter the date the plan starts.")))
        if errors:
            raise ValidationError(errors)
        assert rate is not None and hours is not None and years is not None and starts_on is not None
        return cost_pa(rate, hours, years, starts_on, self.rates_for(starts_on))
