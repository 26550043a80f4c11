# Generates tasks.json (run: python3 make_tasks.py tasks.json). Task 0 uses UTF-16
# offsets (older Label Studio), task 1 code points; both texts have emoji
# outside the BMP before annotated spans, curly quotes, accents and CRLF.
import json, sys
t0 = "🚒🔥 Porto, 12 May — Fire chief Joana Araújo said “at least 40 families” lost their homes.\r\nThe city council disputed that number on Friday.\r\n"
t1 = "Ministers met in Braga 🤝 after the storm.\r\nThe meeting, officials said, ended “without agreement”.\r\n"

def u16(s, i):
    return len(s[:i].encode("utf-16-le")) // 2

def region(text, rid, frm, label, sub, nth=0, utf16=False, labels=None):
    i = -1
    for _ in range(nth + 1):
        i = text.index(sub, i + 1)
    s, e = i, i + len(sub)
    if utf16:
        s, e = u16(text, s), u16(text, e)
    return {"id": rid, "from_name": frm, "to_name": "text", "type": "labels", "origin": "manual",
            "value": {"start": s, "end": e, "text": sub, "labels": labels or [label]}}

def rel(a, b, label):
    return {"from_id": a, "to_id": b, "type": "relation", "direction": "right", "labels": [label]}

def choice(rid, frm, v, reg):
    return {"id": rid, "from_name": frm, "to_name": "text", "type": "choices",
            "value": {"start": reg["value"]["start"], "end": reg["value"]["end"], "choices": [v]}}

def textarea(rid, frm, v, reg):
    return {"id": rid, "from_name": frm, "to_name": "text", "type": "textarea",
            "value": {"start": reg["value"]["start"], "end": reg["value"]["end"], "text": [v]}}

U = True
porto = region(t0, "a1Porto", "label", "GPE", "Porto", utf16=U)
joana = region(t0, "a2Joana", "label", "PER", "Joana Araújo", utf16=U)
joana["meta"] = {"text": ["fire chief since 2019", "spelling checked"]}
said = region(t0, "a3cue", "cue", "Cue", "said", utf16=U)
claim = region(t0, "a4claim", "claim", "quantity", "“at least 40 families” lost their homes", utf16=U)
council = region(t0, "a5council", "label", "ORG", "The city council", utf16=U)
disputed = region(t0, "a6claim2", "claim", "quantity", "that number", utf16=U)
disp_cue = region(t0, "a7cue", "cue", "Cue", "disputed", utf16=U)
friday = region(t0, "a8fri", "label", "TIME", "Friday", utf16=U)
res_ana = [porto, joana, said, claim, council, disputed, disp_cue, friday,
    choice("a4claim", "stance", "asserts", claim),
    choice("a4claim", "check_worthiness", "checkworthy", claim),
    textarea("a4claim", "normalized_value", "40", claim),
    textarea("a4claim", "normalized_unit", "families", claim),
    choice("a6claim2", "stance", "denies", disputed),
    choice("a2Joana", "mention_type", "NAM", joana),
    rel("a4claim", "a2Joana", "Source"), rel("a4claim", "a3cue", "Cue"),
    rel("a6claim2", "a5council", "Source"), rel("a6claim2", "a7cue", "Cue"),
    rel("a6claim2", "a4claim", "Contradicts"),
]
# A second annotator (completed_by as an object with an email) and a model.
res_bo = [region(t0, "b1", "label", "GPE", "Porto", utf16=U), region(t0, "b2", "label", "PER", "Joana Araújo", utf16=U),
          region(t0, "b3", "label", "PER", "Araújo", utf16=U), rel("b2", "b3", "Equiv")]
pred = [dict(region(t0, "p1", "label", "LOC", "Porto", utf16=U), score=0.75),
        region(t0, "p2", "label", "ORG", "city council", utf16=U, labels=["ORG", "GPE"])]

r_met = region(t1, "m1", "event", "Contact.Meet", "met")
r_min = region(t1, "m2", "label", "PER", "Ministers")
r_braga = region(t1, "m3", "label", "GPE", "Braga")
r_meeting = region(t1, "m4", "event", "Contact.Meet", "meeting")
r_off = region(t1, "m5", "label", "PER", "officials")
r_said = region(t1, "m6", "cue", "Cue", "said")
r_claim = region(t1, "m7", "claim", "event_report", "ended “without agreement”")
r_storm = region(t1, "m8", "label", "EVENT-NOUN", "storm")
res_t1 = [r_met, r_min, r_braga, r_meeting, r_off, r_said, r_claim, r_storm,
    choice("m1", "realis", "ACTUAL", r_met),
    textarea("m7", "claimant", "officials quoted by a local radio", r_claim),
    rel("m1", "m2", "Entity"), rel("m1", "m3", "Place"), rel("m4", "m2", "Entity"),
    rel("m1", "m4", "Equiv"), rel("m7", "m5", "Source"), rel("m7", "m6", "Cue"),
    {"from_id": "m4", "to_id": "m7", "type": "relation", "direction": "left", "labels": ["Reports"]},
]
tasks = [
    {"id": 101, "data": {"text": t0, "title": "Fire in Porto"},
     "annotations": [{"id": 1, "completed_by": 3, "result": res_ana, "was_cancelled": False},
                     {"id": 2, "completed_by": {"id": 4, "email": "bo@example.org"}, "result": res_bo}],
     "predictions": [{"model_version": "ner-v2", "score": 0.5, "result": pred}]},
    {"id": 102, "data": {"text": t1, "url": "https://example.org/braga"},
     "annotations": [{"id": 3, "completed_by": 3, "result": res_t1}], "predictions": []},
]
json.dump(tasks, open(sys.argv[1], "w", encoding="utf-8"), ensure_ascii=False, indent=1)
