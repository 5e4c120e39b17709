"""Needs read from what a service says: scored against a hand-labelled set of services.

The labelled set (tests/directory/data/labelled_services.json) paraphrases the kinds of
description real UK community services publish; the labels follow the meaning of each need
in app/domain/service_needs.py. Run this file directly to print the figures:
`.venv/bin/python -m tests.directory.test_needs_classifier`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.domain.service_needs import NEEDS_ORDER, ServiceText, classify_service
from app.services.directory.hsds_feeds import clean_text

LABELLED = Path(__file__).parent / "data" / "labelled_services.json"


def score() -> tuple[float, float, int]:
    """Micro-averaged precision and recall over the six needs ("other" is not a need)."""
    tp = fp = fn = 0
    items = json.loads(LABELLED.read_text(encoding="utf-8"))
    for item in items:
        text = ServiceText(name=item["name"], description=clean_text(item["description"]),
                           organisation_description=item.get("org", ""),
                           eligibility=item.get("eligibility", ""),
                           terms=tuple(item.get("terms", ())))
        got = set(classify_service(text).needs) & set(NEEDS_ORDER)
        want = set(item["needs"]) & set(NEEDS_ORDER)
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    return tp / (tp + fp), tp / (tp + fn), len(items)


def test_labelled_set_reaches_the_targets() -> None:
    precision, recall, count = score()
    assert count >= 60
    assert precision >= 0.80, precision
    assert recall >= 0.70, recall


def test_reasons_name_the_words_and_terms() -> None:
    found = classify_service(ServiceText(
        name="Tuesday lunch club", description="A hot meal and company.",
        terms=("Debt advice",)))
    assert found.needs == ["food", "befriending", "money"]
    assert "name: 'lunch club'" in found.reasons["food"]
    assert "term: 'Debt advice'" in found.reasons["money"]


@pytest.mark.parametrize(("term", "needs"), [
    ("Meals on wheels", ["food"]), ("Lunch clubs", ["food", "befriending"]),
    ("Socialising", ["befriending"]), ("Concessionary travel", ["transport"]),
    ("Debt advice", ["money"]), ("Welfare benefits", ["money"]),
    ("Physical activity", ["wellbeing"]), ("Carers", ["wellbeing"]),
    ("Pharmacy", ["prescriptions"]), ("Stairlifts", ["other"]), ("Libraries", ["other"]),
])
def test_lga_esd_terms_map_to_needs(term: str, needs: list[str]) -> None:
    assert classify_service(ServiceText(terms=(term,))).needs == needs


@pytest.mark.parametrize("description", [
    "Business start-up: the benefits of a business plan; an uplift.",
    "We raise money for the hospice.", "Speech therapy for children.",
    "Personal budgets and direct payments.", "A guide to self-isolation for households.",
])
def test_loose_words_do_not_count(description: str) -> None:
    assert classify_service(ServiceText(description=description)).needs == ["other"]


def test_organisation_words_only_when_the_service_says_nothing() -> None:
    org = "We run a food bank, debt advice and befriending."
    assert classify_service(ServiceText(name="Befriending", organisation_description=org)
                            ).needs == ["befriending"]
    assert classify_service(ServiceText(name="Drop-in", organisation_description=org)
                            ).needs == ["food", "befriending", "money"]


if __name__ == "__main__":
    p, r, n = score()
    print(f"{n} services: precision {p:.2f}, recall {r:.2f} (micro-averaged over six needs)")
