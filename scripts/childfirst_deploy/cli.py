# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"The command line of scripts/loadtest.py"
import argparse
import os


def build_parser(subparsers):
    parser = subparsers.add_parser(
        'build', help="build the load database only")
    parser.add_argument('-c', '--config', dest='config_files', nargs='+',
        required=True, metavar='FILE', help="trytond configuration files")
    parser.add_argument('-d', '--database', required=True)
    parser.add_argument('-o', '--output', required=True,
        help="where the description of the database is written (JSON)")
    parser.add_argument('--providers', type=int, default=50)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--approvals', type=int, default=6)


def run_options(parser):
    parser.add_argument('--users', type=int, default=50,
        help="concurrent provider users (default: %(default)s)")
    parser.add_argument('--rounds', type=int, default=3,
        help="bids and returns of each provider (default: %(default)s)")
    parser.add_argument('--workers', type=int, default=4,
        help="gunicorn workers (default: %(default)s)")
    parser.add_argument('--approvals', type=int, default=6,
        help="tenders finance approves under load (default: %(default)s)")
    parser.add_argument('--faults', action='store_true',
        help="on a private PostgreSQL cluster, kill a gunicorn worker "
        "mid-request and restart PostgreSQL during the load")
    parser.add_argument('--url',
        help="a deployment already serving the database of --state")
    parser.add_argument('--state',
        help="the description written by 'loadtest.py build'")
    parser.add_argument('--keep', action='store_true',
        help="keep the database and the logs")
    parser.add_argument('--profile', action='store_true',
        help="log the SQL queries of each request of the server")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Load and fault runs of the gunicorn deployment.")
    subparsers = parser.add_subparsers(dest='command')
    build_parser(subparsers)
    run_options(subparsers.add_parser('run', help="the load run (default)"))
    args = argv if argv is not None else __import__('sys').argv[1:]
    if not args or args[0] not in {'build', 'run', '-h', '--help'}:
        args = ['run'] + list(args)
    return parser.parse_args(args)


def main(argv=None):
    args = parse_args(argv)
    if args.command == 'build':
        from .build import main as build
        args.config_files = [os.path.abspath(f) for f in args.config_files]
        return build(args)
    from .run import main as run
    return run(args)
