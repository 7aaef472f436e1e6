# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Run the Child First commissioning benchmark alone:

    .venv/bin/python scripts/childfirst_benchmark [--sizes 10 100]
        [--bids 10 500] [--skip operations|lifecycle]
"""
import argparse
import os
import sys

# Run as a directory or with -m from scripts/
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
                __file__))))

from childfirst_benchmark import run_lifecycle, run_operations  # noqa: E402


def main(args=None):
    parser = argparse.ArgumentParser(
        prog='childfirst_benchmark',
        description="The queries of every operation at n and 10n records "
        "and of the whole lifecycle at a number of bids.")
    parser.add_argument('--sizes', type=int, nargs=2, default=[10, 100],
        metavar=('N', 'TEN_N'), help="the two batch sizes (10 100)")
    parser.add_argument('--bids', type=int, nargs='+', default=[10, 500],
        help="the numbers of bids of the lifecycle (10 500)")
    parser.add_argument('--skip', choices=['operations', 'lifecycle'],
        action='append', default=[])
    args = parser.parse_args(args)
    backend = os.environ['TRYTOND_DATABASE_URI'].split(':')[0]
    print("Database: %s" % backend)
    if 'operations' not in args.skip:
        run_operations(args.sizes)
    if 'lifecycle' not in args.skip:
        run_lifecycle(args.bids)


if __name__ == '__main__':
    main()
