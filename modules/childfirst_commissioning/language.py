# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
import re

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, Unique, fields

from .validation import InputMixin


def term_pattern(term):
    """Return the regular expression that finds a term in a text.

    Whole words only, case-insensitive, any run of spaces or hyphens between
    the words of the term, and the plural of the last word."""
    words = [re.escape(w) for w in re.split(r'[\s\-]+', term.strip()) if w]
    if not words:
        return None
    last = words[-1]
    if last.endswith('y') and len(last) > 1:
        last = last[:-1] + '(?:y|ies)'
    else:
        last += '(?:s|es)?'
    body = r'[\s\-]+'.join(words[:-1] + [last])
    return r'(?<![\w])' + body + r"(?![\w])"


class LanguageTerm(InputMixin, DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'commissioning.language.term'
    __string__ = "Child First Language Term"

    term = fields.Char(
        "Term", required=True,
        help="A word or phrase that labels children; matched as whole words, "
        "in any case, singular or plural.")
    suggestion = fields.Char(
        "Suggestion", required=True,
        help="The Child First wording to use instead.")
    blocking = fields.Boolean(
        "Blocking",
        help="A blocking term stops a tender from going for approval. "
        "Other terms are shown as notes.")

    _patterns_cache = Cache(
        'commissioning.language.term.patterns', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('term_unique', Unique(t, t.term),
                'childfirst_commissioning.msg_language_term_unique'),
            ]
        cls._order.insert(0, ('term', 'ASC'))

    @classmethod
    def default_blocking(cls):
        return True

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        cls._patterns_cache.clear()

    @classmethod
    def _patterns(cls):
        "Return the compiled (pattern, term, suggestion, blocking) list"
        patterns = cls._patterns_cache.get(None)
        if patterns is None:
            patterns = []
            for term in cls.search([]):
                pattern = term_pattern(term.term)
                if pattern:
                    patterns.append(
                        (pattern, term.term, term.suggestion, term.blocking))
            # Longer terms first so "young offender" wins over "offender"
            patterns.sort(key=lambda p: -len(p[1]))
            cls._patterns_cache.set(None, patterns)
        return [(re.compile(p, re.IGNORECASE), t, s, b)
            for p, t, s, b in patterns]

    @classmethod
    def find(cls, text):
        """Return the findings of the language terms in text.

        Each finding is a dictionary with the matched text, the term, its
        suggestion, whether it is blocking and the position of the match.
        A part of the text found by a longer term is not reported again for
        a shorter one."""
        findings = []
        if not text:
            return findings
        taken = []
        for regex, term, suggestion, blocking in cls._patterns():
            for match in regex.finditer(text):
                start, end = match.span()
                if any(s < end and start < e for s, e in taken):
                    continue
                taken.append((start, end))
                findings.append({
                        'found': match.group(0),
                        'term': term,
                        'suggestion': suggestion,
                        'blocking': blocking,
                        'position': start,
                        })
        findings.sort(key=lambda f: f['position'])
        return findings

    @classmethod
    def find_in(cls, texts):
        """Return the findings for a list of (label, text).

        Each finding gets the label of the text it was found in."""
        findings = []
        for label, text in texts:
            for finding in cls.find(text):
                finding['where'] = label
                findings.append(finding)
        return findings

    @classmethod
    def format_findings(cls, findings):
        "Return the findings as lines a user can act on"
        lines = []
        for finding in findings:
            lines.append(gettext(
                    'childfirst_commissioning.msg_language_finding'
                    if finding['blocking'] else
                    'childfirst_commissioning.msg_language_note',
                    found=finding['found'],
                    where=finding.get('where', ''),
                    suggestion=finding['suggestion']))
        return lines
