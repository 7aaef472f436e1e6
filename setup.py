#!/usr/bin/env python3
# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
import configparser
import io
import os

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE = 'childfirst_commissioning'
MODULE_DIR = os.path.join('modules', MODULE)


def read(fname):
    with io.open(os.path.join(HERE, fname), 'r', encoding='utf-8') as f:
        return f.read()


config = configparser.ConfigParser()
config.read_file(open(os.path.join(HERE, MODULE_DIR, 'tryton.cfg')))
info = dict(config.items('tryton'))
version = info.get('version', '0.0.1')

setup(
    name='trytond_childfirst_commissioning',
    version=version,
    description="Child First commissioning of services for children",
    long_description=read('README.md'),
    long_description_content_type='text/markdown',
    license='GPL-3.0-or-later',
    python_requires='>=3.10',
    classifiers=[
        'Development Status :: 4 - Beta',
        'Environment :: Plugins',
        'Framework :: Tryton',
        'Intended Audience :: Developers',
        'Intended Audience :: Legal Industry',
        'License :: OSI Approved :: '
        'GNU General Public License v3 or later (GPLv3+)',
        'Natural Language :: English',
        'Operating System :: OS Independent',
        'Programming Language :: Python :: 3',
        'Programming Language :: Python :: 3.10',
        'Programming Language :: Python :: 3.11',
        'Programming Language :: Python :: 3.12',
        'Programming Language :: Python :: 3.13',
        'Topic :: Office/Business',
        ],
    package_dir={'trytond.modules.%s' % MODULE: MODULE_DIR},
    packages=[
        'trytond.modules.%s' % MODULE,
        'trytond.modules.%s.tests' % MODULE,
        ],
    # The doc/ of the repository goes into the sdist (MANIFEST.in), as in
    # Tryton's own packages; the module needs these files at run time.
    package_data={
        'trytond.modules.%s' % MODULE: [
            'tryton.cfg', '*.xml', 'view/*.xml', 'icons/*.svg',
            'locale/*.po', 'locale/*.pot', 'data/*',
            # The OCDS schemas and extensions the exports are validated
            # against, with their licences
            'data/*/*', 'data/*/*/*/*'],
        'trytond.modules.%s.tests' % MODULE: ['*.rst'],
        },
    install_requires=[
        'trytond>=8.0,<8.1',
        'trytond_company>=8.0,<8.1',
        'trytond_party>=8.0,<8.1',
        'trytond_currency>=8.0,<8.1',
        'python-dateutil',
        'python-sql>=1.5',
        'reportlab>=4.0',
        # The validation of the open data exports (OCDS, 360Giving)
        'jsonschema>=4.18',
        ],
    extras_require={
        'PostgreSQL': [
            'trytond[PostgreSQL]>=8.0,<8.1', 'psycopg[binary,pool]>=3.2'],
        # The demo database and the benchmark are proteus scripts
        'demo': ['proteus>=8.0,<8.1'],
        # The multi-process web server of deploy/ (doc/deployment.rst)
        'deploy': ['gunicorn>=22'],
        # The 360Giving spreadsheet layout of the publishing command
        # (--spreadsheet)
        'spreadsheet': ['flattentool>=0.24'],
        # Everything the tests import: the module tests and scenarios
        # (proteus, hypothesis, pypdf, pypdfium2 to render the pages of the
        # reports), the system tests (selenium and
        # gunicorn; psycopg comes with the PostgreSQL extra) and
        # tests/test_package.py (docutils), the SMTP server the
        # notification tests receive e-mails on (aiosmtpd)
        'test': [
            'proteus>=8.0,<8.1',
            'pytest>=8',
            'hypothesis>=6',
            'pypdf>=4',
            'pypdfium2>=4',
            # The 360Giving tests check the exports with jsonschema's own
            # date-time format
            'rfc3339-validator',
            'selenium>=4.10',
            'gunicorn>=22',
            'docutils',
            'aiosmtpd',
            # The publishing command's 360Giving spreadsheet
            'flattentool>=0.24',
            ],
        },
    zip_safe=False,
    entry_points={
        'trytond.modules': [
            '%s = trytond.modules.%s' % (MODULE, MODULE),
            ],
        'console_scripts': [
            'trytond-childfirst-publish = '
            'trytond.modules.%s.publish:main' % MODULE,
            ],
        },
    )
