"""The bundled knowledge holds every id of SPEC section 3, and every claim names a source."""

import pytest

from backmassage import load_knowledge

SPEC_CONDITIONS = ["lower-back-strain", "upper-back-strain", "fibromyalgia", "osteoarthritis", "neck-tension",
                   "sciatica", "postural-pain", "pregnancy-back-pain", "whiplash"]
SPEC_TECHNIQUES = ["deep-tissue", "swedish", "neuromuscular", "trigger-point", "myofascial-release", "sports",
                   "prenatal"]


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge()


def test_every_spec_condition_exists(knowledge):
    assert set(SPEC_CONDITIONS) <= {c.id for c in knowledge.conditions}


def test_every_spec_technique_exists(knowledge):
    assert set(SPEC_TECHNIQUES) <= set(knowledge.techniques)


def test_every_condition_technique_and_rule_cites_a_known_source(knowledge):
    items = list(knowledge.conditions) + list(knowledge.techniques.values()) + list(knowledge.red_flags) \
        + list(knowledge.contraindications)
    for item in items:
        assert item.sources, f"{item.id} has no source"
        assert set(item.sources) <= set(knowledge.sources), item.id


def test_every_source_has_a_title(knowledge):
    assert all(source.title for source in knowledge.sources.values())


def test_every_technique_a_condition_names_exists(knowledge):
    for condition in knowledge.conditions:
        assert {t.id for t in condition.choices} <= set(knowledge.techniques), condition.id
        assert all(why.text for t in condition.choices for why in t.whys), condition.id


def test_the_bundled_knowledge_validates(run):
    result = run("kb", "validate")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("valid\n")
