#!/usr/bin/env python3
"""Stream a scholia corpus into Python: a small library and a command.

scholia's CorpusService.StreamCorpus sends one message per document, in
document id order, with the selected layers' annotations as of one revision
(a consistent snapshot). Every message carries a resume token; a stream
restarted with it continues the same snapshot right after that document.
This module wraps that for ML jobs:

    import stream_corpus as sc
    from scholia.v1 import corpus_service_pb2 as corpus

    channel, stub = sc.connect()              # SCHOLIA_SERVER, SCHOLIA_TOKEN(_FILE)
    request = corpus.StreamCorpusRequest(project_id="news", annotators=["gold"])
    records = sc.to_records(sc.stream_corpus(stub, request))
    for rec in records:
        for ann in rec["annotations"]:
            for start, end, text in ann["spans"]:
                assert rec["text"][start:end] == text

- connect() opens a channel that sends "authorization: Bearer <token>" on
  every call.
- stream_corpus() yields the StreamCorpusResponse messages and survives a
  server restart or a dropped connection: on UNAVAILABLE it reconnects with
  exponential backoff and resumes from the last resume token it yielded, so
  no document comes twice and none is missing. Pass resume_token= to
  continue a stream that an earlier process started (the request's other
  fields must be the same as then).
- to_records() / response_to_record() turn messages into plain dicts
  (JSON-serialisable), and check that every span's text is text[start:end]:
  offsets are Unicode code points, which is what Python's str indexes.

As a command (run it with Debian's /usr/bin/python3, which sees the
python3-grpcio and python3-protobuf packages):

    stream_corpus.py news                         # a summary of the corpus
    stream_corpus.py news --gold --jsonl > gold.jsonl
    stream_corpus.py news --stop-after 100        # prints resume_token: T on stderr
    stream_corpus.py news --resume-token T        # ... and continues after it

--jsonl writes each message in the protobuf JSON mapping (camelCase names,
int64 as strings), as `scholia -o json` does. Only the standard library,
grpc and protobuf are used. The stubs in scholia/v1/ are generated from
proto/scholia/v1 by generate.sh.
"""

import argparse
import collections
import json
import logging
import os
import random
import sys
import time

# The generated stubs import each other as `scholia.v1.*`: make this
# directory importable wherever the script is run from.
_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import grpc  # noqa: E402  (Debian: python3-grpcio)
from google.protobuf import any_pb2, json_format  # noqa: E402  (Debian: python3-protobuf)

from scholia.v1 import corpus_service_pb2  # noqa: E402
from scholia.v1 import corpus_service_pb2_grpc  # noqa: E402
from scholia.v1 import resources_pb2  # noqa: E402

DEFAULT_SERVER = "127.0.0.1:7557"
"""Where `scholia serve` listens unless told otherwise."""

RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE})
"""Status codes after which stream_corpus reconnects and resumes.

UNAVAILABLE is what a client sees when the server restarts, stops (scholia
ends open streams with it on shutdown) or the connection drops. Everything
else (a bad request, a revoked token, an expired snapshot) is raised.
"""

log = logging.getLogger("scholia.stream_corpus")


# ---------------------------------------------------------------------------
# Connecting


def read_token(token=None, token_file=None):
    """Returns the bearer token: token, else SCHOLIA_TOKEN, else the contents
    of token_file or SCHOLIA_TOKEN_FILE (stripped). Raises ValueError if none
    is set."""
    token = token or os.environ.get("SCHOLIA_TOKEN", "")
    if not token:
        token_file = token_file or os.environ.get("SCHOLIA_TOKEN_FILE", "")
        if token_file:
            with open(token_file, encoding="utf-8") as f:
                token = f.read().strip()
    if not token:
        raise ValueError(
            "no token: set SCHOLIA_TOKEN or SCHOLIA_TOKEN_FILE "
            "(the first admin token is in <db>.admin-token beside the database)")
    return token


class _CallDetails(
        collections.namedtuple(
            "_CallDetails",
            ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression")),
        grpc.ClientCallDetails):
    pass


class BearerAuth(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
                 grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """A client interceptor that adds "authorization: Bearer <token>" to
    every call. It works on plaintext channels too, where gRPC's own call
    credentials are refused."""

    def __init__(self, token):
        self._header = ("authorization", "Bearer " + token)

    def _with_token(self, details):
        metadata = list(details.metadata or []) + [self._header]
        return _CallDetails(details.method, details.timeout, metadata, details.credentials,
                            getattr(details, "wait_for_ready", None),
                            getattr(details, "compression", None))

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._with_token(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._with_token(details), request)

    def intercept_stream_unary(self, continuation, details, requests):
        return continuation(self._with_token(details), requests)

    def intercept_stream_stream(self, continuation, details, requests):
        return continuation(self._with_token(details), requests)


def connect(server=None, token=None, token_file=None, tls=False, ca_file=None, options=()):
    """Opens a channel to the scholia server and returns (channel, stub), the
    stub being a CorpusServiceStub. Close the channel when done (or use it
    as a context manager).

    server defaults to SCHOLIA_SERVER, then 127.0.0.1:7557; the token comes
    from read_token(token, token_file). With tls=True the channel uses TLS,
    trusting ca_file (PEM) or the system's roots. options are extra gRPC
    channel options, (key, value) pairs that override the defaults."""
    server = server or os.environ.get("SCHOLIA_SERVER") or DEFAULT_SERVER
    token = read_token(token, token_file)
    opts = dict([
        # A document can be up to 10 MiB (serve --max-document-bytes), more
        # than gRPC's default limit of 4 MiB per message.
        ("grpc.max_receive_message_length", 256 << 20),
        # After a lost connection the channel reconnects on its own schedule
        # and fails calls at once meanwhile. gRPC's defaults (a backoff from
        # 1s up to 2 minutes, and re-resolving the address at most every few
        # seconds) would keep stream_corpus's retries failing for seconds
        # to minutes after the server is back; these keep the channel in
        # step with them, so that a restarted server is found at once.
        ("grpc.initial_reconnect_backoff_ms", 250),
        ("grpc.max_reconnect_backoff_ms", 10000),
        ("grpc.dns_min_time_between_resolutions_ms", 250),
    ])
    opts.update(options)
    opts = list(opts.items())
    if tls:
        root = None
        if ca_file:
            with open(ca_file, "rb") as f:
                root = f.read()
        channel = grpc.secure_channel(server, grpc.ssl_channel_credentials(root), options=opts)
    else:
        channel = grpc.insecure_channel(server, options=opts)
    channel = grpc.intercept_channel(channel, BearerAuth(token))
    return channel, corpus_service_pb2_grpc.CorpusServiceStub(channel)


# ---------------------------------------------------------------------------
# Streaming


def stream_corpus(stub, request, resume_token=None, max_retries=8,
                  initial_backoff=0.25, max_backoff=10.0, timeout=None):
    """Yields the StreamCorpusResponse messages of request, one per document.

    resume_token (or request.resume_token) continues an earlier stream right
    after the document whose message carried it; the request's other fields
    must be those of the first request, or the server refuses the token.

    If the stream fails with UNAVAILABLE (the server restarted, the
    connection dropped), it reconnects after an exponential backoff
    (initial_backoff doubling up to max_backoff, with jitter) and resumes
    from the resume token of the last message yielded, so the messages
    yielded are exactly those of one uninterrupted stream. It gives up
    after max_retries consecutive failures (a message received resets the
    count) and raises the last grpc.RpcError; other errors are raised at
    once. timeout, in seconds, bounds each attempt.

    Stopping early (break, or closing the generator) cancels the call.
    """
    token = request.resume_token if resume_token is None else resume_token
    failures = 0
    while True:
        attempt = corpus_service_pb2.StreamCorpusRequest()
        attempt.CopyFrom(request)
        attempt.resume_token = token or ""
        call = stub.StreamCorpus(attempt, timeout=timeout)
        try:
            for msg in call:
                token = msg.resume_token
                failures = 0
                yield msg
            return
        except grpc.RpcError as err:
            if err.code() not in RETRYABLE or failures >= max_retries:
                raise
            failures += 1
            delay = min(max_backoff, initial_backoff * 2 ** (failures - 1))
            delay *= random.uniform(0.5, 1.0)
            log.warning("stream interrupted (%s); reconnecting in %.1fs (retry %d of %d), %s",
                        describe_error(err), delay, failures, max_retries,
                        "resuming after the last document received" if token
                        else "starting over")
            time.sleep(delay)
        finally:
            call.cancel()  # a no-op once the call has ended


# ---------------------------------------------------------------------------
# Records


class SpanMismatch(ValueError):
    """A span's text is not the document's text at its offsets."""


def _enum_name(enum, value, prefix):
    name = enum.Name(value) if value in enum.values() else str(value)
    return name[len(prefix):].lower() if name.startswith(prefix) else name.lower()


def _spans(spans):
    return [(s.start, s.end, s.text) for s in spans]


def _timestamp(msg, field):
    return getattr(msg, field).ToJsonString() if msg.HasField(field) else None


def annotation_to_record(ann):
    """Returns an Annotation as a dict: id, document_id, annotator, kind
    (mention, event, claim, relation, cluster), label (entity type, event
    type, claim type or relation type), spans as (start, end, text) tuples in
    code points (a mention's spans, an event's trigger, a claim's content),
    attributes, and the fields of its kind."""
    kind = ann.WhichOneof("body")
    rec = {
        "id": ann.id,
        "document_id": ann.document_id,
        "annotator": ann.annotator,
        "kind": kind,
        "label": "",
        "spans": [],
        "attributes": dict(ann.attributes),
    }
    if kind == "mention":
        rec["label"] = ann.mention.label
        rec["spans"] = _spans(ann.mention.spans)
    elif kind == "event":
        ev = ann.event
        rec["label"] = ev.type
        rec["spans"] = _spans(ev.trigger)
        rec["arguments"] = [{"role": a.role, "annotation_id": a.annotation_id}
                            for a in ev.arguments]
    elif kind == "claim":
        cl = ann.claim
        rec["label"] = cl.claim_type
        rec["spans"] = _spans(cl.spans)
        rec["claimant_id"] = cl.claimant_id or None
        rec["claimant_text"] = cl.claimant_text
        rec["cue"] = _spans(cl.cue)
        rec["stance"] = cl.stance
        rec["check_worthiness"] = cl.check_worthiness
        rec["normalized"] = ({"value": cl.normalized.value, "unit": cl.normalized.unit,
                              "time": cl.normalized.time}
                             if cl.HasField("normalized") else None)
    elif kind == "relation":
        rel = ann.relation
        rec["label"] = rel.type
        rec["source_id"] = rel.source_id
        rec["target_id"] = rel.target_id
    elif kind == "cluster":
        cu = ann.cluster
        rec["label"] = _enum_name(resources_pb2.ClusterKind, cu.kind, "CLUSTER_KIND_")
        rec["cluster_kind"] = rec["label"]
        rec["title"] = cu.title
        rec["member_ids"] = list(cu.member_ids)
    return rec


def check_spans(record):
    """Raises SpanMismatch unless every span (and claim cue) of the record's
    annotations is record["text"][start:end]. Returns the number of spans
    checked; 0 if the record has no text (exclude_text)."""
    text = record["text"]
    if not text and record["length"]:
        return 0
    if len(text) != record["length"]:
        raise SpanMismatch("document %s: the text has %d code points, the server says %d"
                           % (record["document_id"], len(text), record["length"]))
    n = 0
    for ann in record["annotations"]:
        for start, end, span_text in ann["spans"] + ann.get("cue", []):
            if text[start:end] != span_text:
                raise SpanMismatch(
                    "document %s, annotation %d: text[%d:%d] is %r, the span says %r"
                    % (record["document_id"], ann["id"], start, end, text[start:end], span_text))
            n += 1
    return n


def response_to_record(msg, check=True):
    """Returns a StreamCorpusResponse as a plain dict: the document's id,
    metadata and text, its annotations and clusters (see
    annotation_to_record), the layers' statuses, the snapshot's revision and
    the message's resume token. With check, the spans are checked against
    the text (see check_spans)."""
    doc = msg.document
    rec = {
        "document_id": doc.id,
        "project_id": doc.project_id,
        "title": doc.title,
        "source": doc.source,
        "url": doc.url,
        "publish_time": _timestamp(doc, "publish_time"),
        "language": doc.language,
        "text": doc.text,
        "length": doc.length,
        "sha256": doc.sha256,
        "annotations": [annotation_to_record(a) for a in msg.annotations],
        "clusters": [annotation_to_record(c) for c in msg.clusters],
        "layers": [{"annotator": l.annotator,
                    "status": _enum_name(resources_pb2.LayerStatus, l.status, "LAYER_STATUS_"),
                    "annotation_count": l.annotation_count}
                   for l in msg.layers],
        "revision": msg.revision,
        "resume_token": msg.resume_token,
    }
    if check:
        check_spans(rec)
    return rec


def iter_records(responses, check=True):
    """Yields response_to_record(msg) for each message of responses."""
    for msg in responses:
        yield response_to_record(msg, check=check)


def to_records(responses, check=True):
    """Returns the list of records of a stream (see response_to_record)."""
    return list(iter_records(responses, check=check))


# ---------------------------------------------------------------------------
# Errors


def _wire_fields(buf):
    """Decodes the top-level fields of a protobuf message: (number, value),
    value an int (varint) or bytes (length-delimited)."""
    def varint(i):
        shift = result = 0
        while True:
            b = buf[i]
            i += 1
            result |= (b & 0x7F) << shift
            if b < 0x80:
                return result, i
            shift += 7

    i = 0
    while i < len(buf):
        key, i = varint(i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(i)
        elif wire == 2:
            n, i = varint(i)
            value, i = buf[i:i + n], i + n
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        yield num, value


def error_details(err):
    """Returns the reason (google.rpc.ErrorInfo) and field violations
    (google.rpc.BadRequest, as "field: description") that scholia attaches
    to an error, decoded from the grpc-status-details-bin trailer without
    the googleapis packages."""
    reason, violations = "", []
    try:
        trailers = err.trailing_metadata() or ()
    except Exception:  # not every RpcError is a call
        return reason, violations
    for key, value in trailers:
        if key != "grpc-status-details-bin":
            continue
        try:
            for num, detail in _wire_fields(value):  # google.rpc.Status
                if num != 3:
                    continue
                anything = any_pb2.Any.FromString(detail)
                kind = anything.type_url.rsplit("/", 1)[-1]
                if kind == "google.rpc.ErrorInfo":
                    for n, v in _wire_fields(anything.value):
                        if n == 1:
                            reason = v.decode("utf-8", "replace")
                elif kind == "google.rpc.BadRequest":
                    for n, fv in _wire_fields(anything.value):
                        if n == 1:
                            parts = dict(_wire_fields(fv))
                            violations.append("%s: %s" % (
                                parts.get(1, b"").decode("utf-8", "replace"),
                                parts.get(2, b"").decode("utf-8", "replace")))
        except (ValueError, IndexError):
            pass
    return reason, violations


def describe_error(err):
    """Returns "CODE: message (field: description; ...)" for a grpc.RpcError."""
    code = err.code().name if err.code() else "UNKNOWN"
    text = "%s: %s" % (code, err.details() or "")
    reason, violations = error_details(err)
    if violations:
        text += " (" + "; ".join(violations) + ")"
    elif reason:
        text += " [%s]" % reason
    return text


# ---------------------------------------------------------------------------
# Command line


_KINDS = {
    "mention": resources_pb2.ANNOTATION_KIND_MENTION,
    "event": resources_pb2.ANNOTATION_KIND_EVENT,
    "claim": resources_pb2.ANNOTATION_KIND_CLAIM,
    "relation": resources_pb2.ANNOTATION_KIND_RELATION,
    "cluster": resources_pb2.ANNOTATION_KIND_CLUSTER,
}


def build_request(args):
    """Returns the StreamCorpusRequest of the parsed command line."""
    annotators = list(args.annotator or [])
    if args.gold and "gold" not in annotators:
        annotators.append("gold")
    return corpus_service_pb2.StreamCorpusRequest(
        project_id=args.project,
        annotators=annotators,
        document_ids=args.document or [],
        kinds=[_KINDS[k] for k in args.kind or []],
        labels=args.label or [],
        done_only=args.done_only,
        exclude_text=args.exclude_text,
        skip_empty=args.skip_empty,
        as_of_revision=args.as_of,
    )


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="stream_corpus.py",
        description="Stream a scholia project's annotated corpus (CorpusService.StreamCorpus): "
                    "print a summary, or every document as a JSON line.",
        epilog="The server is SCHOLIA_SERVER (default %s); the token is SCHOLIA_TOKEN, or the "
               "contents of SCHOLIA_TOKEN_FILE. A dropped connection or a server restart is "
               "resumed from the last document received. Exit status: 0 done, 1 a failed call "
               "or a span that does not match the text, 2 bad usage." % DEFAULT_SERVER)
    p.add_argument("project", help="the project id")
    p.add_argument("--annotator", action="append", metavar="NAME",
                   help="only this layer, a user name or gold (repeatable; default: every "
                        "layer the caller may read)")
    p.add_argument("--gold", action="store_true", help="the gold layer (same as --annotator gold)")
    p.add_argument("--document", action="append", metavar="ID", help="only this document (repeatable)")
    p.add_argument("--kind", action="append", choices=sorted(_KINDS), help="only this kind (repeatable)")
    p.add_argument("--label", action="append", metavar="LABEL",
                   help="only annotations with this label (repeatable)")
    p.add_argument("--done-only", action="store_true", help="only layers whose status is done")
    p.add_argument("--skip-empty", action="store_true", help="skip documents without annotations")
    p.add_argument("--exclude-text", action="store_true", help="leave the texts out")
    p.add_argument("--as-of", type=int, default=0, metavar="REV",
                   help="read the corpus as of this revision (default: the newest)")
    p.add_argument("--resume-token", default="", metavar="T",
                   help="continue an earlier stream after the document that carried T "
                        "(give the same selection options as then)")
    p.add_argument("--stop-after", type=int, default=0, metavar="N",
                   help="stop after N documents and print 'resume_token: T' on stderr")
    p.add_argument("--jsonl", action="store_true",
                   help="write each document's message as one line of protobuf JSON")
    p.add_argument("--server", default=None, metavar="HOST:PORT",
                   help="server address (default: SCHOLIA_SERVER or %s)" % DEFAULT_SERVER)
    p.add_argument("--token-file", default=None, metavar="FILE",
                   help="read the token from FILE (default: SCHOLIA_TOKEN, SCHOLIA_TOKEN_FILE)")
    p.add_argument("--tls", action="store_true", help="connect with TLS")
    p.add_argument("--ca", default=None, metavar="FILE", help="PEM file of the CA to trust with --tls")
    p.add_argument("--max-retries", type=int, default=8, metavar="N",
                   help="reconnect at most N times in a row after UNAVAILABLE (default 8)")
    args = p.parse_args(argv)
    if args.stop_after < 0:
        p.error("--stop-after must not be negative")
    if args.as_of < 0:
        p.error("--as-of must not be negative")
    return args


def _plural(n, word):
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


def _summary(project, records, checked, out):
    kinds = collections.Counter(a["kind"] for r in records for a in r["annotations"])
    clusters = {c["id"] for r in records for c in r["clusters"]}
    revision = records[0]["revision"] if records else 0
    print("%s: %s at revision %d" % (project, _plural(len(records), "document"), revision),
          file=out)
    for r in records:
        layers = ", ".join("%s %s" % (l["annotator"], l["status"]) for l in r["layers"]) or "-"
        print("  %-20s %7d chars %4d annotations %3d clusters  layers: %s" % (
            r["document_id"], r["length"], len(r["annotations"]), len(r["clusters"]), layers),
            file=out)
    print("annotations: %d (%s); clusters: %d; spans checked: %d" % (
        sum(kinds.values()),
        ", ".join("%d %s" % (n, k) for k, n in sorted(kinds.items())) or "none",
        len(clusters), checked), file=out)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="stream_corpus.py: %(message)s")
    try:
        channel, stub = connect(args.server, token_file=args.token_file, tls=args.tls,
                                ca_file=args.ca)
    except (ValueError, OSError) as err:
        print("stream_corpus.py: %s" % err, file=sys.stderr)
        return 2
    request = build_request(args)
    out = sys.stdout
    records, checked, count, last_token = [], 0, 0, args.resume_token
    try:
        with channel:
            stream = stream_corpus(stub, request, resume_token=args.resume_token,
                                   max_retries=args.max_retries)
            try:
                for msg in stream:
                    rec = response_to_record(msg, check=False)
                    checked += check_spans(rec)
                    last_token = msg.resume_token
                    count += 1
                    if args.jsonl:
                        out.write(json_format.MessageToJson(
                            msg, preserving_proto_field_name=False, indent=None,
                            ensure_ascii=False) + "\n")
                        out.flush()
                    else:
                        records.append(rec)
                    if args.stop_after and count >= args.stop_after:
                        print("stopped after %d documents; continue with --resume-token"
                              % count, file=sys.stderr)
                        print("resume_token: %s" % last_token, file=sys.stderr)
                        break
            finally:
                stream.close()
    except grpc.RpcError as err:
        print("stream_corpus.py: %s" % describe_error(err), file=sys.stderr)
        if count:
            print("resume_token: %s" % last_token, file=sys.stderr)
        return 1
    except SpanMismatch as err:
        print("stream_corpus.py: %s" % err, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        if count:
            print("resume_token: %s" % last_token, file=sys.stderr)
        return 130
    if not args.jsonl:
        _summary(args.project, records, checked, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
