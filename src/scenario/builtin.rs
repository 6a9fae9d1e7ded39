//! The built-in lab: the scenarios shipped inside the binary (`attacks/*.toml`).

/// A scenario shipped inside the binary (the built-in lab of `dslab run`).
#[derive(Clone, Copy, Debug)]
pub struct BuiltinScenario {
    /// Scenario name: the file stem, and the folder name under `reports/`.
    pub name: &'static str,
    /// The file's text.
    pub text: &'static str,
}

/// The built-in lab, in the order it runs and appears in `reports/README.md`.
/// To ship a new scenario, add the file to `attacks/` and one line here.
pub const BUILTIN: &[BuiltinScenario] = &[
    BuiltinScenario {
        name: "majority",
        text: include_str!("../../attacks/majority.toml"),
    },
    BuiltinScenario {
        name: "majority-classical",
        text: include_str!("../../attacks/majority-classical.toml"),
    },
    BuiltinScenario {
        name: "majority-tie",
        text: include_str!("../../attacks/majority-tie.toml"),
    },
    BuiltinScenario {
        name: "majority-51",
        text: include_str!("../../attacks/majority-51.toml"),
    },
    BuiltinScenario {
        name: "nakamoto-check",
        text: include_str!("../../attacks/nakamoto-check.toml"),
    },
    BuiltinScenario {
        name: "finney",
        text: include_str!("../../attacks/finney.toml"),
    },
    BuiltinScenario {
        name: "finney-deep",
        text: include_str!("../../attacks/finney-deep.toml"),
    },
    BuiltinScenario {
        name: "race",
        text: include_str!("../../attacks/race.toml"),
    },
    BuiltinScenario {
        name: "race-first-seen",
        text: include_str!("../../attacks/race-first-seen.toml"),
    },
    BuiltinScenario {
        name: "vector76",
        text: include_str!("../../attacks/vector76.toml"),
    },
    BuiltinScenario {
        name: "delay-private",
        text: include_str!("../../attacks/delay-private.toml"),
    },
    BuiltinScenario {
        name: "balancing",
        text: include_str!("../../attacks/balancing.toml"),
    },
];
