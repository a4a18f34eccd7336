import numpy as np
import pytest

from harbench.datasets.protocols import Split, check_subject_disjoint, make_protocol
from harbench.datasets.windowset import WindowSet
from harbench.errors import InputValidationError, LeakageError, UnknownIdError


def _windows(n_subjects: int = 10, per_subject: int = 6, official: bool = True) -> WindowSet:
    subjects = np.repeat(np.arange(1, n_subjects + 1), per_subject)
    n = len(subjects)
    return WindowSet(
        name="t", X=np.zeros((n, 4, 1), np.float32), y=np.arange(n) % 2, classes=("a", "b"), channels=("c",),
        units=("u",), fs=50.0, subjects=subjects, sessions=subjects, starts=np.zeros(n, np.int64),
        official_test=subjects > n_subjects - 3 if official else None,
    )


@pytest.mark.parametrize("protocol", [{"name": "official"}, {"name": "loso"},
                                      {"name": "grouped_kfold", "n_splits": 5}])
def test_no_subject_is_ever_on_two_sides(protocol):
    windows = _windows()
    splits = make_protocol(**protocol).splits(windows)
    for split in splits:
        sides = [set(windows.subjects[getattr(split, side)]) for side in ("train", "val", "test")]
        assert not (sides[0] & sides[1]) and not (sides[0] & sides[2]) and not (sides[1] & sides[2])
        assert sides[1], "a validation subset is carved from the training subjects"
        assert len(split.train) + len(split.val) + len(split.test) == len(windows)


def test_official_split_uses_the_official_test_subjects():
    windows = _windows()
    (split,) = make_protocol("official").splits(windows)
    assert set(windows.subjects[split.test]) == {8, 9, 10}


def test_loso_has_one_fold_per_subject_and_kfold_tests_each_subject_once():
    windows = _windows()
    assert [set(windows.subjects[s.test]) for s in make_protocol("loso").splits(windows)] == [
        {subject} for subject in range(1, 11)]
    tested = np.concatenate([windows.subjects[s.test] for s in make_protocol("grouped_kfold").splits(windows)])
    assert sorted(set(tested)) == list(range(1, 11)) and len(tested) == len(windows)


def test_validation_subjects_depend_on_val_seed_not_on_chance():
    windows = _windows(n_subjects=30)
    first = make_protocol("official", val_seed=0).splits(windows)[0]
    again = make_protocol("official", val_seed=0).splits(windows)[0]
    other = make_protocol("official", val_seed=1).splits(windows)[0]
    assert np.array_equal(first.val, again.val)
    assert not np.array_equal(first.val, other.val)
    assert len(set(windows.subjects[first.val])) == round(0.2 * 27)


def test_a_leaking_split_is_refused():
    subjects = np.array([1, 1, 2, 2])
    split = Split(fold=0, train=np.array([0, 2]), val=np.array([], int), test=np.array([1, 3]))
    with pytest.raises(LeakageError, match=r"subjects \[1, 2\] are in both train and test"):
        check_subject_disjoint(split, subjects, "official")


def test_bad_protocols_are_named():
    with pytest.raises(UnknownIdError, match="'lopo'"):
        make_protocol("lopo")
    with pytest.raises(InputValidationError, match="protocol 'loso'"):
        make_protocol("loso", folds=3)
    with pytest.raises(InputValidationError, match="no official train/test split"):
        make_protocol("official").splits(_windows(official=False))
    with pytest.raises(InputValidationError, match="fewer than n_splits=20"):
        make_protocol("grouped_kfold", n_splits=20).splits(_windows())


@pytest.mark.parametrize("outer", [{"name": "official"}, {"name": "loso"}, {"name": "grouped_kfold", "n_splits": 5}])
def test_the_validation_protocol_tests_on_validation_subjects_and_never_sees_a_test_subject(outer):
    windows = _windows(n_subjects=12)
    outer_splits = make_protocol(**outer).splits(windows)
    selection = make_protocol("validation", of=outer).splits(windows)
    assert len(selection) == len(outer_splits)
    for inner, split in zip(selection, outer_splits, strict=True):
        assert np.array_equal(inner.test, split.val)
        assert np.array_equal(np.sort(np.concatenate([inner.train, inner.val])), split.train)
        assert not set(windows.subjects[split.test]) & set(
            windows.subjects[np.concatenate([inner.train, inner.val, inner.test])])
        assert len(inner.val), "learners that early-stop get validation subjects of their own"


def test_the_validation_protocol_refuses_an_outer_protocol_without_validation_subjects():
    with pytest.raises(InputValidationError, match="carves no validation subjects"):
        make_protocol("validation", of={"name": "official", "val_fraction": 0})
    with pytest.raises(InputValidationError, match="'of' must be the protocol"):
        make_protocol("validation", of="official")
    with pytest.raises(InputValidationError, match="names the validation protocol itself"):
        make_protocol("validation", of={"name": "validation", "of": {"name": "official"}})
    with pytest.raises(UnknownIdError, match="'lopo'"):
        make_protocol("validation", of={"name": "lopo"})
