# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"The command line of scripts/demo.py"
import argparse
import os
import sys

from . import database as db
from .build import build
from .passwords import (
    format_users, new_password, read_passwords, write_passwords)
from .session import MODULE

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Build the Child First commissioning demo database.")
    parser.add_argument(
        '-c', '--config', dest='config_files', nargs='+',
        default=[os.path.join(ROOT, 'trytond.conf')], metavar='FILE',
        help="trytond configuration files (default: trytond.conf)")
    parser.add_argument(
        '-d', '--database', default='childfirst_demo',
        help="database name (default: %(default)s)")
    parser.add_argument(
        '--rebuild', action='store_true',
        help="drop the database and build it anew")
    parser.add_argument(
        '--users-file', default=os.path.join(ROOT, 'var', 'demo-users.txt'),
        help="where the logins and passwords are written "
        "(default: var/demo-users.txt)")
    parser.add_argument(
        '--url', default='http://localhost:8000/',
        help="the address printed for the web client")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    args.config_files = [os.path.abspath(f) for f in args.config_files]
    for filename in args.config_files:
        if not os.path.isfile(filename):
            sys.exit("configuration file not found: %s" % filename)

    from trytond import config
    config.update_etc(args.config_files)
    override = db.absolute_database_path(args.config_files)
    if override:
        args.config_files.append(override)
    try:
        passwords = prepare_database(args)
        print("Adding the demo data", flush=True)
        build(args.database, args.config_files, passwords)
        write_passwords(args.users_file, args.database, passwords)
    finally:
        if override:
            os.remove(override)

    print()
    print("Demo database \"%s\" is ready. Open %s and log in with:"
        % (args.database, args.url))
    for line in format_users(passwords):
        print("    " + line)
    print("(also written to %s)" % os.path.relpath(args.users_file))
    return 0


def prepare_database(args):
    """Create (or drop and create, with --rebuild) the database, activate or
    update the module, and return the passwords known so far: the
    administrator's of a new database, else those of the users file"""
    if args.rebuild and db.database_exists(args.database):
        print("Dropping database \"%s\"" % args.database, flush=True)
        db.drop_database(args.database)
        if os.path.exists(args.users_file):
            os.remove(args.users_file)
    if not db.database_exists(args.database):
        print("Creating database \"%s\"" % args.database, flush=True)
        db.create_database(args.database)
    init = not db.database_initialised(args.database)

    if init:
        passwords = {'admin': new_password()}
        print("Activating %s and the modules it depends on" % MODULE,
            flush=True)
    else:
        passwords = read_passwords(args.users_file, args.database)
        print("Updating %s in database \"%s\"" % (MODULE, args.database),
            flush=True)
    db.run_admin(args, init, passwords.get('admin'))
    return passwords
