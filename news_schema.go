package scholia

import "strings"

// The filler-type groups of the ACE 2005 annotation guidelines for events.
var (
	fillAgent = []string{"PER", "ORG", "GPE"}
	fillPlace = []string{"GPE", "LOC", "FAC"}
	fillTime  = []string{"TIME"}
)

// aceEvent builds an event type from "Role:TYPE|TYPE" specs; a bare role name
// takes the ACE default for Place and Time, or agents.
func aceEvent(name, description string, roles ...string) EventType {
	e := EventType{Name: name, Description: description}
	for _, spec := range roles {
		role, types, ok := strings.Cut(spec, ":")
		var fill []string
		switch {
		case ok:
			fill = strings.Split(types, "|")
		case role == "Place" || role == "Origin" || role == "Destination":
			fill = fillPlace
		case role == "Time":
			fill = fillTime
		default:
			fill = fillAgent
		}
		e.Roles = append(e.Roles, RoleDefinition{Name: role, FillerTypes: fill})
	}
	return e
}

// NewsSchema returns the built-in news schema: ACE 2005 entity types, its 33
// event subtypes with their argument roles and filler types, ACE/ERE event
// attributes (realis, polarity, modality, tense, genericity), the claim
// fields, and relations between claims and between events. Projects created
// without a schema get a copy of it.
func NewsSchema() *Schema {
	s := &Schema{
		Name: "news",
		EntityTypes: []EntityType{
			{Name: "PER", Description: "person"},
			{Name: "ORG", Description: "organisation"},
			{Name: "GPE", Description: "geo-political entity: country, city, state"},
			{Name: "LOC", Description: "location that is not a GPE"},
			{Name: "FAC", Description: "facility: building, airport, road"},
			{Name: "WEA", Description: "weapon"},
			{Name: "VEH", Description: "vehicle"},
			{Name: "TIME", Description: "date or time expression"},
			{Name: "NUM", Description: "number or quantity"},
			{Name: "MONEY", Description: "amount of money"},
			{Name: "CRIME", Description: "crime or offence"},
			{Name: "SENTENCE", Description: "judicial sentence"},
			{Name: "JOB-TITLE", Description: "position or title"},
		},
		EventTypes: []EventType{
			aceEvent("Life.Be-Born", "someone is born", "Person:PER", "Time", "Place"),
			aceEvent("Life.Marry", "two people marry", "Person:PER", "Time", "Place"),
			aceEvent("Life.Divorce", "a marriage ends", "Person:PER", "Time", "Place"),
			aceEvent("Life.Injure", "someone is injured", "Agent", "Victim:PER", "Instrument:WEA|VEH", "Time", "Place"),
			aceEvent("Life.Die", "someone dies", "Agent", "Victim:PER", "Instrument:WEA|VEH", "Time", "Place"),
			aceEvent("Movement.Transport", "something or someone moves", "Agent", "Artifact:PER|WEA|VEH", "Vehicle:VEH", "Price:MONEY", "Origin", "Destination", "Time"),
			aceEvent("Transaction.Transfer-Ownership", "something is bought, sold or given", "Buyer", "Seller", "Beneficiary", "Artifact:VEH|WEA|FAC|ORG", "Price:MONEY", "Time", "Place"),
			aceEvent("Transaction.Transfer-Money", "money is given, lent or paid", "Giver", "Recipient", "Beneficiary", "Money:MONEY", "Time", "Place"),
			aceEvent("Business.Start-Org", "an organisation is founded", "Agent", "Org:ORG", "Time", "Place"),
			aceEvent("Business.Merge-Org", "organisations merge", "Org:ORG", "Time", "Place"),
			aceEvent("Business.Declare-Bankruptcy", "an organisation goes bankrupt", "Org:ORG|PER|GPE", "Time", "Place"),
			aceEvent("Business.End-Org", "an organisation ceases to exist", "Org:ORG", "Time", "Place"),
			aceEvent("Conflict.Attack", "a violent physical act causing harm or damage", "Attacker", "Target:PER|ORG|VEH|FAC|WEA|GPE|LOC", "Instrument:WEA|VEH", "Time", "Place"),
			aceEvent("Conflict.Demonstrate", "people protest in public", "Entity:PER|ORG", "Time", "Place"),
			aceEvent("Contact.Meet", "two or more entities meet face to face", "Entity", "Time", "Place"),
			aceEvent("Contact.Phone-Write", "entities communicate without meeting", "Entity", "Time"),
			aceEvent("Personnel.Start-Position", "someone starts working for an entity", "Person:PER", "Entity:ORG|GPE", "Position:JOB-TITLE", "Time", "Place"),
			aceEvent("Personnel.End-Position", "someone stops working for an entity", "Person:PER", "Entity:ORG|GPE", "Position:JOB-TITLE", "Time", "Place"),
			aceEvent("Personnel.Nominate", "someone is nominated to a position", "Person:PER", "Agent", "Position:JOB-TITLE", "Time", "Place"),
			aceEvent("Personnel.Elect", "someone is elected to a position", "Person:PER", "Entity", "Position:JOB-TITLE", "Time", "Place"),
			aceEvent("Justice.Arrest-Jail", "someone is arrested or jailed", "Person:PER", "Agent", "Crime:CRIME", "Time", "Place"),
			aceEvent("Justice.Release-Parole", "someone is released", "Person:PER", "Entity", "Crime:CRIME", "Time", "Place"),
			aceEvent("Justice.Trial-Hearing", "a trial or hearing takes place", "Defendant", "Prosecutor", "Adjudicator", "Crime:CRIME", "Time", "Place"),
			aceEvent("Justice.Charge-Indict", "someone is charged", "Defendant", "Prosecutor", "Adjudicator", "Crime:CRIME", "Time", "Place"),
			aceEvent("Justice.Sue", "a lawsuit is brought", "Plaintiff", "Defendant", "Adjudicator", "Crime:CRIME", "Time", "Place"),
			aceEvent("Justice.Convict", "someone is convicted", "Defendant", "Adjudicator", "Crime:CRIME", "Time", "Place"),
			aceEvent("Justice.Sentence", "a sentence is handed down", "Defendant", "Adjudicator", "Crime:CRIME", "Sentence:SENTENCE", "Time", "Place"),
			aceEvent("Justice.Fine", "a fine is imposed", "Entity", "Adjudicator", "Money:MONEY", "Crime:CRIME", "Time", "Place"),
			aceEvent("Justice.Execute", "someone is executed", "Person:PER", "Agent", "Crime:CRIME", "Time", "Place"),
			aceEvent("Justice.Extradite", "someone is extradited", "Agent", "Person:PER", "Destination", "Origin", "Crime:CRIME", "Time"),
			aceEvent("Justice.Acquit", "someone is acquitted", "Defendant", "Adjudicator", "Crime:CRIME", "Time", "Place"),
			aceEvent("Justice.Appeal", "a decision is appealed", "Plaintiff", "Adjudicator", "Crime:CRIME", "Time", "Place"),
			aceEvent("Justice.Pardon", "someone is pardoned", "Defendant", "Adjudicator", "Crime:CRIME", "Time", "Place"),
		},
		Attributes: []AttributeDefinition{
			{Name: "realis", AppliesTo: []Kind{KindEvent}, Values: []string{"ACTUAL", "GENERIC", "OTHER"}},
			{Name: "polarity", AppliesTo: []Kind{KindEvent}, Values: []string{"POSITIVE", "NEGATIVE"}},
			{Name: "modality", AppliesTo: []Kind{KindEvent}, Values: []string{"ASSERTED", "OTHER"}},
			{Name: "tense", AppliesTo: []Kind{KindEvent}, Values: []string{"PAST", "PRESENT", "FUTURE", "UNSPECIFIED"}},
			{Name: "genericity", AppliesTo: []Kind{KindEvent}, Values: []string{"SPECIFIC", "GENERIC"}},
			{Name: "mention_type", AppliesTo: []Kind{KindMention}, Values: []string{"NAM", "NOM", "PRO"}},
			{Name: "note", AppliesTo: nil, Values: nil},
		},
		ClaimStances:          []string{"asserts", "denies", "questions", "hedges", "reports"},
		ClaimTypes:            []string{"quantity", "quote", "event_report", "prediction", "causal", "comparison", "opinion", "other"},
		CheckWorthinessValues: []string{"checkworthy", "not_checkworthy", "unimportant"},
		RelationTypes: []RelationType{
			{Name: "Supports", Description: "the source claim supports the target claim", SourceKinds: []Kind{KindClaim}, TargetKinds: []Kind{KindClaim}},
			{Name: "Contradicts", Description: "the source claim contradicts the target claim", SourceKinds: []Kind{KindClaim}, TargetKinds: []Kind{KindClaim}},
			{Name: "Updates", Description: "the source claim revises the target claim's figure", SourceKinds: []Kind{KindClaim}, TargetKinds: []Kind{KindClaim}},
			{Name: "Causes", Description: "the source event causes the target event", SourceKinds: []Kind{KindEvent}, TargetKinds: []Kind{KindEvent}},
			{Name: "Reports", Description: "the source claim reports the target event", SourceKinds: []Kind{KindClaim}, TargetKinds: []Kind{KindEvent}},
		},
	}
	return s
}
