# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The Child First commissioning demo database, step by step.

scripts/demo.py is the command; each module here is one step of the story,
run in this order by build.build:

1. users: the commissioning office, its currency, the provider
   organisations and one user per role;
2. tenders: tender design and the approval gates, up to publication;
3. bids: the providers' bids on the evaluated tenders, and the close;
4. evaluation: evaluators, conflicts, pass/fail assessments and scores;
5. award: moderation, the award and the contract;
6. monitoring: a year of monitoring returns and the payments.

The other modules are the plumbing: cli (the command line), database
(create, drop, trytond-admin), passwords (the users file) and session (the
proteus connection of each user).
"""
