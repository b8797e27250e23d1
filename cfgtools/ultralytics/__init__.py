"""Everything cfgtools knows about ultralytics YOLO training: YOLOv5 and the ``ultralytics`` package (8.x).

- ``versions``: the facts that differ between versions (:class:`VersionRules`), by name;
- ``schedule``: the lr and momentum of every parameter group at every iteration
  (:class:`YoloSchedule`), fresh or resumed.
"""
