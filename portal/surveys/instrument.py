"""Reading and checking an instrument file (format: ``docs/survey-instrument.md``).

``parse_instrument`` never stops at the first problem: it returns every error it finds,
each with a JSON pointer into the file and the line that pointer starts on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from flask_babel import gettext as _

from portal.surveys.models import RESPONDENT_GROUP_LABELS, RespondentGroup

FORMAT = "samverkansportalen/survey-instrument@1"
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
MIN_POINTS, MAX_POINTS = 2, 11


@dataclass(frozen=True)
class Problem:
    """One error in the file and where it is."""

    pointer: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.pointer or "/"
        if self.line is not None:
            where = _("%(pointer)s (line %(line)d)", pointer=where, line=self.line)
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ParsedQuestion:
    """A question ready to be stored."""

    code: str
    indicator_code: str
    indicator_title: str
    kind: str
    text: str
    required: bool
    is_example: bool
    points: int | None = None
    low_label: str | None = None
    high_label: str | None = None
    dont_know_label: str | None = None
    positive_from: int | None = None


@dataclass
class ParsedInstrument:
    """A valid instrument version."""

    code: str
    version: str
    title: str
    is_example: bool
    notice: str
    definition: dict[str, Any]
    respondent_group: RespondentGroup
    questions: list[ParsedQuestion] = field(default_factory=list)


class InstrumentError(Exception):
    """The file is not a valid instrument; ``problems`` says everything that is wrong."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


class _LineMap:
    """JSON pointer → line number, found by walking the (already valid) JSON text."""

    WS = " \t\r\n"

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: dict[str, int] = {}
        self.pos = 0
        self._value("")

    def line_of(self, pointer: str) -> int | None:
        while pointer and pointer not in self.lines:
            pointer = pointer.rsplit("/", 1)[0]
        return self.lines.get(pointer)

    def _line(self) -> int:
        return self.text.count("\n", 0, self.pos) + 1

    def _skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in self.WS:
            self.pos += 1

    def _string(self) -> str:
        value: str
        value, self.pos = scanstring(self.text, self.pos + 1)
        return value

    def _value(self, pointer: str) -> None:
        self._skip()
        self.lines.setdefault(pointer, self._line())
        char = self.text[self.pos]
        if char == "{":
            self.pos += 1
            self._skip()
            while self.text[self.pos] != "}":
                self._skip()
                child = f"{pointer}/{_escape(self._string())}"
                self._skip()
                self.lines[child] = self._line()
                self.pos += 1  # the colon
                self._value(child)
                self._skip()
                if self.text[self.pos] == ",":
                    self.pos += 1
                    self._skip()
            self.pos += 1
        elif char == "[":
            self.pos += 1
            self._skip()
            index = 0
            while self.text[self.pos] != "]":
                self._value(f"{pointer}/{index}")
                index += 1
                self._skip()
                if self.text[self.pos] == ",":
                    self.pos += 1
                    self._skip()
            self.pos += 1
        elif char == '"':
            self._string()
        else:
            match = re.compile(r"[^,\]\}\s]+").match(self.text, self.pos)
            self.pos = match.end() if match else self.pos + 1


class _Checker:
    """Collects problems while reading the document."""

    def __init__(self, lines: _LineMap) -> None:
        self.lines = lines
        self.problems: list[Problem] = []

    def error(self, pointer: str, message: str) -> None:
        self.problems.append(Problem(pointer, self.lines.line_of(pointer), message))

    def text(self, obj: dict[str, Any], key: str, pointer: str, max_length: int) -> str | None:
        value = obj.get(key)
        where = f"{pointer}/{key}"
        if value is None:
            self.error(where if key in obj else pointer, _('"%(key)s" is missing.', key=key))
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(where, _('"%(key)s" must be a non-empty text.', key=key))
            return None
        if len(value) > max_length:
            self.error(where, _("The text is longer than %(n)d characters.", n=max_length))
            return None
        return value.strip()

    def code(self, obj: dict[str, Any], key: str, pointer: str) -> str | None:
        value = self.text(obj, key, pointer, 32)
        if value is not None and not CODE_RE.match(value):
            self.error(
                f"{pointer}/{key}",
                _("A code may hold letters a–z, digits, dot, dash and underscore only."),
            )
            return None
        return value

    def flag(self, obj: dict[str, Any], key: str, pointer: str, default: bool) -> bool:
        value = obj.get(key, default)
        if not isinstance(value, bool):
            self.error(f"{pointer}/{key}", _('"%(key)s" must be true or false.', key=key))
            return default
        return value

    def obj(self, value: Any, pointer: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(pointer, _("An object ({…}) is expected here."))
            return None
        return value

    def array(self, value: Any, pointer: str) -> list[Any]:
        if not isinstance(value, list) or not value:
            self.error(pointer, _("A non-empty list ([…]) is expected here."))
            return []
        return value


def _scale(check: _Checker, scale: dict[str, Any], pointer: str) -> dict[str, Any] | None:
    ok = True
    points = scale.get("points")
    if isinstance(points, bool) or not isinstance(points, int):
        check.error(
            f"{pointer}/points" if "points" in scale else pointer,
            _(
                'A scale needs "points": a whole number from %(low)d to %(high)d.',
                low=MIN_POINTS,
                high=MAX_POINTS,
            ),
        )
        ok = False
    elif not MIN_POINTS <= points <= MAX_POINTS:
        check.error(
            f"{pointer}/points",
            _("A scale has from %(low)d to %(high)d points.", low=MIN_POINTS, high=MAX_POINTS),
        )
        ok = False
    labels = [check.text(scale, key, pointer, 100) for key in ("low_label", "high_label")]
    ok = ok and None not in labels
    dont_know = scale.get("dont_know")
    if dont_know is not None and (not isinstance(dont_know, str) or not dont_know.strip()):
        check.error(f"{pointer}/dont_know", _('"dont_know" is a label text, or left out.'))
        ok = False
    positive = scale.get("clearly_positive_from")
    if isinstance(positive, bool) or not isinstance(positive, int):
        check.error(
            f"{pointer}/clearly_positive_from" if "clearly_positive_from" in scale else pointer,
            _('"clearly_positive_from" is missing: the lowest point that is clearly positive.'),
        )
        ok = False
    elif isinstance(points, int) and not 1 <= positive <= points:
        check.error(
            f"{pointer}/clearly_positive_from", _("The value must be a point on the scale.")
        )
        ok = False
    if not ok:
        return None
    return {
        "points": points,
        "low_label": labels[0],
        "high_label": labels[1],
        "dont_know_label": dont_know.strip() if isinstance(dont_know, str) else None,
        "positive_from": positive,
    }


def _questions(
    check: _Checker, doc: dict[str, Any], scales: dict[str, dict[str, Any] | None]
) -> list[ParsedQuestion]:
    out: list[ParsedQuestion] = []
    seen_codes: dict[str, str] = {}
    seen_indicators: dict[str, str] = {}
    for i, raw_indicator in enumerate(check.array(doc.get("indicators"), "/indicators")):
        ipointer = f"/indicators/{i}"
        indicator = check.obj(raw_indicator, ipointer)
        if indicator is None:
            continue
        icode = check.code(indicator, "code", ipointer)
        ititle = check.text(indicator, "title", ipointer, 300)
        if icode is not None:
            if icode in seen_indicators:
                check.error(
                    f"{ipointer}/code",
                    _(
                        "The indicator code %(code)s is used twice (first at %(first)s).",
                        code=icode,
                        first=seen_indicators[icode],
                    ),
                )
            seen_indicators.setdefault(icode, f"{ipointer}/code")
        for j, raw_question in enumerate(
            check.array(indicator.get("questions"), f"{ipointer}/questions")
        ):
            qpointer = f"{ipointer}/questions/{j}"
            question = check.obj(raw_question, qpointer)
            if question is None:
                continue
            parsed = _question(check, question, qpointer, scales, seen_codes)
            if parsed is not None and icode is not None and ititle is not None:
                out.append(ParsedQuestion(indicator_code=icode, indicator_title=ititle, **parsed))
    return out


def _question(
    check: _Checker,
    question: dict[str, Any],
    pointer: str,
    scales: dict[str, dict[str, Any] | None],
    seen_codes: dict[str, str],
) -> dict[str, Any] | None:
    code = check.code(question, "code", pointer)
    if code is not None:
        if code in seen_codes:
            check.error(
                f"{pointer}/code",
                _(
                    "The question code %(code)s is used twice (first at %(first)s).",
                    code=code,
                    first=seen_codes[code],
                ),
            )
            code = None
        else:
            seen_codes[code] = f"{pointer}/code"
    text = check.text(question, "text", pointer, 1000)
    kind = question.get("type", "scale")
    required = check.flag(question, "required", pointer, kind == "scale")
    example = check.flag(question, "example", pointer, False)
    values: dict[str, Any] = {}
    if kind == "scale":
        scale_id = question.get("scale")
        if not isinstance(scale_id, str) or scale_id not in scales:
            known = ", ".join(sorted(scales)) or "–"
            check.error(
                f"{pointer}/scale" if "scale" in question else pointer,
                _("Name one of the scales under /scales (%(known)s).", known=known),
            )
            return None
        if scales[scale_id] is None:
            return None  # the scale's own errors are reported already
        values = dict(scales[scale_id] or {})
    elif kind != "text":
        check.error(f"{pointer}/type", _('"type" is "scale" or "text".'))
        return None
    if code is None or text is None:
        return None
    return {
        "code": code,
        "kind": kind,
        "text": text,
        "required": required,
        "is_example": example,
        **values,
    }


def _respondent_group(
    check: _Checker, doc: dict[str, Any], chosen: RespondentGroup | None
) -> RespondentGroup | None:
    """The group the file says it serves, which must agree with the one chosen beside it
    (the upload form's, the command's option); one of the two must say it."""
    stated = doc.get("respondent_group")
    if stated is None:
        if chosen is None:
            check.error(
                "",
                _(
                    '"respondent_group" is missing: say which respondent group the '
                    "instrument serves (%(known)s).",
                    known=", ".join(g.value for g in RespondentGroup),
                ),
            )
        return chosen
    try:
        group = RespondentGroup(stated)
    except ValueError:
        check.error(
            "/respondent_group",
            _(
                '"respondent_group" is one of %(known)s.',
                known=", ".join(g.value for g in RespondentGroup),
            ),
        )
        return None
    if chosen is not None and chosen != group:
        check.error(
            "/respondent_group",
            _(
                "The file serves %(stated)s (%(code)s), but %(chosen)s was chosen. Choose the "
                "same respondent group, or correct the file.",
                stated=RESPONDENT_GROUP_LABELS[group],
                code=group.value,
                chosen=RESPONDENT_GROUP_LABELS[chosen],
            ),
        )
        return None
    return group


def parse_instrument(
    source: str, respondent_group: RespondentGroup | None = None
) -> ParsedInstrument:
    """Read an instrument file's text; raise ``InstrumentError`` listing every problem.

    ``respondent_group`` is the group chosen beside the file (the upload form's, the
    command's option); the file's own ``respondent_group`` must agree with it.
    """
    try:
        doc = json.loads(source)
    except json.JSONDecodeError as error:
        raise InstrumentError(
            [
                Problem(
                    "",
                    error.lineno,
                    _(
                        "The file is not valid JSON: %(reason)s (column %(col)d).",
                        reason=error.msg,
                        col=error.colno,
                    ),
                )
            ]
        ) from error
    check = _Checker(_LineMap(source))
    if check.obj(doc, "") is None:
        raise InstrumentError(check.problems)
    if doc.get("format") != FORMAT:
        check.error("/format", _('"format" must be "%(format)s".', format=FORMAT))
    code = check.code(doc, "code", "")
    version = check.code(doc, "version", "")
    title = check.text(doc, "title", "", 300)
    is_example = check.flag(doc, "example", "", False)
    notice = doc.get("notice", "")
    if not isinstance(notice, str):
        check.error("/notice", _('"notice" must be a text.'))
        notice = ""
    if is_example and not notice.strip():
        check.error(
            "/notice" if "notice" in doc else "",
            _('An example instrument must say in "notice" that it is not the official one.'),
        )
    scales: dict[str, dict[str, Any] | None] = {}
    raw_scales = check.obj(doc.get("scales"), "/scales") or {}
    if not raw_scales and "scales" in doc and isinstance(doc["scales"], dict):
        check.error("/scales", _("Define at least one scale."))
    for scale_id, raw in raw_scales.items():
        pointer = f"/scales/{_escape(scale_id)}"
        scale = check.obj(raw, pointer)
        scales[scale_id] = _scale(check, scale, pointer) if scale is not None else None
    questions = _questions(check, doc, scales)
    group = _respondent_group(check, doc, respondent_group)
    if check.problems:
        raise InstrumentError(check.problems)
    assert code is not None
    assert version is not None
    assert title is not None
    assert group is not None
    return ParsedInstrument(
        code=code,
        version=version,
        title=title,
        is_example=is_example,
        notice=notice.strip(),
        definition=doc,
        respondent_group=group,
        questions=questions,
    )
