# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The deployment of deploy/ as subprocesses: gunicorn with several
workers, trytond-cron and trytond-worker; and a private PostgreSQL cluster
that the fault run may restart."""
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)
GUNICORN_CONF = os.path.join(ROOT, 'deploy', 'gunicorn.conf.py')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def clean_environ():
    "The environment without the settings of the module tests"
    return {k: v for k, v in os.environ.items()
        if not k.startswith(('TRYTOND_', 'GUNICORN_'))
        and k not in {'DB_NAME', 'DB_CACHE'}}


def write_config(path, uri, retry=5):
    """Write the trytond configuration of the deployment: deploy/
    trytond.conf's settings with the database server uri"""
    with open(path, 'w') as f:
        f.write(
            "[database]\nuri = %s\nretry = %s\nlist = False\n\n"
            "[queue]\nworker = True\n\n"
            "[session]\ntimeout = 3600\n\n"
            "[password]\nlength = 8\n" % (uri, retry))
    return path


class Deployment:
    """gunicorn (workers processes) + trytond-cron + trytond-worker serving
    database with the configuration file config, logs in directory"""

    def __init__(self, config, database, directory, workers=3, port=None,
            timeout=60):
        self.config = config
        self.database = database
        self.directory = directory
        self.workers = workers
        self.port = port or free_port()
        self.timeout = timeout
        self.url = 'http://127.0.0.1:%s/' % self.port
        self.processes = {}
        self.logs = {}

    def log_path(self, name):
        return os.path.join(self.directory, '%s.log' % name)

    def _spawn(self, name, command, env):
        log = open(self.log_path(name), 'a')
        self.logs[name] = log
        self.processes[name] = subprocess.Popen(
            command, env=env, cwd=self.directory, stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def environ(self):
        env = clean_environ()
        env['TRYTOND_CONFIG'] = self.config
        env['TRYTOND_DATABASE_NAMES'] = self.database
        return env

    def start_web(self):
        env = self.environ()
        env.update({
                'GUNICORN_BIND': '127.0.0.1:%s' % self.port,
                'GUNICORN_WORKERS': str(self.workers),
                'GUNICORN_TIMEOUT': str(self.timeout),
                'GUNICORN_GRACEFUL_TIMEOUT': '5',
                'GUNICORN_ACCESSLOG': self.log_path('access'),
                'GUNICORN_CONTROL_SOCKET': os.path.join(
                    self.directory, 'gunicorn.ctl'),
                })
        self._spawn('gunicorn', [os.path.join(BIN, 'gunicorn'),
                '-c', GUNICORN_CONF], env)

    def start_cron(self):
        self._spawn('cron', [os.path.join(BIN, 'trytond-cron'),
                '-c', self.config, '-d', self.database, '-n', '1'],
            self.environ())

    def start_worker(self):
        self._spawn('worker', [os.path.join(BIN, 'trytond-worker'),
                '-c', self.config, '-d', self.database, '-n', '1',
                '-t', '2'], self.environ())

    def start(self, cron=True, worker=True):
        self.start_web()
        if cron:
            self.start_cron()
        if worker:
            self.start_worker()
        self.wait_ready()
        return self

    def wait_ready(self, timeout=90):
        "Wait until every gunicorn worker is up and the server answers"
        deadline = time.monotonic() + timeout
        while True:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError("%s stopped at start:\n%s"
                        % (name, self.read_log(name)))
            try:
                urllib.request.urlopen(self.url, timeout=2).close()
            except urllib.error.HTTPError:
                if len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer on %s:\n%s"
                    % (self.url, self.read_log('gunicorn')))
            time.sleep(0.2)

    def read_log(self, name):
        try:
            with open(self.log_path(name)) as f:
                return f.read()
        except FileNotFoundError:
            return ''

    @property
    def master(self):
        return self.processes['gunicorn'].pid

    def worker_pids(self):
        "The pids of gunicorn's workers"
        return children(self.master)

    def served_by(self):
        "The pids of the workers in the access log, one per request"
        return [int(p) for p in re.findall(
                r' <(\d+)> ', self.read_log('access'))]

    def kill_worker(self, pid=None):
        "SIGKILL one gunicorn worker (the first if pid is None)"
        pid = pid or self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self):
        for name, process in reversed(list(self.processes.items())):
            stop_process(process)
            self.logs[name].close()
        self.processes.clear()


def children(pid):
    "The pids of the children of process pid"
    pids = []
    for path in glob.glob('/proc/%s/task/*/children' % pid):
        try:
            with open(path) as f:
                pids.extend(int(p) for p in f.read().split())
        except FileNotFoundError:
            pass
    return sorted(pids)


def stop_process(process, timeout=10):
    "Stop process and its process group: SIGTERM, then SIGKILL"
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    # The pool processes of trytond-cron and trytond-worker
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class PrivateCluster:
    """A PostgreSQL cluster of its own in a temporary directory, owned by
    the postgres user, with trust authentication on a free port: the one
    the fault run restarts (never the shared server)"""

    def __init__(self, user='postgres'):
        self.user = user
        self.bin = sorted(glob.glob('/usr/lib/postgresql/*/bin'))[-1]
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix='cfload-pg-')
        self.data = os.path.join(self.directory, 'data')
        self.log = os.path.join(self.directory, 'postgresql.log')
        shutil.chown(self.directory, user)

    @property
    def uri(self):
        return 'postgresql://%s@127.0.0.1:%s/' % (self.user, self.port)

    def _run(self, *command):
        return subprocess.run(
            ['runuser', '-u', self.user, '--',
                os.path.join(self.bin, command[0]), *command[1:]],
            check=True, stdin=subprocess.DEVNULL, capture_output=True,
            text=True, cwd=self.directory)

    def init(self):
        self._run('initdb', '-D', self.data, '-A', 'trust', '-U', self.user,
            '-E', 'UTF8', '--no-sync')
        return self

    def start(self):
        options = ("-p %s -c listen_addresses=127.0.0.1 "
            "-c unix_socket_directories=%s -c fsync=off "
            "-c max_connections=200" % (self.port, self.directory))
        self._run('pg_ctl', '-D', self.data, '-l', self.log, '-o', options,
            '-w', '-t', '60', 'start')
        return self

    def stop(self, mode='fast'):
        self._run('pg_ctl', '-D', self.data, '-m', mode, '-w', 'stop')

    def restart(self):
        "Restart the cluster; return how long it was down (seconds)"
        started = time.monotonic()
        self.stop()
        self.start()
        return time.monotonic() - started

    def destroy(self):
        try:
            self.stop(mode='immediate')
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.directory, ignore_errors=True)
