"""Every lint rule, by code: the one table of the linter (ruff's code table, yamllint's ``_RULES``).

Families: DN darknet reading rules, CF Caffe solver rules, YL darknet network
(YOLO) rules, LR learning-rate schedule rules, RS resume rules, UL YOLOv5 and
ultralytics settings, schedule and resume rules, LG training-log rules
(``--log``, ``cfgtools log``). Adding a rule:
write its module under ``cfgtools/lint/rules/`` and add one line here.
"""

from __future__ import annotations

import importlib
from typing import Iterator, Mapping

from cfgtools import frameworks
from cfgtools.lint.context import LINT_VIEWS
from cfgtools.lint.rule import Rule

#: code -> "module:Class" of the rule, the module under ``cfgtools.lint.rules``, in the order rules are listed
RULE_CLASSES: dict[str, str] = {
    "DN001": "dn001_unknown_net_key:UnknownNetKey",
    "DN002": "dn002_duplicate_key:DuplicateKey",
    "DN003": "dn003_inline_comment:InlineComment",
    "DN004": "dn004_integer_value:IntegerValue",
    "DN005": "dn005_unused_by_policy:UnusedByPolicy",
    "DN006": "dn006_unknown_policy:UnknownPolicy",
    "DN007": "dn007_steps_scales_length:StepsScalesLength",
    "DN008": "dn008_empty_list_item:EmptyListItem",
    "DN009": "dn009_steps_order:StepsOrder",
    "DN010": "dn010_step_past_max:StepPastMaxBatches",
    "DN011": "dn011_fatal:DarknetRefuses",
    "DN012": "dn012_fork_difference:ForkDifference",
    "DN013": "dn013_key_case:NetKeyCase",
    "DN014": "dn014_empty_value:EmptyValue",
    "DN015": "dn015_blank_in_value:BlankInValue",
    "CF001": "cf001_unknown_field:UnknownSolverField",
    "CF002": "cf002_missing_policy_field:MissingPolicyField",
    "CF003": "cf003_stepvalue_order:StepvalueOrder",
    "CF004": "cf004_lr_policy:LrPolicy",
    "CF005": "cf005_step_past_max_iter:StepPastMaxIter",
    "CF006": "cf006_solver_type:SolverType",
    "CF007": "cf007_repeated_scalar:RepeatedScalarField",
    "CF008": "cf008_unused_by_policy:SolverFieldUnusedByPolicy",
    "YL001": "yl001_yolo_filters:YoloFilters",
    "YL002": "yl002_yolo_classes:YoloClasses",
    "YL003": "yl003_anchors_mask:AnchorsMask",
    "YL004": "yl004_layer_reference:LayerReference",
    "YL005": "yl005_shape_mismatch:ShapeMismatch",
    "YL006": "yl006_input_size:InputSize",
    "YL007": "yl007_unknown_layer:UnknownLayerType",
    "YL008": "yl008_unused_field:UnusedField",
    "YL009": "yl009_batch_subdivisions:BatchSubdivisions",
    "YL010": "yl010_training_length:TrainingLength",
    "YL011": "yl011_data_classes:DataClasses",
    "YL012": "yl012_unknown_activation:UnknownActivation",
    "LR001": "lr001_zero_rate:ZeroRate",
    "LR002": "lr002_nonfinite_rate:NonFiniteRate",
    "LR003": "lr003_negligible_rate:NegligibleRate",
    "LR004": "lr004_rate_rise:RateRise",
    "LR005": "lr005_stops_before_goal:StopsBeforeGoal",
    "LR006": "lr006_trains_past_goal:TrainsPastGoal",
    "RS001": "rs001_resume_spike:ResumeSpike",
    "RS002": "rs002_resume_past_end:ResumePastEnd",
    "RS003": "rs003_restart_from_zero:RestartFromZero",
    "UL001": "ul001_unknown_key:UnknownSettingKey",
    "UL002": "ul002_deprecated_key:DeprecatedSettingKey",
    "UL003": "ul003_setting_type:SettingType",
    "UL004": "ul004_setting_range:SettingRange",
    "UL005": "ul005_duplicate_setting:DuplicateSetting",
    "UL006": "ul006_missing_hyperparameter:MissingHyperparameter",
    "UL007": "ul007_overridden_setting:OverriddenSetting",
    "UL008": "ul008_schedule_unchecked:ScheduleUnchecked",
    "UL009": "ul009_resume_lr_jump:ResumeLrJump",
    "UL010": "ul010_restart_warmup:RestartWarmup",
    "UL011": "ul011_optimizer_auto:OptimizerAuto",
    "UL012": "ul012_warmup_too_long:WarmupTooLong",
    "UL013": "ul013_lrf_final_lr:LrfFinalLr",
    "UL014": "ul014_cosine_no_decay:CosineNoDecay",
    "LG001": "lg001_rate_gpu_multiplier:RateGpuMultiplier",
    "LG002": "lg002_rate_iteration_offset:RateIterationOffset",
    "LG003": "lg003_rate_different_config:RateDifferentConfig",
    "LG004": "lg004_rate_unexplained:RateUnexplained",
    "LG005": "lg005_header_mismatch:HeaderMismatch",
    "LG006": "lg006_loss_nonfinite:LossNonFinite",
    "LG007": "lg007_loss_explosion:LossExplosion",
    "LG008": "lg008_loss_returned:LossReturned",
    "LG009": "lg009_rate_near_zero:RateNearZero",
    "LG010": "lg010_run_resumed:RunResumed",
    "LG011": "lg011_run_restarted:RunRestarted",
    "LG012": "lg012_run_stopped_early:RunStoppedEarly",
}

#: families whose rules read one framework's views only: a file of another framework never imports them
#: (``tests/lint/test_registry.py`` checks this against each rule's ``needs``)
FAMILY_FRAMEWORK = {"DN": "darknet", "YL": "darknet", "CF": "caffe", "UL": "ultralytics"}
#: linter views every rule of a family needs: a run without them (no ``--log``, no ``--resume-from``)
#: never imports the family
FAMILY_NEEDS: dict[str, tuple[str, ...]] = {"LG": ("log",), "RS": ("resume",)}


class _LazyRules(Mapping[str, "type[Rule]"]):
    """:data:`RULE_CLASSES` as a mapping of classes, each rule module imported the first time it is asked for.

    Linting a darknet cfg thus imports the darknet and schedule rules and nothing else.
    """

    def __init__(self, specs: dict[str, str]):
        self._specs = specs
        self._loaded: dict[str, type[Rule]] = {}

    def __getitem__(self, code: str) -> type[Rule]:
        if code not in self._loaded:
            module, _, name = self._specs[code].partition(":")
            self._loaded[code] = getattr(importlib.import_module(f"cfgtools.lint.rules.{module}"), name)
        return self._loaded[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)


#: code -> rule class (imported on first use)
RULES: Mapping[str, type[Rule]] = _LazyRules(RULE_CLASSES)


def all_rules() -> dict[str, type[Rule]]:
    """Every rule, sorted by code (imports every rule module)."""
    return {code: RULES[code] for code in sorted(RULES)}


def family(code: str) -> str:
    """``DN`` for ``DN003``."""
    return code.rstrip("0123456789")


def codes_for(framework: str) -> list[str]:
    """The codes of the rules that can apply to a file of ``framework``, sorted, without importing any rule."""
    return sorted(code for code in RULES if FAMILY_FRAMEWORK.get(family(code), framework) == framework)


def rule_frameworks(rule: type[Rule]) -> tuple[str, ...]:
    """The frameworks whose files can give a rule everything it needs (all of them for schedule rules)."""
    own = [need for need in rule.needs if need not in LINT_VIEWS]
    return tuple(f.name for f in frameworks.all_frameworks() if all(need in f.views for need in own))


def applies_to(rule: type[Rule]) -> str:
    """``darknet``, ``caffe`` or ``any``, for listings."""
    names = rule_frameworks(rule)
    return "any" if len(names) == len(frameworks.names()) else ", ".join(names)
