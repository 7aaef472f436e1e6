# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"The demo users' passwords and the file they are written to"
import os
import secrets

from .users import USERS

USERS_HEADER = "# Child First commissioning demo users of database \"%s\""


def new_password():
    """Return a random password that passes Tryton's password rules and
    reads unambiguously"""
    alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
    while True:
        password = ''.join(secrets.choice(alphabet) for _ in range(14))
        if len(set(password)) == len(password):
            return password


def read_passwords(path, database):
    "Return the passwords written for database by an earlier run"
    passwords = {}
    try:
        with open(path) as f:
            header = f.readline()
            if USERS_HEADER % database != header.rstrip('\n'):
                return passwords
            for line in f:
                if line.startswith('#') or not line.strip():
                    continue
                login, password = line.split()[:2]
                passwords[login] = password
    except FileNotFoundError:
        pass
    return passwords


def format_users(passwords):
    lines = ["%-10s %-16s %s" % ("login", "password", "role")]
    for login, _, _, role in USERS:
        lines.append("%-10s %-16s %s" % (login, passwords[login], role))
    return lines


def write_passwords(path, database, passwords):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(USERS_HEADER % database + "\n# ")
        lines = format_users(passwords)
        f.write(lines[0] + "\n")
        for line in lines[1:]:
            f.write(line + "\n")
