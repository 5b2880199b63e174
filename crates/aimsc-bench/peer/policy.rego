# The peer-comparison policy in Rego: the same twelve rules as policy.aims, written as a
# competent Rego author would (joins through sets and objects keyed by id, helper rules for
# the conditions). Each rule is the set of ids of the records that fail it.
package bench

import rego.v1

layout := "2006-01-02"

today := time.parse_ns(layout, input.as_of)

year_ago := time.add_date(today, 0, -12, 0)

half_year_ago := time.add_date(today, 0, -6, 0)

day := 86400000000000

people := {p.id: p | some p in input.people}

datasets := {d.id: d | some d in input.datasets}

suppliers := {s.id: s | some s in input.suppliers}

systems_with_risks := {r.system | some r in input.risks}

systems_with_serious_incidents := {i.system | some i in input.incidents; i.serious}

in_use(s) if s.lifecycle != "retired"

operating(s) if s.lifecycle in {"deployment", "operation"}

r01 contains s.id if {
	some s in input.ai_systems
	s.risk_tier == "high"
	in_use(s)
	not verified_recently(s)
}

verified_recently(s) if time.parse_ns(layout, s.verification.date) >= year_ago

r02 contains s.id if {
	some s in input.ai_systems
	not owner_has_role(s)
}

owner_has_role(s) if _ = people[s.owner].role

r03 contains s.id if {
	some s in input.ai_systems
	in_use(s)
	not assessed_recently(s)
}

assessed_recently(s) if {
	some a in s.impact_assessments
	time.parse_ns(layout, a.date) >= year_ago
}

r04 contains s.id if {
	some s in input.ai_systems
	s.risk_tier == "high"
	some id in s.datasets
	not datasets[id].bias_examined == true
}

r05 contains s.id if {
	some s in input.ai_systems
	operating(s)
	some id in s.suppliers
	not suppliers[id].agreement
}

r06 contains s.id if {
	some s in input.ai_systems
	in_use(s)
	not s.id in systems_with_risks
}

r07 contains i.id if {
	some i in input.incidents
	i.serious
	not reported_in_time(i)
}

reported_in_time(i) if {
	time.parse_ns(layout, i.reported_to_authority) - time.parse_ns(layout, i.became_aware) <= 15 * day
}

r08 contains s.id if {
	some s in input.ai_systems
	operating(s)
	not monitored(s)
}

monitored(s) if {
	s.monitoring.performance_monitored == true
	time.parse_ns(layout, s.monitoring.last_review) >= half_year_ago
}

r09 contains s.id if {
	some s in input.ai_systems
	s.risk_tier == "high"
	s.eu_role == "provider"
	not s.eu_database_registration
}

r10 contains d.id if {
	some d in input.datasets
	d.personal_data
	not lawful(d)
}

lawful(d) if {
	d.provenance_recorded == true
	d.acquisition_basis != "unknown_basis"
}

r11 contains s.id if {
	some s in input.ai_systems
	s.risk_tier == "high"
	s.id in systems_with_serious_incidents
}

r12 contains s.id if {
	some s in input.ai_systems
	s.risk_tier == "high"
	not overseen(s)
}

overseen(s) if {
	s.human_oversight.measures_documented == true
	s.human_oversight.overseers_trained == true
}

violations := {
	"r01": r01, "r02": r02, "r03": r03, "r04": r04, "r05": r05, "r06": r06,
	"r07": r07, "r08": r08, "r09": r09, "r10": r10, "r11": r11, "r12": r12,
}
