//! The peer's whole process: a small regorus command line, as an OPA user runs `opa eval`.
//!
//! `regorus-run POLICY.rego INPUT AS_OF QUERY` reads the policy and the input (JSON, or YAML by
//! extension), sets `input.as_of`, evaluates the query and prints the result as JSON on one
//! line. Exit code 2 on any error.

use std::process::ExitCode;

fn run(args: &[String]) -> Result<String, String> {
    let [policy, input, as_of, query] = args else {
        return Err("usage: regorus-run POLICY.rego INPUT AS_OF QUERY".into());
    };
    let rego = std::fs::read_to_string(policy).map_err(|e| format!("{policy}: {e}"))?;
    let text = std::fs::read_to_string(input).map_err(|e| format!("{input}: {e}"))?;
    let mut value = if input.ends_with(".yaml") {
        regorus::Value::from_yaml_str(&text)
    } else {
        regorus::Value::from_json_str(&text)
    }
    .map_err(|e| format!("{input}: {e}"))?;
    if let Ok(map) = value.as_object_mut() {
        map.insert(
            regorus::Value::from("as_of"),
            regorus::Value::from(as_of.as_str()),
        );
    }
    let mut engine = regorus::Engine::new();
    engine
        .add_policy(policy.clone(), rego)
        .map_err(|e| format!("{policy}: {e}"))?;
    engine.set_input(value);
    let result = engine
        .eval_rule(query.clone())
        .map_err(|e| format!("{query}: {e}"))?;
    result.to_json_str().map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("regorus-run: {e}");
            ExitCode::from(2)
        }
    }
}
