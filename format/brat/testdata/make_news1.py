# Generates news1.txt and news1.ann (run: python3 make_news1.py news1): offsets computed, not hand-counted.
text = ("🗞️ Lisbon, 3 March — Mayor Inês Ferreira said on Tuesday that “about 270,000 residents” were affected by the floods.\r\n"
        "The ministry denied the figure. Police arrested two men after the attack on the depot in Évora.\r\n"
        "Ferreira met ministers Rui Costa and Ana Sousa in Porto; the talks, she said, were “productive”.\r\n"
        "Officials from North and South Korea attended.\r\n")

def find(s, nth=0, after=0):
    i = after - 1
    for _ in range(nth + 1):
        i = text.index(s, i + 1)
    return i

lines = []
tn = [0]
def T(typ, *frags):
    tn[0] += 1
    tid = "T%d" % tn[0]
    offs = ";".join("%d %d" % (a, b) for a, b in frags)
    lines.append("%s\t%s %s\t%s" % (tid, typ, offs, " ".join(text[a:b] for a, b in frags)))
    return tid

def span(s, nth=0, after=0):
    i = find(s, nth, after)
    return (i, i + len(s))

lisbon = T("GPE", span("Lisbon"))
mayor = T("JOB-TITLE", span("Mayor"))
ines = T("PER", span("Inês Ferreira"))
tuesday = T("TIME", span("Tuesday"))
said1 = T("Attribution", span("said"))
c1 = T("Content", (find("“about"), find("floods") + len("floods")))
ministry = T("ORG", span("The ministry"))
denied = T("Attribution", span("denied"))
figure = T("Content", span("the figure"))
police = T("ORG", span("Police"))
arrested = T("Justice.Arrest-Jail", span("arrested"))
men = T("PER", span("two men"))
attack = T("Conflict.Attack", span("attack"))
depot = T("FAC", span("the depot"))
evora = T("GPE", span("Évora"))
ferreira2 = T("PER", span("Ferreira", 1))
met = T("Contact.Meet", span("met"))
rui = T("PER", span("Rui Costa"))
ana = T("PER", span("Ana Sousa"))
porto = T("GPE", span("Porto"))
she = T("PER", span("she"))
said2 = T("Attribution", span("said", 1))
talks = T("Content", span("the talks"), (find("were “productive”"), find("were “productive”") + len("were “productive”")))
korea = T("GPE", span("North"), span("Korea"))
officials = T("PER", span("Officials"))

lines += [
    "E1\tAttribution:%s Source:%s Content:%s" % (said1, ines, c1),
    "E2\tAttribution:%s Source:%s Content:%s" % (denied, ministry, figure),
    # E3 takes the attack E4 as an argument (nested event); E4 is defined later.
    "E3\tJustice.Arrest-Jail:%s Agent:%s Person:%s Crime:E4" % (arrested, police, men),
    "E4\tConflict.Attack:%s Target:%s Place:%s" % (attack, depot, evora),
    # Repeated role, numbered as some tools do: Entity1, Entity2, Entity3.
    "E5\tContact.Meet:%s Entity1:%s Entity2:%s Entity3:%s Place:%s" % (met, ferreira2, rui, ana, porto),
    "E6\tAttribution:%s Source:%s Content:%s" % (said2, she, talks),
    "R1\tContradicts Arg1:E2 Arg2:E1",
    "R2\tLocated Arg1:%s Arg2:%s" % (depot, evora),
    "R3\tPart-Whole Part:%s Whole:%s" % (evora, lisbon),
    "*\tEquiv %s %s" % (ines, ferreira2),
    "*\tEquiv %s %s" % (she, ferreira2),
    "A1\tclaim.type E1 quantity",
    "A2\tclaim.stance E1 asserts",
    "A3\tclaim.check_worthiness E1 checkworthy",
    "A4\tclaim.stance E2 denies",
    "A5\tConfirmed E3",
    "A6\tRealis E3 ACTUAL",
    "M1\tRealis E4 ACTUAL",
    "A7\tmention_type %s NAM" % ines,
    "N1\tReference %s Wikidata:Q597\tLisbon" % lisbon,
    "N2\tReference %s GeoNames:2268339\tÉvora" % evora,
    "N3\tReference %s Wikidata:Q179948\tÉvora, Portugal" % evora,
    "#1\tAnnotatorNotes %s\tMayor since 2021; name spelled “Inês”" % ines,
    "#2\tAnnotatorNotes %s\tsecond note\twith a tab" % ines,
    "#3\tAnnotatorNotes %s\tcheck the date of the arrest" % arrested,
    "#4\tclaim.claimant E6\tthe mayor, in an interview",
    "#5\tAnnotatorNotes E5\tmeeting confirmed by both ministries",
    "#6\tclaim.value E1\t270000",
    "#7\tclaim.unit E1\tresidents",
]
import sys
out = sys.argv[1]
open(out + ".txt", "w", encoding="utf-8", newline="").write(text)
open(out + ".ann", "w", encoding="utf-8", newline="").write("\n".join(lines) + "\n")
