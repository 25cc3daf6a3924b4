"""Slugs from titles and names, Chinese included: the one place that makes them.

Django's ``slugify`` drops what is not Latin, so a Chinese title gave an empty slug. Here
Chinese becomes pinyin without tones (pypinyin), a hyphen between words: the syllables of a
word pypinyin's phrase dictionary knows are joined, others stand alone, so 南京路步行街的夜景
gives ``nanjing-lu-buxing-jie-de-yejing`` and 北京烤鸭 ``beijing-kao-ya``. Anything else goes
through ``slugify``; what has no letters or digits (emoji, punctuation) gives an empty slug,
which callers turn into a message.
"""

from __future__ import annotations

import re

from django.db import models
from django.utils.text import slugify
from pypinyin import Style, lazy_pinyin
from pypinyin.seg.mmseg import seg

_HAN_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN = re.compile(f"[{_HAN_CHARS}]")
_HAN_RUN = re.compile(f"([{_HAN_CHARS}]+)")


def slug_from(text: str, *, max_length: int = 50) -> str:
    """A readable ASCII slug for ``text``: pinyin for Chinese, ``slugify`` for the rest; may be ''."""
    words = []
    for run in _HAN_RUN.split(text or ""):
        if has_han(run):
            words += ["".join(lazy_pinyin(word, style=Style.NORMAL)) for word in seg.cut(run)]
        else:
            words.append(run)
    slug = slugify(" ".join(words))
    if len(slug) > max_length:
        slug = slug[:max_length]
        slug = slug.rsplit("-", 1)[0] if "-" in slug else slug
    return slug.strip("-")


def unique_slug(text: str, *, model: type[models.Model], max_length: int, exclude_pk=None) -> str:
    """``slug_from(text)``, with -2, -3 … when another row of ``model`` has it; '' if none can be made."""
    base = slug_from(text, max_length=max_length)
    if not base:
        return ""
    taken = model._default_manager.filter(slug__startswith=base)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    taken = set(taken.values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken:
        number += 1
        suffix = f"-{number}"
        slug = base[: max_length - len(suffix)].rstrip("-") + suffix
    return slug


def has_han(text: str) -> bool:
    return bool(_HAN.search(text or ""))


def fill_slug(instance: models.Model, *, source: str) -> bool:
    """Give ``instance`` a slug made from its ``source`` field when it has none; False if none can be made."""
    if instance.slug:
        return True
    field = instance._meta.get_field("slug")
    instance.slug = unique_slug(
        getattr(instance, source), model=type(instance), max_length=field.max_length, exclude_pk=instance.pk
    )
    return bool(instance.slug)
