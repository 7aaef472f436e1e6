# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Child First commissioning served as in production, under load and
faults: the code of scripts/loadtest.py and tests/test_deployment.py.

- build: the load database (users, providers, tenders, contracts), built
  through the module by proteus, as scripts/childfirst_demo does;
- services: gunicorn with several workers, trytond-cron and trytond-worker
  as subprocesses, and a private PostgreSQL cluster for the fault run;
- client: JSON-RPC over urllib, as Tryton's clients speak it;
- load: the users of the load run and the figures they measure;
- audit: the rows counted afterwards (lost, duplicated, half-written).
"""
