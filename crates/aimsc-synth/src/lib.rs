//! Synthetic organisations in the shipped facts schema (`rulesets/iso42001/schema.aims`), for
//! benchmarks and scale tests.
//!
//! The same [`Config`] always gives the same organisation, byte for byte: every choice comes
//! from one seeded generator, consumed in a fixed order, and every date is counted back from a
//! fixed base date rather than from the clock. About one record in ten lacks evidence or holds
//! a stale date, so that rules fail as they would in a real organisation and explanations have
//! something to say.
//!
//! ```
//! let org = aimsc_synth::Org::generate(&aimsc_synth::Config { systems: 10, seed: 7 });
//! assert_eq!(org.collection("ai_systems").len(), 10);
//! ```

use serde_json::{Map, Value, json};
use std::io;
use std::path::{Path, PathBuf};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Number of AI systems; every other collection is sized in proportion.
    pub systems: usize,
    /// Seed of the generator.
    pub seed: u64,
}

/// The collections written one file per record in the folder layout.
pub const RECORD_COLLECTIONS: [&str; 5] =
    ["ai_systems", "datasets", "suppliers", "incidents", "risks"];

/// The date every generated date is counted back from, so that output never depends on the
/// clock. Evaluate generated organisations `--as-of` this date.
pub const BASE_DATE: &str = "2026-09-01";

/// A generated organisation: root facts and collections, in schema order.
#[derive(Debug, Clone, PartialEq)]
pub struct Org {
    /// The `organisation` record and the collections that are not [`RECORD_COLLECTIONS`].
    pub root: Map<String, Value>,
    /// The [`RECORD_COLLECTIONS`], in that order, each a list of records with an `id`.
    pub records: Vec<(&'static str, Vec<Value>)>,
}

/// How the facts are laid out on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Everything in `facts.yaml`.
    OneFile,
    /// `facts/aims.yaml` for the root, and `facts/<collection>/<id>.yaml` per record.
    Folder,
}

struct Gen {
    rng: fastrand::Rng,
    base: jiff::civil::Date,
}

impl Gen {
    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u32) -> bool {
        self.rng.u32(0..100) < percent
    }

    /// A date between `min` and `max` days before the base date.
    fn days_ago(&mut self, min: i64, max: i64) -> String {
        let back = self.rng.i64(min..=max);
        self.base
            .checked_sub(jiff::Span::new().days(back))
            .unwrap_or(self.base)
            .to_string()
    }

    /// A fixed number of days before the base date, drawing nothing: adding a fact this way
    /// keeps every other generated value as it was.
    fn days_before(&self, days: i64) -> String {
        self.base
            .checked_sub(jiff::Span::new().days(days))
            .unwrap_or(self.base)
            .to_string()
    }

    fn pick(&mut self, n: usize) -> usize {
        self.rng.usize(0..n.max(1))
    }

    /// `k` distinct indexes below `n`, in increasing order.
    fn some_of(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut out: Vec<usize> = (0..k.min(n)).map(|_| self.pick(n)).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn ids(prefix: &str, of: &[usize]) -> Value {
    Value::Array(of.iter().map(|i| json!(format!("{prefix}-{i}"))).collect())
}

impl Org {
    /// Generates an organisation.
    pub fn generate(cfg: &Config) -> Org {
        let n = cfg.systems;
        let mut g = Gen {
            rng: fastrand::Rng::with_seed(cfg.seed),
            base: BASE_DATE
                .parse()
                .unwrap_or(jiff::civil::Date::constant(2026, 9, 1)),
        };
        let people = (n / 10).max(8);
        let datasets = n.max(1);
        let suppliers = (n / 20).max(3);
        let incidents = n / 10;
        let risks = n;

        let person = |i: usize| format!("p-{i}");
        let mut root = Map::new();
        root.insert(
            "organisation".into(),
            json!({
                "name": "Synthetic Org",
                "aims_scope": "All AI systems of the organisation",
                "scope_approved": g.days_ago(30, 200),
                "external_issues": ["EU AI Act obligations"],
                "internal_issues": ["legacy data platforms"],
                "climate_change_considered": true,
                "context_reviewed": g.days_ago(30, 200),
                "aims_processes_documented": true,
                "leadership_commitment": g.days_ago(30, 200),
                "accountable_executive": person(0),
                "risk_criteria_documented": true,
                "risk_acceptance_threshold": 4,
                "change_process_documented": true,
                "operational_controls_documented": true,
                "aims_budget_approved": g.days_ago(30, 200),
                "communication_plan": {"internal": true, "external": true, "reviewed": g.days_ago(30, 200)},
                "document_control": {"versioning": true, "access_control": true, "retention_defined": true},
                "concern_channel": {"description": "Ethics hotline", "anonymous": true, "non_retaliation": true, "handler": person(1), "last_tested": g.days_ago(30, 200)},
                "monitoring_plan_documented": true,
                "audit_programme": {"documented": true, "covers_all_clauses": true, "approved": g.days_ago(30, 200)},
                "external_reporting_channel": "https://synthetic.example/ai-concerns",
                "incident_communication_plan": true,
                "reporting_obligations": ["serious incidents to the market surveillance authority"],
                "supplies_ai_to_customers": false,
                "eu_market": true,
                "public_authority": false,
                "quality_management_system": {"documented": true, "covers_design_control": true, "covers_data_management": true, "covers_post_market_monitoring": true, "covers_incident_reporting": true, "reviewed": g.days_ago(30, 200)},
                "established_in_eu": true,
                "ai_literacy_programme": true,
            }),
        );
        root.insert(
            "interested_parties".into(),
            json!([
                {"id": "users", "name": "Users", "kind": "customer", "requirements": ["clear information"], "requirements_addressed": true, "reviewed": g.days_ago(30, 300)},
                {"id": "regulator", "name": "Market surveillance authority", "kind": "regulator", "requirements": ["incident reports"], "requirements_addressed": true, "reviewed": g.days_ago(30, 300)},
            ]),
        );
        let people_list: Vec<Value> = (0..people)
            .map(|i| {
                json!({
                    "id": person(i),
                    "name": format!("Person {i}"),
                    "role": if i < 2 { "Executive" } else { "Engineer" },
                    "top_management": i < 2,
                    "competences": ["machine learning", "risk management"],
                    "policy_acknowledged": g.days_ago(10, 400),
                })
            })
            .collect();
        root.insert("people".into(), Value::Array(people_list));
        root.insert(
            "roles".into(),
            json!([
                {"id": "owner", "name": "System owner", "responsibilities": ["performance", "documentation"], "authorities_documented": true, "assigned_to": [person(2)], "required_competences": ["risk management"]},
                {"id": "overseer", "name": "Human overseer", "responsibilities": ["review outputs"], "authorities_documented": true, "assigned_to": [person(3)], "required_competences": ["human oversight"]},
            ]),
        );
        let kinds = [
            "ai_policy",
            "information_security",
            "privacy",
            "development_process",
            "data_governance",
            "responsible_use_procedure",
            "procurement",
            "risk_management",
        ];
        let policies: Vec<Value> = kinds
            .iter()
            .enumerate()
            .map(|(i, kind)| {
                let mut p = json!({
                    "id": format!("pol-{i}"), "title": format!("{kind} policy"), "kind": kind,
                    "owner": person(0), "approved_by": person(0), "approved_on": g.days_ago(60, 400),
                    "last_reviewed": g.days_ago(10, 300),
                });
                if i == 0 {
                    p["aligned_with"] = json!(["pol-1", "pol-2", "pol-3"]);
                    p["communicated"] = json!(true);
                    p["sets_objectives_framework"] = json!(true);
                }
                p
            })
            .collect();
        root.insert("policies".into(), Value::Array(policies));
        let training: Vec<Value> = (0..people)
            .map(|i| json!({"id": format!("t-{i}"), "person": person(i), "topic": "ai_literacy", "completed": g.days_ago(10, 500)}))
            .collect();
        root.insert("training".into(), Value::Array(training));
        root.insert(
            "customers".into(),
            json!([{"id": "cust-0", "name": "Customer 0", "agreement": {"signed": g.days_ago(100, 700), "responsibilities": ["use per instructions"]}, "informed_of_intended_use": true}]),
        );
        root.insert(
            "objectives".into(),
            json!([{"id": "O-1", "statement": "Keep model quality on target", "measure": "accuracy", "owner": person(2), "target_date": "2027-06-30", "status": "on_track", "monitored_on": g.days_ago(10, 90)}]),
        );
        root.insert(
            "changes".into(),
            json!([{"id": "C-1", "description": "Retrain models", "planned_on": g.days_ago(10, 90), "impact_assessed": true, "approved_by": person(0)}]),
        );
        root.insert(
            "metrics".into(),
            json!([{"id": "M-1", "name": "Accuracy", "target": ">= 0.9", "last_measured": g.days_ago(5, 60), "on_target": true}]),
        );
        root.insert(
            "audits".into(),
            json!([{"id": "AU-1", "date": g.days_ago(30, 300), "scope": "AIMS clauses 4-10 and Annex A", "auditor": person(4), "independent": true, "report_issued": true, "findings": 3}]),
        );
        root.insert(
            "management_reviews".into(),
            json!([{"id": "MR-1", "date": g.days_ago(30, 300), "attendees": [person(0), person(1)], "inputs": ["previous_actions", "context_changes", "interested_party_needs", "aims_performance", "nonconformity_status", "monitoring_results", "audit_results", "improvement_opportunities", "risks_and_opportunities"], "decisions": ["keep going"]}]),
        );
        root.insert(
            "nonconformities".into(),
            json!([{"id": "NC-1", "raised": g.days_ago(30, 120), "description": "Late review", "corrective_action": {"description": "Automate reminders", "due": "2026-12-31"}}]),
        );

        let datasets_list: Vec<Value> = (0..datasets)
            .map(|i| {
                let mut d = json!({
                    "id": format!("ds-{i}"), "name": format!("Dataset {i}"), "source": "Internal warehouse",
                    "acquisition_basis": if g.chance(50) { "contract" } else { "legitimate_interest" },
                    "quality_criteria": ["completeness > 99%"],
                    "quality_checked": g.days_ago(10, 500),
                    "provenance_recorded": g.chance(95), "preparation_documented": g.chance(95),
                    "personal_data": g.chance(40),
                });
                if g.chance(90) {
                    d["bias_examined"] = json!(g.chance(90));
                    d["representativeness_checked"] = json!(g.chance(90));
                }
                d
            })
            .collect();
        let suppliers_list: Vec<Value> = (0..suppliers)
            .map(|i| {
                let mut s = json!({"id": format!("sup-{i}"), "name": format!("Supplier {i}"), "provides": "Model components", "assessed_on": g.days_ago(10, 600)});
                if g.chance(85) {
                    s["agreement"] = json!({"signed": g.days_ago(100, 900), "responsibilities": ["data accuracy", "security"], "incident_notification": g.chance(90), "reviewed": g.days_ago(10, 500)});
                }
                s
            })
            .collect();
        let tiers = ["minimal", "limited", "high", "high"];
        let stages = [
            "development",
            "verification",
            "deployment",
            "operation",
            "operation",
        ];
        let systems_list: Vec<Value> = (0..n)
            .map(|i| {
                let tier = tiers[g.pick(tiers.len())];
                let owner = person(2 + g.pick(people - 2));
                let mut s = json!({
                    "id": format!("sys-{i}"), "name": format!("AI system {i}"),
                    "purpose": "Scores applications", "intended_use": "Decision support with human review",
                    "foreseeable_misuse": ["use without human review"],
                    "lifecycle": stages[g.pick(stages.len())],
                    "owner": owner, "developed_in_house": g.chance(70),
                    "eu_role": if g.chance(70) { "provider" } else { "deployer" },
                    "risk_tier": tier,
                    "classification_documented": g.days_ago(10, 400),
                    "prohibited_screening": g.days_ago(10, 400),
                    "resources": {"compute": "cloud GPUs", "tooling": ["python"], "people": [owner], "documented": true},
                    "datasets": ids("ds", &g.some_of(datasets, 3)),
                    "suppliers": ids("sup", &g.some_of(suppliers, 2)),
                    "objectives_documented": g.chance(90),
                    "requirements_spec": {"reference": format!("SPEC-{i}"), "updated": g.days_ago(10, 400), "approved_by": person(1)},
                    "design_doc": {"reference": format!("DES-{i}"), "updated": g.days_ago(10, 400)},
                    "verification": {"date": g.days_ago(10, 400), "criteria_documented": true, "passed": g.chance(92), "accuracy_measured": true, "robustness_tested": g.chance(90), "cybersecurity_tested": g.chance(85)},
                    "deployment_plan": {"reference": format!("DEP-{i}"), "updated": g.days_ago(10, 400)},
                    "monitoring": {"plan_documented": true, "performance_monitored": g.chance(92), "drift_monitored": g.chance(80), "last_review": g.days_ago(5, 300)},
                    "technical_documentation": {"reference": format!("TD-{i}"), "updated": g.days_ago(10, 400), "approved_by": person(1)},
                    "event_logging": {"enabled": g.chance(95), "automatic": true, "retention": "1 year"},
                    "human_oversight": {"measures_documented": g.chance(93), "overseers": [person(3)], "can_override": true, "overseers_trained": g.chance(90)},
                    "user_information": {"instructions_for_use": true, "limitations_disclosed": g.chance(90), "published": g.days_ago(10, 400)},
                    "transparency": {"interacts_with_people": g.chance(30), "discloses_ai_interaction": g.chance(90), "generates_synthetic_content": false, "emotion_recognition": false, "biometric_categorisation": false, "deep_fake": false},
                    "post_market_plan": {"reference": format!("PMM-{i}"), "updated": g.days_before(200)},
                    "affected_persons_informed": g.chance(90),
                    "workers_informed": g.chance(90),
                    "input_data_checked": g.chance(90),
                    "responsible_use_objectives": ["no decision without human review"],
                    "used_per_instructions": g.chance(95),
                });
                if g.chance(90) {
                    s["impact_assessments"] = json!([{
                        "id": format!("IA-{i}"), "date": g.days_ago(10, 600), "assessor": person(2 + g.pick(people - 2)),
                        "covers_individuals": true, "covers_society": g.chance(90), "fundamental_rights": g.chance(85),
                        "findings_addressed": g.chance(85), "documented": true,
                    }]);
                }
                if tier == "high" {
                    s["annex_iii_area"] = json!("5(b)");
                    if g.chance(85) {
                        s["conformity_assessment"] = json!({"completed": g.days_ago(10, 300), "eu_declaration": true, "ce_marking": g.chance(95)});
                    }
                    if g.chance(85) {
                        s["eu_database_registration"] = json!(format!("EU-DB-{i}"));
                    }
                }
                s
            })
            .collect();
        let incidents_list: Vec<Value> = (0..incidents)
            .map(|i| {
                let occurred = g.days_ago(20, 300);
                let mut inc = json!({
                    "id": format!("inc-{i}"), "system": format!("sys-{}", g.pick(n)), "title": format!("Incident {i}"),
                    "occurred": occurred, "became_aware": occurred,
                    "severity": if g.chance(20) { "major" } else { "minor" },
                    "serious": g.chance(15),
                });
                if g.chance(80) {
                    inc["reported_to_authority"] = json!(g.days_ago(0, 19));
                    inc["root_cause"] = json!("Data pipeline change");
                    inc["closed"] = json!(g.days_ago(0, 19));
                }
                inc
            })
            .collect();
        let risks_list: Vec<Value> = (0..risks)
            .map(|i| {
                let mut r = json!({
                    "id": format!("risk-{i}"), "title": format!("Risk {i}"), "system": format!("sys-{}", i % n.max(1)),
                    "likelihood": 1 + g.pick(5), "impact": 1 + g.pick(5),
                    "assessed_on": g.days_ago(10, 500), "owner": person(2 + g.pick(people - 2)),
                });
                if g.chance(85) {
                    r["treatment"] = json!({"option": "mitigate", "controls": ["A.6.2.6"], "implemented": g.chance(80)});
                }
                r
            })
            .collect();
        let mut records = vec![
            ("ai_systems", systems_list),
            ("datasets", datasets_list),
            ("suppliers", suppliers_list),
            ("incidents", incidents_list),
            ("risks", risks_list),
        ];
        if n == 0 {
            // Risks name a system; an organisation without systems has none.
            for (_, list) in &mut records {
                list.clear();
            }
        }
        Org { root, records }
    }

    /// The records of one of the [`RECORD_COLLECTIONS`] (empty for any other name).
    pub fn collection(&self, name: &str) -> &[Value] {
        self.records
            .iter()
            .find(|(c, _)| *c == name)
            .map_or(&[], |(_, l)| l.as_slice())
    }

    /// All facts as one JSON tree, as `input` for a Rego engine or `facts.json` for aimsc.
    pub fn to_value(&self) -> Value {
        let mut all = self.root.clone();
        for (name, list) in &self.records {
            all.insert((*name).to_string(), Value::Array(list.clone()));
        }
        Value::Object(all)
    }

    /// All facts as one YAML document.
    pub fn to_yaml(&self) -> String {
        yaml(&self.to_value())
    }

    /// Writes the organisation under `dir`: an `aims.toml` using the shipped rulesets and the
    /// facts in the given layout. Returns the path of `aims.toml`.
    pub fn write(&self, dir: &Path, layout: Layout) -> io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let facts = match layout {
            Layout::OneFile => {
                std::fs::write(dir.join("facts.yaml"), self.to_yaml())?;
                "facts.yaml"
            }
            Layout::Folder => {
                let root = dir.join("facts");
                std::fs::create_dir_all(&root)?;
                std::fs::write(
                    root.join("aims.yaml"),
                    yaml(&Value::Object(self.root.clone())),
                )?;
                for (name, list) in &self.records {
                    let folder = root.join(name);
                    std::fs::create_dir_all(&folder)?;
                    for rec in list {
                        std::fs::write(folder.join(format!("{}.yaml", record_id(rec))), yaml(rec))?;
                    }
                }
                "facts"
            }
        };
        let toml = dir.join("aims.toml");
        std::fs::write(
            &toml,
            format!(
                "# A synthetic organisation from aimsc-synth; evaluate it --as-of {BASE_DATE}.\nrules = [\"@aimsc\"]\nfacts = \"{facts}\"\n"
            ),
        )?;
        Ok(toml)
    }
}

/// A record's `id` (empty when it has none).
pub fn record_id(rec: &Value) -> &str {
    rec.get("id").and_then(Value::as_str).unwrap_or("")
}

/// A value as YAML text.
pub fn yaml(v: &Value) -> String {
    // Serializing a JSON tree of strings, numbers, booleans, lists and maps cannot fail.
    serde_saphyr::to_string(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_organisation() {
        let cfg = Config {
            systems: 50,
            seed: 3,
        };
        assert_eq!(Org::generate(&cfg).to_yaml(), Org::generate(&cfg).to_yaml());
        let other = Org::generate(&Config { seed: 4, ..cfg });
        assert_ne!(Org::generate(&cfg).to_yaml(), other.to_yaml());
    }

    #[test]
    fn collections_grow_in_proportion() {
        let org = Org::generate(&Config {
            systems: 200,
            seed: 1,
        });
        assert_eq!(org.collection("ai_systems").len(), 200);
        assert_eq!(org.collection("datasets").len(), 200);
        assert_eq!(org.collection("suppliers").len(), 10);
        assert_eq!(org.collection("incidents").len(), 20);
        assert_eq!(org.collection("risks").len(), 200);
        let people = org
            .root
            .get("people")
            .and_then(Value::as_array)
            .map(Vec::len);
        assert_eq!(people, Some(20));
    }
}
