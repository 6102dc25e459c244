//! Thresholds and target defaults, with per-shop and per-category overrides.
//!
//! The shipped defaults live in `config/defaults.toml` (embedded); a user file may override
//! any key globally, under `[shop."<id>"]`, or under `[category."<id>"]`. Unknown keys are
//! rejected so a typo never silently keeps a default.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::CoreError;

const DEFAULTS: &str = include_str!("../config/defaults.toml");

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Section {
    /// The shop's display name (as its export file names spell it), for shops only.
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    thresholds: BTreeMap<String, f64>,
    #[serde(default)]
    targets: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    thresholds: BTreeMap<String, f64>,
    #[serde(default)]
    targets: BTreeMap<String, f64>,
    #[serde(default)]
    shop: BTreeMap<String, Section>,
    #[serde(default)]
    category: BTreeMap<String, Section>,
}

/// Which group of settings a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Thresholds,
    Targets,
}

/// Resolved configuration: defaults plus overrides.
#[derive(Debug, Clone)]
pub struct Config {
    base: File,
}

impl Default for Config {
    fn default() -> Self {
        // The embedded defaults are part of the build; a parse failure is a build bug caught by tests.
        let base = toml::from_str(DEFAULTS).unwrap_or_default();
        Config { base }
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

    /// Overlays TOML text on the current values; unknown keys are an error.
    pub fn overlay(&mut self, text: &str) -> Result<(), String> {
        let user: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let check = |group: Group, keys: &mut dyn Iterator<Item = &String>| -> Result<(), String> {
            for k in keys {
                if self.default_of(group, k).is_none() {
                    return Err(format!("unknown key `{k}`"));
                }
            }
            Ok(())
        };
        check(Group::Thresholds, &mut user.thresholds.keys())?;
        check(Group::Targets, &mut user.targets.keys())?;
        for s in user.shop.values().chain(user.category.values()) {
            check(Group::Thresholds, &mut s.thresholds.keys())?;
            check(Group::Targets, &mut s.targets.keys())?;
        }
        self.base.thresholds.extend(user.thresholds);
        self.base.targets.extend(user.targets);
        for (k, v) in user.shop {
            let e = self.base.shop.entry(k).or_default();
            if v.name.is_some() {
                e.name = v.name;
            }
            e.thresholds.extend(v.thresholds);
            e.targets.extend(v.targets);
        }
        for (k, v) in user.category {
            let e = self.base.category.entry(k).or_default();
            e.thresholds.extend(v.thresholds);
            e.targets.extend(v.targets);
        }
        Ok(())
    }

    /// The configured display name of a shop (`[shop."<id>"] name = "…"`).
    pub fn shop_name(&self, shop: &str) -> Option<&str> {
        self.base.shop.get(shop).and_then(|s| s.name.as_deref())
    }

    fn default_of(&self, group: Group, key: &str) -> Option<f64> {
        let map = match group {
            Group::Thresholds => &self.base.thresholds,
            Group::Targets => &self.base.targets,
        };
        map.get(key).copied()
    }

    /// The value of `key` for a shop and category: category override, then shop, then global.
    pub fn value(
        &self,
        group: Group,
        key: &str,
        shop: Option<&str>,
        category: Option<&str>,
    ) -> Option<f64> {
        let pick = |s: &Section| match group {
            Group::Thresholds => s.thresholds.get(key).copied(),
            Group::Targets => s.targets.get(key).copied(),
        };
        category
            .and_then(|c| self.base.category.get(c))
            .and_then(pick)
            .or_else(|| shop.and_then(|s| self.base.shop.get(s)).and_then(pick))
            .or_else(|| self.default_of(group, key))
    }

    /// A threshold (global unless overridden for the shop).
    pub fn threshold(&self, key: &str, shop: Option<&str>) -> f64 {
        self.value(Group::Thresholds, key, shop, None)
            .unwrap_or(f64::NAN)
    }

    /// A target default (global unless overridden for the shop).
    pub fn target(&self, key: &str, shop: Option<&str>) -> f64 {
        self.value(Group::Targets, key, shop, None)
            .unwrap_or(f64::NAN)
    }

    /// All keys of a group with their effective global values.
    pub fn entries(&self, group: Group) -> Vec<(String, f64)> {
        let map = match group {
            Group::Thresholds => &self.base.thresholds,
            Group::Targets => &self.base.targets,
        };
        map.iter().map(|(k, v)| (k.clone(), *v)).collect()
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
        let parsed: Result<File, _> = toml::from_str(DEFAULTS);
        assert!(parsed.is_ok(), "{parsed:?}");
        let c = Config::default();
        assert_eq!(c.threshold("target_deviation", None), 0.10);
        assert_eq!(c.threshold("days_of_cover_min", None), 1.5);
        assert_eq!(c.target("quarter_share", None), 0.28);
        assert_eq!(c.target("roi", None), 3.0);
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
    }
}
