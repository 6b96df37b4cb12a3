"""Who a demo person is, so that everything said about them fits one real life.

Their primary support reason comes first; their age follows it (memory and cognition
support is mostly for older people, learning disability support mostly for younger);
their name and their family's names fit their ages and sex; the support in their plan
and the outcomes it works on follow the reason; and every phrase (grandchildren, a job,
children at school, retirement, "my PA", a review comment) is chosen only where it fits
(the rules are in ``resources/demo_plans.toml`` beside the phrases).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from personalbudget.domain.vocabularies import PRIMARY_SUPPORT_REASONS

# How often each primary support reason appears (roughly as in adult social care returns).
PSR_WEIGHTS = (8, 34, 3, 2, 1, 14, 14, 10, 2, 1, 6, 3, 2)
FEMALE_SHARE = 0.56  # most people drawing on adult social care are women

# The ages (inclusive) at which a name from each group is a likely given name.
_NAME_BANDS = {"older": (58, 200), "middle": (30, 72), "younger": (0, 40)}

# Who a representative may be: relationship, their sex (None: either), their age relative to
# the person, and the ages of the person for whom the relationship is likely.
_RELATIONS: tuple[tuple[str, str | None, int, int, int], ...] = (
    ("daughter", "female", -28, 38, 200),
    ("son", "male", -28, 38, 200),
    ("husband", "male", 1, 21, 200),
    ("wife", "female", -1, 21, 200),
    ("partner", None, 0, 21, 200),
    ("mother", "female", 27, 0, 62),
    ("father", "male", 29, 0, 62),
    ("sister", "female", 2, 0, 200),
    ("brother", "male", -2, 0, 200),
    ("friend", None, 0, 0, 200),
)
_KIN = {"daughter", "son", "mother", "father", "sister", "brother"}


@dataclass(frozen=True)
class DemoLife:
    age: int
    sex: str  # "female" or "male"
    reason: str  # the primary support reason
    heritage: int = 0  # which group of names (``demo_names.toml``) the family's come from
    family: str = ""  # the family name as written there (both forms if it has two)


def fits(entry: dict[str, Any], age: int, categories: Iterable[str] = ()) -> bool:
    """Whether a phrase fits a person of ``age`` whose plan has support of ``categories``."""
    return entry.get("min_age", 0) <= age <= entry.get("max_age", 200) and set(entry.get("needs", ())) <= set(
        categories
    )


class DemoPeople:
    """Draws consistent demo lives and the words that go with them."""

    def __init__(self, names: dict[str, Any], phrases: dict[str, Any]):
        self.names = names
        self.phrases = phrases
        self.reasons: dict[str, dict[str, Any]] = phrases["reasons"]
        self.heritages: list[dict[str, Any]] = names["heritage"]
        self._weights = [h["weight"] for h in self.heritages]

    # -- the person -------------------------------------------------------------------------
    def life(self, rng: random.Random) -> DemoLife:
        reason = rng.choices(PRIMARY_SUPPORT_REASONS, weights=PSR_WEIGHTS)[0]
        low, high = self.reasons[reason]["age"]
        a, b = self.reasons[reason]["shape"]
        age = min(high, low + int(rng.betavariate(a, b) * (high - low + 1)))
        sex = "female" if rng.random() < FEMALE_SHARE else "male"
        return self.family_of(rng, DemoLife(age, sex, reason))

    def family_of(self, rng: random.Random, life: DemoLife) -> DemoLife:
        """The same life in a family drawn afresh (a copied demo person's own identity)."""
        heritage = self._heritage(rng)
        return replace(life, heritage=heritage, family=rng.choice(self.heritages[heritage]["family"]))

    def _heritage(self, rng: random.Random) -> int:
        return rng.choices(range(len(self.heritages)), weights=self._weights)[0]

    def given(self, rng: random.Random, sex: str, age: int, heritage: int = 0) -> str:
        """A given name of the right sex and heritage that people of ``age`` were commonly given."""
        by_band = self.heritages[heritage][sex]
        bands = [band for band, (low, high) in _NAME_BANDS.items() if low <= age <= high]
        name: str = rng.choice(by_band[rng.choice(bands)])
        return name

    def full_name(self, rng: random.Random, life: DemoLife) -> str:
        return f"{self.given(rng, life.sex, life.age, life.heritage)} {surname(life.family, life.sex)}"

    def adult(self, rng: random.Random) -> str:
        """Someone of working age (a personal assistant): a given and a family name."""
        sex = "female" if rng.random() < 0.7 else "male"
        heritage = self._heritage(rng)
        family = rng.choice(self.heritages[heritage]["family"])
        return f"{self.given(rng, sex, rng.randrange(20, 66), heritage)} {surname(family, sex)}"

    def representative(self, rng: random.Random, life: DemoLife) -> tuple[str, str]:
        """A carer or representative who fits the person's age: (full name, relationship)."""
        options = [r for r in _RELATIONS if r[3] <= life.age <= r[4]]
        relationship = rng.choice(options)[0]
        return self.relative(rng, life, relationship), relationship

    def relative(self, rng: random.Random, life: DemoLife, relationship: str) -> str:
        """The full name of the person's ``relationship`` (daughter, friend, ...), who fits their age."""
        _relationship, sex, offset, _low, _high = next(r for r in _RELATIONS if r[0] == relationship)
        if sex is None:
            sex = "female" if rng.random() < 0.6 else "male"
        their_age = max(18, min(100, life.age + offset + rng.randrange(-4, 5)))
        heritage, family = life.heritage, life.family
        if relationship == "friend" or (relationship not in _KIN and rng.random() < 0.2):
            heritage = self._heritage(rng)  # a friend or partner may come from anywhere
            family = rng.choice(self.heritages[heritage]["family"])
        elif rng.random() < 0.25:  # married into another family of the same heritage
            family = rng.choice(self.heritages[heritage]["family"])
        return f"{self.given(rng, sex, their_age, heritage)} {surname(family, sex)}"

    # -- the words --------------------------------------------------------------------------
    def pick(
        self, rng: random.Random, key: str, age: int, categories: Iterable[str] = (), k: int = 1
    ) -> list[dict[str, Any]]:
        """Up to ``k`` different phrases from ``key`` that fit the person and their plan."""
        chosen = list(categories)
        pool = [e for e in self.phrases[key] if fits(e, age, chosen)]
        return rng.sample(pool, k=min(k, len(pool)))

    def outcomes(self, rng: random.Random, life: DemoLife, k: int) -> list[dict[str, Any]]:
        """``k`` outcomes (different Care Act outcomes) that the person's support usually works on."""
        codes = list(self.reasons[life.reason]["outcomes"])
        rng.shuffle(codes)
        picked = []
        for code in codes:
            fitting = [o for o in self.phrases["outcomes"] if o["code"] == code and fits(o, life.age)]
            if fitting:
                picked.append(rng.choice(fitting))
            if len(picked) == k:
                break
        return picked

    def support(self, rng: random.Random, life: DemoLife) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The plan's main hourly support and the other kinds it may add, for the person's reason and age."""
        by_category = {t["category"]: t for t in self.phrases["items"]}
        reason = self.reasons[life.reason]
        main = by_category[rng.choice(reason["main"])]
        extras = [by_category[c] for c in reason["extras"] if fits(by_category[c], life.age)]
        return main, extras

    def comment(self, rng: random.Random, rating: str) -> str:
        """What the person says about an outcome rated ``rating`` at a review."""
        said: str = rng.choice([c["text"] for c in self.phrases["review_comments"] if rating in c["ratings"]])
        return said


def surname(family: str, sex: str) -> str:
    """The family name as a man or a woman carries it ("Kowalski|Kowalska")."""
    forms = family.split("|")
    return forms[-1] if sex == "female" else forms[0]
