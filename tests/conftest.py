# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The demo server the system tests share.

scripts/demo.py builds the demo database into a temporary directory (or on
the PostgreSQL server of TRYTOND_DATABASE_URI, under a name of its own) and
trytond serves it on a free port with sao as its web root, ONCE per pytest
run: tests/test_demo_server.py and tests/test_security.py use the same
server through the session-scoped ``server`` fixture.

The browser tests of tests/test_browser.py walk each role's path and change
the data as they go: they work on a copy of the demo database, made right
after the build and served by the same server (``browser_server``), so
that the other system tests read the demo as scripts/demo.py left it,
whatever the order the tests run in.
"""
import base64
import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
DATABASE = 'childfirst_demo'
# The suffix of the name of the copy of the demo database
COPY = '_browser'
LOGINS = ['admin', 'commadmin', 'officer', 'finance', 'evaluator',
    'evaluator2', 'provider', 'provider2', 'provider3']


def clean_environ():
    "Return the environment without settings meant for the module tests"
    return {k: v for k, v in os.environ.items()
        if not k.startswith('TRYTOND_')
        and k not in {'DB_NAME', 'DB_CACHE'}}


def free_port():
    with socket.socket() as sock:
        sock.bind(('localhost', 0))
        return sock.getsockname()[1]


def parse_passwords(output):
    "Return the passwords of the table that scripts/demo.py prints"
    passwords = {}
    for line in output.splitlines():
        match = re.match(r'^\s+(%s)\s+(\S+)\s' % '|'.join(LOGINS), line)
        if match:
            passwords[match.group(1)] = match.group(2)
    return passwords


# JSON-RPC values as Tryton's clients encode and decode them
# (trytond/protocols/jsonrpc.py)

def json_default(value):
    if isinstance(value, dt.datetime):
        return {'__class__': 'datetime', 'year': value.year,
            'month': value.month, 'day': value.day, 'hour': value.hour,
            'minute': value.minute, 'second': value.second,
            'microsecond': value.microsecond}
    if isinstance(value, dt.date):
        return {'__class__': 'date', 'year': value.year,
            'month': value.month, 'day': value.day}
    if isinstance(value, Decimal):
        return {'__class__': 'Decimal', 'decimal': str(value)}
    if isinstance(value, (bytes, bytearray)):
        return {'__class__': 'bytes',
            'base64': base64.encodebytes(value).decode('ascii')}
    if isinstance(value, (set, frozenset)):
        return list(value)
    raise TypeError(repr(value))


def json_object_hook(dct):
    kind = dct.get('__class__')
    if kind == 'datetime':
        return dt.datetime(dct['year'], dct['month'], dct['day'],
            dct['hour'], dct['minute'], dct['second'], dct['microsecond'])
    if kind == 'date':
        return dt.date(dct['year'], dct['month'], dct['day'])
    if kind == 'Decimal':
        return Decimal(dct['decimal'])
    if kind == 'bytes':
        return base64.decodebytes(dct['base64'].encode('ascii'))
    return dct


class Server:
    "A running trytond and how to reach it"

    def __init__(self, url, database, passwords, log, sqlite_path=None,
            postgresql_uri=None):
        self.url = url
        self.database = database
        self.passwords = passwords
        self.log = log
        self.sqlite_path = sqlite_path
        self.postgresql_uri = postgresql_uri
        self._sessions = {}
        # The copy of the demo database the browser tests change
        self.copy = None

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=30) as response:
            return response.status, response.read()

    def rpc(self, path, method, params, auth=None):
        """Call method over JSON-RPC as the clients do and return the
        response: {'result': ...} or {'error': ...}"""
        data = json.dumps(
            {'id': 1, 'method': method, 'params': params},
            default=json_default)
        request = urllib.request.Request(
            self.url + path, data=data.encode('utf-8'),
            headers={'Content-Type': 'application/json'})
        if auth:
            request.add_header('Authorization', auth)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(
                    response.read(), object_hook=json_object_hook)
        except urllib.error.HTTPError as e:
            return {'error': ['HTTP %s' % e.code, e.reason]}

    def login(self, login, password=None):
        "Return the Authorization header of a new session of login"
        if password is None:
            password = self.passwords[login]
        response = self.rpc(
            '%s/rpc/' % self.database, 'common.db.login',
            [login, {'password': password}, 'en'])
        assert 'result' in response, (
            "login as %s refused: %s" % (login, response))
        user_id, session = response['result'][:2]
        token = base64.b64encode(
            ('%s:%s:%s' % (login, user_id, session)).encode('utf-8'))
        return 'Session ' + token.decode('ascii')

    def session(self, login):
        "Return the Authorization header of a session of login, kept"
        if login not in self._sessions:
            self._sessions[login] = self.login(login)
        return self._sessions[login]

    def call(self, auth, method, *params):
        return self.rpc(
            '%s/rpc/' % self.database, method, list(params), auth)

    # Direct access to the database, only to undo what a test changed
    # where the server (wrongly) let it through and no RPC call can take
    # it back.

    def _connect(self):
        if self.sqlite_path:
            import sqlite3
            return sqlite3.connect(self.sqlite_path, timeout=30)
        import psycopg
        conninfo = urllib.parse.urlparse(self.postgresql_uri)._replace(
            path='/' + self.database).geturl()
        return psycopg.connect(conninfo)

    def sql(self, query, params=()):
        """Execute query (with ? placeholders) on the database and return
        the rows with the column names"""
        if not self.sqlite_path:
            query = query.replace('?', '%s')
        connection = self._connect()
        try:
            cursor = connection.cursor()
            cursor.execute(query, tuple(params))
            if cursor.description:
                names = [d[0] for d in cursor.description]
                rows = [dict(zip(names, r)) for r in cursor.fetchall()]
            else:
                rows = []
            connection.commit()
            return rows
        finally:
            connection.close()


@pytest.fixture(scope='session')
def web_root():
    "The web client, installed once into var/sao"
    root = os.path.join(ROOT, 'var', 'sao')
    subprocess.run(
        [os.path.join(ROOT, 'scripts', 'install_sao.sh'), root], check=True)
    return root


def postgresql_uri():
    "Return the PostgreSQL server the tests run on, or None for SQLite"
    uri = os.environ.get('TRYTOND_DATABASE_URI', '')
    if uri.startswith('postgresql'):
        return uri


def drop_postgresql_database(uri, name):
    import psycopg
    from psycopg import sql
    conninfo = urllib.parse.urlparse(uri)._replace(path='/template1').geturl()
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(sql.SQL('DROP DATABASE IF EXISTS {}').format(
                sql.Identifier(name)))


@pytest.fixture(scope='session')
def server(tmp_path_factory, web_root):
    """The demo database built by scripts/demo.py, served by trytond: in a
    temporary directory on SQLite, or on the PostgreSQL server of
    TRYTOND_DATABASE_URI under a name of its own. Built and started once
    per pytest run, for every test file that asks for it."""
    tmp = tmp_path_factory.mktemp('demo')
    port = free_port()
    url = 'http://localhost:%s/' % port
    # The project's trytond.conf, with the database, the port and the web
    # client of this test, as ./demo does.
    uri = postgresql_uri()
    if uri:
        database = '%s_test_%s' % (DATABASE, os.getpid())
        database_section = "[database]\nuri = %s\n" % uri
        sqlite_path = None
        for name in [database, database + COPY]:
            drop_postgresql_database(uri, name)
    else:
        database = DATABASE
        database_section = "[database]\npath = %s\n" % (tmp / 'db')
        sqlite_path = str(tmp / 'db' / ('%s.sqlite' % database))
    config = tmp / 'test.conf'
    config.write_text(
        database_section
        + "\n[web]\nlisten = localhost:%s\nroot = %s\n" % (port, web_root))
    configs = [os.path.join(ROOT, 'trytond.conf'), str(config)]
    env = clean_environ()
    try:
        yield from serve(tmp, url, configs, database, env,
            sqlite_path=sqlite_path, postgresql_uri=uri)
    finally:
        if uri:
            drop_postgresql_database(uri, database)
            drop_postgresql_database(uri, database + COPY)


@pytest.fixture(scope='session')
def browser_server(server):
    """The copy of the demo database on the server, which the browser tests
    change"""
    return server.copy


def copy_database(database, sqlite_path=None, postgresql_uri=None):
    """Copy the demo database to its name + COPY, while the server is not
    running; return the path of the copy on SQLite"""
    if sqlite_path:
        path = sqlite_path.replace(
            database + '.sqlite', database + COPY + '.sqlite')
        shutil.copyfile(sqlite_path, path)
        return path
    import psycopg
    from psycopg import sql
    conninfo = urllib.parse.urlparse(postgresql_uri)._replace(
        path='/template1').geturl()
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(sql.SQL(
                'CREATE DATABASE {} TEMPLATE {}').format(
                sql.Identifier(database + COPY), sql.Identifier(database)))


def serve(tmp, url, configs, database, env, **options):
    build = subprocess.run(
        [sys.executable, os.path.join(ROOT, 'scripts', 'demo.py'),
            '-c', *configs, '-d', database,
            '--users-file', str(tmp / 'demo-users.txt'), '--url', url],
        env=env, cwd=tmp, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=300)
    assert build.returncode == 0, (
        "scripts/demo.py failed:\n%s\n%s" % (build.stdout, build.stderr))
    passwords = parse_passwords(build.stdout)
    assert set(passwords) == set(LOGINS), (
        "scripts/demo.py did not print every password:\n%s" % build.stdout)
    copy_path = copy_database(database, **options)

    log = tmp / 'server.log'
    with open(log, 'w') as log_file:
        process = subprocess.Popen(
            [os.path.join(BIN, 'trytond'), '-c', *configs,
                '-d', database, database + COPY],
            env=env, cwd=tmp, stdin=subprocess.DEVNULL, stdout=log_file,
            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail("trytond stopped at start:\n%s" % log.read_text())
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(
                        "trytond did not answer on %s:\n%s"
                        % (url, log.read_text()))
                time.sleep(0.2)
        server = Server(url, database, passwords, log, **options)
        # What the project's commands need to reach the demo database
        server.configs = configs
        server.env = env
        server.copy = Server(url, database + COPY, passwords, log,
            **dict(options, sqlite_path=copy_path))
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
