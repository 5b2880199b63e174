# The second peer policy in Rego (see supply.aims): the set of failing system ids per rule,
# with the suppliers joined through a set of the ids that have an agreement.
package supply

import rego.v1

layout := "2006-01-02"

cutoff := time.add_date(time.parse_ns(layout, input.as_of), 0, 0, -365)

with_agreement := {p.id | some p in input.suppliers; p.agreement}

r01 contains s.id if {
	some s in input.ai_systems
	s.risk_tier == "high"
	not assessed(s)
}

assessed(s) if {
	some a in s.impact_assessments
	time.parse_ns(layout, a.date) >= cutoff
}

r02 contains s.id if {
	some s in input.ai_systems
	some id in s.suppliers
	not id in with_agreement
}

violations := {"r01": r01, "r02": r02}
