//! Reading and checking a rulebook file.

use super::reader::{Doc, Sp, Table, duration_seconds};
use super::*;
use toml::de::DeTable;

const ROOT_KEYS: &[&str] = &[
    "name",
    "issuer",
    "published",
    "connection_102",
    "one_stop",
    "new_community",
    "service",
    "kpis",
];
const LINE_KEYS: &[&str] = &[
    "name",
    "rule",
    "channels",
    "roles",
    "steps",
    "limits",
    "materials",
    "fees",
    "extended_services",
    "agency_services",
];
const STEP_KEYS: &[&str] = &[
    "key",
    "name",
    "order",
    "handling",
    "minimum",
    "maximum",
    "clock",
    "starts",
    "roles",
    "rule",
    "description",
];
const LIMIT_KEYS: &[&str] = &[
    "key", "name", "budget", "minimum", "clock", "starts", "channels", "step", "rule",
];
const MATERIAL_KEYS: &[&str] = &[
    "key",
    "name",
    "waivable",
    "shareable",
    "not_held_by",
    "note",
    "rule",
];
const FEE_KEYS: &[&str] = &["key", "name", "note", "rule"];
const SERVICE_ITEM_KEYS: &[&str] = &["key", "name", "free", "note", "rule"];
const SERVICE_KEYS: &[&str] = &["first_contact_responsibility", "rule", "after_gas_on"];
const OBLIGATION_KEYS: &[&str] = &["key", "name", "per", "budget", "clock", "note", "rule"];
const KPI_KEYS: &[&str] = &["key", "name", "target_percent", "note", "rule"];

/// R-OS-0: the one-stop service asks for three materials at most.
const ONE_STOP_MAX_MATERIALS: usize = 3;

pub(super) fn parse(source: &str) -> Result<Rulebook, RulebookErrors> {
    let doc = Doc::new(source);
    let (root, syntax_errors) = DeTable::parse_recoverable(source);
    if !syntax_errors.is_empty() {
        for e in &syntax_errors {
            let span = e.span().unwrap_or(0..0);
            doc.error(&span, "", e.message().trim());
        }
        return Err(RulebookErrors(doc.into_errors()));
    }
    let book = read_rulebook(&doc, root.get_ref());
    match book {
        Some(book) if !doc.has_errors() => Ok(book),
        _ => {
            if !doc.has_errors() {
                doc.error(&(0..0), "", "rulebook incomplete");
            }
            Err(RulebookErrors(doc.into_errors()))
        }
    }
}

fn read_rulebook<'a>(doc: &'a Doc<'a>, root: &'a DeTable<'a>) -> Option<Rulebook> {
    let t = Table::new(doc, root, 0..0, String::new(), ROOT_KEYS);
    let name = t.text("name");
    let issuer = t.note("issuer");
    let published = t.date("published");
    let mut lines = Vec::new();
    for line in ServiceLine::ALL {
        let key = line.as_str();
        if root.get(key).is_none() {
            t.error(format!(
                "missing service line `{key}`: add a [{key}] table ({})",
                line.name_zh()
            ));
            continue;
        }
        if let Some(lt) = t.table(key, true, LINE_KEYS) {
            lines.push(read_line(&lt, line));
        }
    }
    let service = t
        .table("service", true, SERVICE_KEYS)
        .and_then(|s| read_service(&s));
    let kpis = read_kpis(&t);
    let lines = lines.into_iter().collect::<Option<Vec<_>>>()?;
    (lines.len() == ServiceLine::ALL.len()).then_some(())?;
    Some(Rulebook {
        name: name?,
        issuer,
        published,
        lines,
        service: service?,
        kpis: kpis?,
    })
}

/// Keys already used in one list, to refuse a second item with the same key.
struct Keys {
    what: &'static str,
    seen: Vec<(String, usize)>,
}

impl Keys {
    fn new(what: &'static str) -> Self {
        Keys {
            what,
            seen: Vec::new(),
        }
    }

    /// Reads the item's `key`, which must be a snake_case identifier not
    /// used before in the same list.
    fn read(&mut self, t: &Table<'_>) -> Option<Sp<String>> {
        let key = t.string("key", true)?;
        if !is_identifier(&key.value) {
            t.error_at(
                &key.span,
                "key",
                format!(
                    "{} key \"{}\" must be lowercase letters, digits and _ (e.g. gas_on)",
                    self.what, key.value
                ),
            );
            return None;
        }
        if let Some((_, line)) = self.seen.iter().find(|(k, _)| *k == key.value) {
            t.error_at(
                &key.span,
                "key",
                format!(
                    "duplicate {} key `{}` (first defined on line {line})",
                    self.what, key.value
                ),
            );
            return None;
        }
        self.seen
            .push((key.value.clone(), t.doc().line_of(&key.span)));
        Some(key)
    }

    fn contains(&self, key: &str) -> bool {
        self.seen.iter().any(|(k, _)| k == key)
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A rule reference such as `R-102-5` or `R-102-5/R-SV2`.
fn read_rule(t: &Table<'_>) -> Option<String> {
    let rule = t.string("rule", true)?;
    let valid = rule.value.split('/').all(|part| {
        part.strip_prefix("R-").is_some_and(|id| {
            !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
    });
    if !valid {
        t.error_at(
            &rule.span,
            "rule",
            format!(
                "rule \"{}\" should name rule IDs such as \"R-102-5\" or \"R-102-5/R-SV2\"",
                rule.value
            ),
        );
        return None;
    }
    Some(rule.value)
}

fn values<T: Copy>(list: &[Sp<T>]) -> Vec<T> {
    list.iter().map(|s| s.value).collect()
}

fn read_line(t: &Table<'_>, line: ServiceLine) -> Option<LineRules> {
    let name = t.text("name");
    let rule = read_rule(t);
    let channels = t.named_list::<Channel>("channels", true);
    if let Some(channels) = &channels {
        if channels.is_empty() {
            t.error("`channels` may not be empty: list where applications are taken in");
        }
        for c in channels.iter().filter(|c| !c.value.is_intake()) {
            t.error_at(&c.span, "channels", "`office` is not a channel of intake");
        }
    }
    let roles = t.named_list::<Role>("roles", true);
    if roles.as_ref().is_some_and(|r| r.is_empty()) {
        t.error("`roles` may not be empty");
    }
    let line_roles = roles.as_deref().map(values);
    let line_channels = channels.as_deref().map(values);

    let steps = read_steps(t, line_roles.as_deref());
    let step_keys = steps.keys;
    let mut limit_keys = Keys::new("limit");
    let limits: Vec<Option<TimeLimit>> = t
        .tables("limits", LIMIT_KEYS)
        .iter()
        .map(|lt| read_limit(lt, &mut limit_keys, &step_keys, line_channels.as_deref()))
        .collect();
    let materials = read_materials(t, line);
    let fees = read_fees(t, line);
    let extended_services = read_services(t, "extended_services");
    let agency_services = read_services(t, "agency_services");

    if line == ServiceLine::Connection102 {
        check_102(t, &steps.tables, &steps.built, &limit_keys);
    }
    if line == ServiceLine::OneStop {
        check_one_stop(t, &steps.built);
    }

    let mut steps_built = steps.built.into_iter().collect::<Option<Vec<_>>>()?;
    steps_built.sort_by_key(|s| s.order);
    Some(LineRules {
        line,
        name: name?,
        rule: rule?,
        channels: line_channels?,
        roles: line_roles?,
        steps: steps_built,
        limits: limits.into_iter().collect::<Option<_>>()?,
        materials: materials?,
        fees: fees?,
        extended_services: extended_services?,
        agency_services: agency_services?,
    })
}

struct Steps<'a> {
    tables: Vec<Table<'a>>,
    keys: Keys,
    built: Vec<Option<StepRules>>,
}

fn read_steps<'a>(t: &Table<'a>, line_roles: Option<&[Role]>) -> Steps<'a> {
    let tables = t.tables("steps", STEP_KEYS);
    if tables.is_empty() {
        t.error("a service line needs at least one step ([[...steps]])");
    }
    let mut keys = Keys::new("step");
    let mut orders: Vec<(i64, usize)> = Vec::new();
    let mut drafts = Vec::new();
    for st in &tables {
        let key = keys.read(st);
        let order = st.integer("order", true).and_then(|o| {
            if o.value < 1 || o.value > i64::from(u32::MAX) {
                st.error_at(&o.span, "order", "`order` counts from 1");
                return None;
            }
            if let Some((_, line)) = orders.iter().find(|(n, _)| *n == o.value) {
                let msg = format!("another step already has order {} (line {line})", o.value);
                st.error_at(&o.span, "order", msg);
                return None;
            }
            orders.push((o.value, st.doc().line_of(&o.span)));
            Some(o)
        });
        drafts.push((key, order, read_step_body(st, line_roles)));
    }
    // Clock-start references are checked once every step's key is known,
    // since a step may refer to one defined further down the file.
    let known: Vec<(&str, Option<i64>)> = drafts
        .iter()
        .filter_map(|(k, o, _)| {
            k.as_ref()
                .map(|k| (k.value.as_str(), o.as_ref().map(|o| o.value)))
        })
        .collect();
    let built = drafts
        .iter()
        .zip(&tables)
        .map(|((key, order, (starts, body)), st)| {
            let order_value = order.as_ref().map(|o| o.value);
            let start_ok = starts.as_ref().map(|s| {
                let own_key = key.as_ref().map(|k| k.value.as_str());
                check_step_start(st, s, own_key, order_value, &known).is_some()
            });
            let (key, order, body) = (key.as_ref()?, order.as_ref()?, body.as_ref()?);
            start_ok.filter(|ok| *ok)?;
            Some(StepRules {
                key: key.value.clone(),
                order: u32::try_from(order.value).ok()?,
                starts: starts.as_ref()?.value.clone(),
                ..body.clone()
            })
        })
        .collect();
    Steps {
        tables,
        keys,
        built,
    }
}

/// The step's `starts` (checked once all step keys are known) and the rest
/// of the step with key, order and starts left blank.
fn read_step_body(
    st: &Table<'_>,
    line_roles: Option<&[Role]>,
) -> (Option<Sp<String>>, Option<StepRules>) {
    let name = st.text("name");
    let handling = st.named::<Handling>("handling", true);
    let minimum = st.duration("minimum", false);
    let maximum = st.duration("maximum", false);
    let clock = st.named::<Clock>("clock", false);
    let starts = st.string("starts", true);
    let roles = st.named_list::<Role>("roles", true);
    let rule = read_rule(st);
    let description = st.note("description");
    let mut ok = check_min_max(st, minimum.as_ref(), maximum.as_ref(), "maximum");
    // A `maximum` that is there but refused has been reported already.
    if let (Some(h), None) = (&handling, &maximum)
        && h.value == Handling::Limited
        && !st.has("maximum")
    {
        st.error_at(&h.span, "handling", "a `limited` step needs a `maximum`");
        ok = false;
    }
    if let Some(roles) = &roles {
        if roles.is_empty() {
            st.error("`roles` may not be empty: say who acts in this step");
            ok = false;
        }
        for r in roles {
            if line_roles.is_some_and(|lr| !lr.contains(&r.value)) {
                let msg = format!("role `{}` is not among the line's roles", r.value);
                st.error_at(&r.span, "roles", msg);
                ok = false;
            }
        }
    }
    let rules = ok.then_some(()).and_then(|()| {
        Some(StepRules {
            key: String::new(),
            name: name?,
            order: 0,
            handling: handling?.value,
            minimum: minimum.map(|m| m.value),
            maximum: maximum.map(|m| m.value),
            clock: clock.map_or(Clock::Office, |c| c.value),
            starts: String::new(),
            roles: values(&roles?),
            rule: rule?,
            description,
        })
    });
    (starts, rules)
}

/// Reports a minimum above the maximum (or budget); false if it did.
fn check_min_max(
    t: &Table<'_>,
    minimum: Option<&Sp<WorkDuration>>,
    maximum: Option<&Sp<WorkDuration>>,
    maximum_key: &str,
) -> bool {
    match (minimum, maximum) {
        (Some(min), Some(max)) if duration_seconds(min.value) > duration_seconds(max.value) => {
            t.error_at(
                &min.span,
                "minimum",
                format!(
                    "minimum {} is longer than {maximum_key} {}",
                    min.value, max.value
                ),
            );
            false
        }
        _ => true,
    }
}

/// What a step's `starts` may name: an event, or an earlier step.
fn check_step_start(
    st: &Table<'_>,
    starts: &Sp<String>,
    own_key: Option<&str>,
    order: Option<i64>,
    steps: &[(&str, Option<i64>)],
) -> Option<()> {
    let Some(step) = check_event(st, starts, |k| steps.iter().any(|(s, _)| *s == k))? else {
        return Some(());
    };
    let step_order = steps.iter().find(|(k, _)| *k == step).and_then(|(_, o)| *o);
    let later = step_order.zip(order).is_some_and(|(s, o)| s >= o);
    if Some(step) == own_key || later {
        let msg = format!(
            "a step can only start on an event or an earlier step; `{step}` is not earlier"
        );
        st.error_at(&starts.span, "starts", msg);
        return None;
    }
    Some(())
}

/// Checks a clock-start event. `Some(Some(step))` when it names a step,
/// `Some(None)` for a plain event, `None` (reported) when invalid.
fn check_event<'s>(
    t: &Table<'_>,
    starts: &'s Sp<String>,
    step_exists: impl Fn(&str) -> bool,
) -> Option<Option<&'s str>> {
    let s = starts.value.as_str();
    if EVENTS.iter().any(|(e, _)| *e == s) {
        return Some(None);
    }
    let step = s
        .strip_suffix(".started")
        .or_else(|| s.strip_suffix(".completed"));
    match step {
        Some(step) if step_exists(step) => Some(Some(step)),
        Some(step) => {
            t.error_at(
                &starts.span,
                "starts",
                format!("no step `{step}` in this line"),
            );
            None
        }
        None => {
            let events: Vec<&str> = EVENTS.iter().map(|(e, _)| *e).collect();
            t.error_at(
                &starts.span,
                "starts",
                format!(
                    "unknown event \"{s}\"; expected one of: {}, or <step>.started, \
                     <step>.completed",
                    events.join(", ")
                ),
            );
            None
        }
    }
}

fn read_limit(
    lt: &Table<'_>,
    keys: &mut Keys,
    steps: &Keys,
    line_channels: Option<&[Channel]>,
) -> Option<TimeLimit> {
    let key = keys.read(lt);
    let name = lt.text("name");
    let budget = lt.duration("budget", true);
    let minimum = lt.duration("minimum", false);
    let clock = lt.named::<Clock>("clock", false);
    let starts = lt.string("starts", true);
    let channels = lt.named_list::<Channel>("channels", false);
    let step = lt.string("step", false);
    let rule = read_rule(lt);
    let mut ok = check_min_max(lt, minimum.as_ref(), budget.as_ref(), "budget");
    if let Some(starts) = &starts {
        ok &= check_event(lt, starts, |k| steps.contains(k)).is_some();
    }
    if let Some(step) = &step
        && !steps.contains(&step.value)
    {
        lt.error_at(
            &step.span,
            "step",
            format!("no step `{}` in this line", step.value),
        );
        ok = false;
    }
    for c in channels.iter().flatten() {
        if line_channels.is_some_and(|lc| !lc.contains(&c.value)) {
            let msg = format!("channel `{}` is not among the line's channels", c.value);
            lt.error_at(&c.span, "channels", msg);
            ok = false;
        }
    }
    ok.then_some(())?;
    Some(TimeLimit {
        key: key?.value,
        name: name?,
        budget: budget?.value,
        minimum: minimum.map(|m| m.value),
        clock: clock.map_or(Clock::Office, |c| c.value),
        starts: starts?.value,
        channels: values(&channels?),
        step: step.map(|s| s.value),
        rule: rule?,
    })
}

fn read_materials(t: &Table<'_>, line: ServiceLine) -> Option<Vec<Material>> {
    let mut keys = Keys::new("material");
    let tables = t.tables("materials", MATERIAL_KEYS);
    if line == ServiceLine::OneStop {
        for (i, mt) in tables.iter().enumerate().skip(ONE_STOP_MAX_MATERIALS) {
            mt.error(format!(
                "the one-stop service asks for at most {ONE_STOP_MAX_MATERIALS} materials \
                 (R-OS-0); this is number {}",
                i + 1
            ));
        }
    }
    let all: Vec<_> = tables
        .iter()
        .map(|mt| read_material(mt, &mut keys, line))
        .collect();
    all.into_iter().collect()
}

fn read_material(mt: &Table<'_>, keys: &mut Keys, line: ServiceLine) -> Option<Material> {
    let key = keys.read(mt);
    let name = mt.text("name");
    let waivable = mt.boolean("waivable");
    let shareable = mt.boolean("shareable");
    let not_held_by = mt.named_list::<ApplicantKind>("not_held_by", false);
    let note = mt.note("note");
    let rule = read_rule(mt);
    let is_waivable = waivable.as_ref().is_some_and(|w| w.value);
    if line == ServiceLine::Connection102 && !is_waivable {
        let span = waivable.as_ref().map_or(&mt.span, |w| &w.span);
        mt.error_at(
            span,
            "waivable",
            "the 102 standard asks for no documents (R-102-2): every material on \
             connection_102 must have `waivable = true`",
        );
    }
    Some(Material {
        key: key?.value,
        name: name?,
        waivable: is_waivable,
        shareable: shareable.is_some_and(|s| s.value),
        not_held_by: values(&not_held_by?),
        note,
        rule: rule?,
    })
}

fn read_fees(t: &Table<'_>, line: ServiceLine) -> Option<Vec<Fee>> {
    let mut keys = Keys::new("fee");
    let all: Vec<_> = t
        .tables("fees", FEE_KEYS)
        .iter()
        .map(|ft| read_fee(ft, &mut keys, line))
        .collect();
    all.into_iter().collect()
}

fn read_fee(ft: &Table<'_>, keys: &mut Keys, line: ServiceLine) -> Option<Fee> {
    if line == ServiceLine::Connection102 {
        ft.error(
            "no fee of any kind may be charged for a 102 connection or its gas-on \
             (R-102-4); remove this fee",
        );
    }
    let key = keys.read(ft);
    let name = ft.text("name");
    let note = ft.note("note");
    let rule = read_rule(ft);
    Some(Fee {
        key: key?.value,
        name: name?,
        note,
        rule: rule?,
    })
}

fn read_services(t: &Table<'_>, list: &str) -> Option<Vec<Service>> {
    let mut keys = Keys::new("service");
    let all: Vec<_> = t
        .tables(list, SERVICE_ITEM_KEYS)
        .iter()
        .map(|st| read_service_item(st, &mut keys))
        .collect();
    all.into_iter().collect()
}

fn read_service_item(st: &Table<'_>, keys: &mut Keys) -> Option<Service> {
    let key = keys.read(st);
    let name = st.text("name");
    let free = st.boolean("free");
    let note = st.note("note");
    let rule = read_rule(st);
    Some(Service {
        key: key?.value,
        name: name?,
        free: free.is_some_and(|f| f.value),
        note,
        rule: rule?,
    })
}

/// What the 102 workflow is coded against: two steps, `application` then
/// `gas_on` (R-102-3), and the limits it looks up by key.
fn check_102(t: &Table<'_>, tables: &[Table<'_>], built: &[Option<StepRules>], limits: &Keys) {
    let count = tables.len();
    if count < REQUIRED_102_STEPS.len() {
        t.error(format!(
            "the 102 standard has exactly two steps, application and gas-on (R-102-3); \
             found {count}"
        ));
    }
    for st in tables.iter().skip(REQUIRED_102_STEPS.len()) {
        st.error(format!(
            "the 102 standard has exactly two steps, application and gas-on (R-102-3); \
             found {count}"
        ));
    }
    if count == REQUIRED_102_STEPS.len() && built.iter().all(Option::is_some) {
        let mut steps: Vec<&StepRules> = built.iter().flatten().collect();
        steps.sort_by_key(|s| s.order);
        let keys: Vec<&str> = steps.iter().map(|s| s.key.as_str()).collect();
        if keys != REQUIRED_102_STEPS {
            t.error(format!(
                "the 102 steps must be `application` then `gas_on` (R-102-3); found {}",
                keys.join(", ")
            ));
        }
    }
    for key in REQUIRED_102_LIMITS {
        if !limits.contains(key) {
            t.error(format!(
                "missing limit `{key}`: the 102 workflow needs it ([[connection_102.limits]])"
            ));
        }
    }
}

/// The one-stop workflow looks its steps up by key.
fn check_one_stop(t: &Table<'_>, built: &[Option<StepRules>]) {
    if !built.iter().all(Option::is_some) {
        return;
    }
    for key in REQUIRED_ONE_STOP_STEPS {
        if !built.iter().flatten().any(|s| s.key == key) {
            t.error(format!(
                "missing step `{key}`: the one-stop workflow needs it ([[one_stop.steps]])"
            ));
        }
    }
}

fn read_service(t: &Table<'_>) -> Option<ServiceRules> {
    let first_contact = t.boolean("first_contact_responsibility");
    let rule = read_rule(t);
    let mut keys = Keys::new("obligation");
    let after: Vec<_> = t
        .tables("after_gas_on", OBLIGATION_KEYS)
        .iter()
        .map(|ot| read_obligation(ot, &mut keys))
        .collect();
    Some(ServiceRules {
        first_contact_responsibility: first_contact.is_some_and(|f| f.value),
        rule: rule?,
        after_gas_on: after.into_iter().collect::<Option<_>>()?,
    })
}

fn read_obligation(ot: &Table<'_>, keys: &mut Keys) -> Option<Obligation> {
    let key = keys.read(ot);
    let name = ot.text("name");
    let per = ot.named::<Per>("per", true);
    let budget = ot.duration("budget", false);
    let clock = ot.named::<Clock>("clock", false);
    let note = ot.note("note");
    let rule = read_rule(ot);
    Some(Obligation {
        key: key?.value,
        name: name?,
        per: per?.value,
        budget: budget.map(|b| b.value),
        clock: clock.map_or(Clock::Office, |c| c.value),
        note,
        rule: rule?,
    })
}

fn read_kpis(t: &Table<'_>) -> Option<Vec<Kpi>> {
    let mut keys = Keys::new("indicator");
    let all: Vec<_> = t
        .tables("kpis", KPI_KEYS)
        .iter()
        .map(|kt| read_kpi(kt, &mut keys))
        .collect();
    all.into_iter().collect()
}

fn read_kpi(kt: &Table<'_>, keys: &mut Keys) -> Option<Kpi> {
    let key = keys.read(kt);
    let name = kt.text("name");
    let target = kt.integer("target_percent", true).and_then(|p| {
        let percent = u32::try_from(p.value).ok().filter(|p| *p <= 100);
        if percent.is_none() {
            kt.error_at(
                &p.span,
                "target_percent",
                "a percentage is between 0 and 100",
            );
        }
        percent
    });
    let note = kt.note("note");
    let rule = read_rule(kt);
    Some(Kpi {
        key: key?.value,
        name: name?,
        target_percent: target?,
        note,
        rule: rule?,
    })
}
