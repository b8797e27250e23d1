"""Everything cfgtools knows about ultralytics YOLO training: YOLOv5 and the ``ultralytics`` package (8.x).

- ``versions``: the facts that differ between versions (:class:`VersionRules`), by name;
- ``yamlfile``: settings YAML read as PyYAML's ``safe_load`` reads it, with positions, and minimal edits;
- ``keys``: each version's settings, defaults and value checks;
- ``settings``: ``read_settings`` recognises hyp.yaml / opt.yaml / args.yaml / default.yaml, types them
  and reports findings; ``training_config`` gives the schedule's settings;
- ``schedule``: the lr and momentum of every parameter group at every iteration
  (:class:`YoloSchedule`), fresh or resumed.
"""

#: the versions whose rules differ, as dialects: the default first, ultralytics-8.3 (a YOLOv5 file defaults
#: to yolov5-7.0, see the plug-in's dialect_for)
DIALECTS = ("ultralytics-8.3", "ultralytics-8.0", "ultralytics-8.1", "ultralytics-latest",
            "yolov5-7.0", "yolov5-6.1", "yolov5-5.0")
