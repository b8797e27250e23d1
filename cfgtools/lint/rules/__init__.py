"""Every lint rule, one module each; importing this package registers them.

Keep this file a plain list of imports (other rule families add theirs here).
"""

from cfgtools.lint.rules import dn001_unknown_net_key  # noqa: F401
from cfgtools.lint.rules import dn002_duplicate_key  # noqa: F401
from cfgtools.lint.rules import dn003_inline_comment  # noqa: F401
from cfgtools.lint.rules import dn004_integer_value  # noqa: F401
from cfgtools.lint.rules import dn005_unused_by_policy  # noqa: F401
from cfgtools.lint.rules import dn006_unknown_policy  # noqa: F401
from cfgtools.lint.rules import dn007_steps_scales_length  # noqa: F401
from cfgtools.lint.rules import dn008_empty_list_item  # noqa: F401
from cfgtools.lint.rules import dn009_steps_order  # noqa: F401
from cfgtools.lint.rules import dn010_step_past_max  # noqa: F401
from cfgtools.lint.rules import dn011_fatal  # noqa: F401
from cfgtools.lint.rules import dn012_fork_difference  # noqa: F401
from cfgtools.lint.rules import dn013_key_case  # noqa: F401
from cfgtools.lint.rules import cf001_unknown_field  # noqa: F401
from cfgtools.lint.rules import cf002_missing_policy_field  # noqa: F401
from cfgtools.lint.rules import cf003_stepvalue_order  # noqa: F401
from cfgtools.lint.rules import cf004_lr_policy  # noqa: F401
from cfgtools.lint.rules import cf005_step_past_max_iter  # noqa: F401
from cfgtools.lint.rules import cf006_solver_type  # noqa: F401
from cfgtools.lint.rules import cf007_repeated_scalar  # noqa: F401
from cfgtools.lint.rules import cf008_unused_by_policy  # noqa: F401
from cfgtools.lint.rules import yl001_yolo_filters  # noqa: F401
from cfgtools.lint.rules import yl002_yolo_classes  # noqa: F401
from cfgtools.lint.rules import yl003_anchors_mask  # noqa: F401
from cfgtools.lint.rules import yl004_layer_reference  # noqa: F401
from cfgtools.lint.rules import yl005_shape_mismatch  # noqa: F401
from cfgtools.lint.rules import yl006_input_size  # noqa: F401
from cfgtools.lint.rules import yl007_unknown_layer  # noqa: F401
from cfgtools.lint.rules import yl008_unused_field  # noqa: F401
from cfgtools.lint.rules import yl009_batch_subdivisions  # noqa: F401
from cfgtools.lint.rules import yl010_training_length  # noqa: F401
from cfgtools.lint.rules import lr001_zero_rate  # noqa: F401
from cfgtools.lint.rules import lr002_nonfinite_rate  # noqa: F401
from cfgtools.lint.rules import lr003_negligible_rate  # noqa: F401
from cfgtools.lint.rules import lr004_rate_rise  # noqa: F401
from cfgtools.lint.rules import lr005_stops_before_goal  # noqa: F401
from cfgtools.lint.rules import rs001_resume_spike  # noqa: F401
from cfgtools.lint.rules import rs002_resume_past_end  # noqa: F401
from cfgtools.lint.rules import rs003_restart_from_zero  # noqa: F401
from cfgtools.lint.rules import dn014_empty_value  # noqa: F401
