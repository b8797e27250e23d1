"""Training logs, read against the config (framework-neutral: the formats are passed in).

- ``reader``: the lines of a log file, plain or gzip, in constant memory;
- ``model``: rows, events, print precisions, the :class:`~cfgtools.trainlog.model.LogFormat` protocol
  (implemented by ``cfgtools.darknet.log.DARKNET_LOG`` and ``cfgtools.caffe.log.CAFFE_LOG``);
- ``source``: :func:`~cfgtools.trainlog.source.open_log` checks a file and detects its format;
- ``segments``: the runs a log holds (start, resume, restart);
- ``precision``: rates compared at the precision they were printed with;
- ``compare``: every logged rate against a schedule, chunk by chunk;
- ``explain``: the simplest change to the config that fits every logged rate;
- ``findings``: NaN/inf losses, explosions, returns to the initial loss, near-zero rates, resumes,
  early stops, headers that disagree with the config;
- ``analyse``: :func:`~cfgtools.trainlog.analyse.analyse_log`, all of the above in one call;
- ``export``: :func:`~cfgtools.trainlog.export.export_rows`, the rows as CSV, TSV or JSON;
- ``series``: :func:`~cfgtools.trainlog.series.log_series`, the loss and rates folded into plot columns.

``cfgtools.logs`` passes in the formats the framework plug-ins give, and the schedule a log is read against.
"""
