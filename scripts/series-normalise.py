#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Normalise a fresh `git format-patch --cover-letter` series for patches/.

    series-normalise.py OUTDIR DATE [OLDCOVER]

Every patch's Date: header becomes DATE. The cover letter's From:, its
subject (after the [PATCH 00/NN] prefix), any other header it had and its
blurb (the text between the headers and the shortlog) are taken from
OLDCOVER, the previous patches/0000-cover-letter.patch, in place of git's
*** SUBJECT HERE *** and *** BLURB HERE ***; the shortlog and diffstat stay
the fresh ones. Without OLDCOVER the placeholders stay (a warning says so).
"""
import os
import re
import sys

COVER = '0000-cover-letter.patch'


def split_headers(text):
    """(header blocks, body): a block is a header line and its continuations."""
    head, sep, body = text.partition('\n\n')
    if not sep:
        sys.exit('error: no header/body separator in a patch')
    blocks = []
    for line in head.split('\n'):
        if line[:1] in (' ', '\t') and blocks:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks, body


def name(block):
    m = re.match(r'([A-Za-z0-9-]+):', block[0])
    return m.group(1).lower() if m else None


def join(blocks, body):
    return '\n'.join('\n'.join(b) for b in blocks) + '\n\n' + body


def set_date(blocks, date):
    for i, b in enumerate(blocks):
        if name(b) == 'date':
            blocks[i] = ['Date: ' + date]


def blurb_of(body):
    """The old cover letter's blurb: what precedes the shortlog."""
    lines = body.split('\n')
    summary = [i for i, l in enumerate(lines)
               if re.match(r'^ \d+ files? changed', l)]
    if not summary:
        print('warning: no shortlog and diffstat in the old cover letter: '
              'all its text is taken as the blurb', file=sys.stderr)
        return re.sub(r'\n-- \n.*', '', body, flags=re.S).strip('\n')
    i = summary[-1] - 1
    while i >= 0 and re.match(r'^ \S.*\|', lines[i]):   # diffstat lines
        i -= 1
    start = None
    # The shortlog: "Author (N):" lines, indented subjects, blank lines.
    while i >= 0 and (lines[i] == '' or lines[i].startswith('  ') or
                      re.match(r'^\S.* \(\d+\):$', lines[i])):
        if re.match(r'^\S.* \(\d+\):$', lines[i]):
            start = i
        i -= 1
    if start is None:
        print('warning: no shortlog in the old cover letter: the text before '
              'its diffstat is taken as the blurb', file=sys.stderr)
        start = i + 1
    return '\n'.join(lines[:start]).strip('\n')


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    out, date = sys.argv[1], sys.argv[2]
    old = sys.argv[3] if len(sys.argv) == 4 else None
    for f in sorted(os.listdir(out)):
        if not f.endswith('.patch'):
            continue
        p = os.path.join(out, f)
        with open(p, encoding='utf-8', newline='') as fh:
            blocks, body = split_headers(fh.read())
        set_date(blocks, date)
        if f == COVER:
            if old and os.path.exists(old):
                with open(old, encoding='utf-8', newline='') as fh:
                    oblocks, obody = split_headers(fh.read())
                names = [name(b) for b in blocks]
                for ob in oblocks:
                    n = name(ob)
                    if n == 'from':
                        blocks[names.index('from')] = ob
                    elif n == 'subject':
                        i = names.index('subject')
                        prefix = re.match(r'Subject: \[[^]]*\] ?', blocks[i][0]).group(0)
                        first = re.sub(r'^Subject: (\[[^]]*\] ?)?', prefix, ob[0])
                        blocks[i] = [first] + ob[1:]
                    elif n and n != 'date' and n not in names:
                        blocks.append(ob)
                if '*** BLURB HERE ***' not in body:
                    sys.exit('error: no *** BLURB HERE *** in the fresh cover letter')
                body = body.replace('*** BLURB HERE ***', blurb_of(obody), 1)
            else:
                print('warning: no previous cover letter: edit the subject and blurb '
                      'of patches/' + COVER + ' (make export keeps them)', file=sys.stderr)
        with open(p, 'w', encoding='utf-8', newline='') as fh:
            fh.write(join(blocks, body))


if __name__ == '__main__':
    main()
