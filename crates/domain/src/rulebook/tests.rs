use super::*;

/// The smallest rulebook the loader accepts; each test breaks it one way.
const MINIMAL: &str = r#"name = "测试规则"

[connection_102]
name = "102"
rule = "R-102"
channels = ["service_center", "business_hall", "online", "hotline"]
roles = ["service_staff", "customer_manager"]

[[connection_102.steps]]
key = "application"
name = "报装申请"
order = 1
handling = "immediate"
starts = "accepted"
roles = ["service_staff", "customer_manager"]
rule = "R-102-5"

[[connection_102.steps]]
key = "gas_on"
name = "开阀通气"
order = 2
handling = "limited"
minimum = "P0.5D"
maximum = "P1D"
clock = "office"
starts = "application.completed"
roles = ["customer_manager"]
rule = "R-102-6"

[[connection_102.limits]]
key = "handover"
name = "转交客户经理"
budget = "PT2H"
clock = "office"
starts = "accepted"
channels = ["service_center", "business_hall"]
step = "application"
rule = "R-102-5"

[[connection_102.limits]]
key = "first_call"
name = "电话联系"
budget = "PT1H"
starts = "accepted"
channels = ["online", "hotline"]
rule = "R-102-5/R-SV2"

[[connection_102.limits]]
key = "gas_on"
name = "受理至通气"
budget = "P1D"
minimum = "P0.5D"
starts = "accepted"
rule = "R-102-1"

[[connection_102.limits]]
key = "stall_follow_up"
name = "搁置跟进"
budget = "P2D"
starts = "awaiting_applicant"
rule = "R-SV3"

[[connection_102.materials]]
key = "business_licence"
name = "营业执照"
waivable = true
rule = "R-102-2"

[one_stop]
name = "一站式"
rule = "R-OS"
channels = ["online"]
roles = ["customer_manager", "designer"]

[[one_stop.steps]]
key = "registration"
name = "登记受理"
order = 1
handling = "immediate"
starts = "accepted"
roles = ["customer_manager"]
rule = "R-OS-1"

[[one_stop.materials]]
key = "m1"
name = "材料一"
rule = "R-OS-0"

[[one_stop.materials]]
key = "m2"
name = "材料二"
rule = "R-OS-0"

[[one_stop.materials]]
key = "m3"
name = "材料三"
rule = "R-OS-0"

[[one_stop.steps]]
key = "survey_design"
name = "踏勘设计"
order = 10
handling = "limited"
maximum = "PT7H"
starts = "registration.completed"
roles = ["customer_manager"]
rule = "R-OS-2"

[[one_stop.steps]]
key = "contract_payment"
name = "签约缴费"
order = 11
handling = "immediate"
starts = "survey_design.completed"
roles = ["customer_manager"]
rule = "R-OS-3"

[[one_stop.steps]]
key = "construction_gas_on"
name = "施工通气"
order = 12
handling = "limited"
maximum = "P2D"
starts = "contract_payment.completed"
roles = ["customer_manager"]
rule = "R-OS-4"

[new_community]
name = "小区"
rule = "R-NC"
channels = ["hotline"]
roles = ["customer_manager"]

[[new_community.steps]]
key = "registration"
name = "登记受理"
order = 1
handling = "immediate"
starts = "accepted"
roles = ["customer_manager"]
rule = "R-NC-1"

[service]
rule = "R-SV"
"#;

/// 1-based line of the first line of `src` containing `needle`.
fn line_of(src: &str, needle: &str) -> usize {
    src.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in the test rulebook"))
        + 1
}

/// `MINIMAL` with `old` replaced by `new`; `old` must occur exactly once.
fn edit(old: &str, new: &str) -> String {
    assert_eq!(MINIMAL.matches(old).count(), 1, "{old:?} must be unique");
    MINIMAL.replace(old, new)
}

fn errors(src: &str) -> Vec<RuleError> {
    match Rulebook::parse(src) {
        Ok(_) => panic!("accepted a broken rulebook:\n{src}"),
        Err(RulebookErrors(errors)) => errors,
    }
}

/// The one error of `src`, checked to be on `line` and to mention `words`.
fn single_error(src: &str, line: usize, words: &str) -> RuleError {
    let errs = errors(src);
    assert_eq!(errs.len(), 1, "expected one error, got {errs:#?}");
    let e = errs.into_iter().next().unwrap();
    assert_eq!(e.line, line, "wrong line for {e:?}");
    assert!(e.message.contains(words), "{:?} lacks {words:?}", e.message);
    e
}

#[test]
fn minimal_rulebook_parses() {
    let book = Rulebook::parse(MINIMAL).unwrap();
    assert_eq!(book.name(), "测试规则");
    let l102 = book.line(ServiceLine::Connection102).unwrap();
    assert_eq!(l102.steps.len(), 2);
    let first_call = book
        .limit(ServiceLine::Connection102, "first_call")
        .unwrap();
    assert_eq!(first_call.clock, Clock::Office, "clock defaults to office");
    assert!(first_call.applies_to(Channel::Hotline));
    assert!(!first_call.applies_to(Channel::BusinessHall));
    assert!(
        book.limit(ServiceLine::Connection102, "gas_on")
            .unwrap()
            .applies_to(Channel::Online)
    );
    assert!(book.limit(ServiceLine::OneStop, "handover").is_none());
}

#[test]
fn unknown_key() {
    let src = edit(
        "name = \"开阀通气\"\n",
        "name = \"开阀通气\"\ncolour = \"red\"\n",
    );
    let e = single_error(&src, line_of(&src, "colour"), "unknown key `colour`");
    assert_eq!(e.path, "connection_102.steps[1].colour");
    assert_eq!(e.column, 1);
}

#[test]
fn unknown_top_level_key() {
    let src = format!("title = \"x\"\n{MINIMAL}");
    let e = single_error(&src, 1, "unknown key `title`");
    assert_eq!(e.path, "title");
}

#[test]
fn bad_duration() {
    let src = edit("budget = \"PT2H\"", "budget = \"PT2X\"");
    let e = single_error(&src, line_of(&src, "PT2X"), "invalid duration");
    assert_eq!(e.path, "connection_102.limits[0].budget");
    assert_eq!(e.column, "budget = ".len() + 1);
}

#[test]
fn duration_of_the_wrong_type() {
    let src = edit("budget = \"PT2H\"", "budget = 2");
    single_error(
        &src,
        line_of(&src, "budget = 2"),
        "expected a string, found integer",
    );
}

#[test]
fn zero_duration() {
    let src = edit("budget = \"PT1H\"", "budget = \"PT0S\"");
    single_error(&src, line_of(&src, "PT0S"), "greater than zero");
}

#[test]
fn durations_are_bounded() {
    for (old, new, words) in [
        (
            "budget = \"P1D\"",
            "budget = \"P999999D\"",
            "P999999D is longer than P60D",
        ),
        (
            "budget = \"P1D\"",
            "budget = \"P60.001D\"",
            "P60.001D is longer than P60D",
        ),
        (
            "budget = \"PT2H\"",
            "budget = \"PT421H\"",
            "PT421H is longer than P60D",
        ),
        (
            "maximum = \"P1D\"",
            "maximum = \"P61D\"",
            "P61D is longer than P60D",
        ),
        (
            "budget = \"PT1H\"",
            "budget = \"PT59S\"",
            "PT59S is shorter than PT1M",
        ),
    ] {
        let src = edit(old, new);
        let quoted = new.split_once(" = ").unwrap().1;
        let e = single_error(&src, line_of(&src, new), words);
        assert_eq!(
            e.column,
            src.lines().nth(e.line - 1).unwrap().find(quoted).unwrap() + 1
        );
    }
    // The bounds themselves are accepted.
    for (old, new) in [
        ("budget = \"P2D\"", "budget = \"P60D\""),
        ("budget = \"PT2H\"", "budget = \"PT420H\""),
        ("budget = \"PT1H\"", "budget = \"PT1M\""),
    ] {
        let src = edit(old, new);
        assert!(Rulebook::parse(&src).is_ok(), "{new}");
    }
}

#[test]
fn unknown_clock() {
    let src = edit(
        "clock = \"office\"\nstarts = \"accepted\"",
        "clock = \"lunar\"\nstarts = \"accepted\"",
    );
    let e = single_error(&src, line_of(&src, "lunar"), "unknown clock \"lunar\"");
    assert!(e.message.contains("office, 24x7"));
}

#[test]
fn twenty_four_seven_clock() {
    let src = edit(
        "clock = \"office\"\nstarts = \"accepted\"",
        "clock = \"24x7\"\nstarts = \"accepted\"",
    );
    let book = Rulebook::parse(&src).unwrap();
    let handover = book.limit(ServiceLine::Connection102, "handover").unwrap();
    assert_eq!(handover.clock, Clock::TwentyFourSeven);
}

#[test]
fn unknown_role() {
    let src = edit(
        "roles = [\"customer_manager\", \"designer\"]",
        "roles = [\"customer_manager\", \"wizard\"]",
    );
    let e = single_error(&src, line_of(&src, "wizard"), "unknown role \"wizard\"");
    assert_eq!(e.path, "one_stop.roles[1]");
}

#[test]
fn step_role_not_in_line() {
    let src = edit(
        "roles = [\"customer_manager\"]\nrule = \"R-102-6\"",
        "roles = [\"designer\"]\nrule = \"R-102-6\"",
    );
    single_error(
        &src,
        line_of(&src, "[\"designer\"]"),
        "not among the line's roles",
    );
}

#[test]
fn unknown_channel() {
    let src = edit(
        "channels = [\"online\", \"hotline\"]",
        "channels = [\"online\", \"fax\"]",
    );
    let e = single_error(&src, line_of(&src, "\"fax\""), "unknown channel \"fax\"");
    assert_eq!(e.path, "connection_102.limits[1].channels[1]");
}

#[test]
fn office_is_not_an_intake_channel() {
    let src = edit(
        "channels = [\"online\"]",
        "channels = [\"online\", \"office\"]",
    );
    single_error(
        &src,
        line_of(&src, "\"office\"]"),
        "not a channel of intake",
    );
}

#[test]
fn limit_channel_not_in_line() {
    let src = edit(
        "channels = [\"service_center\", \"business_hall\", \"online\", \"hotline\"]",
        "channels = [\"service_center\", \"business_hall\", \"online\"]",
    );
    let line = line_of(&src, "channels = [\"online\", \"hotline\"]");
    let e = single_error(&src, line, "not among the line's channels");
    assert_eq!(e.path, "connection_102.limits[1].channels");
}

#[test]
fn duplicate_step_key() {
    let src = edit(
        "[[one_stop.materials]]\nkey = \"m1\"",
        "[[one_stop.steps]]\nkey = \"registration\"\nname = \"重复\"\norder = 2\n\
         handling = \"immediate\"\nstarts = \"accepted\"\nroles = [\"designer\"]\n\
         rule = \"R-OS-1\"\n\n[[one_stop.materials]]\nkey = \"m1\"",
    );
    let e = single_error(
        &src,
        line_of(&src, "name = \"重复\"") - 1,
        "duplicate step key",
    );
    assert!(
        e.message
            .contains(&format!("line {}", line_of(&src, "key = \"registration\"")))
    );
    assert_eq!(e.path, "one_stop.steps[1].key");
}

#[test]
fn duplicate_limit_key() {
    let src = edit("key = \"first_call\"", "key = \"handover\"");
    let errs = errors(&src);
    let dup = errs
        .iter()
        .find(|e| e.message.contains("duplicate limit key"))
        .unwrap();
    assert_eq!(dup.line, line_of(&src, "name = \"电话联系\"") - 1);
    // The real first_call is now missing too, which the 102 line needs.
    let missing = errs
        .iter()
        .find(|e| e.message.contains("`first_call`"))
        .unwrap();
    assert_eq!(missing.line, line_of(&src, "[connection_102]"));
    assert_eq!(errs.len(), 2);
}

#[test]
fn duplicate_step_order() {
    let src = edit(
        "order = 2\nhandling = \"limited\"",
        "order = 1\nhandling = \"limited\"",
    );
    let errs = errors(&src);
    assert_eq!(errs[0].line, line_of(&src, "name = \"开阀通气\"") + 1);
    assert!(errs[0].message.contains("already has order 1"));
}

#[test]
fn minimum_above_maximum() {
    let src = edit(
        "minimum = \"P0.5D\"\nmaximum = \"P1D\"",
        "minimum = \"P2D\"\nmaximum = \"P1D\"",
    );
    let e = single_error(
        &src,
        line_of(&src, "minimum = \"P2D\""),
        "longer than maximum",
    );
    assert_eq!(e.path, "connection_102.steps[1].minimum");
}

#[test]
fn minimum_above_budget_across_units() {
    // Half a working day (3.5 h) is more than two hours.
    let src = edit(
        "budget = \"PT2H\"",
        "budget = \"PT2H\"\nminimum = \"P0.5D\"",
    );
    let e = single_error(
        &src,
        line_of(&src, "budget = \"PT2H\"") + 1,
        "longer than budget",
    );
    assert_eq!(e.path, "connection_102.limits[0].minimum");
}

#[test]
fn limited_step_needs_maximum() {
    let src = edit("maximum = \"P1D\"\n", "");
    single_error(
        &src,
        line_of(&src, "handling = \"limited\""),
        "needs a `maximum`",
    );
}

#[test]
fn limit_on_unknown_step() {
    let src = edit("step = \"application\"", "step = \"survey\"");
    let e = single_error(&src, line_of(&src, "step = \"survey\""), "no step `survey`");
    assert_eq!(e.path, "connection_102.limits[0].step");
}

#[test]
fn limit_starting_on_unknown_step() {
    let src = edit(
        "starts = \"awaiting_applicant\"",
        "starts = \"survey.completed\"",
    );
    single_error(&src, line_of(&src, "survey.completed"), "no step `survey`");
}

#[test]
fn unknown_event() {
    let src = edit("starts = \"awaiting_applicant\"", "starts = \"whenever\"");
    single_error(
        &src,
        line_of(&src, "whenever"),
        "unknown event \"whenever\"",
    );
}

#[test]
fn step_starting_on_a_later_step() {
    let src = edit(
        "handling = \"immediate\"\nstarts = \"accepted\"\nroles = [\"service_staff\"",
        "handling = \"immediate\"\nstarts = \"gas_on.completed\"\nroles = [\"service_staff\"",
    );
    single_error(&src, line_of(&src, "gas_on.completed"), "not earlier");
}

#[test]
fn missing_line() {
    let start = MINIMAL.find("[new_community]").unwrap();
    let end = MINIMAL.find("[service]").unwrap();
    let src = format!("{}{}", &MINIMAL[..start], &MINIMAL[end..]);
    let e = single_error(&src, 1, "missing service line `new_community`");
    assert_eq!(e.column, 1);
}

#[test]
fn line_without_steps() {
    let start = MINIMAL.find("[[new_community.steps]]").unwrap();
    let end = MINIMAL.find("[service]").unwrap();
    let src = format!("{}{}", &MINIMAL[..start], &MINIMAL[end..]);
    single_error(&src, line_of(&src, "[new_community]"), "at least one step");
    let src = src.replace(
        "roles = [\"customer_manager\"]\n\n[service]",
        "roles = [\"customer_manager\"]\nsteps = []\n\n[service]",
    );
    single_error(&src, line_of(&src, "[new_community]"), "at least one step");
}

#[test]
fn missing_required_field() {
    // The one-stop registration step loses its name.
    let step = "name = \"登记受理\"\norder = 1\nhandling = \"immediate\"\n\
                starts = \"accepted\"\nroles = [\"customer_manager\"]\nrule = \"R-OS-1\"";
    let src = edit(step, step.strip_prefix("name = \"登记受理\"\n").unwrap());
    let e = single_error(&src, line_of(&src, "[[one_stop.steps]]"), "missing `name`");
    assert_eq!(e.path, "one_stop.steps[0]");
}

#[test]
fn fee_on_connection_102() {
    let src = format!(
        "{MINIMAL}\n[[connection_102.fees]]\nkey = \"gas_on\"\nname = \"通气费\"\n\
         rule = \"R-102-4\"\n"
    );
    let e = single_error(&src, line_of(&src, "[[connection_102.fees]]"), "R-102-4");
    assert_eq!(e.path, "connection_102.fees[0]");
}

#[test]
fn fees_allowed_elsewhere() {
    let src = format!(
        "{MINIMAL}\n[[one_stop.fees]]\nkey = \"engineering\"\nname = \"工程费\"\n\
         rule = \"R-OS-3\"\n"
    );
    let book = Rulebook::parse(&src).unwrap();
    assert_eq!(book.line(ServiceLine::OneStop).unwrap().fees.len(), 1);
}

#[test]
fn more_than_three_one_stop_materials() {
    let src = format!(
        "{MINIMAL}\n[[one_stop.materials]]\nkey = \"m4\"\nname = \"材料四\"\nrule = \"R-OS-0\"\n"
    );
    let e = single_error(
        &src,
        line_of(&src, "key = \"m4\"") - 1,
        "at most 3 materials",
    );
    assert_eq!(e.path, "one_stop.materials[3]");
}

#[test]
fn connection_102_with_three_steps() {
    let src = format!(
        "{MINIMAL}\n[[connection_102.steps]]\nkey = \"survey\"\nname = \"踏勘\"\norder = 3\n\
         handling = \"immediate\"\nstarts = \"accepted\"\nroles = [\"customer_manager\"]\n\
         rule = \"R-102-3\"\n"
    );
    let e = single_error(
        &src,
        line_of(&src, "key = \"survey\"") - 1,
        "exactly two steps",
    );
    assert!(e.message.contains("found 3"));
}

#[test]
fn connection_102_with_one_step() {
    let start = MINIMAL
        .find("[[connection_102.steps]]\nkey = \"gas_on\"")
        .unwrap();
    let end = MINIMAL.find("[[connection_102.limits]]").unwrap();
    let src = format!("{}{}", &MINIMAL[..start], &MINIMAL[end..]);
    let e = single_error(&src, line_of(&src, "[connection_102]"), "exactly two steps");
    assert!(e.message.contains("found 1"));
}

#[test]
fn connection_102_steps_with_other_keys() {
    let src = edit(
        "key = \"gas_on\"\nname = \"开阀通气\"",
        "key = \"valve\"\nname = \"开阀通气\"",
    );
    let e = single_error(
        &src,
        line_of(&src, "[connection_102]"),
        "`application` then `gas_on`",
    );
    assert!(e.message.contains("found application, valve"));
}

#[test]
fn connection_102_with_a_required_material() {
    let src = edit("waivable = true", "waivable = false");
    let e = single_error(&src, line_of(&src, "waivable = false"), "R-102-2");
    assert_eq!(e.path, "connection_102.materials[0].waivable");
    // Leaving the flag out means required, and is refused the same way.
    let src = edit("waivable = true\n", "");
    single_error(
        &src,
        line_of(&src, "key = \"business_licence\"") - 1,
        "R-102-2",
    );
}

#[test]
fn connection_102_without_a_limit_the_workflow_needs() {
    let start = MINIMAL
        .find("[[connection_102.limits]]\nkey = \"stall_follow_up\"")
        .unwrap();
    let end = MINIMAL.find("[[connection_102.materials]]").unwrap();
    let src = format!("{}{}", &MINIMAL[..start], &MINIMAL[end..]);
    single_error(
        &src,
        line_of(&src, "[connection_102]"),
        "missing limit `stall_follow_up`",
    );
}

#[test]
fn bad_rule_reference() {
    let src = edit("rule = \"R-SV3\"", "rule = \"SV3\"");
    single_error(&src, line_of(&src, "\"SV3\""), "rule IDs");
}

#[test]
fn bad_key_spelling() {
    let src = edit("key = \"m2\"", "key = \"Material Two\"");
    single_error(&src, line_of(&src, "Material Two"), "lowercase letters");
}

#[test]
fn syntax_error_has_its_place() {
    let src = edit("order = 2\n", "order = \n");
    let errs = errors(&src);
    assert!(!errs.is_empty());
    let line = line_of(&src, "name = \"开阀通气\"") + 1;
    assert_eq!(errs[0].line, line, "{errs:#?}");
    assert_eq!(errs[0].path, "");
}

#[test]
fn reports_every_error_in_file_order() {
    let src = MINIMAL
        .replace("budget = \"PT2H\"", "budget = \"2 hours\"")
        .replace(
            "clock = \"office\"\nstarts = \"application",
            "clock = \"moon\"\nstarts = \"application",
        )
        .replace("key = \"m3\"", "key = \"m3\"\nsize = 3");
    let errs = errors(&src);
    let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
    assert_eq!(
        lines,
        vec![
            line_of(&src, "moon"),
            line_of(&src, "2 hours"),
            line_of(&src, "size = 3")
        ],
        "{errs:#?}"
    );
    let shown = RulebookErrors(errs).to_string();
    let first = shown.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "{}:9: connection_102.steps[1].clock: unknown clock \"moon\"; expected one of: \
             office, 24x7",
            line_of(&src, "moon")
        )
    );
    assert_eq!(shown.lines().count(), 3);
}

#[test]
fn columns_count_characters() {
    let fees = "fees = [{ name = \"工程费\", key = \"Bad\", rule = \"R-OS-3\" }]";
    let src = edit("rule = \"R-OS\"\n", &format!("rule = \"R-OS\"\n{fees}\n"));
    let e = single_error(&src, line_of(&src, fees), "lowercase letters");
    assert_eq!(e.path, "one_stop.fees[0].key");
    let before = &fees[..fees.find("\"Bad\"").unwrap()];
    assert_eq!(e.column, before.chars().count() + 1);
}

#[test]
fn service_line_names() {
    for line in ServiceLine::ALL {
        assert_eq!(line.as_str().parse::<ServiceLine>().unwrap(), line);
        let json = serde_json::to_string(&line).unwrap();
        assert_eq!(json, format!("\"{}\"", line.as_str()));
    }
    assert!("connection102".parse::<ServiceLine>().is_err());
    assert_eq!(
        serde_json::to_string(&Clock::TwentyFourSeven).unwrap(),
        "\"24x7\""
    );
}
