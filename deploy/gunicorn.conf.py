# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""gunicorn settings for serving trytond with several worker processes.

    TRYTOND_CONFIG=/etc/tryton/trytond.conf gunicorn -c gunicorn.conf.py

Each setting can be changed by the environment variable named beside it
(or by gunicorn's command line, which wins over this file)."""
import multiprocessing
import os

# Tryton's WSGI application (trytond.application:app, which reads
# TRYTOND_CONFIG when it is imported), by trytond_wsgi.py beside this file:
# a worker that cannot load it is replaced instead of stopping gunicorn
pythonpath = os.path.dirname(os.path.abspath(__file__))
wsgi_app = 'trytond_wsgi:app'
bind = os.environ.get('GUNICORN_BIND', '127.0.0.1:8000')
# Synchronous workers: one request at a time each, as trytond expects
worker_class = 'sync'
# Two per core and one: while a worker waits for PostgreSQL another uses
# the core (doc/deployment.rst)
workers = int(os.environ.get(
        'GUNICORN_WORKERS', multiprocessing.cpu_count() * 2 + 1))
# A request that runs longer is killed and its worker replaced: long
# enough for the largest report, short enough to free a stuck worker
timeout = int(os.environ.get('GUNICORN_TIMEOUT', 120))
# On reload or stop, the requests in progress get this long to finish
graceful_timeout = int(os.environ.get('GUNICORN_GRACEFUL_TIMEOUT', 30))
keepalive = 5
# Recycle a worker after this many requests (0: never), staggered
max_requests = int(os.environ.get('GUNICORN_MAX_REQUESTS', 0))
max_requests_jitter = max_requests // 10
# No preload: each worker imports trytond itself and opens its own
# connections to PostgreSQL; sockets are never shared across a fork
preload_app = False

trytond_config = os.environ.get(
    'TRYTOND_CONFIG', '/etc/tryton/trytond.conf')
raw_env = ['TRYTOND_CONFIG=%s' % trytond_config]
# The databases each worker loads when it boots (comma separated): trytond
# 8.0 refuses the logins to a database the worker has not loaded
if os.environ.get('TRYTOND_DATABASE_NAMES'):
    raw_env.append(
        'TRYTOND_DATABASE_NAMES=%s' % os.environ['TRYTOND_DATABASE_NAMES'])

# The access log names the worker (%(p)s) that served each request
accesslog = os.environ.get('GUNICORN_ACCESSLOG', '-')
access_log_format = (
    '%(h)s %(p)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms')
errorlog = os.environ.get('GUNICORN_ERRORLOG', '-')
loglevel = os.environ.get('GUNICORN_LOGLEVEL', 'info')
# gunicorn >= 25.1 listens for gunicornc on a control socket
if os.environ.get('GUNICORN_CONTROL_SOCKET'):
    control_socket = os.environ['GUNICORN_CONTROL_SOCKET']
