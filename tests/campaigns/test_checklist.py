"""The disclosure checklist matcher: accents, case, whole tokens."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from campaigns.checklist import fold, missing_items, parse_tags


def check(caption: str, disclosure: str = "Paid partnership", tags=("#ad",), mentions=()):
    return missing_items(caption, disclosure_text=disclosure, hashtags=tags, mentions=mentions)


def test_a_caption_with_everything_passes():
    assert check("Loving it! Paid partnership with @brand #ad", mentions=["@brand"]) == []


def test_missing_items_are_listed_in_the_checklists_spelling():
    assert check("Just a video", tags=["#Ad", "#SpringDrop"], mentions=["@Brand"]) == [
        "Paid partnership",
        "#Ad",
        "#SpringDrop",
        "@Brand",
    ]


def test_case_and_accents_do_not_matter():
    caption = "BETAALD PARTNERSCHÁP met @Café.Noir #Été"
    assert check(caption, "Betaald partnerschap", ["#ete"], ["@cafe.noir"]) == []


def test_composed_and_decomposed_accents_match():
    decomposed = unicodedata.normalize("NFD", "#Été")
    assert check(f"Paid partnership {decomposed}", tags=["#été"]) == []


def test_a_hashtag_inside_a_longer_hashtag_does_not_count():
    assert check("Paid partnership #adventure") == ["#ad"]


def test_a_hashtag_glued_to_a_word_does_not_count():
    assert check("Paid partnership bad#ad") == ["#ad"]
    assert check("Paid partnership ##ad") == ["#ad"]


def test_a_hashtag_followed_by_punctuation_counts():
    assert check("Paid partnership (#ad).") == []
    assert check("Paid partnership #AD!") == []


def test_the_word_without_a_hash_sign_does_not_count():
    assert check("Paid partnership ad") == ["#ad"]


def test_a_mention_inside_a_longer_handle_does_not_count():
    assert check("Paid partnership #ad @brandnew", mentions=["@brand"]) == ["@brand"]
    assert check("Paid partnership #ad mail@brand", mentions=["@brand"]) == ["@brand"]


def test_a_mention_before_a_full_stop_counts():
    assert check("Paid partnership #ad thanks @brand.", mentions=["@brand"]) == []


def test_the_disclosure_must_be_whole_words():
    assert check("Unpaid partnerships #ad") == ["Paid partnership"]
    assert check("paid\n  partnership #ad") == []


def test_parse_tags_accepts_any_separator_and_drops_duplicates():
    assert parse_tags("#ad, sponsored;#AD  @x", "#") == ["#ad", "#sponsored", "#x"]


WORD = st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu")), min_size=1, max_size=8)


@given(tag=WORD, before=st.text(max_size=20), after=st.text(max_size=20))
def test_any_required_hashtag_written_as_its_own_token_is_found(tag, before, after):
    caption = f"{before} Paid partnership #{tag.upper()} {after}"
    if "#" in after or "#" in before:
        return  # other tags are fine, but keep the property simple to state
    if fold(tag.upper()) != fold(tag):
        return  # letters whose upper case is another letter (Turkish dotless i -> I)
    assert f"#{tag}" not in check(caption, tags=[f"#{tag}"])


@given(tag=WORD, suffix=WORD)
def test_a_hashtag_never_matches_a_longer_hashtag(tag, suffix):
    caption = f"Paid partnership #{tag}{suffix}"
    if fold(tag + suffix) == fold(tag):  # e.g. a suffix that folds to nothing
        return
    assert check(caption, tags=[f"#{tag}"]) == [f"#{tag}"]


@given(caption=st.text(max_size=200))
def test_the_matcher_never_crashes_and_lists_only_checklist_items(caption):
    missing = check(caption, tags=["#ad", "#Été"], mentions=["@brand"])
    assert set(missing) <= {"Paid partnership", "#ad", "#Été", "@brand"}


def test_a_hashtag_whose_upper_case_keeps_a_combining_mark_is_found():
    # "ΐ" upper-cases to "Ϊ" plus a combining acute, which is not a word character: the tag
    # must not end there (found by hypothesis).
    assert "#ΐa" not in check("Paid partnership #ΐA".upper(), tags=["#ΐa"])
