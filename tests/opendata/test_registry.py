"""The dataset registry: one name per dataset, hack apps never import cms."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from hack.opendata.datasets import Column, get_dataset, list_datasets, register
from hack.opendata.sources import NEEDS


def test_the_four_datasets_in_their_order():
    assert [d.name for d in list_datasets()] == [
        "needs",
        "seeds",
        "case-studies",
        "participation",
    ]
    assert not get_dataset("participation").detail


def test_registering_the_same_dataset_again_is_harmless_a_second_one_is_not():
    assert register(NEEDS) is NEEDS
    from dataclasses import replace

    with pytest.raises(ImproperlyConfigured):
        register(replace(NEEDS, title="Other needs"))
    assert get_dataset("needs") is NEEDS


def test_no_hack_app_module_imports_cms():
    package = Path(settings.BASE_DIR) / "hack" / "opendata"
    for source in package.rglob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n == "cms" or n.startswith("cms.") for n in names), source


@pytest.mark.parametrize(
    ("column", "row", "expected"),
    [
        (Column("title"), {"title": "窓口"}, "窓口"),
        (
            Column("dept", "department.name"),
            {"department": {"name": "消防局"}},
            "消防局",
        ),
        (Column("dept", "department.name"), {"department": None}, ""),
        (Column("tags"), {"tags": ["IoT", "見守り"]}, "IoT; 見守り"),
        (Column("tags"), {"tags": []}, ""),
        (Column("n"), {"n": 0}, 0),
        (Column("items"), {"items": [{"a": 1}]}, '[{"a": 1}]'),
        (Column("first", compute=lambda row: row["xs"][0]), {"xs": ["a"]}, "a"),
    ],
)
def test_csv_column_values(column, row, expected):
    assert column.value(row) == expected
