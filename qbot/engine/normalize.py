"""One spelling for every question: simplified characters (OpenCC's t2s, so "機主最近和誰打電話"
reads as "机主最近和谁打电话"), half-width letters, digits and punctuation (NFKC), lower-case
Latin, no emoji. Names in the case's directory go through the same function, so a name still
matches after its question was normalised."""

from __future__ import annotations

import functools
import re
import unicodedata

import opencc

_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _keep(char: str) -> bool:
    category = unicodedata.category(char)
    # Symbols (emoji, dingbats) and format characters (zero-width joiners) carry no meaning here.
    return not (category in ("So", "Sk", "Cf", "Co", "Cs", "Cn") or 0xFE00 <= ord(char) <= 0xFE0F)


@functools.lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if _keep(ch))
    text = _converter().convert(text)
    return _SPACES.sub(" ", text).strip().lower()
