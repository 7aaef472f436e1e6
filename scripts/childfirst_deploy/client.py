# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""A user's JSON-RPC session on the deployment, on the helpers of
tests/conftest.py (login, call, Tryton's JSON encoding)."""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(os.path.dirname(os.path.dirname(HERE)), 'tests')
if TESTS not in sys.path:
    sys.path.append(TESTS)
from conftest import Server  # noqa: E402,I100


class RpcError(Exception):
    "The server answered with an error"

    def __init__(self, error):
        self.kind = error[0] if error else ''
        detail = error[1] if len(error) > 1 else ''
        # A warning's name, to accept it as the client's dialog does
        self.name = (detail[0] if self.kind == 'UserWarning'
            and isinstance(detail, (list, tuple)) and detail else None)
        if isinstance(detail, (list, tuple)) and detail:
            detail = detail[0]
        self.message = str(detail)
        super().__init__("%s: %s" % (self.kind, self.message))

    @property
    def retryable(self):
        "The server was unavailable (PostgreSQL down, worker replaced)"
        return self.kind.startswith('HTTP 5')


def retryable(error):
    "Whether a client may send the request again"
    return isinstance(error, OSError) or (
        isinstance(error, RpcError) and error.retryable)


def server(url, database):
    "Return the conftest Server of the deployment at url"
    return Server(url, database, {}, None)


class Client:
    "The session of login on the server, and its calls"

    def __init__(self, server, login, password, retries=0):
        self.server = server
        self.login = login
        self.password = password
        self.retries = retries
        self.auth = None
        self.errors = []
        self.retried = 0
        self.connect()

    def connect(self):
        self.auth = self.with_retries(
            lambda: self.server.login(self.login, self.password))

    def call(self, method, *params, context=None):
        """Call method with params and the context (empty by default);
        return its result or raise RpcError (or OSError when the connection
        is cut)"""
        response = self.server.call(
            self.auth, method, *params, context or {})
        if 'error' in response:
            raise RpcError(response['error'])
        return response['result']

    def confirm(self, method, *params):
        """Call method with params; when the server asks for a
        confirmation (a warning), accept it and call again, as the user
        does in the client's dialog"""
        try:
            return self.call(method, *params)
        except RpcError as error:
            if error.kind != 'UserWarning':
                raise
            self.call('model.res.user.warning.skip', error.name, False)
            return self.call(method, *params)

    def with_retries(self, function):
        """Return function(), called again after a retryable error up to
        retries times; each error is kept in errors"""
        for attempt in range(self.retries + 1):
            try:
                return function()
            except (OSError, RpcError, AssertionError) as error:
                if isinstance(error, AssertionError):
                    error = OSError(str(error))
                self.errors.append(error)
                if not retryable(error) or attempt == self.retries:
                    raise
                self.retried += 1
                time.sleep(min(0.2 * 2 ** attempt, 3))
