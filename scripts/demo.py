#!/usr/bin/env python3
# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Build the Child First commissioning demo database.

The demo is a commissioning office with one user per role and tenders at
every step of their lifecycle: a draft whose design checklist still fails,
one waiting for finance approval, one approved, one published to providers,
one in evaluation and one awarded to the best of three bids and now an
active contract. The contract began about a year ago: it has a year of
monitoring returns (accepted, one sent back after its due date and so
overdue), ratings of every kind and payments in every state.

Everything is entered as a user would, each step by the user whose role it
is, through the same calls the client makes. Only dates are moved: the
deadlines of the evaluated tenders once the bids are in, and the award of
the contracted tender a year back, because the demo cannot wait for them.

Running it again reuses the database: missing demo records are added, the
module is updated to the code on disk and nothing is deleted. --rebuild
drops the database and builds it anew.

The logins and passwords are written to var/demo-users.txt (or
--users-file) and printed each time.

The steps are the modules of the package childfirst_demo beside this
script (see its __init__): users and configuration, tender design and
approval, bids, evaluation, award and contract, monitoring and payments.
"""
import sys

from childfirst_demo.cli import main

if __name__ == '__main__':
    sys.exit(main())
