# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The awarded grants in the 360Giving Data Standard (1.4): a data package
of one grant per awarded grant round, validated against the standard's
schema (vendored in data/ with its licence) before it leaves the server.

Police and crime commissioners publish their grants monthly under the
Specified Information Order: the package takes a range of award dates."""
import datetime as dt
import json
import re
from functools import lru_cache
from pathlib import Path

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import GivingError
from .gate import MODULE, bullets

DATA = Path(__file__).parent / 'data'
PACKAGE_SCHEMA = '360-giving-package-schema.json'
GRANT_SCHEMA = '360-giving-schema.json'
VERSION = '1.4'
# The tenders whose grant is awarded
AWARDED_STATES = ['awarded', 'contracted']
# An organisation identifier of org-id.guide: a list code and an id
ORG_ID = re.compile(r'^[A-Z]{2}-[A-Z0-9]{2,}-\S+$')
# The numbers 360Giving names, by the org-id list they are kept in
NUMBERS = {
    'GB-CHC': 'charityNumber',
    'GB-SC': 'charityNumber',
    'GB-NIC': 'charityNumber',
    'GB-COH': 'companyNumber',
    }


@lru_cache(maxsize=1)
def validator():
    "Return the validator of a 360Giving data package, offline"
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012
    schemas = [json.loads((DATA / name).read_text(encoding='utf-8'))
        for name in [PACKAGE_SCHEMA, GRANT_SCHEMA]]
    registry = Registry().with_resources(
        (s['$id'], DRAFT202012.create_resource(s)) for s in schemas)
    return Draft202012Validator(
        schemas[0], registry=registry, format_checker=format_checker())


def format_checker():
    """Return the checker of the formats the 360Giving schema asserts: a
    date-time has its time (a date alone is the other choice of its
    oneOf), a URI its scheme and host"""
    from urllib.parse import urlsplit

    from jsonschema import FormatChecker
    checker = FormatChecker(formats=())

    @checker.checks('date-time', raises=ValueError)
    def date_time(value):
        if not isinstance(value, str):
            return True
        if not re.match(r'^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}', value):
            return False
        dt.datetime.fromisoformat(value.replace('Z', '+00:00'))
        return True

    @checker.checks('uri')
    def uri(value):
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme and parts.netloc)
    return checker


def validate(package):
    """Raise GivingError naming the JSON path and the reason of every
    error of the package"""
    errors = sorted(validator().iter_errors(package),
        key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        raise GivingError(gettext('%s.msg_giving_invalid' % MODULE,
                errors=bullets(gettext('%s.msg_giving_error' % MODULE,
                        path=json_path(e.absolute_path),
                        reason=reason(e))
                    for e in errors)))


def json_path(path):
    "Return the path of a JSON value as $.grants[0].amountAwarded"
    text = '$'
    for part in path:
        text += '[%s]' % part if isinstance(part, int) else '.%s' % part
    return text


def reason(error):
    "Return the reason of a schema error, the most precise one"
    if error.context:
        error = min(error.context, key=lambda e: len(e.message))
    return error.message


def check_officer():
    """Raise AccessError unless the user calling over RPC is a
    commissioning officer"""
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    transaction = Transaction()
    if not (transaction.user and transaction.check_access):
        return
    if ModelData.get_id(MODULE, 'group_commissioning') not in set(
            User.get_groups()):
        raise AccessError(gettext('%s.msg_giving_officer' % MODULE))


def awarded_grants(tenders, start=None, end=None):
    """Return the grant rounds of tenders that are awarded, with their
    award date from start to end"""
    return [t for t in tenders
        if t.kind == 'grant' and t.state in AWARDED_STATES
        and (start is None or (t.award_date and t.award_date >= start))
        and (end is None or (t.award_date and t.award_date <= end))]


def package(tenders, start=None, end=None):
    """Return the 360Giving data package (a dict, JSON-ready) of the
    awarded grants of tenders whose award is from start to end"""
    pool = Pool()
    Configuration = pool.get('commissioning.configuration')
    Date = pool.get('ir.date')
    check_officer()
    if start and end and start > end:
        raise GivingError(gettext('%s.msg_giving_dates' % MODULE,
                start=start.isoformat(), end=end.isoformat()))
    prefix = Configuration(1).giving_prefix or default_prefix()
    grants = awarded_grants(tenders, start, end)
    if not grants:
        raise GivingError(gettext('%s.msg_giving_none' % MODULE,
                start=start.isoformat() if start else "—",
                end=end.isoformat() if end else "—"))
    publisher = grants[0].company.party
    result = {
        'version': VERSION,
        'title': "Grants awarded by %s" % publisher.name,
        'issued': Date.today().isoformat(),
        'identifier': '%s-%s%s' % (prefix, Date.today().isoformat(),
            ('-%s-%s' % (start or '', end or '')) if start or end else ''),
        'publisher': {
            'name': publisher.name,
            'identifier': organisation(publisher, prefix)['id'],
            },
        'license': 'https://www.nationalarchives.gov.uk/doc/'
        'open-government-licence/version/3/',
        'grants': [grant(t, prefix) for t in grants],
        }
    validate(result)
    return result


def default_prefix():
    Configuration = Pool().get('commissioning.configuration')
    return Configuration.default_giving_prefix()


def grant(tender, prefix):
    "Return the 360Giving grant of the awarded tender"
    bid = tender.winning_bid
    contract = tender.contract
    amount = contract.value if contract else (bid.price if bid else None)
    start = contract.start_date if contract else tender.contract_start
    end = contract.end_date if contract else tender.contract_end
    funder = tender.company.party
    result = {
        'id': '%s-%s' % (prefix, tender.id),
        'title': tender.name,
        'description': tender.description,
        'currency': tender.currency.code.upper(),
        'amountAwarded': float(amount) if amount is not None else None,
        'awardDate': (tender.award_date.isoformat()
            if tender.award_date else None),
        'fromOpenCall': 'Yes',
        'recipientOrganization': (
            [organisation(bid.provider, prefix)] if bid else []),
        'fundingOrganization': [organisation(funder, prefix)],
        }
    if start and end:
        result['plannedDates'] = [{
                'startDate': start.isoformat(),
                'endDate': end.isoformat(),
                'duration': months(start, end),
                }]
    location = place(funder)
    if location:
        result['beneficiaryLocation'] = [location]
    return result


def organisation(party, prefix):
    """Return the 360Giving organisation of party: its org-id identifier
    (GB-CHC-…, GB-COH-…) where it has one, else one of the prefix"""
    result = {'name': party.name}
    for identifier in party.identifiers:
        code = (identifier.code or '').strip().upper()
        if ORG_ID.match(code):
            scheme, number = code.rsplit('-', 1)[0], code.split('-', 2)[2]
            result.setdefault('id', code)
            if scheme in NUMBERS:
                result.setdefault(NUMBERS[scheme], number)
    result.setdefault('id', '%s-ORG-%s' % (prefix, party.code or party.id))
    address = postal_address(party)
    if address:
        if address.postal_code:
            result['postalCode'] = address.postal_code
        if address.city:
            result['addressLocality'] = address.city
        if address.country:
            result['addressCountry'] = address.country.name
    return result


def postal_address(party):
    """Return the first address of party that says where it is, None
    without one (a new party has an empty address)"""
    for address in party.addresses:
        if address.city or address.postal_code or address.subdivision:
            return address
    return None


def place(party):
    "Return the 360Giving location of party's address, None if unknown"
    address = postal_address(party)
    if not address or not (address.city or address.subdivision):
        return None
    name = address.subdivision.name if address.subdivision else address.city
    result = {'name': name}
    if address.country:
        result['countryCode'] = address.country.code
    return result


def months(start, end):
    "Return the months from start to end, rounded"
    return max(1, round(((end - start).days + 1) / (365.25 / 12)))


class GivingExportStart(ModelView):
    __name__ = 'commissioning.tender.giving_export.start'
    __string__ = "Export 360Giving"

    start_date = fields.Date(
        "From",
        help="Export the grants awarded on or after this date; leave empty "
        "for all. For the monthly file of the Specified Information Order, "
        "the first day of the month.")
    end_date = fields.Date(
        "To",
        help="Export the grants awarded on or before this date; leave empty "
        "for all.")


class GivingExportResult(ModelView):
    __name__ = 'commissioning.tender.giving_export.result'
    __string__ = "Export 360Giving"

    file = fields.Binary("File", filename='filename', readonly=True)
    filename = fields.Char("File Name", readonly=True)


class GivingExport(Wizard):
    __name__ = 'commissioning.tender.giving_export'
    __string__ = "Export 360Giving"
    start = StateView(
        'commissioning.tender.giving_export.start',
        'childfirst_commissioning.giving_export_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Export", 'export', 'tryton-ok', default=True),
            ])
    export = StateTransition()
    result = StateView(
        'commissioning.tender.giving_export.result',
        'childfirst_commissioning.giving_export_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_export(self):
        data = self.model.giving_package(
            self.records, start=self.start.start_date,
            end=self.start.end_date)
        self.result.file = json.dumps(data, indent=2).encode('utf-8')
        self.result.filename = 'grants-%s.json' % dt.date.today()
        return 'result'

    def default_result(self, fields):
        return {
            'file': self.result.file,
            'filename': self.result.filename,
            }
