"""Gold-format validation: every malformed file names the file and the field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from eval_fakes import GOLD, write_case

from evals.gold import DEFAULT_GOLD_DIR, GoldError, load_case, load_cases


def broken(tmp_path: Path, change: Any) -> Path:
    gold = copy.deepcopy(GOLD)
    change(gold)
    return write_case(tmp_path, gold)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda g: g["gold"].pop("participants"), "gold.participants: Field required"),
        (
            lambda g: g["gold"]["agreements"][1].update(status="ongoing"),
            "gold.agreements[1].status",
        ),
        (lambda g: g["gold"]["participants"][0].update(match=[]), "gold.participants[0].match"),
        (
            lambda g: g["gold"]["topics"][2].update(match=["  "]),
            "gold.topics[2].match[0]: empty string",
        ),
        (
            lambda g: g["gold"]["geopolitical_notes"][0].update(match_all=[["x"], []]),
            "match_all[1]: empty group",
        ),
        (lambda g: g.update(extra_key=1), "extra_key: Extra inputs are not permitted"),
        (lambda g: g.update(text_file="absent.txt"), "text_file: cannot read"),
    ],
)
def test_malformed_gold_names_file_and_field(tmp_path: Path, change: Any, expected: str) -> None:
    path = broken(tmp_path, change)
    if "absent" in expected or "cannot read" in expected:
        (tmp_path / "absent.txt").unlink(missing_ok=True)
    with pytest.raises(GoldError) as info:
        load_case(path)
    assert str(path) in info.value.message and expected in info.value.message


def test_id_must_match_file_name(tmp_path: Path) -> None:
    path = write_case(tmp_path)
    path.rename(tmp_path / "other.gold.json")
    with pytest.raises(GoldError, match="id: 'tiny-case' does not match the file name 'other'"):
        load_case(tmp_path / "other.gold.json")


def test_invalid_json_and_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "bad.gold.json").write_text("{nope")
    with pytest.raises(GoldError, match="bad.gold.json: cannot read gold file"):
        load_case(tmp_path / "bad.gold.json")
    with pytest.raises(GoldError, match="no \\*.gold.json files"):
        load_cases([tmp_path / "empty"])


def test_identical_copies_are_scored_once_and_differing_copies_fail(tmp_path: Path) -> None:
    write_case(tmp_path / "a")
    write_case(tmp_path / "b")
    assert [c.id for c in load_cases([tmp_path / "a", tmp_path / "b"])] == ["tiny-case"]
    write_case(tmp_path / "c", article="another article")
    with pytest.raises(GoldError, match="also in"):
        load_cases([tmp_path / "a", tmp_path / "c"])
    with pytest.raises(GoldError, match="unknown case id"):
        load_cases([tmp_path / "a"], only=["nope"])


def test_project_gold_set_loads_with_shared_set() -> None:
    cases = load_cases([DEFAULT_GOLD_DIR])
    assert len(cases) >= 9 and any("injection" in c.id for c in cases)
    shared = DEFAULT_GOLD_DIR.parents[2] / "shared" / "evals" / "gold"
    if shared.is_dir():
        assert len(load_cases([DEFAULT_GOLD_DIR, shared])) == len(cases)
