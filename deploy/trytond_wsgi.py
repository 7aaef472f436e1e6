# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Tryton's WSGI application for gunicorn, loaded so that a worker that
cannot load it is replaced instead of stopping gunicorn.

trytond.application loads the databases of TRYTOND_DATABASE_NAMES when a
worker boots (trytond 8.0 needs it: a worker that has not loaded a database
refuses the logins to it). When PostgreSQL is unreachable at that moment
(restarted just as a worker was killed or recycled) the import fails, and
gunicorn takes a failed import for a broken application: it stops every
worker and itself. Here the worker exits as a crashed worker does, after a
pause, and gunicorn starts another one until PostgreSQL answers."""
import logging
import os
import time

try:
    from trytond.application import app
except Exception:
    logging.getLogger(__name__).exception(
        "worker %s could not load trytond; it exits to be replaced",
        os.getpid())
    time.sleep(1)
    os._exit(1)

__all__ = ['app']
