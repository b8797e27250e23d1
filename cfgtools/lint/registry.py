"""Every lint rule, by code: the one table of the linter (ruff's code table, yamllint's ``_RULES``).

Families: DN darknet reading rules, CF Caffe solver rules, YL darknet network
(YOLO) rules, LR learning-rate schedule rules, RS resume rules, UL YOLOv5 and
ultralytics settings, schedule and resume rules, LG training-log rules
(``--log``, ``cfgtools log``). Adding a rule:
write its module under ``cfgtools/lint/rules/`` and add one line here.
"""

from __future__ import annotations

from cfgtools import frameworks
from cfgtools.lint.context import LINT_VIEWS
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules.cf001_unknown_field import UnknownSolverField
from cfgtools.lint.rules.cf002_missing_policy_field import MissingPolicyField
from cfgtools.lint.rules.cf003_stepvalue_order import StepvalueOrder
from cfgtools.lint.rules.cf004_lr_policy import LrPolicy
from cfgtools.lint.rules.cf005_step_past_max_iter import StepPastMaxIter
from cfgtools.lint.rules.cf006_solver_type import SolverType
from cfgtools.lint.rules.cf007_repeated_scalar import RepeatedScalarField
from cfgtools.lint.rules.cf008_unused_by_policy import SolverFieldUnusedByPolicy
from cfgtools.lint.rules.dn001_unknown_net_key import UnknownNetKey
from cfgtools.lint.rules.dn002_duplicate_key import DuplicateKey
from cfgtools.lint.rules.dn003_inline_comment import InlineComment
from cfgtools.lint.rules.dn004_integer_value import IntegerValue
from cfgtools.lint.rules.dn005_unused_by_policy import UnusedByPolicy
from cfgtools.lint.rules.dn006_unknown_policy import UnknownPolicy
from cfgtools.lint.rules.dn007_steps_scales_length import StepsScalesLength
from cfgtools.lint.rules.dn008_empty_list_item import EmptyListItem
from cfgtools.lint.rules.dn009_steps_order import StepsOrder
from cfgtools.lint.rules.dn010_step_past_max import StepPastMaxBatches
from cfgtools.lint.rules.dn011_fatal import DarknetRefuses
from cfgtools.lint.rules.dn012_fork_difference import ForkDifference
from cfgtools.lint.rules.dn013_key_case import NetKeyCase
from cfgtools.lint.rules.dn014_empty_value import EmptyValue
from cfgtools.lint.rules.dn015_blank_in_value import BlankInValue
from cfgtools.lint.rules.lg001_rate_gpu_multiplier import RateGpuMultiplier
from cfgtools.lint.rules.lg002_rate_iteration_offset import RateIterationOffset
from cfgtools.lint.rules.lg003_rate_different_config import RateDifferentConfig
from cfgtools.lint.rules.lg004_rate_unexplained import RateUnexplained
from cfgtools.lint.rules.lg005_header_mismatch import HeaderMismatch
from cfgtools.lint.rules.lg006_loss_nonfinite import LossNonFinite
from cfgtools.lint.rules.lg007_loss_explosion import LossExplosion
from cfgtools.lint.rules.lg008_loss_returned import LossReturned
from cfgtools.lint.rules.lg009_rate_near_zero import RateNearZero
from cfgtools.lint.rules.lg010_run_resumed import RunResumed
from cfgtools.lint.rules.lg011_run_restarted import RunRestarted
from cfgtools.lint.rules.lg012_run_stopped_early import RunStoppedEarly
from cfgtools.lint.rules.lr001_zero_rate import ZeroRate
from cfgtools.lint.rules.lr002_nonfinite_rate import NonFiniteRate
from cfgtools.lint.rules.lr003_negligible_rate import NegligibleRate
from cfgtools.lint.rules.lr004_rate_rise import RateRise
from cfgtools.lint.rules.lr005_stops_before_goal import StopsBeforeGoal
from cfgtools.lint.rules.lr006_trains_past_goal import TrainsPastGoal
from cfgtools.lint.rules.rs001_resume_spike import ResumeSpike
from cfgtools.lint.rules.rs002_resume_past_end import ResumePastEnd
from cfgtools.lint.rules.rs003_restart_from_zero import RestartFromZero
from cfgtools.lint.rules.ul001_unknown_key import UnknownSettingKey
from cfgtools.lint.rules.ul002_deprecated_key import DeprecatedSettingKey
from cfgtools.lint.rules.ul003_setting_type import SettingType
from cfgtools.lint.rules.ul004_setting_range import SettingRange
from cfgtools.lint.rules.ul005_duplicate_setting import DuplicateSetting
from cfgtools.lint.rules.ul006_missing_hyperparameter import MissingHyperparameter
from cfgtools.lint.rules.ul007_overridden_setting import OverriddenSetting
from cfgtools.lint.rules.ul008_schedule_unchecked import ScheduleUnchecked
from cfgtools.lint.rules.ul009_resume_lr_jump import ResumeLrJump
from cfgtools.lint.rules.ul010_restart_warmup import RestartWarmup
from cfgtools.lint.rules.ul011_optimizer_auto import OptimizerAuto
from cfgtools.lint.rules.ul012_warmup_too_long import WarmupTooLong
from cfgtools.lint.rules.ul013_lrf_final_lr import LrfFinalLr
from cfgtools.lint.rules.ul014_cosine_no_decay import CosineNoDecay
from cfgtools.lint.rules.yl001_yolo_filters import YoloFilters
from cfgtools.lint.rules.yl002_yolo_classes import YoloClasses
from cfgtools.lint.rules.yl003_anchors_mask import AnchorsMask
from cfgtools.lint.rules.yl004_layer_reference import LayerReference
from cfgtools.lint.rules.yl005_shape_mismatch import ShapeMismatch
from cfgtools.lint.rules.yl006_input_size import InputSize
from cfgtools.lint.rules.yl007_unknown_layer import UnknownLayerType
from cfgtools.lint.rules.yl008_unused_field import UnusedField
from cfgtools.lint.rules.yl009_batch_subdivisions import BatchSubdivisions
from cfgtools.lint.rules.yl010_training_length import TrainingLength
from cfgtools.lint.rules.yl011_data_classes import DataClasses

RULES: dict[str, type[Rule]] = {
    "DN001": UnknownNetKey,
    "DN002": DuplicateKey,
    "DN003": InlineComment,
    "DN004": IntegerValue,
    "DN005": UnusedByPolicy,
    "DN006": UnknownPolicy,
    "DN007": StepsScalesLength,
    "DN008": EmptyListItem,
    "DN009": StepsOrder,
    "DN010": StepPastMaxBatches,
    "DN011": DarknetRefuses,
    "DN012": ForkDifference,
    "DN013": NetKeyCase,
    "DN014": EmptyValue,
    "DN015": BlankInValue,
    "CF001": UnknownSolverField,
    "CF002": MissingPolicyField,
    "CF003": StepvalueOrder,
    "CF004": LrPolicy,
    "CF005": StepPastMaxIter,
    "CF006": SolverType,
    "CF007": RepeatedScalarField,
    "CF008": SolverFieldUnusedByPolicy,
    "YL001": YoloFilters,
    "YL002": YoloClasses,
    "YL003": AnchorsMask,
    "YL004": LayerReference,
    "YL005": ShapeMismatch,
    "YL006": InputSize,
    "YL007": UnknownLayerType,
    "YL008": UnusedField,
    "YL009": BatchSubdivisions,
    "YL010": TrainingLength,
    "YL011": DataClasses,
    "LR001": ZeroRate,
    "LR002": NonFiniteRate,
    "LR003": NegligibleRate,
    "LR004": RateRise,
    "LR005": StopsBeforeGoal,
    "LR006": TrainsPastGoal,
    "RS001": ResumeSpike,
    "RS002": ResumePastEnd,
    "RS003": RestartFromZero,
    "UL001": UnknownSettingKey,
    "UL002": DeprecatedSettingKey,
    "UL003": SettingType,
    "UL004": SettingRange,
    "UL005": DuplicateSetting,
    "UL006": MissingHyperparameter,
    "UL007": OverriddenSetting,
    "UL008": ScheduleUnchecked,
    "UL009": ResumeLrJump,
    "UL010": RestartWarmup,
    "UL011": OptimizerAuto,
    "UL012": WarmupTooLong,
    "UL013": LrfFinalLr,
    "UL014": CosineNoDecay,
    "LG001": RateGpuMultiplier,
    "LG002": RateIterationOffset,
    "LG003": RateDifferentConfig,
    "LG004": RateUnexplained,
    "LG005": HeaderMismatch,
    "LG006": LossNonFinite,
    "LG007": LossExplosion,
    "LG008": LossReturned,
    "LG009": RateNearZero,
    "LG010": RunResumed,
    "LG011": RunRestarted,
    "LG012": RunStoppedEarly,
}


def all_rules() -> dict[str, type[Rule]]:
    """Every rule, sorted by code."""
    return dict(sorted(RULES.items()))


def rule_frameworks(rule: type[Rule]) -> tuple[str, ...]:
    """The frameworks whose files can give a rule everything it needs (all of them for schedule rules)."""
    own = [need for need in rule.needs if need not in LINT_VIEWS]
    return tuple(f.name for f in frameworks.all_frameworks() if all(need in f.views for need in own))


def applies_to(rule: type[Rule]) -> str:
    """``darknet``, ``caffe`` or ``any``, for listings."""
    names = rule_frameworks(rule)
    return "any" if len(names) == len(frameworks.names()) else ", ".join(names)
