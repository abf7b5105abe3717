"""Which way a claim and a record point: benefit, harm or no effect — read from their words and numbers.

A claim's polarity comes from its wording ("reduced recurrence", "safe and effective" → benefit; "linked
to a higher risk" → harm, unless it is low status or deficiency that carries the risk; "no significant
difference" → null). A record's finding comes from the sentences that report results: background and aim
sentences ("has been reported to…", "we investigated whether…") say what others found or hoped, not what
this study found. Numbers outrank the authors' words: a trial whose every reported p-value is ≥ 0.05 found
no effect, however its conclusion is phrased.

Also the direction of an effect on a shared mechanism: a claim that VK2 *reduces* ROS and a record in
which VK2 *generates* ROS point opposite ways.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

Polarity = Literal["benefit", "harm", "null"]

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_NULL = re.compile(
    r"\b(?:did not|does not|do not|failed to|could not)\s+(?:\w+\s+){0,2}?"
    r"(?:prevent|reduce|improve|affect|change|decrease|lower|prolong|differ|show|inhibit|suppress|"
    r"influence|alter|increase|extend|delay|benefit|reach)\w*"
    r"|\bno (?:statistically )?significant (?:\w+ ){0,2}?(?:difference|effect|association|change|benefit|"
    r"reduction|improvement|decrease|increase)s?"
    r"|\bnot (?:statistically |significantly )?(?:significantly )?(?:associated|different|related|effective|"
    r"improved|reduced|changed)"
    r"|\b(?:were|was) not (?:\w+ )?associated|\bneither\b[^.]{0,80}\bnor\b[^.]{0,60}\bassociated"
    r"|\bno (?:\w+ )?(?:effect|association|benefit|difference)s? (?:on|of|in|with|between|was|were)"
    r"|\b(?:ineffective|futility|no better than placebo|did not reach (?:statistical )?significance)"
    r"|\b(?:study|trial) was (?:discontinued|terminated|stopped)",
    re.IGNORECASE,
)
_HARM = re.compile(
    r"\b(?:increased|higher|elevated|greater) (?:\w+ ){0,2}?(?:risk|incidence|mortality|death)"
    r"|\bpositive(?:ly)? (?:dose.response )?associat\w+|\bpositive dose.response|\bworse (?:survival|outcome)"
    r"|\bpro-?oxidant",
    re.IGNORECASE,
)
_BENEFIT = re.compile(
    r"\b(?:significantly |markedly |dose-dependently )?(?:reduc|decreas|lower|inhibit|suppress|prevent|"
    r"improv|prolong|protect|induc|attenuat|delay|block|enhanc)\w*"
    r"|\b(?:effective|efficacy|beneficial|benefit|safe(?:ly|ty)?|well[- ]tolerated|remission|"
    r"less likely|lower risk|inverse(?:ly)? associat\w*|protective|anti-?(?:cancer|tumou?r|proliferative))\b",
    re.IGNORECASE,
)
# "no increased risk of thrombosis" denies harm; "placebo patients had increased risk … compared with
# vitamin K2" is the comparison arm's harm, the supplement's benefit
_NO_HARM = re.compile(
    r"\b(?:no|not|without|neither|nor)\b(?:\s+\w+){0,3}?\s+(?:an?\s+)?(?:increased|higher|elevated|greater)"
    r"\s+(?:\w+\s+){0,2}?(?:risk|incidence|mortality|death)",
    re.IGNORECASE,
)
_COMPARATOR = re.compile(r"\b(?:placebo|control|untreated|comparison|non-?users?)\b", re.IGNORECASE)
# "people at elevated risk" describes who, not what happened to them
_AT_RISK = re.compile(r"\bat (?:an? )?(?:elevated|high|higher|increased|greater) risk\b", re.IGNORECASE)
_DEFICIT = re.compile(r"\b(?:low|sub-?optimal|poor|insufficien\w*|deficien\w*|inadequate)\b", re.I)
# Sentences that report what others found, what was hoped, or what was done, not what this study found.
_NOT_A_FINDING = re.compile(
    r"\b(?:has|have) been (?:reported|shown|suggested|proposed)|\b(?:may|might|could) be (?:effective|useful)"
    r"|\b(?:we|this study|the (?:present|current) study) (?:aimed|sought|investigated|examined|tested|"
    r"evaluated|assessed|hypothesi[sz]ed)|\b(?:the )?(?:primary |secondary )?aims? (?:of|was|were|is)\b"
    r"|\bwhether\b|\bwere randomly assigned|\bwas assessed|\bwere calculated|\bwere estimated"
    r"|\b(?:individual|previous|prior|earlier|other) (?:trials|studies|reports)\b|\bto date\b",
    re.IGNORECASE,
)
_BASELINE = re.compile(
    r"\bdifferences? (?:in|of) (?:age|sex|gender|body mass|BMI|baseline)|\bat baseline\b|\bbaseline "
    r"(?:characteristics|levels?|values?)",
    re.IGNORECASE,
)
_P_VALUE = re.compile(r"\bp\s*(?:trend|for trend|value)?\s*([<=>≤≥])\s*(0?\.\d+)", re.IGNORECASE)
_ESTIMATE = re.compile(
    r"\b95\s*%\s*(?:CI|confidence interval)\s*[:,=]?\s*\(?\d"
    r"|\b(?:HR|RR|OR|hazard ratio|relative risk|odds ratio)s?\s*(?:of\s*)?[:=,]?\s*\d",
    re.IGNORECASE,
)
_INLINE_RESULTS = re.compile(r"(?:^|\n)\s*(?:results?|findings)\s*(?::|\n)", re.IGNORECASE)
_RESULT_LABELS = re.compile(r"result|finding|conclusion|interpretation|summary", re.IGNORECASE)

_UP = (
    r"(?<!-)(?:induc|increas|generat|elevat|promot|accumulat|rais|enhanc|stimulat|activat|trigger|produc)\w*"
)
_DOWN = r"(?<!-)(?:reduc|decreas|inhibit|suppress|lower|block|attenuat|scaveng|prevent|diminish|abolish)\w*"


class Finding(BaseModel):
    """What a record found, as far as its words and numbers tell: polarity, and the sentence that says so."""

    model_config = ConfigDict(frozen=True)

    polarity: Polarity | None
    evidence: str | None = None
    by_numbers: bool = False  # decided by p-values rather than wording


def claim_polarity(text: str) -> Polarity | None:
    """What a claim asserts: benefit (the usual), harm or no effect; None when it asserts no effect at all."""
    if _NULL.search(text):
        return "null"
    benefit = bool(_BENEFIT.search(text))
    if _HARM.search(_AT_RISK.sub(" ", text)):
        if _DEFICIT.search(text):
            return "benefit"  # "low status → higher risk" praises the supplement
        return None if benefit else "harm"  # both at once: too tangled to read a direction from
    return "benefit" if benefit else None


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def record_finding(
    result_sentences: Sequence[str],
    focus: Iterable[str] = (),
    *,
    on_topic: bool = False,
    agent: re.Pattern[str] | None = None,
    others: re.Pattern[str] | None = None,
) -> Finding:
    """The record's finding from its result sentences. With `focus` words (the claim's outcomes and
    mechanisms) only the sentences naming one count — unless the record is `on_topic` (its title names
    the claim's outcome: the whole study is about it). A sentence that reports no effect and a benefit at
    once ("does not affect X, but inhibits Y") is mixed and decides nothing. A sentence about `others`
    (another form: "no association with phylloquinone") that does not name the `agent` is skipped."""
    facts = [
        f for f in map(_facts, result_sentences) if f.speaks and not _about_others(f.text, agent, others)
    ]
    words = [w.lower() for w in focus if w]
    chosen = facts if on_topic or not words else [f for f in facts if any(w in f.lower for w in words)]
    by_numbers = _numbers_say(chosen)
    if by_numbers is not None:
        return by_numbers
    for polarity in ("null", "harm"):
        for f in reversed(chosen):  # the last word (the conclusion) counts most
            if f.polarity == polarity:
                return Finding(polarity=polarity, evidence=_clip(f.text))  # type: ignore[arg-type]
    for f in reversed(chosen):
        if f.polarity == "benefit":
            return Finding(polarity="benefit", evidence=_clip(f.text))
    return Finding(polarity=None)


@dataclass(frozen=True)
class _Facts:
    """What one sentence says on its own, whatever the claim: read once, reused for every claim."""

    text: str
    lower: str
    speaks: bool
    polarity: Polarity | None  # null / harm only when unmixed and not significant; benefit only when not null
    p_values: tuple[bool, ...]  # significant or not, per p-value reported
    harm_words: bool


@lru_cache(maxsize=200_000)
def _facts(sentence: str) -> _Facts:
    polarity: Polarity | None = None
    significant = _significant(sentence)
    for pattern, kind in ((_NULL, "null"), (_HARM, "harm")):
        # a significant p-value rules out "no effect", not harm: "increased risk (p = 0.01)" is harm —
        # unless the harm is denied ("no increased risk") or befell the comparison arm
        m = None if significant and kind == "null" else pattern.search(sentence)
        if m and kind == "harm" and (_NO_HARM.search(sentence) or _COMPARATOR.search(sentence, 0, m.start())):
            m = None
        if m and not _BENEFIT.search(sentence[: m.start()] + sentence[m.end() :]):
            polarity = kind  # type: ignore[assignment]
            break
    if polarity is None and _BENEFIT.search(sentence) and not _NULL.search(sentence):
        polarity = "benefit"
    p_values = tuple(_p_significant(m) for m in _P_VALUE.finditer(sentence))
    harm = bool(_HARM.search(sentence))
    return _Facts(sentence, sentence.lower(), _speaks(sentence), polarity, p_values, harm)


def _about_others(sentence: str, agent: re.Pattern[str] | None, others: re.Pattern[str] | None) -> bool:
    return bool(others and others.search(sentence) and not (agent and agent.search(sentence)))


def _speaks(sentence: str) -> bool:
    """A sentence that can carry this study's finding (not background, aims, methods or baseline)."""
    return not (_NOT_A_FINDING.search(sentence) or _BASELINE.search(sentence))


def _numbers_say(chosen: Sequence[_Facts]) -> Finding | None:
    """A null finding when every p-value reported is ≥ 0.05 and the words do not claim harm."""
    values = [(f, significant) for f in chosen for significant in f.p_values]
    if not values or any(significant for _f, significant in values):
        return None
    if any(f.harm_words for f in chosen):
        return None
    return Finding(polarity="null", evidence=_clip(values[0][0].text), by_numbers=True)


def has_numbers(sentence: str) -> bool:
    """Whether a sentence reports a result in numbers: a p-value, a confidence interval or a ratio."""
    return bool(_P_VALUE.search(sentence) or _ESTIMATE.search(sentence))


def _significant(sentence: str) -> bool:
    """A sentence reporting a significant p-value is not a null finding, whatever else it says."""
    return any(_p_significant(m) for m in _P_VALUE.finditer(sentence))


def _p_significant(match: re.Match[str]) -> bool:
    op, value = match[1], float(match[2])
    return value < 0.05 or (op in "<≤" and value <= 0.05)


def result_sentences(title: str | None, sections: Sequence[tuple[str | None, str]]) -> list[str]:
    """The sentences that can report a finding: labelled result/conclusion sections when the abstract is
    structured (as sections, or as labels inside its text: "…\nResults\nFor recurrence…"), else every
    sentence after the first (the first sets the scene); the title first."""
    labelled = [text for label, text in sections if label and _RESULT_LABELS.search(label)]
    if not labelled:
        text = " ".join(text for _label, text in sections)
        inline = _INLINE_RESULTS.search(text)
        labelled = [text[inline.end() :]] if inline else []
        body = [s for t in labelled for s in sentences(t)] if labelled else sentences(text)[1:]
    else:
        body = [s for text in labelled for s in sentences(text)]
    return ([title] if title else []) + body


def opposite_effect(
    claim_text: str, record_sentences: Sequence[str], target: str, agent: re.Pattern[str]
) -> str | None:
    """The record sentence in which the supplement (`agent`) moves `target` (a mechanism word, e.g. "ROS")
    the other way from the claim: the claim lowers it and the record raises it, or the reverse. Both
    sentences must name the supplement, so "HSD17B4 promotes proliferation" is not read as VK2's effect."""
    if not agent.search(claim_text) or (claim_way := _effect_on(claim_text, target)) is None:
        return None
    for sentence in record_sentences:
        if not _speaks(sentence) or not agent.search(sentence):
            continue
        way = _effect_on(sentence, target)
        if way is not None and way != claim_way:
            return _clip(sentence)
    return None


def _effect_on(text: str, target: str) -> Literal["up", "down"] | None:
    """Which way a sentence moves `target`: a verb up to three words before it ("reducing reactive oxygen
    species"), a passive after it ("ROS were reduced"), or a noun of making ("ROS generation")."""
    for way, pattern in _effect_patterns(target):
        if pattern.search(text):
            return way
    return None


@cache
def _effect_patterns(target: str) -> tuple[tuple[Literal["up", "down"], re.Pattern[str]], ...]:
    t = re.escape(target)
    out: list[tuple[Literal["up", "down"], re.Pattern[str]]] = []
    for way, verb in (("down", _DOWN), ("up", _UP)):
        before = rf"\b{verb}(?:\W+\w+){{0,2}}?\W+{t}\b"
        passive = rf"\b{t}\W+(?:\w+\W+)?(?:was|were|is|are)\W+(?:\w+\W+)?{verb}"
        out.append((way, re.compile(f"{before}|{passive}", re.IGNORECASE)))  # type: ignore[arg-type]
    nominal = rf"\b{t}\W+(?:generation|production|accumulation|formation|overproduction)\b"
    out.append(("up", re.compile(nominal, re.IGNORECASE)))
    if target.lower() in ("ros", "reactive oxygen species", "oxidative stress", "oxidative damage"):
        out += [("down", re.compile(r"\bantioxidant", re.I)), ("up", re.compile(r"\bpro-?oxidant", re.I))]
    return tuple(out)


def _clip(sentence: str, limit: int = 220) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"
