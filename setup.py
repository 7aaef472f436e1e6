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
    python_requires='>=3.9',
    package_dir={'trytond.modules.%s' % MODULE: MODULE_DIR},
    packages=[
        'trytond.modules.%s' % MODULE,
        'trytond.modules.%s.tests' % MODULE,
        ],
    package_data={
        'trytond.modules.%s' % MODULE: [
            'tryton.cfg', 'view/*.xml', '*.xml', 'locale/*.po', 'data/*'],
        'trytond.modules.%s.tests' % MODULE: ['*.rst'],
        },
    install_requires=[
        'trytond>=8.0,<8.1',
        'trytond_company>=8.0,<8.1',
        'trytond_party>=8.0,<8.1',
        'trytond_currency>=8.0,<8.1',
        'proteus>=8.0,<8.1',
        'reportlab>=4.0',
        'python-sql>=1.5',
        ],
    extras_require={
        'PostgreSQL': [
            'trytond[PostgreSQL]>=8.0,<8.1', 'psycopg[binary,pool]>=3.2'],
        'test': ['pytest>=8', 'hypothesis>=6'],
        },
    zip_safe=False,
    entry_points={
        'trytond.modules': [
            '%s = trytond.modules.%s' % (MODULE, MODULE),
            ],
        },
    )
