package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb"
)

// ScriptSink receives a script's results in line order, each only after the
// configuration changes of that line are durable.
type ScriptSink interface {
	// Output is what a line printed.
	Output(lineNo int, text string) error
	// Failed reports a line that failed; text is the full IOS error
	// rendering, with "line N: " before the message.
	Failed(lineNo int, text string) error
	// Committed is called after each line that changed the configuration,
	// once the change is on disk.
	Committed(lineNo int, rev uint64) error
}

// scriptInput feeds a running script's own lines to questions the session
// asks (banner text, passwords), so they consume script lines as on IOS.
type scriptInput struct {
	r    *bufio.Reader
	line *int
}

func (in *scriptInput) ReadLine(string) (string, error) {
	l, tooLong, err := readLine(in.r)
	if err != nil && l == "" {
		return "", err
	}
	*in.line++
	if tooLong {
		return "", errLineTooLong
	}
	return l, nil
}

func (in *scriptInput) ReadPassword(p string) (string, error) { return in.ReadLine(p) }

// readLine reads one line of at most MaxLineLength bytes; a longer line is
// consumed whole and reported as tooLong.
func readLine(r *bufio.Reader) (line string, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if len(buf)+len(chunk) <= MaxLineLength {
			buf = append(buf, chunk...)
		} else {
			tooLong = true
		}
		if err != nil {
			return string(buf), tooLong, err
		}
		if !isPrefix {
			return strings.TrimSuffix(string(buf), "\r"), tooLong, nil
		}
	}
}

// scriptResult is one executed line waiting to be reported.
type scriptResult struct {
	lineNo  int
	out     string
	failure string
	pending *configdb.Pending
}

// RunScript executes every line of r in s (which should be in privileged
// exec mode) and reports to sink. Reporting runs behind execution: a line's
// result is released when its change is durable, so configuration is applied
// at the rate of group commits, not of fsyncs. It returns the number of
// failed lines.
func RunScript(s *Session, r io.Reader, sink ScriptSink) (int, error) {
	br := bufio.NewReaderSize(r, 64*1024)
	lineNo := 0
	s.in = &scriptInput{r: br, line: &lineNo}
	results := make(chan scriptResult, 4096)
	reportErr := make(chan error, 1)
	go func() { reportErr <- report(results, sink) }()
	failed := 0
	var out bytes.Buffer
	s.out = &out
	for !s.closed {
		line, tooLong, err := readLine(br)
		if err != nil && line == "" && !tooLong {
			if errors.Is(err, io.EOF) {
				break
			}
			close(results)
			<-reportErr
			return failed, err
		}
		lineNo++
		start := lineNo
		var res Result
		if tooLong {
			res = Result{Err: errLineTooLong, Caret: -1}
		} else {
			res = s.Execute(line)
		}
		sr := scriptResult{lineNo: start, out: out.String(), pending: res.Pending}
		out.Reset()
		if res.Err != nil {
			failed++
			sr.failure = scriptFailure(start, line, res)
		}
		results <- sr
		if err != nil {
			break
		}
	}
	close(results)
	return failed, <-reportErr
}

// scriptFailure renders a failed script line: for invalid input, the line
// and the caret under it, then "line N: <IOS error>".
func scriptFailure(n int, line string, res Result) string {
	text := ErrorText(res, 0)
	prefix := fmt.Sprintf("line %d: ", n)
	if res.Caret >= 0 {
		caret, msg, _ := strings.Cut(text, "\n")
		return line + "\n" + caret + "\n" + prefix + msg
	}
	return prefix + text
}

func report(results <-chan scriptResult, sink ScriptSink) error {
	var first error
	for r := range results {
		if first != nil {
			continue // drain so the runner never blocks
		}
		if r.pending != nil {
			if err := r.pending.Wait(); err != nil {
				first = fmt.Errorf("cli: line %d: configuration not saved: %w", r.lineNo, err)
				sink.Failed(r.lineNo, fmt.Sprintf("line %d: %% Configuration not saved: %v\n", r.lineNo, err))
				continue
			}
		}
		if r.out != "" {
			first = sink.Output(r.lineNo, r.out)
		}
		if first == nil && r.failure != "" {
			first = sink.Failed(r.lineNo, r.failure)
		}
		if first == nil && r.pending != nil {
			first = sink.Committed(r.lineNo, r.pending.Rev)
		}
	}
	return first
}

// WriterSink writes a script's output and errors to one writer, as a
// session's transcript without prompts.
type WriterSink struct {
	W       io.Writer
	Verbose bool // also print "line N: committed (revision R)"
}

func (w WriterSink) Output(_ int, text string) error { _, err := io.WriteString(w.W, text); return err }
func (w WriterSink) Failed(_ int, text string) error { _, err := io.WriteString(w.W, text); return err }
func (w WriterSink) Committed(n int, rev uint64) error {
	if !w.Verbose {
		return nil
	}
	_, err := fmt.Fprintf(w.W, "line %d: committed (revision %d)\n", n, rev)
	return err
}
