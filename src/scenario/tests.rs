//! Scenario parsing: defaults, tables, and errors that name the file, the line and the key.

use super::*;
use crate::experiment::AttackSpec;
use crate::params::{Convention, TieRule};
use crate::stats::CiMethod;

fn majority(e: &Experiment) -> &crate::attack::majority::RaceMajority {
    match &e.attack {
        AttackSpec::BlockRace(b) => &b.attack,
        other => panic!("expected the majority attack, got {other:?}"),
    }
}

fn err(text: &str) -> String {
    let e = parse("x.toml", "x", text).unwrap_err();
    assert_eq!(crate::error::exit_code(&e), 2, "a usage error: {e:#}");
    format!("{e:#}")
}

#[test]
fn minimal_file_takes_the_documented_defaults() {
    let s = parse("x.toml", "x", "# Q?\nattack = \"majority\"\n").unwrap();
    let e = &s.experiment;
    assert_eq!(e.qs, vec![0.1, 0.2, 0.3, 0.4]);
    assert_eq!(e.zs, (0..=10).collect::<Vec<_>>());
    assert_eq!((e.trials, e.seed, e.confidence), (1_000_000, 1, 0.95));
    assert_eq!(e.ci, CiMethod::Wilson);
    assert_eq!(s.question, vec!["Q?".to_string()]);
    let m = majority(e);
    assert_eq!(m.convention, Convention::DEFAULT);
    assert_eq!(m.give_up, None);
}

#[test]
fn arrays_and_strings_give_the_same_grid() {
    let a = parse(
        "a",
        "a",
        "attack = \"majority\"\nq = [0.1, 0.3]\nz = [0, 1, 6]\n",
    )
    .unwrap();
    let b = parse(
        "b",
        "a",
        "attack = \"majority\"\nq = \"0.1,0.3\"\nz = \"0,1,6\"\n",
    )
    .unwrap();
    assert_eq!(a.experiment, b.experiment);
}

#[test]
fn majority_table_sets_the_convention() {
    let s = parse(
        "x",
        "x",
        "attack = \"majority\"\n[majority]\ntie = \"gamma=0.5\"\npremined = 2\ngive_up = 30\n",
    )
    .unwrap();
    let m = majority(&s.experiment);
    assert_eq!(m.convention.tie, TieRule::Gamma(0.5));
    assert_eq!(m.convention.premined, 2);
    assert_eq!(m.give_up, Some(30));
    let c = parse(
        "x",
        "x",
        "attack = \"majority\"\n[majority]\nclassical = true\n",
    )
    .unwrap();
    let m = majority(&c.experiment);
    assert_eq!(m.convention, Convention::CLASSICAL);
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let m = err("# header\nattack = \"majority\"\ntrails = 5\n");
    assert!(m.contains("x.toml, line 3, key `trails`"), "{m}");
    assert!(m.contains("unknown field"), "{m}");
}

#[test]
fn unknown_key_in_a_table_names_the_dotted_key() {
    let m = err("attack = \"majority\"\n\n[majority]\npremine = 1\n");
    assert!(m.contains("line 4, key `majority.premine`"), "{m}");
}

#[test]
fn wrong_type_names_the_key() {
    let m = err("attack = \"majority\"\ntrials = \"many\"\n");
    assert!(m.contains("line 2, key `trials`"), "{m}");
}

#[test]
fn bad_values_name_line_key_value_and_fix() {
    let m = err("attack = \"majority\"\nq = \"0.1,1.5\"\n");
    assert!(m.contains("x.toml, line 2, key `q` '0.1,1.5'"), "{m}");
    assert!(m.contains("outside [0, 1]"), "{m}");
    let m = err("attack = \"majority\"\n[majority]\ntie = \"last-seen\"\n");
    assert!(m.contains("line 3, key `majority.tie` 'last-seen'"), "{m}");
    let m = err("attack = \"majority\"\ntrials = 0\n");
    assert!(m.contains("line 2, key `trials` '0'"), "{m}");
    let m = err("attack = \"majority\"\nz = \"5..2\"\n");
    assert!(
        m.contains("line 2, key `z`") && m.contains("reversed"),
        "{m}"
    );
    let m = err("attack = \"majority\"\nconfidence = 1.5\n");
    assert!(m.contains("key `confidence` '1.5'"), "{m}");
    let m = err("attack = \"majority\"\n[majority]\ngive_up = 0\n");
    assert!(m.contains("key `majority.give_up` '0'"), "{m}");
}

#[test]
fn classical_conflicts_with_explicit_convention() {
    let m = err("attack = \"majority\"\n[majority]\nclassical = true\npremined = 0\n");
    assert!(m.contains("line 3, key `majority.classical`"), "{m}");
}

#[test]
fn unknown_attacks_are_a_clear_usage_error() {
    let m = err("# h\n\nattack = \"selfish\"\n");
    assert!(m.contains("x.toml, line 3, key `attack` 'selfish'"), "{m}");
    assert!(m.contains("use one of majority"), "{m}");
}

#[test]
fn network_tables_are_checked_and_errors_name_file_line_and_key() {
    let m = err("attack = \"finney\"\n[network]\nmodel = \"random\"\n[merchant]\npeers = 0\n");
    assert!(
        m.contains("x.toml, line 5") && m.contains("merchant.peers"),
        "{m}"
    );
    let m = err("attack = \"race\"\n[finney]\n");
    assert!(
        m.contains("[finney]") && m.contains("attack = \"race\""),
        "{m}"
    );
    let m = err("attack = \"majority\"\n[merchant]\npeers = 3\n");
    assert!(
        m.contains("line 2, key `merchant`") && m.contains("[network]"),
        "{m}"
    );
    let m = err("attack = \"vector76\"\n[network]\nmodle = \"none\"\n");
    assert!(m.contains("line 3, key `network.modle`"), "{m}");
}

#[test]
fn network_attacks_parse() {
    for attack in ["finney", "race", "vector76"] {
        let s = parse(
            "x.toml",
            "x",
            &format!("attack = \"{attack}\"\n[network]\nmodel = \"none\"\n"),
        )
        .expect("valid");
        assert_eq!(s.experiment.attack.name(), attack);
    }
    let s = parse(
        "x.toml",
        "x",
        "attack = \"majority\"\n[network]\nmodel = \"random\"\n",
    )
    .expect("valid");
    assert!(matches!(s.experiment.attack, AttackSpec::Timed(_)));
}

#[test]
fn missing_attack_is_named() {
    let m = err("q = \"0.1\"\n");
    assert!(m.contains("attack"), "{m}");
}

#[test]
fn syntax_errors_give_the_line() {
    let m = err("attack = \"majority\"\nq = [0.1,\n");
    assert!(m.contains("x.toml, line"), "{m}");
    let m = err("attack = \"majority\"\n[majority\n");
    assert!(m.contains("x.toml, line 2: "), "{m}");
}

#[test]
fn a_single_number_is_a_one_value_grid() {
    let s = parse("x", "x", "attack = \"majority\"\nq = 0.25\nz = 6\n").unwrap();
    assert_eq!(s.experiment.qs, vec![0.25]);
    assert_eq!(s.experiment.zs, vec![6]);
}

#[test]
fn every_builtin_scenario_is_valid_and_says_what_it_answers() {
    for b in BUILTIN {
        let s = parse(b.name, b.name, b.text).unwrap_or_else(|e| panic!("{e:#}"));
        assert!(!s.question.is_empty(), "{} has no comment header", b.name);
    }
}
