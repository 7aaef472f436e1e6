# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"The Child First language check: the terms it finds and suggests instead"
import re

import pytest

from trytond.exceptions import UserError
from trytond.modules.childfirst_commissioning.tests.tools import term_pattern
from trytond.pool import Pool


def test_language_find(transaction):
    "Terms are found as whole words, in any case, singular or plural"
    Term = Pool().get('commissioning.language.term')
    findings = Term.find(
        "Young Offenders and a juvenile met GANG-MEMBERS; "
        "juvenileness and thuggery are not terms.")
    assert [(f['found'], f['suggestion'], f['blocking'])
        for f in findings] == [
        ("Young Offenders", "child who has offended", True),
        ("juvenile", "child", True),
        ("GANG-MEMBERS", "child at risk of exploitation", True)]
    assert Term.find(None) == []
    assert Term.find("Children and families") == []


def test_language_terms_editable(transaction):
    "Administrators may add terms; the check uses them at once"
    Term = Pool().get('commissioning.language.term')
    assert Term.find("a hoodie") == []
    Term.create([{'term': "hoodie", 'suggestion': "child"}])
    finding, = Term.find("Two hoodies")
    assert finding['found'] == "hoodies"
    with pytest.raises(UserError):
        Term.create([{'term': "hoodie", 'suggestion': "child"}])


def test_term_pattern():
    "Plurals of words ending in y and multi-word terms"
    pattern = re.compile(term_pattern("risky party"), re.IGNORECASE)
    assert pattern.search("two risky parties")
    assert pattern.search("a Risky-Party")
    assert not pattern.search("riskyparty")
