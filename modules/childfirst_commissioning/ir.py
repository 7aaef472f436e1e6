# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('commissioning.tender|close_overdue',
                    "Close Tenders Past Their Deadline"),
                ('commissioning.monitoring.return|create_due',
                    "Create Due Monitoring Returns and Flag Overdue Ones"),
                ('commissioning.notification|send_reminders',
                    "Send Commissioning Reminders"),
                ('commissioning.contract.failure|detect',
                    "Record Contract Performance Failures"),
                ])
