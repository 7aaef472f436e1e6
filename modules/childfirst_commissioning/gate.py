# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The gates every step of commissioning passes.

A gate is a list of checks. A check is a (label, failures) pair: it passes
when failures is empty. The same list is shown as the live checklist on the
record, recorded in the sign-off, and raised with every failure at once by
``check_gate``, the one place a gate refuses."""
from trytond.i18n import gettext
from trytond.pool import Pool

from .exceptions import CommissioningWarning

MODULE = 'childfirst_commissioning'


def message(name, **values):
    "Return the translated message name of the module"
    return gettext('%s.%s' % (MODULE, name), **values)


def check(label, failures, **values):
    """Return the check whose label is the message label, failing with the
    failures (a list of texts)"""
    return (message(label, **values), list(failures))


def passed(checks):
    "Whether every check passes"
    return not any(failures for _, failures in checks)


def checklist_text(checks):
    "Return the checklist as text, a line per check and per failure"
    lines = []
    for label, failures in checks:
        lines.append(("✗ " if failures else "✓ ") + label)
        lines.extend("    – " + f for f in failures)
    return "\n".join(lines)


def bullets(failures):
    "Return the failures as a bulleted list for a gate's message"
    return "\n".join("• " + f for f in failures)


def failures_text(checks):
    "Return every failure of the checks as a bulleted list"
    return bullets(f for _, failures in checks for f in failures)


def check_gate(error, name, checks, **values):
    """Raise error with the message name of the module when any check
    fails, listing every failure"""
    if not passed(checks):
        raise error(message(name, failures=failures_text(checks), **values))


def check_gates(error, name, records, checks, key):
    """Raise error with the message name for the first of the records whose
    checks, the method named checks, fail; the message names the record as
    the value key"""
    for record in records:
        check_gate(error, name, getattr(record, checks)(),
            **{key: record.rec_name})


def confirm(name, records, **values):
    """Ask the user to confirm the button of the message name on records,
    once their gates have passed: the clients show the warning with OK and
    Cancel, so the checks come before the confirmation. Scripts accept it
    through res.user.warning or the context _skip_warnings."""
    Warning = Pool().get('res.user.warning')
    key = Warning.format(name, records)
    if Warning.check(key):
        raise CommissioningWarning(key, message(name, **values))
