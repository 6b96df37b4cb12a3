"""Resource Allocation System (RAS): from a person's answers to an indicative budget.

A council describes its RAS in a TOML file (``resources/ras/default.toml``):
questions grouped by domain, points per answer, a price per point for each
funding stream, adjustments (carer support, floor, ceiling) and rounding.
``load_ras`` checks the file and names every mistake; ``calculate`` turns
answers into an indicative weekly budget with a breakdown a person can follow.

All arithmetic is exact: points are integers, prices are whole pence, and
percentages are applied as fractions and rounded once, as the file says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from personalbudget.domain.money import WEEKS_PER_YEAR, round_half_up
from personalbudget.domain.rules_file import read_rules_file
from personalbudget.domain.vocabularies import CARE_ACT_OUTCOMES
from personalbudget.errors import DefinitionError, FieldError, ValidationError
from personalbudget.i18n import N_, _, add_data_translations, format_money, ngettext

STREAMS = ("social_care", "health")
STREAM_LABELS = {"social_care": N_("Social care"), "health": N_("NHS (health)")}
# What a domain's funding means, as in "this type of budget does not fund {needs}".
FUNDING_NEEDS = {"social_care": N_("social care needs"), "health": N_("health needs")}
ROUNDING_MODES = ("half_up", "up")
ADJUSTMENT_TYPES = ("reduce_by_answer", "floor", "ceiling")
# Languages a RAS file can give its texts in, beside the English: ``text_cy`` beside ``text``.
TRANSLATED_LANGUAGES = ("cy",)


@dataclass(frozen=True)
class Answer:
    id: str
    text: str
    points: int


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    help: str
    answers: tuple[Answer, ...]

    def answer(self, answer_id: str) -> Answer | None:
        return next((a for a in self.answers if a.id == answer_id), None)


@dataclass(frozen=True)
class Domain:
    id: str
    title: str
    outcome: str | None  # Care Act outcome code, where the domain maps to one
    funding: str  # "social_care" or "health"
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Adjustment:
    id: str
    type: str
    label: str
    stream: str
    question: str | None = None
    percent: dict[str, int] = field(default_factory=dict)
    weekly_pence: int | None = None


@dataclass(frozen=True)
class BudgetType:
    id: str
    label: str
    funding: dict[str, str]  # domain funding -> stream that pays for it


@dataclass(frozen=True)
class RasDefinition:
    name: str
    version: str
    council: str
    price_per_point: dict[str, int]  # stream -> pence per point per week
    rounding_step_pence: int
    rounding_mode: str
    domains: tuple[Domain, ...]
    adjustments: tuple[Adjustment, ...]
    budget_types: dict[str, BudgetType]
    source: str
    # language -> {English text: its translation}, from the file's ``*_cy`` fields
    translations: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def questions(self) -> dict[str, Question]:
        return {q.id: q for d in self.domains for q in d.questions}

    def domain_of(self, question_id: str) -> Domain:
        return next(d for d in self.domains if any(q.id == question_id for q in d.questions))


# -- loading and checking ---------------------------------------------------------------------


def default_ras_path() -> Path:
    from personalbudget.paths import resources_dir

    return resources_dir() / "ras" / "default.toml"


def load_ras(path: Path | None = None) -> RasDefinition:
    path = path or default_ras_path()
    return parse_ras(read_rules_file(path), source=path.name)


def parse_ras(data: dict[str, Any], source: str = "RAS definition") -> RasDefinition:
    problems: list[str] = []

    def need(mapping: Any, key: str, where: str, kind: type | tuple[type, ...]) -> Any:
        if not isinstance(mapping, dict) or key not in mapping:
            problems.append(_("{where}: '{key}' is missing").format(where=where, key=key))
            return None
        value = mapping[key]
        if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
            problems.append(_("{where}: '{key}' has the wrong kind of value").format(where=where, key=key))
            return None
        return value

    translations: dict[str, dict[str, str]] = {language: {} for language in TRANSLATED_LANGUAGES}

    def translated(mapping: Any, key: str, where: str, english: str | None) -> None:
        """Note the translations of ``mapping[key]`` (``key_cy``), which must not be empty."""
        if not isinstance(mapping, dict):
            return
        for language in TRANSLATED_LANGUAGES:
            field_name = f"{key}_{language}"
            if field_name not in mapping:
                continue
            value = mapping[field_name]
            if not isinstance(value, str) or not value.strip():
                problems.append(
                    _("{where}: '{key}' must be a text, not empty").format(where=where, key=field_name)
                )
            elif english:
                known = translations[language].setdefault(english, value)
                if known != value:
                    problems.append(
                        _("{where}: '{key}' differs from the translation of '{text}' given before").format(
                            where=where, key=field_name, text=english
                        )
                    )

    if not isinstance(data, dict):
        raise DefinitionError(source, [_("the file has no settings in it")])
    ras = data.get("ras", {})
    name = need(ras, "name", "[ras]", str) or ""
    translated(ras, "name", "[ras]", name)
    version = need(ras, "version", "[ras]", str) or ""
    council = ras.get("council", "") if isinstance(ras, dict) else ""
    translated(ras, "council", "[ras]", council if isinstance(council, str) else "")

    pricing = data.get("pricing", {})
    prices: dict[str, int] = {}
    for stream in STREAMS:
        value = need(pricing, f"{stream}_pence_per_point", "[pricing]", int)
        if value is not None:
            if value < 0:
                problems.append(
                    _("[pricing]: the price per point for {stream} is negative ({value})").format(
                        stream=stream, value=value
                    )
                )
            prices[stream] = value

    rounding = data.get("rounding", {})
    step = need(rounding, "step_pence", "[rounding]", int) or 1
    if step < 1:
        problems.append(_("[rounding]: 'step_pence' must be 1 or more"))
        step = 1
    mode = need(rounding, "mode", "[rounding]", str) or "half_up"
    if mode not in ROUNDING_MODES:
        problems.append(
            _("[rounding]: unknown mode '{mode}' (use one of: {modes})").format(
                mode=mode, modes=", ".join(ROUNDING_MODES)
            )
        )

    domains: list[Domain] = []
    seen_questions: set[str] = set()
    raw_domains = data.get("domains")
    if not isinstance(raw_domains, list) or not raw_domains:
        problems.append(_("there are no [[domains]]"))
        raw_domains = []
    for d_index, raw in enumerate(raw_domains, start=1):
        where = _("domain {n}").format(n=d_index)
        d_id = need(raw, "id", where, str) or f"#{d_index}"
        where = _("domain '{id}'").format(id=d_id)
        title = need(raw, "title", where, str) or d_id
        translated(raw, "title", where, title)
        outcome = raw.get("outcome") if isinstance(raw, dict) else None
        if outcome is not None and (not isinstance(outcome, str) or outcome not in CARE_ACT_OUTCOMES):
            problems.append(
                _("{where}: unknown Care Act outcome '{code}' (use a to j)").format(where=where, code=outcome)
            )
        funding = raw.get("funding", "social_care") if isinstance(raw, dict) else "social_care"
        if not isinstance(funding, str) or funding not in STREAMS:
            problems.append(_("{where}: unknown funding '{funding}'").format(where=where, funding=funding))
            funding = "social_care"
        questions: list[Question] = []
        raw_questions = raw.get("questions") if isinstance(raw, dict) else None
        if not isinstance(raw_questions, list) or not raw_questions:
            problems.append(_("{where}: has no questions").format(where=where))
            raw_questions = []
        for q_index, raw_q in enumerate(raw_questions, start=1):
            q_where = _("{where}, question {n}").format(where=where, n=q_index)
            q_id = need(raw_q, "id", q_where, str) or f"{d_id}#{q_index}"
            q_where = _("question '{id}'").format(id=q_id)
            if q_id in seen_questions:
                problems.append(_("{where}: the id is used twice").format(where=q_where))
            seen_questions.add(q_id)
            text = need(raw_q, "text", q_where, str) or q_id
            translated(raw_q, "text", q_where, text)
            if isinstance(raw_q, dict) and isinstance(raw_q.get("help"), str):
                translated(raw_q, "help", q_where, raw_q["help"])
            answers: list[Answer] = []
            raw_answers = raw_q.get("answers") if isinstance(raw_q, dict) else None
            if not isinstance(raw_answers, list) or len(raw_answers) < 2:
                problems.append(_("{where}: needs at least two answers").format(where=q_where))
                raw_answers = raw_answers if isinstance(raw_answers, list) else []
            seen_answers: set[str] = set()
            for a_index, raw_a in enumerate(raw_answers, start=1):
                a_where = _("{where}, answer {n}").format(where=q_where, n=a_index)
                a_id = need(raw_a, "id", a_where, str) or f"#{a_index}"
                if a_id in seen_answers:
                    problems.append(
                        _("{where}: the answer id '{id}' is used twice").format(where=q_where, id=a_id)
                    )
                seen_answers.add(a_id)
                a_where = _("{where}, answer '{id}'").format(where=q_where, id=a_id)
                a_text = need(raw_a, "text", a_where, str) or a_id
                translated(raw_a, "text", a_where, a_text)
                if isinstance(raw_a, dict) and "points" not in raw_a:
                    problems.append(_("{where}: missing points").format(where=a_where))
                    points = 0
                else:
                    points = need(raw_a, "points", a_where, int) or 0
                if points < 0:
                    problems.append(_("{where}: points cannot be negative").format(where=a_where))
                answers.append(Answer(a_id, a_text, points))
            questions.append(
                Question(q_id, text, raw_q.get("help", "") if isinstance(raw_q, dict) else "", tuple(answers))
            )
        domains.append(Domain(d_id, title, outcome, funding, tuple(questions)))

    questions_by_id = {q.id: q for d in domains for q in d.questions}
    adjustments: list[Adjustment] = []
    raw_adjustments = data.get("adjustments", [])
    if not isinstance(raw_adjustments, list):
        problems.append(_("[[adjustments]] must be a list of tables"))
        raw_adjustments = []
    for index, raw in enumerate(raw_adjustments, start=1):
        where = _("adjustment {n}").format(n=index)
        a_id = need(raw, "id", where, str) or f"#{index}"
        where = _("adjustment '{id}'").format(id=a_id)
        a_type = need(raw, "type", where, str) or ""
        label = need(raw, "label", where, str) or a_id
        translated(raw, "label", where, label)
        stream = raw.get("stream", "social_care") if isinstance(raw, dict) else "social_care"
        if not isinstance(stream, str) or stream not in STREAMS:
            problems.append(_("{where}: unknown stream '{stream}'").format(where=where, stream=stream))
            stream = "social_care"
        if a_type == "reduce_by_answer":
            question_id = need(raw, "question", where, str)
            percent = need(raw, "percent", where, dict) or {}
            question = questions_by_id.get(question_id) if isinstance(question_id, str) else None
            if question_id and question is None:
                problems.append(_("{where}: unknown question '{id}'").format(where=where, id=question_id))
            for answer_id, value in percent.items():
                if question and question.answer(answer_id) is None:
                    problems.append(
                        _("{where}: '{answer}' is not an answer to '{question}'").format(
                            where=where, answer=answer_id, question=question_id
                        )
                    )
                if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
                    problems.append(
                        _("{where}: the percentage for '{answer}' must be 0 to 100").format(
                            where=where, answer=answer_id
                        )
                    )
            if question:
                for answer in question.answers:
                    if answer.id not in percent:
                        problems.append(
                            _("{where}: no percentage for answer '{answer}'").format(
                                where=where, answer=answer.id
                            )
                        )
            adjustments.append(
                Adjustment(a_id, a_type, label, stream, question=question_id, percent=dict(percent))
            )
        elif a_type in ("floor", "ceiling"):
            weekly = need(raw, "weekly_pence", where, int)
            if weekly is not None and weekly < 0:
                problems.append(_("{where}: the amount cannot be negative").format(where=where))
            adjustments.append(Adjustment(a_id, a_type, label, stream, weekly_pence=weekly or 0))
        elif a_type:
            problems.append(
                _("{where}: unknown type '{type}' (use one of: {types})").format(
                    where=where, type=a_type, types=", ".join(ADJUSTMENT_TYPES)
                )
            )
    floors = {a.stream: a.weekly_pence for a in adjustments if a.type == "floor"}
    for a in adjustments:
        if a.type == "ceiling" and a.stream in floors and (a.weekly_pence or 0) < (floors[a.stream] or 0):
            problems.append(_("adjustment '{id}': the ceiling is below the floor").format(id=a.id))

    budget_types: dict[str, BudgetType] = {}
    raw_types = data.get("budget_types")
    if not isinstance(raw_types, dict) or not raw_types:
        problems.append(_("there are no [budget_types]"))
        raw_types = {}
    for t_id, raw in raw_types.items():
        where = _("budget type '{id}'").format(id=t_id)
        label = need(raw, "label", where, str) or t_id
        translated(raw, "label", where, label)
        funding = need(raw, "funding", where, dict) or {}
        for source_stream, target in funding.items():
            if not isinstance(target, str) or source_stream not in STREAMS or target not in STREAMS:
                problems.append(
                    _("{where}: funding '{a}' -> '{b}' names an unknown stream").format(
                        where=where, a=source_stream, b=target
                    )
                )
        budget_types[t_id] = BudgetType(t_id, label, dict(funding))

    if problems:
        raise DefinitionError(source, problems)
    for language, texts in translations.items():
        add_data_translations(language, texts)  # so _(text) shows them in that language
    return RasDefinition(
        name=name,
        version=version,
        council=council,
        price_per_point=prices,
        rounding_step_pence=step,
        rounding_mode=mode,
        domains=tuple(domains),
        adjustments=tuple(adjustments),
        budget_types=budget_types,
        source=source,
        translations=translations,
    )


# -- calculation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainScore:
    domain_id: str
    title: str
    points: int
    answered: int
    questions: int
    stream: str | None  # None: not funded under this budget type
    # The stream the domain's needs belong to ("social_care", "health"); None in a breakdown
    # saved before this was kept.
    funding: str | None = None
    # The labels of the budget types in this RAS that would fund the domain (when ``stream`` is None).
    funded_by: tuple[str, ...] = ()

    @property
    def unfunded(self) -> bool:
        """Answers here score points that this type of budget does not pay for."""
        return self.stream is None and self.points > 0


@dataclass(frozen=True)
class AdjustmentLine:
    label: str
    stream: str
    before_pence: Fraction
    after_pence: Fraction
    percent: int | None = None  # a reduction by a percentage (the family carer's help), or None

    @property
    def effect_pence(self) -> Fraction:
        return self.after_pence - self.before_pence


@dataclass(frozen=True)
class StreamAmount:
    stream: str
    points: int
    price_per_point_pence: int
    base_weekly_pence: int
    weekly_pence: int  # after adjustments and rounding

    @property
    def annual_pence(self) -> int:
        return self.weekly_pence * WEEKS_PER_YEAR


@dataclass(frozen=True)
class IndicativeBudget:
    """The indicative budget and every step of how it was reached."""

    ras_name: str
    ras_version: str
    budget_type: str
    domains: tuple[DomainScore, ...]
    streams: tuple[StreamAmount, ...]
    adjustments: tuple[AdjustmentLine, ...]
    answered: int
    questions: int

    @property
    def total_points(self) -> int:
        return sum(d.points for d in self.domains if d.stream)

    @property
    def unfunded_domains(self) -> tuple[DomainScore, ...]:
        """Areas whose answers score points this type of budget does not fund (e.g. health needs
        in a social-care budget): not in the figure, but always named beside it."""
        return tuple(d for d in self.domains if d.unfunded)

    @property
    def unfunded_points(self) -> int:
        return sum(d.points for d in self.unfunded_domains)

    @property
    def weekly_pence(self) -> int:
        return sum(s.weekly_pence for s in self.streams)

    @property
    def annual_pence(self) -> int:
        return self.weekly_pence * WEEKS_PER_YEAR

    @property
    def complete(self) -> bool:
        return self.answered == self.questions


def check_answers(ras: RasDefinition, answers: dict[str, str]) -> None:
    """Raise ValidationError for an unknown question or an answer the question does not offer."""
    questions = ras.questions
    errors = []
    for question_id, answer_id in answers.items():
        question = questions.get(question_id)
        if question is None:
            errors.append(
                FieldError(question_id, _("There is no question '{id}' in this RAS.").format(id=question_id))
            )
        elif question.answer(answer_id) is None:
            errors.append(
                FieldError(
                    question_id,
                    _("'{answer}' is not one of the answers to '{question}'.").format(
                        answer=answer_id, question=_(question.text)
                    ),
                )
            )
    if errors:
        raise ValidationError(errors)


def _round(value: Fraction, step: int, mode: str) -> int:
    """Round to a whole number of ``step`` pence: half up, or always up."""
    units = value / step
    whole = round_half_up(units) if mode == "half_up" else math.ceil(units)
    return whole * step


def calculate(ras: RasDefinition, budget_type: str, answers: dict[str, str]) -> IndicativeBudget:
    """The indicative weekly budget for ``answers`` (unanswered questions score 0)."""
    if budget_type not in ras.budget_types:
        raise ValidationError(
            FieldError(
                "budget_type",
                _("Choose the type of budget ({types}).").format(types=", ".join(ras.budget_types)),
            )
        )
    check_answers(ras, answers)
    funding = ras.budget_types[budget_type].funding

    scores = []
    stream_points = dict.fromkeys(STREAMS, 0)
    for domain in ras.domains:
        points = 0
        answered = 0
        for question in domain.questions:
            answer = question.answer(answers.get(question.id, ""))
            if answer:
                answered += 1
                points += answer.points
        stream = funding.get(domain.funding)
        if stream:
            stream_points[stream] += points
        funded_by = (
            ()
            if stream
            else tuple(t.label for t in ras.budget_types.values() if t.funding.get(domain.funding))
        )
        scores.append(
            DomainScore(
                domain.id,
                domain.title,
                points,
                answered,
                len(domain.questions),
                stream,
                funding=domain.funding,
                funded_by=funded_by,
            )
        )

    active = [s for s in STREAMS if s in funding.values()]
    amounts: dict[str, Fraction] = {s: Fraction(stream_points[s] * ras.price_per_point[s]) for s in active}
    lines: list[AdjustmentLine] = []
    for adjustment in ras.adjustments:
        if adjustment.stream not in amounts:
            continue
        before = amounts[adjustment.stream]
        percent: int | None = None
        if adjustment.type == "reduce_by_answer":
            percent = adjustment.percent.get(answers.get(adjustment.question or "", ""), 0)
            after = before * (100 - percent) / 100
        elif adjustment.type == "floor":
            after = max(before, Fraction(adjustment.weekly_pence or 0)) if before > 0 else before
        else:
            after = min(before, Fraction(adjustment.weekly_pence or 0))
        if after != before:
            # Kept in English with the budget, and shown in the reader's language (explain()).
            lines.append(AdjustmentLine(adjustment.label, adjustment.stream, before, after, percent))
        amounts[adjustment.stream] = after

    streams = []
    for stream in active:
        rounded = _round(amounts[stream], ras.rounding_step_pence, ras.rounding_mode)
        if rounded != amounts[stream]:
            lines.append(AdjustmentLine(N_("Rounding"), stream, amounts[stream], Fraction(rounded)))
        streams.append(
            StreamAmount(
                stream=stream,
                points=stream_points[stream],
                price_per_point_pence=ras.price_per_point[stream],
                base_weekly_pence=stream_points[stream] * ras.price_per_point[stream],
                weekly_pence=rounded,
            )
        )
    return IndicativeBudget(
        ras_name=ras.name,
        ras_version=ras.version,
        budget_type=budget_type,
        domains=tuple(scores),
        streams=tuple(streams),
        adjustments=tuple(lines),
        answered=sum(s.answered for s in scores),
        questions=sum(s.questions for s in scores),
    )


def explain(budget: IndicativeBudget) -> list[str]:
    """The calculation in plain sentences, one step a line, as shown on screen and in the plan PDF."""

    def money(value: int | Fraction) -> str:
        return format_money(value if isinstance(value, int) else round_half_up(value))

    lines = [
        ngettext(
            "{stream}: {points} point × {price} a point = {amount} a week",
            "{stream}: {points} points × {price} a point = {amount} a week",
            s.points,
        ).format(
            stream=_(STREAM_LABELS[s.stream]),
            points=s.points,
            price=money(s.price_per_point_pence),
            amount=money(s.base_weekly_pence),
        )
        for s in budget.streams
    ]
    lines += explain_unfunded(budget)
    for line in budget.adjustments:
        if line.percent is not None:
            text = _("{label} ({stream}): reduced by {percent}%, {before} → {after} a week ({effect})")
        else:
            text = _("{label} ({stream}): {before} → {after} a week ({effect})")
        lines.append(
            text.format(
                label=_(line.label),
                stream=_(STREAM_LABELS[line.stream]),
                percent=line.percent,
                before=money(line.before_pence),
                after=money(line.after_pence),
                effect=("+" if line.effect_pence >= 0 else "−") + money(abs(line.effect_pence)),
            )
        )
    lines.append(
        _("Indicative budget: {week} a week, {year} a year (× 52).").format(
            week=money(budget.weekly_pence), year=money(budget.annual_pence)
        )
    )
    return lines


def explain_unfunded(budget: IndicativeBudget) -> list[str]:
    """One sentence for each area whose points this type of budget does not fund: how many points,
    that they are not in the figure, and which type of budget would fund them."""
    lines = []
    for domain in budget.unfunded_domains:
        lines.append(
            ngettext(
                "{area}: {n} point is not counted, because this type of budget does not fund {needs}.",
                "{area}: {n} points are not counted, because this type of budget does not fund {needs}.",
                domain.points,
            ).format(
                area=_(domain.title),
                n=domain.points,
                needs=_(FUNDING_NEEDS.get(domain.funding or "", N_("these needs"))),
            )
        )
        if domain.funded_by:
            lines.append(
                _("To have them funded, talk with the person about another type of budget: {types}.").format(
                    types=_(" or ").join(_(label) for label in domain.funded_by)
                )
            )
        if domain.funding == "health":
            lines.append(
                _("NHS funding starts with a referral to the NHS for a personal health budget assessment.")
            )
    return lines
