//! The shipped county rulebook says what the regulation says.

use gasdesk_calendar::WorkDuration;
use gasdesk_domain::rulebook::{
    ApplicantKind, COUNTY_DEFAULT_TOML, Clock, Handling, Rulebook, ServiceLine,
};
use gasdesk_domain::{Channel, Role};

fn d(s: &str) -> WorkDuration {
    s.parse().unwrap()
}

#[test]
fn shipped_file_parses() {
    if let Err(errors) = Rulebook::parse(COUNTY_DEFAULT_TOML) {
        panic!("county-default.toml:\n{errors}");
    }
    let book = Rulebook::county_default();
    assert_eq!(book.name(), "卢氏县燃气报装“102”标准及一站式服务管理办法");
    assert_eq!(book.issuer(), "卢氏县住房和城乡建设局");
    assert_eq!(book.published().unwrap().to_string(), "2024-06-11");
    assert_eq!(book.lines().len(), 3);
}

#[test]
fn connection_102_limits() {
    let book = Rulebook::county_default();
    let line = ServiceLine::Connection102;

    let handover = book.limit(line, "handover").unwrap();
    assert_eq!(handover.budget, WorkDuration::hours(2));
    assert_eq!(handover.clock, Clock::Office);
    assert_eq!(handover.starts, "accepted");
    assert_eq!(
        handover.channels,
        [Channel::ServiceCenter, Channel::BusinessHall]
    );
    assert!(handover.rule.contains("R-102-5"));

    let first_call = book.limit(line, "first_call").unwrap();
    assert_eq!(first_call.budget, WorkDuration::hours(1));
    assert_eq!(first_call.clock, Clock::Office);
    assert_eq!(first_call.starts, "accepted");
    assert_eq!(first_call.channels, [Channel::Online, Channel::Hotline]);
    assert!(first_call.rule.contains("R-102-5") && first_call.rule.contains("R-SV2"));

    let gas_on = book.limit(line, "gas_on").unwrap();
    assert_eq!(gas_on.budget, WorkDuration::days(1));
    assert_eq!(gas_on.minimum, Some(d("P0.5D")));
    assert_eq!(gas_on.clock, Clock::Office);
    assert_eq!(gas_on.starts, "accepted");
    assert!(gas_on.channels.is_empty(), "applies to every channel");
    assert!(Channel::INTAKE.iter().all(|c| gas_on.applies_to(*c)));
    assert!(gas_on.rule.contains("R-102-1") && gas_on.rule.contains("R-102-6"));

    let stall = book.limit(line, "stall_follow_up").unwrap();
    assert_eq!(stall.budget, WorkDuration::days(2));
    assert_eq!(stall.clock, Clock::Office);
    assert!(stall.rule.contains("R-SV3"));
}

#[test]
fn connection_102_is_two_steps_no_documents_no_fee() {
    let book = Rulebook::county_default();
    let rules = book.line(ServiceLine::Connection102).unwrap();
    let keys: Vec<&str> = rules.steps.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, ["application", "gas_on"]);
    assert_eq!(rules.steps[0].name, "报装申请");
    assert_eq!(rules.steps[1].name, "开阀通气");
    assert_eq!(rules.steps[1].minimum, Some(d("P0.5D")));
    assert_eq!(rules.steps[1].maximum, Some(d("P1D")));
    assert_eq!(rules.required_materials().count(), 0);
    assert!(rules.fees.is_empty());
    assert_eq!(rules.channels, Channel::INTAKE);
}

#[test]
fn one_stop_steps_and_materials() {
    let book = Rulebook::county_default();
    let rules = book.line(ServiceLine::OneStop).unwrap();
    let steps: Vec<(&str, Option<WorkDuration>, Option<WorkDuration>)> = rules
        .steps
        .iter()
        .map(|s| (s.key.as_str(), s.minimum, s.maximum))
        .collect();
    assert_eq!(
        steps,
        [
            ("registration", None, None),
            ("survey_design", Some(d("P0.5D")), Some(d("P1D"))),
            ("contract_payment", None, Some(d("P0.5D"))),
            ("construction_gas_on", Some(d("P0.5D")), Some(d("P2D"))),
        ]
    );
    let online = book.limit(ServiceLine::OneStop, "online_response").unwrap();
    assert_eq!(online.budget, WorkDuration::hours(2));
    assert_eq!(online.channels, [Channel::Online]);
    assert_eq!(online.step.as_deref(), Some("registration"));
    let survey = rules.step("survey_design").unwrap();
    assert!(survey.roles.contains(&Role::Designer));
    assert!(survey.roles.contains(&Role::ConstructionUnit));

    assert!(rules.materials.len() <= 3);
    let licence = rules.material("business_licence").unwrap();
    assert!(licence.waivable);
    assert!(!licence.needed_from(ApplicantKind::Institution));
    assert!(!licence.needed_from(ApplicantKind::MilitaryUnit));
    assert!(licence.needed_from(ApplicantKind::Enterprise));
    assert!(!rules.material("appliance_list").unwrap().waivable);
    let plan = rules.material("floor_plan").unwrap();
    assert!(plan.note.contains("技术参数"));
    assert_eq!(rules.extended_services.len(), 3);
    assert!(rules.agency_services.iter().all(|s| s.free));
}

#[test]
fn new_community_design_limits() {
    let book = Rulebook::county_default();
    let rules = book.line(ServiceLine::NewCommunity).unwrap();
    let keys: Vec<&str> = rules.steps.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "registration",
            "design_cooperation",
            "contract",
            "construction",
            "acceptance_gas_on"
        ]
    );
    assert_eq!(
        rules.step("design_cooperation").unwrap().handling,
        Handling::Cooperative
    );
    assert_eq!(
        rules.step("acceptance_gas_on").unwrap().maximum,
        Some(d("P2D"))
    );
    for (key, budget) in [
        ("developer_contact", "P0.5D"),
        ("design_plan", "P2D"),
        ("building_drawings", "P2D"),
        ("courtyard_drawings", "P1D"),
    ] {
        let limit = rules.limit(key).unwrap();
        assert_eq!(limit.budget, d(budget), "{key}");
        assert_eq!(limit.step.as_deref(), Some("design_cooperation"), "{key}");
    }
    let keys: Vec<&str> = rules.materials.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(keys, ["developer_licence", "planning_permit"]);
    assert!(rules.materials.iter().all(|m| m.waivable && m.shareable));
    assert_eq!(rules.fees[0].key, "supporting_construction");
}

#[test]
fn service_rules_and_indicators() {
    let book = Rulebook::county_default();
    let service = book.service();
    assert!(service.first_contact_responsibility);
    let keys: Vec<&str> = service
        .after_gas_on
        .iter()
        .map(|o| o.key.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "satisfaction_survey",
            "safety_inspection",
            "safety_training"
        ]
    );
    assert_eq!(book.kpis().len(), 8);
    assert!(book.kpis().iter().all(|k| k.target_percent == 100));
    for line in ServiceLine::ALL {
        let stall = book.limit(line, "stall_follow_up").unwrap();
        assert_eq!(stall.budget, WorkDuration::days(2), "{line}");
    }
}

#[test]
fn every_entry_names_its_rule() {
    let book = Rulebook::county_default();
    for line in book.lines() {
        assert!(line.rule.starts_with("R-"));
        for s in &line.steps {
            assert!(s.rule.starts_with("R-"), "{}", s.key);
        }
        for l in &line.limits {
            assert!(l.rule.starts_with("R-"), "{}", l.key);
        }
        for m in &line.materials {
            assert!(m.rule.starts_with("R-"), "{}", m.key);
        }
    }
}

#[test]
fn an_absurd_gas_on_budget_is_refused_where_it_is_written() {
    let gas_on = "key = \"gas_on\"\nname = \"受理至通气\"\nbudget = \"P1D\"";
    assert_eq!(COUNTY_DEFAULT_TOML.matches(gas_on).count(), 1);
    let edited = COUNTY_DEFAULT_TOML.replace(
        gas_on,
        "key = \"gas_on\"\nname = \"受理至通气\"\nbudget = \"P999999D\"",
    );
    let errors = Rulebook::parse(&edited).unwrap_err();
    let line = 1 + edited
        .lines()
        .position(|l| l == "budget = \"P999999D\"")
        .unwrap();
    assert_eq!(
        errors.to_string(),
        format!(
            "{line}:10: connection_102.limits[2].budget: P999999D is longer than P60D \
             (60 working days of 7 hours), the longest duration a rulebook may set"
        )
    );
}
