# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The command trytond-childfirst-publish: the open data of a database,
written to a folder for a web server to publish.

    trytond-childfirst-publish -c trytond.conf -d DATABASE --out DIR \\
        [--since YYYY-MM-DD] [--spreadsheet]

writes DIR/ocds/<ocid>.json, the release package of every public release of
each tender (and of each contract without a tender),
DIR/ocds/records.json, the record package of them all, and
DIR/360giving/grants.json, the 360Giving data package of the awarded grant
rounds (awarded since --since). Each export of
EXPORTS is built and validated before anything is written: when one does
not validate, the command says why and exits with status 1, writing
nothing. With --since, only the tenders and contracts changed since that
day (they or anything beneath them) are written. With --spreadsheet, the
grants are also written in 360Giving's spreadsheet layout,
DIR/360giving/grants.xlsx, through flattentool (the spreadsheet extra of
the package)."""
import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import warnings


def ocds_files(since=None):
    "Return {path: data} of the OCDS files"
    from . import ocds
    packages, records = ocds.publications(*ocds.published(since))
    files = {
        os.path.join('ocds', '%s.json' % ocid): package
        for ocid, package in packages.items()}
    if records is not None:
        files[os.path.join('ocds', 'records.json')] = records
    return files


def giving_files(since=None):
    """Return {path: data} of the 360Giving data package of the awarded
    grant rounds (awarded since the date since), if there are any"""
    from trytond.pool import Pool

    from . import giving
    Tender = Pool().get('commissioning.tender')
    tenders = Tender.search([
            ('kind', '=', 'grant'),
            ('state', 'in', giving.AWARDED_STATES),
            ])
    if not giving.awarded_grants(tenders, start=since):
        return {}
    return {os.path.join('360giving', 'grants.json'):
        Tender.giving_package(tenders, start=since)}


# The exports the command writes: each a function of the date of --since
# (or None) that returns {path under --out: JSON data}, validated
EXPORTS = [ocds_files, giving_files]


def exports(since=None):
    """Return {path: data} of every file of the exports; raise the
    UserError of the first export that does not validate"""
    files = {}
    for export in EXPORTS:
        files.update(export(since))
    return files


def write(out, files):
    """Write the files under the folder out, each through a temporary file
    renamed into place"""
    for path, data in sorted(files.items()):
        target = os.path.join(out, path)
        folder = os.path.dirname(target)
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(
                'w', encoding='utf-8', dir=folder, suffix='.tmp',
                delete=False) as file:
            json.dump(data, file, indent=2, ensure_ascii=False)
            file.write('\n')
        os.replace(file.name, target)


GRANTS = os.path.join('360giving', 'grants.json')


def spreadsheet(out):
    """Write the grants of out in 360Giving's spreadsheet layout beside
    them (grants.xlsx: one row per grant with the standard's column titles,
    its recipient, funder and planned dates rolled up into it, and a sheet
    per list), through flattentool; return its path, None without
    grants"""
    from flattentool import flatten

    from . import giving
    source = os.path.join(out, GRANTS)
    if not os.path.exists(source):
        return None
    target = os.path.splitext(source)[0] + '.xlsx'
    with tempfile.TemporaryDirectory(dir=os.path.dirname(source)) as tmp, \
            warnings.catch_warnings():
        # flattentool warns of the lists of the schema without a title,
        # which the grants do not use
        warnings.simplefilter('ignore')
        name = os.path.join(tmp, 'grants.xlsx')
        flatten(source, schema=str(giving.DATA / giving.GRANT_SCHEMA),
            output_name=name, output_format='xlsx', root_list_path='grants',
            main_sheet_name='grants', root_id='', id_name='id',
            use_titles=True, remove_empty_schema_columns=True, rollup=True)
        os.replace(name, target)
    return target


def publish(out, since=None, stdout=sys.stdout, stderr=sys.stderr,
        sheets=False):
    """Write the exports of the current transaction's database under out,
    and the grants' spreadsheet when sheets; return the exit status: 1,
    writing nothing, when an export does not validate, 2 when the
    spreadsheet cannot be written"""
    from trytond.exceptions import UserError
    if sheets:
        try:
            import flattentool  # noqa: F401
        except ImportError:
            print("--spreadsheet needs flattentool: pip install "
                "'trytond_childfirst_commissioning[spreadsheet]'", file=stderr)
            return 2
    try:
        files = exports(since)
    except UserError as error:
        print(error.message, file=stderr)
        return 1
    write(out, files)
    if sheets and spreadsheet(out):
        files[GRANTS.replace('.json', '.xlsx')] = None
    print("%s files written to %s" % (len(files), out), file=stdout)
    return 0


def day(text):
    try:
        return dt.datetime.strptime(text, '%Y-%m-%d').date()
    except ValueError:
        raise argparse.ArgumentTypeError(
            "%r is not a date written YYYY-MM-DD" % text)


def parser():
    result = argparse.ArgumentParser(
        prog='trytond-childfirst-publish',
        description="Write the open data (OCDS 1.1 release and record "
        "packages, the 360Giving data package of the awarded grants) of a "
        "Child First commissioning database.")
    result.add_argument('-c', '--config', dest='config', required=True,
        nargs='+', metavar='FILE',
        help="the trytond configuration files, as trytond reads them")
    result.add_argument('-d', '--database', dest='database', required=True,
        help="the database")
    result.add_argument('--out', required=True,
        help="the folder the files are written to")
    result.add_argument('--since', type=day,
        help="only what changed since this day (YYYY-MM-DD)")
    result.add_argument('--spreadsheet', action='store_true',
        help="also write the grants in 360Giving's spreadsheet layout "
        "(360giving/grants.xlsx), with flattentool")
    return result


def main(argv=None):
    options = parser().parse_args(argv)
    from trytond import config
    config.update_etc(options.config)
    # Imported once the server is configured
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(options.database)
    with Transaction().start(options.database, 0, readonly=True):
        pool.init()
    with Transaction().start(options.database, 0, readonly=True):
        return publish(options.out, options.since,
            sheets=options.spreadsheet)


if __name__ == '__main__':
    sys.exit(main())
