# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The schemas of the Open Contracting Data Standard (OCDS) 1.1 that the
exports are validated against, built from the files shipped with the module
(data/ocds and data/childfirst_extension): no network is assumed.

The release schema is the OCDS 1.1.5 release schema patched (JSON Merge
Patch, RFC 7386) with the extensions the exports use, in the order of
EXTENSIONS; the package schemas refer to it by its URL, which the registry
of the validator resolves to the patched schema."""
import copy
import functools
import json
import os

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

DATA = os.path.join(os.path.dirname(__file__), 'data')
OCDS = os.path.join(DATA, 'ocds')
VERSION = '1.1'
SCHEMA_URL = 'https://standard.open-contracting.org/schema/1__1__5/'
# The extensions the exports use: the folder of their files and the URL of
# their extension.json that the packages declare
EXTENSIONS = [
    ('ocds/extensions/bids',
        'https://raw.githubusercontent.com/open-contracting-extensions/'
        'ocds_bid_extension/v1.1.5/extension.json'),
    ('ocds/extensions/lots',
        'https://raw.githubusercontent.com/open-contracting-extensions/'
        'ocds_lots_extension/master/extension.json'),
    ('ocds/extensions/awardCriteria',
        'https://raw.githubusercontent.com/open-contracting-extensions/'
        'ocds_awardCriteria_extension/master/extension.json'),
    ('ocds/extensions/enquiries',
        'https://raw.githubusercontent.com/open-contracting-extensions/'
        'ocds_enquiry_extension/master/extension.json'),
    ('ocds/extensions/metrics',
        'https://raw.githubusercontent.com/open-contracting-extensions/'
        'ocds_metrics_extension/master/extension.json'),
    ('ocds/extensions/uk',
        'https://raw.githubusercontent.com/cabinetoffice/'
        'ocds_uk_extension/main/extension.json'),
    # The module's own extension: publishers host its files and may cite
    # them; this name stands for the copy the module ships
    ('childfirst_extension',
        'urn:childfirst-commissioning:ocds-extension:childfirst:1.0'),
    ]


def _load(*path):
    with open(os.path.join(DATA, *path), encoding='utf-8') as file:
        return json.load(file)


def merge_patch(target, patch):
    "Return target patched with patch, as RFC 7386 JSON Merge Patch does"
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@functools.cache
def release_schema():
    "Return the release schema patched with the extensions"
    schema = _load('ocds', 'release-schema.json')
    for folder, _ in EXTENSIONS:
        schema = merge_patch(schema, _load(folder, 'release-schema.json'))
    return schema


@functools.cache
def whole_list_fields():
    """Return the names of the fields whose arrays the patched release
    schema merges as a whole (wholeListMerge)"""
    names = set()

    def walk(schema):
        if isinstance(schema, dict):
            for name, value in schema.get('properties', {}).items():
                if isinstance(value, dict) and value.get('wholeListMerge'):
                    names.add(name)
            for value in schema.values():
                walk(value)
        elif isinstance(schema, list):
            for value in schema:
                walk(value)
    walk(release_schema())
    return frozenset(names)


def extension_urls():
    "Return the URLs of the extensions a package declares"
    return [url for _, url in EXTENSIONS]


@functools.cache
def _registry():
    resources = [
        (SCHEMA_URL + 'release-schema.json', release_schema()),
        (SCHEMA_URL + 'release-package-schema.json',
            _load('ocds', 'release-package-schema.json')),
        (SCHEMA_URL + 'record-package-schema.json',
            _load('ocds', 'record-package-schema.json')),
        ]
    return Registry().with_resources(
        (url, Resource.from_contents(schema, default_specification=DRAFT4))
        for url, schema in resources)


@functools.cache
def validator(kind):
    """Return the validator of the package kind: 'release-package' or
    'record-package'"""
    schema = _load('ocds', '%s-schema.json' % kind)
    return Draft4Validator(
        schema, registry=_registry(), format_checker=FormatChecker())


def errors(package, kind='release-package'):
    """Return the errors of the package as (JSON path, reason) pairs, the
    deepest first"""
    found = sorted(
        validator(kind).iter_errors(package),
        key=lambda e: (-len(e.absolute_path), list(map(str, e.path))))
    result = []
    for error in found:
        # A oneOf or anyOf error stands for the errors of its branches: the
        # branch that went deepest says what is wrong
        while error.context:
            error = max(error.context, key=lambda e: len(e.absolute_path))
        result.append((json_path(error.absolute_path), reason(error)))
    return result


def reason(error):
    "Return why the value of the error is refused, in a line"
    if error.validator == 'enum':
        return "%r is not one of the values the standard allows" % (
            error.instance,)
    return error.message


def json_path(path):
    "Return the path of a value in a package as a JSON path"
    text = '$'
    for part in path:
        text += '[%d]' % part if isinstance(part, int) else '.%s' % part
    return text
