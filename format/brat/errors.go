package brat

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// ParseError is a problem with one line of an input file. Readers return it
// so that a person can open the file at the line and see what is wrong, and
// a program can get at the position with errors.As.
type ParseError struct {
	File string // the file's name as given in the options
	Line int    // 1-based line number; 0 when the problem is not at one line
	Msg  string // what is wrong
}

// Error returns "file:line: message", the form editors and compilers use.
func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// lineReader reads lines of any length, without the "\n" or "\r\n" that ends
// them, and counts them. bufio.Scanner stops at a maximum token size; a
// brat note or a T line over a whole paragraph can be longer than any fixed
// limit, so a line that does not fit the buffer is assembled piecewise.
// Lines are copied into strings a block of about 32 KiB at a time, not one
// by one, so that parsing does not allocate per line; the strings of a
// block share its memory.
type lineReader struct {
	br    *bufio.Reader
	buf   []byte
	block string // complete lines not yet returned
	pos   int
	eof   bool
	err   error
	n     int // number of the line last returned
}

const blockSize = 32 << 10

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// fill reads whole lines into a new block.
func (l *lineReader) fill() {
	l.buf = l.buf[:0]
	midLine := false
	for (len(l.buf) < blockSize || midLine) && !l.eof {
		line, err := l.br.ReadSlice('\n')
		l.buf = append(l.buf, line...)
		midLine = err == bufio.ErrBufferFull
		switch err {
		case nil, bufio.ErrBufferFull:
		case io.EOF:
			l.eof = true
		default:
			l.err, l.eof = err, true
		}
	}
	l.block, l.pos = string(l.buf), 0
	if cap(l.buf) > 4*blockSize {
		l.buf = nil // do not keep the memory of one huge line
	}
}

// next returns the next line, false at the end of input, or the read error.
func (l *lineReader) next() (string, bool, error) {
	if l.pos >= len(l.block) {
		if l.eof {
			return "", false, l.err
		}
		l.fill()
		if len(l.block) == 0 {
			return "", false, l.err
		}
	}
	rest := l.block[l.pos:]
	line := rest
	if i := strings.IndexByte(rest, '\n'); i >= 0 {
		line = rest[:i]
		l.pos += i + 1
	} else {
		l.pos = len(l.block)
	}
	l.n++
	line = strings.TrimSuffix(line, "\r")
	return line, true, nil
}
