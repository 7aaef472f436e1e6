# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"The proteus connections of the demo users"

MODULE = 'childfirst_commissioning'


class Session:
    """The demo database as each user sees it through proteus: every step
    acts as the user whose role it is"""

    def __init__(self, database, config_files):
        self.database = database
        self.config_files = config_files
        self.configs = {}

    def config(self, login='admin'):
        "Return the proteus configuration acting as the user login"
        from proteus import config
        if login not in self.configs:
            self.configs[login] = config.set_trytond(
                database=self.database, user=login,
                config_file=self.config_files)
        return self.configs[login]

    def model(self, name, login='admin'):
        from proteus import Model
        return Model.get(name, config=self.config(login))

    def xml_id(self, module, fs_id):
        "Return the id of the record with the XML id module.fs_id"
        ModelData = self.model('ir.model.data')
        return ModelData.get_id(module, fs_id, {})

    def move_tender_dates(self, tender_id, bids=None, signoffs=None,
            responses=None, **values):
        """Write the date columns values on the tender with SQL, the time
        bids (if given) on its submitted bids, the times signoffs ({gate:
        time}) on its sign-offs and the times responses ({column: time}) on
        the assessments and moderations of its bids' answers: the demo's
        stand-in for the weeks it cannot wait"""
        from sql import Table

        from trytond.transaction import Transaction
        tender = Table('commissioning_tender')
        bid = Table('commissioning_bid')
        signoff = Table('commissioning_signoff')
        response = Table('commissioning_bid_response')
        with Transaction().start(self.database, 0) as transaction:
            cursor = transaction.connection.cursor()
            cursor.execute(*tender.update(
                    [getattr(tender, name) for name in values],
                    list(values.values()),
                    where=tender.id == tender_id))
            if bids:
                cursor.execute(*bid.update(
                        [bid.submitted_at], [bids],
                        where=(bid.tender == tender_id)
                        & (bid.submitted_at != None)))  # noqa: E711
            for gate, when in (signoffs or {}).items():
                cursor.execute(*signoff.update(
                        [signoff.create_date], [when],
                        where=(signoff.origin
                            == 'commissioning.tender,%s' % tender_id)
                        & (signoff.gate == gate)))
            if responses:
                bids_of_tender = bid.select(
                    bid.id, where=bid.tender == tender_id)
                for column, when in responses.items():
                    cursor.execute(*response.update(
                            [getattr(response, column)], [when],
                            where=response.bid.in_(bids_of_tender)
                            & (getattr(response, column)
                                != None)))  # noqa: E711
            transaction.commit()
