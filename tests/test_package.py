# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The project as a Tryton package: its translation template, its doc and
its wheel installed into a new virtual environment."""
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULE = 'childfirst_commissioning'
MODULE_DIR = os.path.join(ROOT, 'modules', MODULE)
TEMPLATE = os.path.join(MODULE_DIR, 'locale', MODULE + '.pot')
# The header fields that change on each export without any string changing
DATE_HEADER = re.compile(r'^"(POT-Creation|PO-Revision)-Date: .*"$\n?', re.M)


def clean_environ():
    "Return the environment without settings meant for the module tests"
    return {k: v for k, v in os.environ.items()
        if not k.startswith('TRYTOND_')
        and k not in {'DB_NAME', 'DB_CACHE', 'PYTHONPATH', 'VIRTUAL_ENV'}}


def skip_on_postgresql():
    "Skip a test that needs no database server: it runs once, on SQLite"
    if os.environ.get('TRYTOND_DATABASE_URI', '').startswith('postgresql'):
        pytest.skip("run once, on SQLite (it builds its own database)")


def run(command, **kwargs):
    "Run command and return its output; fail with its output if it fails"
    process = subprocess.run(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, env=clean_environ(), **kwargs)
    assert process.returncode == 0, (
        "%s failed:\n%s" % (' '.join(map(str, command)), process.stdout))
    return process.stdout


def test_locale_template_up_to_date(tmp_path):
    "The translation template holds every translatable string of the module"
    skip_on_postgresql()
    relpath = os.path.relpath(TEMPLATE, ROOT)
    assert os.path.exists(TEMPLATE), (
        "%s is missing: run scripts/update-locale" % relpath)
    fresh = tmp_path / os.path.basename(TEMPLATE)
    command = [sys.executable, os.path.join(ROOT, 'scripts', 'update-locale'),
        '--output', str(fresh)]
    run(command, cwd=tmp_path, timeout=600)
    with open(TEMPLATE, encoding='utf-8') as f:
        current = DATE_HEADER.sub('', f.read())
    expected = DATE_HEADER.sub('', fresh.read_text(encoding='utf-8'))
    assert current == expected, (
        "%s is out of date with the module's strings (%s): "
        "run scripts/update-locale and commit the result"
        % (relpath, changed_strings(current, expected)))


def changed_strings(current, expected, shown=5):
    "Describe the strings that differ between two templates"
    import polib

    def strings(content):
        return {(e.msgctxt, e.msgid) for e in polib.pofile(content)}
    current, expected = strings(current), strings(expected)
    parts = []
    for label, keys in [
            ("new", expected - current), ("gone", current - expected)]:
        if keys:
            parts.append("%s %s: %s" % (len(keys), label, "; ".join(
                        "%s %r" % k for k in sorted(keys)[:shown])))
    return ", ".join(parts) or "the same strings, written differently"


def test_doc_is_valid_rst():
    """Each page of doc/ is valid reStructuredText and the toctree of
    index.rst names every other page"""
    from docutils.core import publish_doctree
    from docutils.parsers.rst import Directive, directives

    toctree = []

    class TocTree(Directive):
        "Sphinx's toctree, as far as this test needs it"
        has_content = True
        option_spec = {'maxdepth': directives.nonnegative_int}

        def run(self):
            toctree.extend(line.strip() for line in self.content
                if line.strip())
            return []

    directives.register_directive('toctree', TocTree)
    doc = os.path.join(ROOT, 'doc')
    pages = sorted(f[:-len('.rst')] for f in os.listdir(doc)
        if f.endswith('.rst'))
    for page in pages:
        with open(os.path.join(doc, page + '.rst'), encoding='utf-8') as f:
            # Raises on any message of level warning or above
            publish_doctree(f.read(), source_path=page + '.rst',
                settings_overrides={'halt_level': 2, 'report_level': 2})
    assert sorted(toctree) == [p for p in pages if p != 'index']


def wheel_files(wheel):
    "Return the module's files in the wheel, relative to the module"
    prefix = 'trytond/modules/%s/' % MODULE
    with zipfile.ZipFile(wheel) as archive:
        return {n[len(prefix):] for n in archive.namelist()
            if n.startswith(prefix)}


def module_files():
    """Return the files of the module directory that the module needs at
    run time, relative to it"""
    files = set()
    for path, dirs, names in os.walk(MODULE_DIR):
        dirs[:] = [d for d in dirs if not d.startswith(('.', '__'))]
        for name in names:
            if name.endswith(('.pyc', '.pyo')) or name.startswith('.'):
                continue
            files.add(os.path.relpath(
                    os.path.join(path, name), MODULE_DIR).replace(os.sep, '/'))
    return files


def copy_source(target):
    """Copy the repository without its environments and build products, so
    that the wheel is built from the files on disk and nothing else"""
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(
            '.git', '.venv', 'var', 'build', 'dist', 'node_modules',
            '*.egg-info', '__pycache__', '*.pyc', '.hypothesis',
            '.pytest_cache', '.cache'))
    return target


ACTIVATED = textwrap.dedent('''\
    import sys

    from trytond.config import config
    config.update_etc(sys.argv[1])

    import trytond.modules.%(module)s as module
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    database = sys.argv[2]
    Pool.start()
    pool = Pool(database)
    pool.init()
    with Transaction().start(database, 0, readonly=True):
        Module = pool.get('ir.module')
        record, = Module.search([('name', '=', '%(module)s')])
        pool.get('commissioning.tender')
        print(record.state, module.__file__)
    ''' % {'module': MODULE})


def activate(venv, directory):
    """Initialise a new SQLite database in directory and activate the module
    with the trytond-admin of venv, as an administrator installs it; return
    the database name and the configuration file"""
    database = 'package'
    config = directory / 'trytond.conf'
    config.write_text(
        "[database]\nuri = sqlite://\npath = %s\n" % directory)
    # trytond opens an SQLite database only if its file exists
    (directory / (database + '.sqlite')).touch()
    passfile = directory / 'admin-password'
    passfile.write_text('Package-test-only-1\n')
    admin = [venv / 'bin' / 'trytond-admin', '-c', config, '-d', database]
    env = dict(clean_environ(), TRYTONPASSFILE=str(passfile))
    for options in [['--all', '--email', 'admin@example.org'],
            ['-u', MODULE, '--activate-dependencies']]:
        process = subprocess.run(admin + options, env=env, cwd=directory,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, timeout=600)
        assert process.returncode == 0, (
            "trytond-admin %s failed:\n%s"
            % (' '.join(options), process.stdout))
    return database, config


@pytest.mark.package
def test_wheel_installs_and_activates(tmp_path):
    """The wheel built from the repository installs with its dependencies
    into a new virtual environment, and trytond-admin activates the module
    in a new database"""
    skip_on_postgresql()
    source = copy_source(tmp_path / 'source')
    dist = tmp_path / 'dist'
    command = [sys.executable, '-m', 'pip', 'wheel', '--quiet', '--no-deps',
        '-w', str(dist), '.']
    run(command, cwd=source, timeout=600)
    wheel, = dist.glob('trytond_childfirst_commissioning-*.whl')
    missing = module_files() - wheel_files(wheel)
    assert not missing, "files missing from the wheel: %s" % sorted(missing)

    venv = tmp_path / 'venv'
    run([sys.executable, '-m', 'venv', str(venv)], timeout=300)
    python = venv / 'bin' / 'python'
    command = [python, '-m', 'pip', 'install', '--quiet',
        '--disable-pip-version-check', str(wheel)]
    run(command, timeout=900)
    # The console script of the publication
    assert (venv / 'bin' / 'trytond-childfirst-publish').exists()

    database, config = activate(venv, tmp_path)

    script = tmp_path / 'activated.py'
    script.write_text(ACTIVATED)
    output = run([python, script, config, database], cwd=tmp_path,
        timeout=300)
    state, path = output.strip().splitlines()[-1].split()
    assert state == 'activated'
    assert path.startswith(str(venv)), (
        "the module was imported from %s, not from the wheel" % path)
