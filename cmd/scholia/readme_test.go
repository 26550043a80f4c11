package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestReadmeSession runs the session of the README's "A first session"
// section, command for command, against a real server, so that the README
// stays true. A command whose comment says "refused" must fail; a comment
// naming an annotation ("# event 4") must match what the command created.
func TestReadmeSession(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	script, err := readmeScript(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "readme.txtar"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	articles, err := filepath.Abs("../../examples/articles")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: dir,
		Setup: func(env *testscript.Env) error {
			port, err := freePort()
			if err != nil {
				return err
			}
			env.Setenv("SCHOLIA_SERVER", fmt.Sprintf("127.0.0.1:%d", port))
			return os.CopyFS(filepath.Join(env.WorkDir, "examples", "articles"), os.DirFS(articles))
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"waitserver": waitServer},
	})
}

var createdComment = regexp.MustCompile(`^(mention|event|claim|relation|cluster) (\d+)$`)

// readmeScript turns the README's session into a test script.
func readmeScript(readme string) (string, error) {
	_, section, ok := strings.Cut(readme, "## A first session")
	if !ok {
		return "", fmt.Errorf("the README has no section \"A first session\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var lines []string
	inBlock := false
	for _, l := range strings.Split(section, "\n") {
		switch {
		case strings.HasPrefix(l, "```sh"):
			inBlock = true
		case strings.HasPrefix(l, "```"):
			inBlock = false
		case inBlock:
			lines = append(lines, l)
		}
	}
	// Join continuation lines.
	var cmds []string
	cur := ""
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if before, found := strings.CutSuffix(l, "\\"); found {
			cur += before + " "
			continue
		}
		if l != "" || cur != "" {
			cmds = append(cmds, cur+l)
		}
		cur = ""
	}
	var b strings.Builder
	b.WriteString("exec scholia serve --listen $SCHOLIA_SERVER &server&\nwaitserver\n")
	n := 0
	for _, c := range cmds {
		cmd, comment, _ := strings.Cut(c, "#")
		cmd, comment = strings.TrimSpace(cmd), strings.TrimSpace(comment)
		switch {
		case cmd == "":
			continue
		case strings.HasPrefix(cmd, "go build"):
			continue
		case strings.HasPrefix(cmd, "export "):
			fmt.Fprintf(&b, "env %s\n", strings.TrimPrefix(cmd, "export "))
			continue
		case !strings.HasPrefix(cmd, "./scholia "):
			return "", fmt.Errorf("README command %q is neither ./scholia, export nor go build", cmd)
		}
		n++
		cmd = strings.TrimPrefix(cmd, "./")
		out := ""
		if before, after, found := strings.Cut(cmd, " > "); found {
			cmd, out = before, strings.TrimSpace(after)
		}
		if strings.HasPrefix(comment, "refused") {
			fmt.Fprintf(&b, "! exec %s\n", cmd)
			continue
		}
		fmt.Fprintf(&b, "exec %s\n", cmd)
		if out != "" {
			fmt.Fprintf(&b, "cp stdout %s\n", out)
		}
		if m := createdComment.FindStringSubmatch(comment); m != nil {
			fmt.Fprintf(&b, "stdout '^created %s %s '\n", m[1], m[2])
		}
	}
	if n < 10 {
		return "", fmt.Errorf("found only %d scholia commands in the README session", n)
	}
	b.WriteString("kill -INT server\nwait server\n")
	return b.String(), nil
}
