"""The three matching types: labels, fit and the reason a department reads."""

import pytest
from django.utils import translation

from hack.matching.match_types import (
    MatchType,
    label_pair,
    need_type,
    seed_type,
    type_fit,
)
from hack.needs.choices import Specificity
from hack.seeds.choices import Maturity


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("specificity", "expected"),
    [("low", 1), ("medium", 2), ("high", 3), ("", 2), ("unknown", 2)],
)
def test_need_type_follows_specificity(specificity, expected):
    assert need_type(specificity) == expected


def test_every_specificity_choice_has_a_type():
    assert [need_type(s) for s in Specificity.values] == [1, 2, 3]


@pytest.mark.parametrize(
    ("maturity", "deployments", "expected"),
    [
        ("research", 0, 1),
        ("prototype", 0, 1),
        ("validated", 0, 2),
        ("deployed_elsewhere", 3, 3),
        ("deployed_elsewhere", 0, 3),
        ("", 0, 2),
        # A track record elsewhere makes any seed ready to deploy.
        ("research", 1, 3),
        ("validated", 12, 3),
    ],
)
def test_seed_type_follows_maturity_and_track_record(maturity, deployments, expected):
    assert seed_type(maturity, deployments) == expected


def test_every_maturity_choice_has_a_type():
    assert [seed_type(m) for m in Maturity.values] == [1, 1, 2, 3]


def test_type_fit():
    assert type_fit(2, 2) == 1.0
    assert type_fit(1, 2) == type_fit(3, 2) == 0.5
    assert type_fit(1, 3) == type_fit(3, 1) == 0.0


def test_match_type_labels():
    assert MatchType(1).label == "Type 1: co-creation partner"
    assert MatchType(3).label == "Type 3: ready-to-deploy service"


def test_label_for_a_fitting_pair_states_the_evidence():
    label = label_pair(specificity="low", maturity="prototype", deployments=0)

    assert label.match_type == 1
    assert label.fit == 1.0
    assert label.reason == (
        "Type 1: co-creation partner: it is a prototype, which suits a need of "
        "low specificity."
    )


def test_label_for_a_deployed_seed_counts_the_municipalities():
    label = label_pair(specificity="high", maturity="deployed_elsewhere", deployments=4)

    assert label.match_type == 3
    assert label.fit == 1.0
    assert "already runs in 4 other municipalities" in label.reason
    assert "high specificity" in label.reason


def test_label_for_a_non_fitting_pair_names_the_wanted_type():
    label = label_pair(specificity="high", maturity="research", deployments=0)

    assert label.match_type == 1
    assert label.fit == 0.0
    assert label.reason == (
        "Type 1: co-creation partner: it is still being researched; a need of high "
        "specificity usually looks for Type 3: ready-to-deploy service."
    )


def test_label_one_step_off():
    label = label_pair(specificity="medium", maturity="validated", deployments=2)

    assert label.match_type == 3
    assert label.fit == 0.5
    assert "already runs in 2 other municipalities" in label.reason
    assert "usually looks for Type 2: solution technology" in label.reason


@pytest.mark.parametrize(
    ("maturity", "evidence"),
    [
        ("research", "it is still being researched"),
        ("prototype", "it is a prototype"),
        ("validated", "it has been validated in demonstrations"),
    ],
)
def test_label_evidence_per_maturity(maturity, evidence):
    label = label_pair(specificity="medium", maturity=maturity, deployments=0)

    assert evidence in label.reason


def test_label_with_unknown_maturity_and_specificity():
    label = label_pair(specificity="", maturity="", deployments=0)

    assert label.match_type == 2
    assert "its maturity is not stated" in label.reason
    assert "unknown specificity" in label.reason


def test_label_for_deployed_elsewhere_without_a_count_states_the_maturity():
    label = label_pair(specificity="high", maturity="deployed_elsewhere", deployments=0)

    assert label.match_type == 3
    assert "not stated" not in label.reason
