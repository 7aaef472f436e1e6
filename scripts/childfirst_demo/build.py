# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"The demo data, step by step, through proteus as the users would enter it"
from . import (
    award, bids, evaluation, monitoring, procurement, tenders, users)
from .session import Session


def build(database, config_files, passwords):
    """Add what is missing of the demo data to the database; passwords
    gains the password of each user created"""
    session = Session(database, config_files)
    users.set_up(session, passwords)
    tenders.create_tenders(session)
    procurement.clarify(session)
    for values in bids.EVALUATED:
        evaluated_tender(session, values)
        if values.get('contract'):
            contract = award.create_contract(session, values)
            if contract:
                monitoring.monitor(session, contract)
                monitoring.publish_notice(session, contract)
                monitoring.change_contract(session, contract)
                monitoring.record_failure(session, contract)


def evaluated_tender(session, values):
    """Publish the tender, have the providers bid, close it and evaluate
    it, up to values['until'] (evaluation or awarded), unless it exists"""
    if bids.find_tender(session, values):
        return
    tender, submitted = bids.open_for_bids(session, values)
    tender = bids.close(session, tender)
    evaluation.evaluate(session, tender, submitted, values['bids'])
    if values['until'] == 'evaluation':
        return
    award.award(session, tender)
    if values['kind'] == 'grant':
        award.date_grant(session, tender)
