#!/usr/bin/env bash
# End-to-end test of the Python example against a live server:
#
#   examples/python/test_stream.sh
#
# Builds scholia, starts `scholia serve` on a fresh database and a free
# port, adds the sample articles (and a bulk project of larger generated
# ones) with a few annotations through the CLI, then runs stream_corpus.py
# with Debian's Python (python3-grpcio, python3-protobuf; override with
# PYTHON=...):
#
#   a. a full stream: the record count, every span == text[start:end]
#   b. a stream stopped after 1 document and resumed with its token:
#      the two parts together are the full stream
#   c. resumed across a server restart: a token taken, the server killed,
#      the resumed stream started while it is down (it backs off and
#      retries) and the server restarted
#   d. the server killed (SIGKILL) and restarted in the middle of a
#      stream: the generator reconnects by itself and yields exactly the
#      full stream
#   e. the same with a graceful stop (SIGTERM, --grace 2s): the stream
#      ends with UNAVAILABLE, and the generator resumes likewise
#
# Needs Go, a C compiler and: apt-get install -y python3-grpcio python3-protobuf
# Exits non-zero if anything fails; the last line is
# "python example: N passed, M failed".
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
PY=${PYTHON:-/usr/bin/python3}
export PYTHON=$PY

tmp=$(mktemp -d)
export tmp
stream_pid=""
cleanup() {
  local pid
  if [ -n "$stream_pid" ]; then kill "$stream_pid" 2>/dev/null || true; fi
  if [ -f "$tmp/server.pid" ]; then
    pid=$(cat "$tmp/server.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do gone "$pid" && break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
  echo "test_stream.sh: $*" >&2
  if [ -f "$tmp/server.log" ]; then
    echo "--- server log (last lines)" >&2
    tail -n 20 "$tmp/server.log" >&2
  fi
  echo "python example: setup failed" >&2
  exit 1
}

export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the source tree
"$PY" -c 'import grpc, google.protobuf' 2>/dev/null ||
  die "$PY lacks grpc or protobuf: apt-get install -y python3-grpcio python3-protobuf"
# Every generated module imports (their imports of each other resolve).
(cd examples/python && "$PY" -c '
import glob, importlib
for f in sorted(glob.glob("scholia/v1/*_pb2*.py")):
    importlib.import_module(f[:-3].replace("/", "."))
') || die "the stubs in examples/python/scholia/v1 do not import: run examples/python/generate.sh"

echo "== building scholia"
go build -o "$tmp/scholia" ./cmd/scholia || die "go build failed"
export bin=$tmp/scholia

port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export SCHOLIA_SERVER=127.0.0.1:$port
export SCHOLIA_TOKEN_FILE=$tmp/a.db.admin-token
unset SCHOLIA_TOKEN

# The server runs detached from this shell (started in a subshell), so that
# a helper process can kill and restart it too; $tmp/server.pid is the
# current one, which the EXIT trap stops.
gone() { # gone PID: the process has exited (or is a zombie)
  [ ! -e "/proc/$1" ] && ! kill -0 "$1" 2>/dev/null && return 0
  grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}
start_server() {
  ("$bin" serve --db "$tmp/a.db" --listen "$SCHOLIA_SERVER" --grace 2s \
    >>"$tmp/server.log" 2>&1 </dev/null & echo $! >"$tmp/server.pid")
  local pid
  pid=$(cat "$tmp/server.pid")
  for _ in $(seq 150); do
    if [ -f "$SCHOLIA_TOKEN_FILE" ] && "$bin" whoami >/dev/null 2>&1; then
      return 0
    fi
    if gone "$pid"; then
      echo "the server exited:" >&2
      tail -n 20 "$tmp/server.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "the server does not answer after 15s" >&2
  return 1
}
kill_server() { # kill_server [SIGNAL]: KILL (a crash, the default) or TERM (a graceful stop)
  local pid
  pid=$(cat "$tmp/server.pid")
  kill -s "${1:-KILL}" "$pid" 2>/dev/null || true
  for _ in $(seq 100); do gone "$pid" && return 0; sleep 0.1; done
  echo "server $pid does not die" >&2
  return 1
}
restart_server() { kill_server "${1:-KILL}" && start_server; }
export -f gone start_server kill_server restart_server

echo "== starting the server on $SCHOLIA_SERVER"
start_server || die "the server did not start"

echo "== adding articles and annotations"
sch() { "$bin" "$@" >>"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log" >&2; die "scholia $* failed"; }; }
# ann ARGS...: runs an add command and prints the new annotation's id.
ann() {
  local out
  out=$("$bin" -o json "$@" 2>>"$tmp/setup.log") || { cat "$tmp/setup.log" >&2; die "scholia $* failed"; }
  "$PY" -c 'import json, sys; print(json.loads(sys.argv[1])["id"])' "$out"
}
"$bin" user add alice --role annotator >"$tmp/alice.token" 2>>"$tmp/setup.log" || die "user add alice failed"
"$bin" user add ml --role reader >"$tmp/ml.token" 2>>"$tmp/setup.log" || die "user add ml failed"
sch project create news
sch member add news alice
sch doc add news examples/articles/geneva-talks.txt --id talks --source 'Example Wire'
sch doc add news examples/articles/talks-resume.txt --id resume
# A third article whose offsets only come out right in code points: an
# emoji outside the BMP, e + a combining accent, CRLF line ends.
printf 'Zo\xc3\xab Ba\xc3\xafd \xf0\x9f\x98\x80 said\r\nRene\xcc\x81 Dupont met her in Gen\xc3\xa8ve.\r\n' >"$tmp/unicode.txt"
sch doc add news "$tmp/unicode.txt" --id unicode --language fr

export SCHOLIA_TOKEN_FILE=$tmp/alice.token
m1=$(ann mention add news/talks --quote 'Ana Ruiz' --label PER)
m2=$(ann mention add news/talks --quote 'Malik Haddad' --label PER)
m3=$(ann mention add news/talks --quote Geneva --nth 1 --label GPE)
e4=$(ann event add news/talks --trigger met --type Contact.Meet \
  --arg "Entity=$m1" --arg "Entity=$m2" --arg "Place=$m3" --attr realis=ACTUAL)
m5=$(ann mention add news/talks --quote Haddad --nth 2 --label PER)
c6=$(ann claim add news/talks --claimant "$m5" --cue 'told reporters' \
  --quote 'the war has killed more than 150,000 people since 2012' \
  --stance asserts --type quantity --value 150000 --unit 'people killed')
ann mention add news/talks --quote 'José Martín' --label PER >/dev/null
e7=$(ann event add news/resume --trigger resumed --type Contact.Meet)
c8=$(ann claim add news/resume --quote 'the toll at 180,000 people since 2012' \
  --claimant-text monitors --stance asserts --type quantity)
ann cluster add news --kind event --member "$e4" --member "$e7" --title 'Geneva talks' >/dev/null
ann relation add news --type Contradicts --from "$c8" --to "$c6" >/dev/null
ann mention add news/unicode --quote 'Zoë Baïd' --label PER >/dev/null
ann mention add news/unicode --quote 'René Dupont' --label PER >/dev/null
ann mention add news/unicode --quote 'Genève' --label GPE >/dev/null
sch doc done news/talks

# A bulk project of larger documents, so that a stream is still running
# when the server is stopped in tests d and e.
export SCHOLIA_TOKEN_FILE=$tmp/a.db.admin-token
sch project create bulk
mkdir "$tmp/bulk"
"$PY" - "$tmp/bulk" <<'EOF'
import sys
for i in range(120):
    with open("%s/doc-%03d.txt" % (sys.argv[1], i), "w", encoding="utf-8") as f:
        f.write(("Document %d: the talks in Genève went on. 🕊️\n" % i) * 800)
EOF
sch doc add bulk "$tmp"/bulk/*.txt

# From here on, stream as the ML job would: a reader.
export SCHOLIA_TOKEN_FILE=$tmp/ml.token
stream() { timeout 60 "$PY" examples/python/stream_corpus.py "$@"; }

# compare FULL PART...: the parts' messages, concatenated, are the full
# stream's (resume tokens aside), and the document and annotation ids match.
compare() {
  "$PY" - "$@" <<'EOF'
import json, sys

def load(paths):
    msgs = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for line in f:
                m = json.loads(line)
                m.pop("resumeToken", None)
                msgs.append(m)
    return msgs

def ids(msgs):
    return [(m["document"]["id"], [a["id"] for a in m.get("annotations", [])],
             [c["id"] for c in m.get("clusters", [])]) for m in msgs]

full, parts = load(sys.argv[1:2]), load(sys.argv[2:])
if ids(full) != ids(parts):
    sys.exit("ids differ:\n  full:  %s\n  parts: %s" % (ids(full), ids(parts)))
if full != parts:
    sys.exit("the messages differ although their ids match")
EOF
}

passed=0
failed=0
check() {
  local name=$1
  shift
  echo "== $name"
  if "$@"; then
    echo "ok: $name"
    passed=$((passed + 1))
  else
    echo "FAIL: $name" >&2
    failed=$((failed + 1))
  fi
}

# The token a stopped stream printed on stderr.
token_of() { sed -n 's/^resume_token: //p' "$1" | tail -n 1; }

test_full() {
  stream news >"$tmp/summary.txt" 2>"$tmp/summary.err" || { cat "$tmp/summary.err" >&2; return 1; }
  cat "$tmp/summary.txt"
  stream news --jsonl >"$tmp/full.jsonl" 2>"$tmp/full.err" || { cat "$tmp/full.err" >&2; return 1; }
  "$PY" - "$m1" "$e4" "$c6" "$e7" "$c8" <<'EOF' || return 1
import sys
sys.path.insert(0, "examples/python")
import stream_corpus as sc
from scholia.v1 import corpus_service_pb2 as corpus

m1, e4, c6, e7, c8 = map(int, sys.argv[1:])
channel, stub = sc.connect()
with channel:
    records = sc.to_records(sc.stream_corpus(stub, corpus.StreamCorpusRequest(project_id="news")))
def fail(why):
    sys.exit("full stream: " + why)
if [r["document_id"] for r in records] != ["resume", "talks", "unicode"]:
    fail("documents %s, want resume, talks, unicode" % [r["document_id"] for r in records])
spans = 0
for r in records:
    for a in r["annotations"]:
        for start, end, text in a["spans"] + a.get("cue", []):
            assert r["text"][start:end] == text, (r["document_id"], a["id"], start, end, text)
            spans += 1
by_id = {a["id"]: a for r in records for a in r["annotations"]}
kinds = sorted(a["kind"] for a in by_id.values())
want = ["claim"] * 2 + ["event"] * 2 + ["mention"] * 8 + ["relation"]
if kinds != want:
    fail("kinds %s, want %s" % (kinds, want))
ev = by_id[e4]
if ev["label"] != "Contact.Meet" or [a["role"] for a in ev["arguments"]] != ["Entity", "Entity", "Place"] \
        or ev["attributes"] != {"realis": "ACTUAL"} or ev["spans"][0][2] != "met":
    fail("event %d is %s" % (e4, ev))
cl = by_id[c6]
if cl["stance"] != "asserts" or cl["label"] != "quantity" or not cl["claimant_id"] \
        or cl["cue"][0][2] != "told reporters" or cl["normalized"]["value"] != "150000":
    fail("claim %d is %s" % (c6, cl))
if by_id[c8]["claimant_text"] != "monitors":
    fail("claim %d is %s" % (c8, by_id[c8]))
rel = [a for a in by_id.values() if a["kind"] == "relation"]
if len(rel) != 1 or (rel[0]["label"], rel[0]["source_id"], rel[0]["target_id"]) != ("Contradicts", c8, c6):
    fail("relations %s" % rel)
talks = records[1]
clusters = {c["id"]: c for r in records for c in r["clusters"]}
if len(clusters) != 1 or sorted(next(iter(clusters.values()))["member_ids"]) != sorted([e4, e7]):
    fail("clusters %s" % clusters)
if not all(r["clusters"] for r in records[:2]):
    fail("the cross-document cluster must come with both of its documents")
if [(l["annotator"], l["status"]) for l in talks["layers"]] != [("alice", "done")]:
    fail("layers of talks: %s" % talks["layers"])
uni = records[2]
# The file has "Rene" + U+0301 (a combining accent): --quote 'René' found
# it, and the span's text is what the document says, in code points.
names = sorted(a["spans"][0][2] for a in uni["annotations"])
if names != ["Genève", "Rene\u0301 Dupont", "Zoë Baïd"]:
    fail("unicode mentions: %a" % names)
rene = next(a for a in uni["annotations"] if a["spans"][0][2].startswith("Rene"))
start, end, _ = rene["spans"][0]
if (start, end) != (uni["text"].index("Rene"), uni["text"].index("Rene") + 12):
    fail("René Dupont at %d:%d" % (start, end))
print("3 records, %d annotations, %d spans == text[start:end]" % (len(by_id), spans))
EOF
  [ "$(wc -l <"$tmp/full.jsonl")" -eq 3 ] || { echo "full.jsonl has $(wc -l <"$tmp/full.jsonl") lines, want 3" >&2; return 1; }
}

test_resume() {
  stream news --jsonl --stop-after 1 >"$tmp/part1.jsonl" 2>"$tmp/part1.err" || { cat "$tmp/part1.err" >&2; return 1; }
  local t
  t=$(token_of "$tmp/part1.err")
  [ -n "$t" ] || { echo "no resume_token printed:" >&2; cat "$tmp/part1.err" >&2; return 1; }
  [ "$(wc -l <"$tmp/part1.jsonl")" -eq 1 ] || { echo "part 1 has $(wc -l <"$tmp/part1.jsonl") documents, want 1" >&2; return 1; }
  stream news --jsonl --resume-token "$t" >"$tmp/part2.jsonl" 2>"$tmp/part2.err" || { cat "$tmp/part2.err" >&2; return 1; }
  compare "$tmp/full.jsonl" "$tmp/part1.jsonl" "$tmp/part2.jsonl" || return 1
  # A token with other filters is refused, with the reason.
  if stream news --jsonl --gold --resume-token "$t" >/dev/null 2>"$tmp/bad.err"; then
    echo "a token with other filters was accepted" >&2
    return 1
  fi
  grep -q 'INVALID_ARGUMENT' "$tmp/bad.err" || { cat "$tmp/bad.err" >&2; return 1; }
  echo "1 + $(wc -l <"$tmp/part2.jsonl") documents == the full stream; $(head -n 1 "$tmp/bad.err")"
}

test_restart() {
  stream news --jsonl --stop-after 2 >"$tmp/r1.jsonl" 2>"$tmp/r1.err" || { cat "$tmp/r1.err" >&2; return 1; }
  local t
  t=$(token_of "$tmp/r1.err")
  [ -n "$t" ] || { cat "$tmp/r1.err" >&2; return 1; }
  kill_server || return 1
  # Resume while the server is down: UNAVAILABLE, backoff, retry ...
  stream news --jsonl --resume-token "$t" >"$tmp/r2.jsonl" 2>"$tmp/r2.err" &
  stream_pid=$!
  # ... and restart the server once the stream has been refused.
  for _ in $(seq 200); do
    grep -q reconnecting "$tmp/r2.err" 2>/dev/null && break
    sleep 0.1
  done
  start_server || return 1
  local rc=0
  wait "$stream_pid" || rc=$?
  stream_pid=""
  [ "$rc" -eq 0 ] || { echo "the resumed stream failed ($rc):" >&2; cat "$tmp/r2.err" >&2; return 1; }
  grep -q 'reconnecting' "$tmp/r2.err" || { echo "the stream did not have to reconnect: the test proves nothing" >&2; return 1; }
  compare "$tmp/full.jsonl" "$tmp/r1.jsonl" "$tmp/r2.jsonl" || return 1
  echo "2 documents, server killed and restarted, $(wc -l <"$tmp/r2.jsonl") more after $(grep -c reconnecting "$tmp/r2.err") reconnect(s)"
}

test_mid_stream() { # test_mid_stream SIGNAL
  timeout 60 "$PY" - "$1" <<'EOF'
import logging, subprocess, sys
sys.path.insert(0, "examples/python")
import stream_corpus as sc
from scholia.v1 import corpus_service_pb2 as corpus

retries, got = [], []
class Count(logging.Handler):
    def emit(self, record):
        retries.append("after %d documents: %s" % (len(got), record.getMessage()))
logging.getLogger("scholia.stream_corpus").addHandler(Count())

def key(msg):
    m = corpus.StreamCorpusResponse()
    m.CopyFrom(msg)
    m.ClearField("resume_token")
    return m.SerializeToString(deterministic=True)

# No BDP probing: the client's flow-control window stays small, so the
# server cannot have sent the whole corpus before it is killed.
channel, stub = sc.connect(options=[("grpc.http2.bdp_probe", 0)])
with channel:
    full = [key(m) for m in sc.stream_corpus(stub, corpus.StreamCorpusRequest(project_id="bulk"))]
    req = corpus.StreamCorpusRequest(project_id="bulk")
    for i, msg in enumerate(sc.stream_corpus(stub, req, initial_backoff=0.1)):
        got.append(key(msg))
        if i == 0:
            subprocess.run(["bash", "-c", "restart_server " + sys.argv[1]], check=True)
if len(full) != 120:
    sys.exit("the bulk project streamed %d documents, want 120" % len(full))
if not retries:
    sys.exit("the stream did not notice the restart: the test proves nothing")
if got != full:
    sys.exit("after the restart: %d documents, want %d; %d differ" % (
        len(got), len(full), sum(a != b for a, b in zip(got, full))))
print("%d documents, server stopped with SIG%s after the first, %d reconnect(s), the first %s" % (
    len(got), sys.argv[1], len(retries), retries[0]))
EOF
}

check "a. full stream: records and spans" test_full
check "b. stop after 1 document, resume with the token" test_resume
check "c. resume across a server restart" test_restart
check "d. reconnect in the middle of a stream after a crash" test_mid_stream KILL
check "e. reconnect in the middle of a stream after a graceful stop" test_mid_stream TERM

echo "python example: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
