//! Every number the plans give and every constant of a rule, score or ramp, with per-shop and
//! per-category overrides.
//!
//! The shipped defaults live in `config/defaults.toml` (embedded). A user file may override
//! any key globally, under `[shop."<id>"]` or under `[category."<id>"]`. Settings are grouped
//! (`[thresholds]`, `[targets]`, `[risk.<indicator>]`, `[baselines.<category>]`, …); nested
//! tables are read as dotted keys (`risk` group, key `account_health.calm`). Unknown groups
//! and keys are rejected so a typo never silently keeps a default.

use std::collections::BTreeMap;
use std::path::Path;

use crate::CoreError;

const DEFAULTS: &str = include_str!("../config/defaults.toml");

/// Which group of settings a key belongs to (the top-level table of the TOML file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// Alert limits and rule constants (REQUIREMENTS §5, §8, §9).
    Thresholds,
    /// Target defaults (§4).
    Targets,
    /// Risk-model ramps, weights, impacts and grades (§6), keyed `<indicator>.<field>`.
    Risk,
    /// Industry baselines, keyed `<category>.<metric>`.
    Baselines,
    /// Typical funnel step rates the funnel section compares with.
    Funnel,
    /// User value tiers and recall lists (§9).
    Users,
    /// Bid and budget recommendations and their guardrails (§10).
    Bids,
    /// The retail calendar's weights: months, weekdays and campaign peaks.
    Calendar,
}

impl Group {
    pub const ALL: [Group; 8] = [
        Group::Thresholds,
        Group::Targets,
        Group::Risk,
        Group::Baselines,
        Group::Funnel,
        Group::Users,
        Group::Bids,
        Group::Calendar,
    ];

    /// The group's table name in TOML.
    pub fn name(self) -> &'static str {
        match self {
            Group::Thresholds => "thresholds",
            Group::Targets => "targets",
            Group::Risk => "risk",
            Group::Baselines => "baselines",
            Group::Funnel => "funnel",
            Group::Users => "users",
            Group::Bids => "bids",
            Group::Calendar => "calendar",
        }
    }

    fn parse(s: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.name() == s)
    }
}

/// Values of every group, keys dotted.
type Values = BTreeMap<Group, BTreeMap<String, f64>>;

/// The settings of one scope (global, a shop or a category).
#[derive(Debug, Clone, Default)]
struct Scoped {
    /// The shop's display name (as its export file names spell it), for shops only.
    name: Option<String>,
    values: Values,
}

#[derive(Debug, Clone, Default)]
struct File {
    global: Values,
    shop: BTreeMap<String, Scoped>,
    category: BTreeMap<String, Scoped>,
}

/// Who a setting is asked for: a shop-level rule names the shop; a product- or plan-level
/// rule also names the item's category, whose override then comes first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scope<'a> {
    pub shop: Option<&'a str>,
    pub category: Option<&'a str>,
}

impl<'a> Scope<'a> {
    /// A shop-level scope, or the global one without a shop.
    pub fn of(shop: Option<&'a str>) -> Self {
        Scope {
            shop,
            category: None,
        }
    }

    /// A shop-level scope.
    pub fn shop(shop: &'a str) -> Self {
        Scope {
            shop: Some(shop),
            category: None,
        }
    }

    /// The same scope for an item of `category`.
    pub fn in_category(self, category: &'a str) -> Self {
        Scope {
            category: Some(category),
            ..self
        }
    }
}

/// Resolved configuration: defaults plus overrides.
#[derive(Debug, Clone)]
pub struct Config {
    base: File,
}

impl Default for Config {
    fn default() -> Self {
        // The embedded defaults are part of the build; a parse failure is a build bug caught
        // by tests.
        let base = parse(DEFAULTS, None).unwrap_or_default();
        Config { base }
    }
}

/// Parses a settings file; with `known`, every key must be one of the known ones.
fn parse(text: &str, known: Option<&Config>) -> Result<File, String> {
    let doc: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut file = File::default();
    for (key, value) in doc {
        match key.as_str() {
            "shop" | "category" => {
                let scopes = value
                    .as_table()
                    .ok_or_else(|| format!("`{key}` must be a table of {key} ids"))?;
                for (id, section) in scopes {
                    let scoped = scoped(&format!("{key}.{id}"), section, known)?;
                    if key == "shop" {
                        file.shop.insert(id.clone(), scoped);
                    } else if scoped.name.is_some() {
                        return Err(format!("`category.{id}.name`: only shops have names"));
                    } else {
                        file.category.insert(id.clone(), scoped);
                    }
                }
            }
            _ => group_values(&mut file.global, &key, &value, known, &key)?,
        }
    }
    Ok(file)
}

fn scoped(path: &str, section: &toml::Value, known: Option<&Config>) -> Result<Scoped, String> {
    let table = section
        .as_table()
        .ok_or_else(|| format!("`{path}` must be a table"))?;
    let mut out = Scoped::default();
    for (key, value) in table {
        if key == "name" {
            let name = value
                .as_str()
                .ok_or_else(|| format!("`{path}.name` must be text"))?;
            out.name = Some(name.to_string());
        } else {
            group_values(&mut out.values, key, value, known, &format!("{path}.{key}"))?;
        }
    }
    Ok(out)
}

/// Flattens one group's table into dotted keys and checks them against the known keys.
fn group_values(
    into: &mut Values,
    group: &str,
    value: &toml::Value,
    known: Option<&Config>,
    path: &str,
) -> Result<(), String> {
    let g = Group::parse(group).ok_or_else(|| {
        format!(
            "unknown group `{path}` (known: {})",
            Group::ALL.map(|g| g.name()).join(", ")
        )
    })?;
    let mut flat = Vec::new();
    flatten("", value, &mut flat).map_err(|k| format!("`{path}.{k}` must be a number"))?;
    for (k, v) in flat {
        if let Some(cfg) = known {
            if !cfg.knows(g, &k) {
                return Err(format!("unknown key `{k}` in `{path}`"));
            }
        }
        into.entry(g).or_default().insert(k, v);
    }
    Ok(())
}

fn flatten(prefix: &str, value: &toml::Value, out: &mut Vec<(String, f64)>) -> Result<(), String> {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out)?;
            }
            Ok(())
        }
        toml::Value::Float(f) => {
            out.push((prefix.to_string(), *f));
            Ok(())
        }
        toml::Value::Integer(i) => {
            out.push((prefix.to_string(), *i as f64));
            Ok(())
        }
        _ => Err(prefix.to_string()),
    }
}

fn merge(into: &mut Values, from: Values) {
    for (g, map) in from {
        into.entry(g).or_default().extend(map);
    }
}

impl Config {
    /// Defaults overlaid with the TOML file at `path` (if it exists).
    pub fn load(path: &Path) -> Result<Config, CoreError> {
        let mut cfg = Config::default();
        if !path.exists() {
            return Ok(cfg);
        }
        let err = |reason: String| CoreError::Config {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        cfg.overlay(&text).map_err(err)?;
        Ok(cfg)
    }

    /// Overlays TOML text on the current values; unknown groups and keys are an error.
    pub fn overlay(&mut self, text: &str) -> Result<(), String> {
        let user = parse(text, Some(self))?;
        merge(&mut self.base.global, user.global);
        for (k, v) in user.shop {
            let e = self.base.shop.entry(k).or_default();
            if v.name.is_some() {
                e.name = v.name;
            }
            merge(&mut e.values, v.values);
        }
        for (k, v) in user.category {
            merge(
                &mut self.base.category.entry(k).or_default().values,
                v.values,
            );
        }
        Ok(())
    }

    /// Whether `key` is a setting of `group`. A baseline may be given for any category as
    /// long as its metric has a baseline somewhere (`<category>.<metric>`).
    fn knows(&self, group: Group, key: &str) -> bool {
        let keys = self.base.global.get(&group);
        if keys.is_some_and(|m| m.contains_key(key)) {
            return true;
        }
        group == Group::Baselines
            && key.split_once('.').is_some_and(|(_, metric)| {
                keys.is_some_and(|m| m.keys().any(|k| k.ends_with(&format!(".{metric}"))))
            })
    }

    /// The configured display name of a shop (`[shop."<id>"] name = "…"`).
    pub fn shop_name(&self, shop: &str) -> Option<&str> {
        self.base.shop.get(shop).and_then(|s| s.name.as_deref())
    }

    /// The value of `key` for a scope: the category's override, then the shop's, then global.
    pub fn get(&self, group: Group, key: &str, scope: Scope) -> Option<f64> {
        let pick = |s: &Scoped| s.values.get(&group).and_then(|m| m.get(key)).copied();
        scope
            .category
            .and_then(|c| self.base.category.get(c))
            .and_then(pick)
            .or_else(|| {
                scope
                    .shop
                    .and_then(|s| self.base.shop.get(s))
                    .and_then(pick)
            })
            .or_else(|| {
                self.base
                    .global
                    .get(&group)
                    .and_then(|m| m.get(key))
                    .copied()
            })
    }

    /// The value of `key` for a shop and category: category override, then shop, then global.
    pub fn value(
        &self,
        group: Group,
        key: &str,
        shop: Option<&str>,
        category: Option<&str>,
    ) -> Option<f64> {
        self.get(group, key, Scope { shop, category })
    }

    /// A setting that the defaults always carry (NaN if a key is misspelt in code; the
    /// test `every_key_the_code_reads_is_a_default` guards against that).
    pub fn num(&self, group: Group, key: &str, scope: Scope) -> f64 {
        self.get(group, key, scope).unwrap_or(f64::NAN)
    }

    /// A threshold (global unless overridden for the shop).
    pub fn threshold(&self, key: &str, shop: Option<&str>) -> f64 {
        self.num(Group::Thresholds, key, Scope::of(shop))
    }

    /// A target default (global unless overridden for the shop).
    pub fn target(&self, key: &str, shop: Option<&str>) -> f64 {
        self.num(Group::Targets, key, Scope::of(shop))
    }

    /// The industry baseline of `metric` for `category`, if the settings have one.
    pub fn baseline(&self, category: &str, metric: &str, shop: Option<&str>) -> Option<f64> {
        self.get(
            Group::Baselines,
            &format!("{category}.{metric}"),
            Scope::of(shop),
        )
    }

    /// All keys of a group with their effective global values.
    pub fn entries(&self, group: Group) -> Vec<(String, f64)> {
        self.base
            .global
            .get(&group)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect())
            .unwrap_or_default()
    }

    /// The embedded defaults file, for `vitrine config --defaults`.
    pub fn defaults_text() -> &'static str {
        DEFAULTS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_carry_the_plan_numbers() {
        assert!(parse(DEFAULTS, None).is_ok(), "{:?}", parse(DEFAULTS, None));
        let c = Config::default();
        assert_eq!(c.threshold("target_deviation", None), 0.10);
        assert_eq!(c.threshold("days_of_cover_min", None), 1.5);
        assert_eq!(c.target("quarter_share", None), 0.28);
        assert_eq!(c.target("roi", None), 3.0);
        // The plans' category averages: beauty plan CTR 1.5 %, apparel 1.2 %.
        assert_eq!(c.baseline("beauty", "ad_ctr", None), Some(0.015));
        assert_eq!(c.baseline("apparel", "ad_ctr", None), Some(0.012));
        assert_eq!(c.baseline("nope", "ad_ctr", None), None);
        assert_eq!(
            c.get(Group::Risk, "account_health.calm", Scope::default()),
            Some(4.8)
        );
    }

    #[test]
    fn overrides_apply_by_scope_and_typos_are_rejected() {
        let mut c = Config::default();
        c.overlay("[thresholds]\ncpa_rise = 0.5\n[shop.s2.thresholds]\ncpa_rise = 0.4\n[category.beauty.targets]\nctr = 0.05\n").unwrap();
        assert_eq!(c.threshold("cpa_rise", None), 0.5);
        assert_eq!(c.threshold("cpa_rise", Some("s2")), 0.4);
        assert_eq!(
            c.value(Group::Targets, "ctr", None, Some("beauty")),
            Some(0.05)
        );
        assert_eq!(
            c.value(Group::Targets, "ctr", None, Some("food")),
            Some(0.04)
        );
        assert!(c
            .overlay("[thresholds]\ncpa_rize = 0.5\n")
            .unwrap_err()
            .contains("cpa_rize"));
        assert!(c
            .overlay("[threshold]\ncpa_rise = 0.5\n")
            .unwrap_err()
            .contains("unknown group"));
        assert!(c
            .overlay("[risk.account_health]\ncalm = \"high\"\n")
            .unwrap_err()
            .contains("must be a number"));
    }

    #[test]
    fn nested_groups_override_per_scope_and_new_categories_take_baselines() {
        let mut c = Config::default();
        c.overlay(
            "[category.food.risk.account_health]\ncalm = 4.9\n\
             [baselines.pets]\nad_ctr = 0.011\n\
             [shop.s1.baselines.beauty]\nad_ctr = 0.02\n",
        )
        .unwrap();
        let food = Scope::shop("s1").in_category("food");
        assert_eq!(c.get(Group::Risk, "account_health.calm", food), Some(4.9));
        assert_eq!(
            c.get(Group::Risk, "account_health.calm", Scope::shop("s1")),
            Some(4.8)
        );
        assert_eq!(c.baseline("pets", "ad_ctr", None), Some(0.011));
        assert_eq!(c.baseline("beauty", "ad_ctr", Some("s1")), Some(0.02));
        assert_eq!(c.baseline("beauty", "ad_ctr", Some("s2")), Some(0.015));
        assert!(c
            .overlay("[baselines.pets]\nad_ctx = 0.011\n")
            .unwrap_err()
            .contains("ad_ctx"));
    }
}
