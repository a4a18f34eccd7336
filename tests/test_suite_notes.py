"""A suite's [notes]: checked against its pipelines, printed in its report before the results."""

import pytest

from harbench.errors import SuiteError
from harbench.reporting.markdown import notes_section
from harbench.runner.suite import check_suite, load_suite


def _raw(notes, **pipelines):
    return {"name": "noted", "datasets": ["basic_motions"], "seeds": [0], "protocol": {"name": "official"},
            "pipelines": pipelines or {"minirocket": {}, "handcrafted+svm": {}}, "notes": notes}


def test_notes_are_kept_per_pipeline_with_their_line_breaks_folded():
    suite = check_suite(_raw({"minirocket": "Published\n  defaults,   untuned."}), "noted.toml")
    assert suite.notes == {"minirocket": "Published defaults, untuned."}
    assert check_suite({key: value for key, value in _raw({}).items() if key != "notes"}, "noted.toml").notes == {}


@pytest.mark.parametrize("notes, message", [
    ({"minirocket@paper": "x"}, r"\[notes\] names 'minirocket@paper', which is not a pipeline of the suite "
                                r"\(minirocket, handcrafted\+svm\)"),
    ({"minirocket": ""}, r"\[notes\] 'minirocket' must be a non-empty string"),
    ({"minirocket": 3}, r"\[notes\] 'minirocket' must be a non-empty string"),
    ("untuned", r"\[notes\] must map pipelines to text"),
])
def test_a_bad_note_is_refused_naming_the_file_and_the_pipeline(notes, message):
    with pytest.raises(SuiteError, match=r"noted\.toml: " + message):
        check_suite(_raw(notes), "noted.toml")


def test_an_extending_suite_keeps_only_the_notes_of_the_pipelines_it_keeps():
    raw = _raw({"minirocket": "kept", "handcrafted+svm": "dropped with its pipeline"},
               minirocket={}, **{"handcrafted+svm": {"datasets": ["epilepsy"]}})
    assert check_suite(raw, "noted.toml", extending=True).notes == {"minirocket": "kept"}
    with pytest.raises(SuiteError, match="runs on"):
        check_suite(raw, "noted.toml")


def test_the_report_prints_the_notes_as_a_section_of_their_own():
    lines = notes_section({"minirocket": "Published defaults.", "cnn": "Chosen on validation subjects."})
    assert lines[0] == "## Notes on the pipelines"
    assert "- `minirocket`: Published defaults." in lines and "- `cnn`: Chosen on validation subjects." in lines
    assert notes_section({}) == []


def test_weizmann_notes_say_which_rows_are_free_of_selection_on_test_persons():
    notes = load_suite("weizmann").notes
    assert set(notes) == set(load_suite("weizmann").pipelines)
    nested = [pipeline for pipeline in notes if pipeline.endswith("@nested")]
    assert nested and all("free of any selection on test persons" in notes[pipeline] for pipeline in nested)
    fixed = [pipeline for pipeline in notes if pipeline.startswith("motion_history") and pipeline not in nested]
    assert fixed and all("not free of selection" in notes[pipeline] or "every person took part" in notes[pipeline]
                         for pipeline in fixed)
