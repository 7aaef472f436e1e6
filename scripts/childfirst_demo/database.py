# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The demo database: create, drop, and activate the module with
trytond-admin as an administrator would"""
import os
import shutil
import subprocess
import sys
import tempfile

from .session import MODULE
from .users import ADMIN_EMAIL


def trytond_admin():
    "Return the trytond-admin command beside this Python"
    path = os.path.join(os.path.dirname(sys.executable), 'trytond-admin')
    if os.path.exists(path):
        return path
    path = shutil.which('trytond-admin')
    if not path:
        sys.exit("trytond-admin not found: install the project first "
            "(pip install -e .)")
    return path


def database_exists(name):
    "Return whether the database server has a database named name"
    from trytond import backend, config
    if backend.name == 'sqlite':
        return os.path.isfile(os.path.join(
                config.get('database', 'path'), name + '.sqlite'))
    database = backend.Database().connect()
    connection = database.get_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(
            'SELECT 1 FROM pg_database WHERE datname = %s', (name,))
        return bool(cursor.fetchone())
    finally:
        connection.rollback()
        database.put_connection(connection)


def database_initialised(name):
    "Return whether the database holds Tryton tables of this series"
    from trytond import backend
    database = backend.Database(name).connect()
    try:
        return database.test(series=True)
    finally:
        database.close()


def create_database(name):
    from trytond import backend, config
    if backend.name == 'sqlite':
        os.makedirs(config.get('database', 'path'), exist_ok=True)
    database = backend.Database().connect()
    connection = database.get_connection(autocommit=True)
    try:
        database.create(connection, name)
    finally:
        database.put_connection(connection)
        database.close()
    backend.Database.clear_cache()


def drop_database(name):
    from trytond import backend
    from trytond.transaction import Transaction
    backend.Database(name).close()
    with Transaction().start(
            None, 0, close=True, autocommit=True) as transaction:
        transaction.database.drop(transaction.connection, name)
    backend.Database.clear_cache()


def run_admin(args, init, admin_password):
    """Activate (init) or update the module with trytond-admin, in the
    way an administrator installs Tryton"""
    command = [trytond_admin(), '-c', *args.config_files, '-d', args.database,
        '--activate-dependencies', '-u', MODULE]
    env = os.environ.copy()
    passfile = None
    if init:
        command += ['--all', '--email', ADMIN_EMAIL]
        fd, passfile = tempfile.mkstemp(prefix='tryton-pass-')
        with os.fdopen(fd, 'w') as f:
            f.write(admin_password + '\n')
        env['TRYTONPASSFILE'] = passfile
    try:
        subprocess.run(command, env=env, check=True, stdin=subprocess.DEVNULL)
    finally:
        if passfile:
            os.remove(passfile)


def absolute_database_path(config_files):
    """Return a configuration file that makes a relative SQLite path
    absolute, or None.

    trytond 8.0 turns a relative [database] path such as ./var/db into the
    URI file:///./var/db, that is /var/db: the processes of this run get
    the path relative to the current directory instead, as it was meant."""
    from trytond import backend, config
    path = config.get('database', 'path')
    if backend.name != 'sqlite' or os.path.isabs(path):
        return None
    path = os.path.abspath(path)
    config.set('database', 'path', path)
    fd, filename = tempfile.mkstemp(prefix='demo-', suffix='.conf')
    with os.fdopen(fd, 'w') as f:
        f.write("[database]\npath = %s\n" % path)
    return filename
