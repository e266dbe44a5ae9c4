# SPDX-License-Identifier: GPL-2.0-or-later
"""Reader for QAPI schema files.

A schema file is a sequence of top-level expressions written in a JSON
dialect: strings in single quotes, '#' comments, no numbers.  A comment
block that starts and ends with a line "##" is a doc block; the doc block
right before a definition documents it.
"""

import os


class QAPIError(Exception):
    def __init__(self, fname, line, msg):
        super().__init__('%s:%d: %s' % (fname, line, msg))


class Expr:
    """One top-level expression with where it came from and its doc."""

    def __init__(self, data, fname, line, doc):
        self.data = data
        self.fname = fname
        self.line = line
        self.doc = doc          # list of doc lines (without '# '), or None

    def error(self, msg):
        return QAPIError(self.fname, self.line, msg)


class _Reader:
    def __init__(self, fname):
        self.fname = fname
        with open(fname, encoding='utf-8') as f:
            self.src = f.read()
        self.pos = 0
        self.line = 1
        self.pending_doc = None

    def error(self, msg):
        return QAPIError(self.fname, self.line, msg)

    def _skip_space(self):
        """Skip blanks and comments; remember the last doc block."""
        src = self.src
        while self.pos < len(src):
            c = src[self.pos]
            if c == '\n':
                self.line += 1
                self.pos += 1
            elif c in ' \t\r':
                self.pos += 1
            elif c == '#':
                end = src.find('\n', self.pos)
                if end < 0:
                    end = len(src)
                text = src[self.pos:end]
                if text.rstrip() == '##' and self._at_line_start():
                    self._read_doc()
                else:
                    self.pos = end
            else:
                return

    def _at_line_start(self):
        start = self.src.rfind('\n', 0, self.pos) + 1
        return self.src[start:self.pos].strip() == ''

    def _read_doc(self):
        """Read a "##" ... "##" block starting at self.pos."""
        lines = []
        src = self.src
        self.pos = src.find('\n', self.pos)
        start_line = self.line
        while True:
            if self.pos < 0 or self.pos >= len(src):
                raise QAPIError(self.fname, start_line,
                                'unterminated doc block')
            self.pos += 1
            self.line += 1
            end = src.find('\n', self.pos)
            if end < 0:
                end = len(src)
            text = src[self.pos:end].strip()
            if not text.startswith('#'):
                raise self.error("doc block line must start with '#'")
            if text.rstrip() == '##':
                self.pos = end
                break
            lines.append(text[2:] if text.startswith('# ') else text[1:])
            self.pos = end
        self.pending_doc = lines

    def _value(self):
        self._skip_space()
        if self.pos >= len(self.src):
            raise self.error('unexpected end of file')
        c = self.src[self.pos]
        if c == '{':
            self.pos += 1
            obj = {}
            self._skip_space()
            if self.src.startswith('}', self.pos):
                self.pos += 1
                return obj
            while True:
                self._skip_space()
                if not self.src.startswith("'", self.pos):
                    raise self.error('expected string key')
                key = self._string()
                if key in obj:
                    raise self.error("duplicate key '%s'" % key)
                self._expect(':')
                obj[key] = self._value()
                self._skip_space()
                if self.src.startswith(',', self.pos):
                    self.pos += 1
                    continue
                self._expect('}')
                return obj
        if c == '[':
            self.pos += 1
            arr = []
            self._skip_space()
            if self.src.startswith(']', self.pos):
                self.pos += 1
                return arr
            while True:
                arr.append(self._value())
                self._skip_space()
                if self.src.startswith(',', self.pos):
                    self.pos += 1
                    continue
                self._expect(']')
                return arr
        if c == "'":
            return self._string()
        for word, val in (('true', True), ('false', False)):
            if self.src.startswith(word, self.pos):
                self.pos += len(word)
                return val
        raise self.error("stray '%s'" % c)

    def _expect(self, ch):
        self._skip_space()
        if not self.src.startswith(ch, self.pos):
            raise self.error("expected '%s'" % ch)
        self.pos += 1

    def _string(self):
        assert self.src[self.pos] == "'"
        self.pos += 1
        out = []
        while True:
            if self.pos >= len(self.src):
                raise self.error('unterminated string')
            c = self.src[self.pos]
            self.pos += 1
            if c == "'":
                return ''.join(out)
            if c == '\n':
                raise self.error('newline in string')
            if c == '\\':
                if self.pos >= len(self.src):
                    raise self.error('unterminated string')
                c = self.src[self.pos]
                self.pos += 1
                if c not in "\\'\"/":
                    raise self.error("unsupported escape '\\%s'" % c)
            out.append(c)

    def exprs(self):
        while True:
            self.pending_doc = None
            self._skip_space()
            if self.pos >= len(self.src):
                return
            doc = self.pending_doc
            line = self.line
            data = self._value()
            if not isinstance(data, dict):
                raise QAPIError(self.fname, line,
                                'top-level expression must be an object')
            yield Expr(data, self.fname, line, doc)


def parse_schema(fname, seen=None):
    """Return the list of Expr of @fname with includes expanded."""
    if seen is None:
        seen = set()
    fname = os.path.normpath(fname)
    if fname in seen:
        return []
    seen.add(fname)
    out = []
    for expr in _Reader(fname).exprs():
        if 'include' in expr.data:
            inc = expr.data['include']
            if len(expr.data) != 1 or not isinstance(inc, str):
                raise expr.error("bad 'include'")
            path = os.path.join(os.path.dirname(fname), inc)
            if not os.path.exists(path):
                raise expr.error("cannot include '%s'" % inc)
            out.extend(parse_schema(path, seen))
        else:
            out.append(expr)
    return out


def all_files(fname, seen=None):
    """Every schema file @fname includes, for build dependencies."""
    return sorted({e for e in _files(fname, set())})


def _files(fname, seen):
    fname = os.path.normpath(fname)
    if fname in seen:
        return seen
    seen.add(fname)
    for expr in _Reader(fname).exprs():
        if 'include' in expr.data:
            _files(os.path.join(os.path.dirname(fname),
                                expr.data['include']), seen)
    return seen
