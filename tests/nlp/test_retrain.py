"""Learning from staff corrections: retrain, write the model, pick it up."""

import json
import logging
import os
import sys
from pathlib import Path

import pytest

import nlp
from nlp import model, runtime
from nlp.corpus import TRAIN_PATH
from nlp.linear import LinearModel, TrainingConfig, train

CORRECTIONS = [
    ("楼下那台自动售货机总是吞硬币", "other"),
    ("自动售货机又吞了我的钱", "other"),
    ("小区的自动售货机不找零", "other"),
]
SIMILAR = "大堂的自动售货机吞币不出货"


@pytest.fixture(autouse=True)
def smaller_base_corpus(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> Path:
    """Retraining learns the train split again with the corrections: a third of it (every category
    still there) keeps these tests to seconds; what they check does not depend on its size."""
    lines = TRAIN_PATH.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if line and not line.startswith("#"))
    rows = [line for line in lines[header + 1 :] if line and not line.startswith("#")]
    path = tmp_path_factory.mktemp("corpus") / "train.tsv"
    path.write_text("\n".join([lines[header], *rows[::3]]) + "\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules["nlp.retrain"], "TRAIN_PATH", path)
    return path


def test_a_correction_changes_the_prediction_of_a_similar_text(tmp_path: Path) -> None:
    before = nlp.classify(SIMILAR).category
    assert before != "other"
    path = tmp_path / "models" / "triage.json"
    report = nlp.retrain(CORRECTIONS, path)
    assert report["corrections"] == 3
    assert report["examples"] == report["corpus_examples"] + 3
    assert "other" in report["classes"]
    assert path.exists()
    json.loads(path.read_text(encoding="utf-8"))  # plain JSON

    nlp.configure(model_path=path)
    assert nlp.classify(SIMILAR).category == "other"


def test_a_new_category_can_be_learned_from_corrections(tmp_path: Path) -> None:
    path = tmp_path / "triage.json"
    corrections = [
        ("楼下那台自动售货机总是吞硬币", "vending"),
        ("自动售货机又吞了我的钱", "vending"),
        ("小区的自动售货机不找零", "vending"),
    ]
    nlp.retrain(corrections, path)
    nlp.configure(categories=[*nlp.CATEGORIES, "vending"], model_path=path)
    assert nlp.classify(SIMILAR).category == "vending"


def test_retraining_the_configured_file_is_picked_up(tmp_path: Path) -> None:
    path = tmp_path / "triage.json"
    nlp.retrain([], path)
    nlp.configure(model_path=path)
    assert nlp.classify(SIMILAR).category != "other"
    nlp.retrain(CORRECTIONS, path)  # the running process sees the new file
    assert nlp.classify(SIMILAR).category == "other"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _replace(path: Path, data: bytes) -> None:
    """What ``retrain`` in another instance does to the shared file: a new file renamed over it."""
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def test_a_running_classifier_picks_up_a_model_retrained_elsewhere(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    retrained = tmp_path / "elsewhere.json"
    nlp.retrain(CORRECTIONS, retrained)
    path = tmp_path / "shared" / "triage.json"
    path.parent.mkdir()
    clock = FakeClock()
    nlp.configure(model_path=path, check_seconds=10, clock=clock)  # no file yet: the shipped model
    assert nlp.classify(SIMILAR).category != "other"

    _replace(path, retrained.read_bytes())
    clock.now += 9
    assert nlp.classify(SIMILAR).category != "other"  # not looked at yet
    clock.now += 1
    assert nlp.classify(SIMILAR).category == "other"

    _replace(path, b'{"format": "qingchu-triage-model/2", "category"')  # unreadable
    clock.now += 10
    with caplog.at_level(logging.ERROR, logger="nlp.runtime"):
        assert nlp.classify(SIMILAR).category == "other"  # the previous model keeps serving
    assert "cannot be loaded" in caplog.text

    _replace(path, model.SHIPPED_PATH.read_bytes())
    clock.now += 10
    assert nlp.classify(SIMILAR).category != "other"


def test_an_unchanged_model_file_is_not_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "triage.json"
    path.write_bytes(model.SHIPPED_PATH.read_bytes())
    clock = FakeClock()
    nlp.configure(model_path=path, check_seconds=10, clock=clock)
    before = runtime.load()
    clock.now += 60
    assert runtime.load() is before


def test_blank_corrections_are_skipped(tmp_path: Path) -> None:
    report = nlp.retrain([("", "other"), ("电梯坏了", ""), ("  ", " ")], tmp_path / "m.json")
    assert report["corrections"] == 0
    assert report["skipped"] == 3


def test_missing_model_file_falls_back_to_the_shipped_corpus(tmp_path: Path) -> None:
    nlp.configure(model_path=tmp_path / "not-yet.json")
    assert nlp.classify("电梯坏了").category == "facility"


def test_linear_model_json_round_trip_and_taxonomy_subset() -> None:
    data = [
        (["电梯", "坏"], "facility", 1.0),
        (["电梯", "停"], "facility", 1.0),
        (["垃圾", "臭"], "environment", 1.0),
        (["垃圾", "满"], "environment", 1.0),
    ]
    m = train(data, TrainingConfig(min_count=1))
    again = LinearModel.from_json(json.loads(json.dumps(m.to_json())))
    assert max(again.proba(["垃圾"])[0].items(), key=lambda kv: kv[1])[0] == "environment"
    assert again.evidence(["电梯", "垃圾"], "facility") == ("电梯",)
    only = again.restricted(["environment"])
    assert only.classes == ("environment",)
    assert only.proba(["电梯"])[0] == {"environment": 1.0}


def test_unknown_words_give_no_statistical_opinion() -> None:
    m = train([(["电梯"], "facility", 1.0), (["电梯"], "facility", 1.0)], TrainingConfig())
    assert m.proba(["👍"])[1] == 0


def test_an_old_naive_bayes_model_file_falls_back_to_the_shipped_model(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"format": "qingchu-triage-model/1"}), encoding="utf-8")
    nlp.configure(model_path=path)
    assert nlp.classify("电梯坏了").category == "facility"


def test_the_shipped_model_is_built_from_the_current_corpus() -> None:
    shipped = model.read(model.SHIPPED_PATH)
    assert shipped.fingerprint == model.fingerprint(TRAIN_PATH), (
        "the corpus, lexicon or feature code changed: run `python -m nlp.build`"
    )
